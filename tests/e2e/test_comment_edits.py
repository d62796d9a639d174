"""A reader edits their own comment in a real browser: the link, the form, the edited page."""

from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_comments import post_from_form


def test_a_reader_edits_their_comment_and_the_edit_page_passes_axe(
    page, live_server, discussion, axe_violations, screenshot, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    url = f"{live_server.url}{discussion.get_absolute_url()}"
    page.goto(url)
    post_from_form(page, "The splash pad opens at nnie.")
    comment = Comment.objects.get(email="juniper.vale@example.net")
    mine = page.locator(f"#comment-{comment.pk}")
    expect(mine).to_contain_text("opens at nnie")

    mine.get_by_role("link", name="Edit").click()
    expect(page).to_have_url(f"{live_server.url}/comments/{comment.pk}/edit/")
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "comment-edit")

    page.get_by_label("Comment (required)").fill("")
    page.get_by_role("button", name="Save edit").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Comment (required)").fill("The splash pad opens at nine.")
    page.get_by_role("button", name="Save edit").click()
    expect(page).to_have_url(f"{url}#comment-{comment.pk}")
    expect(mine).to_contain_text("opens at nine.")
    expect(mine.locator(".comment-edited")).to_contain_text("edited")
    mine.screenshot(path=SCREENSHOTS / "comment-edited.png")

    other = page.context.browser.new_context().new_page()
    other.goto(url)
    expect(other.locator(f"#comment-{comment.pk}")).to_contain_text("opens at nine.")
    expect(other.locator(f"#comment-{comment.pk}").get_by_role("link", name="Edit")).to_have_count(
        0
    )
    other.context.close()
