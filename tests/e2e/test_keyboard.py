"""A reader with only a keyboard comments and replies, and always sees where the focus is."""

import re

from playwright.sync_api import expect

from comments.models import Comment

# What a sighted keyboard user needs of the focused element: Chromium's keyboard-focus state
# (:focus-visible), a drawn indicator (outline or box-shadow), and the element on screen.
FOCUS_STATE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    element: element.outerHTML.slice(0, 120),
    name: element.getAttribute("aria-label") || element.id || element.textContent.trim(),
    focusVisible: element.matches(":focus-visible"),
    indicator: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""
POSTED = re.compile(r"#comment-\d+$")
MOST_TABS = 400  # the article page has fewer focusable elements than this


def focused(page):
    """The focused element's state; fails unless a keyboard user can see where focus is."""
    state = page.evaluate(FOCUS_STATE)
    assert state is not None, "Focus fell back to the page itself."
    assert state["focusVisible"] and state["indicator"], f"No visible focus: {state['element']}"
    assert state["onScreen"], f"Focus is off screen: {state['element']}"
    return state


def tab_until(page, wanted, key="Tab"):
    """Press ``key`` until ``wanted(state)`` holds, checking the focus at every stop."""
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        state = focused(page)
        if wanted(state):
            return state
    raise AssertionError(f"{key} never reached the element wanted.")


def settled(page, target):
    """After a navigation to ``#target``: sequential focus starts from it once it is shown."""
    page.wait_for_load_state("load")
    expect(page.locator(target)).to_be_in_viewport()
    page.evaluate("() => new Promise(requestAnimationFrame)")


def is_named(name):
    return lambda state: state["name"] == name


def starts_with(prefix):
    return lambda state: state["name"].startswith(prefix)


def fill_in_comment(page, body):
    """From the name field, type a comment and send it, field by field with Tab."""
    page.keyboard.type("Juniper Vale")
    tab_until(page, is_named("id_email"))
    page.keyboard.type("juniper.vale@example.net")
    tab_until(page, is_named("id_url"))
    tab_until(page, is_named("id_body"))
    page.keyboard.type(body)
    tab_until(page, is_named("id_remember"))
    tab_until(page, lambda state: state["element"].startswith("<button"))


def test_a_keyboard_user_posts_a_comment_and_a_reply_with_focus_always_visible(
    page, live_server, discussion
):
    url = f"{live_server.url}{discussion.get_absolute_url()}"
    page.goto(url)

    tab_until(page, is_named("id_name"))
    fill_in_comment(page, "Typed without a mouse: the shade sails matter most.")
    page.keyboard.press("Enter")
    expect(page).to_have_url(POSTED)
    comment = Comment.objects.get(body__startswith="Typed without a mouse")
    expect(page).to_have_url(f"{url}#comment-{comment.pk}")
    settled(page, f"#comment-{comment.pk}")

    # Back up from the new comment (it has no Reply link while held) to an earlier one.
    reply = tab_until(page, starts_with("Reply to "), key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#respond-heading")).to_have_text(reply["name"])
    settled(page, "#respond")

    tab_until(page, is_named("id_name"))
    fill_in_comment(page, "And this reply too, with Tab and Space alone.")
    page.keyboard.press("Space")
    expect(page).to_have_url(POSTED)
    answer = Comment.objects.get(body__startswith="And this reply too")
    expect(page).to_have_url(f"{url}#comment-{answer.pk}")
    assert reply["name"] == f"Reply to {answer.parent.name}"
