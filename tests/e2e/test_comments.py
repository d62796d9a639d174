"""A reader comments and replies in a real browser; only they see their held comments."""

from playwright.sync_api import expect

from comments.models import Comment


def post_from_form(page, body):
    page.locator("#id_name").fill("Juniper Vale")
    page.locator("#id_email").fill("juniper.vale@example.net")
    page.locator("#id_body").fill(body)
    page.locator(".comment-form button[type=submit]").click()


def test_a_reader_sees_their_held_comment_and_reply_and_others_see_them_after_approval(
    page, browser, live_server, discussion
):
    url = f"{live_server.url}{discussion.get_absolute_url()}"
    page.goto(url)

    post_from_form(page, "The shade sails can't come soon enough for Carver Avenue.")
    comment = Comment.objects.get(email="juniper.vale@example.net")
    expect(page).to_have_url(f"{url}#comment-{comment.pk}")
    mine = page.locator(f"#comment-{comment.pk}")
    expect(mine).to_contain_text("Your comment is awaiting moderation.")

    page.get_by_role("link", name="Reply to Teodora Lin").first.click()
    expect(page.locator("#respond-heading")).to_have_text("Reply to Teodora Lin")
    post_from_form(page, "Carver & 9th being fourth on the list is a relief.")
    reply = Comment.objects.get(body__startswith="Carver & 9th")
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text(
        "Your comment is awaiting moderation."
    )
    assert reply.parent.name == "Teodora Lin"
    assert reply.is_pending() and comment.is_pending()

    other = browser.new_context().new_page()
    other.goto(url)
    expect(other.locator(".comment-list")).to_contain_text("Teodora Lin")
    expect(other.locator(f"#comment-{comment.pk}")).to_have_count(0)
    expect(other.locator(f"#comment-{reply.pk}")).to_have_count(0)

    comment.approve()
    reply.approve()
    other.reload()
    expect(other.locator(f"#comment-{comment.pk}")).to_contain_text("Carver Avenue")
    expect(other.locator(f"#comment-{reply.pk}")).to_contain_text("fourth on the list")
    expect(other.locator(f"#comment-{reply.pk}")).not_to_contain_text("awaiting moderation")
    other.context.close()


def test_the_comment_area_and_a_refused_form_pass_axe(
    page, live_server, discussion, axe_violations
):
    page.goto(f"{live_server.url}{discussion.get_absolute_url()}")
    assert axe_violations(page) == []

    page.locator("#id_body").fill("No name or address given.")
    page.locator(".comment-form button[type=submit]").click()

    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("No name or address given.")
    assert axe_violations(page) == []


def test_a_reader_posts_from_a_cached_page_with_javascript_off(browser, live_server, discussion):
    """The shared page has no token in it: Chromium's own Origin and Sec-Fetch-Site vouch."""
    url = f"{live_server.url}{discussion.get_absolute_url()}"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    first = page.goto(url)
    cached = page.reload()
    assert "public" in first.headers["cache-control"]
    assert cached.headers["etag"] == first.headers["etag"]
    assert page.locator("input[name=csrfmiddlewaretoken]").count() == 0

    post_from_form(page, "Posted from a page the cache served, no scripts needed.")

    comment = Comment.objects.get(email="juniper.vale@example.net")
    expect(page).to_have_url(f"{url}#comment-{comment.pk}")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("awaiting moderation")
    context.close()


def test_a_reader_reports_a_comment_from_its_own_page(
    page, live_server, discussion, axe_violations
):
    page.goto(f"{live_server.url}{discussion.get_absolute_url()}")
    target = Comment.objects.approved().filter(article=discussion).first()

    page.get_by_role("link", name=f"Report the comment by {target.name}").first.click()
    expect(page.get_by_role("heading", name="Report a comment")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Send report").click()

    expect(page.locator("main")).to_contain_text(
        "Thank you. A moderator will look at this comment."
    )
    assert target.reports.get().reason == "off_topic"


FOCUSED_ALERT = """() => {
  const element = document.activeElement;
  const box = element.getBoundingClientRect();
  return element.getAttribute("role") === "alert"
    && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def test_a_refused_comment_lands_on_the_form_with_the_error_announced_and_a_refresh_resends_nothing(
    page, live_server, discussion
):
    url = f"{live_server.url}{discussion.get_absolute_url()}"
    page.goto(url)
    before = Comment.objects.count()
    page.locator("#id_email").fill("juniper.vale@example.net")
    page.locator("#id_body").fill("Forgot my name, kept my words.")
    page.locator(".comment-form button[type=submit]").click()

    expect(page.locator(".form-errors")).to_be_focused()
    assert page.evaluate(FOCUSED_ALERT)
    expect(page).to_have_url(url)  # the article's address, not the form's
    expect(page.locator("#id_body")).to_have_value("Forgot my name, kept my words.")

    page.reload()

    expect(page).to_have_url(url)
    expect(page.locator("#id_body")).to_have_value("Forgot my name, kept my words.")
    assert Comment.objects.count() == before


def test_without_javascript_a_refused_comment_still_lands_on_its_focused_error(
    browser, live_server, discussion
):
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}{discussion.get_absolute_url()}")
    page.locator("#id_body").fill("No name, no address.")
    page.locator(".comment-form button[type=submit]").click()

    expect(page.locator(".form-errors")).to_be_focused()
    assert page.evaluate(FOCUSED_ALERT)
    assert page.url.endswith(f"/comments/post/{discussion.pk}/")
    expect(page.locator("#id_body")).to_have_value("No name, no address.")
    page.context.close()
