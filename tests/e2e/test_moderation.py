"""A moderator works the queue in a real browser; the article then shows what was approved."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from comments.models import Comment


@pytest.fixture
def queue(seeded, settings):
    """The demo site with its demo discussion: three comments held on the reference article."""
    settings.AKISMET_API_KEY = ""
    call_command("seed_comments", stdout=io.StringIO())
    return list(Comment.objects.pending().filter(article=seeded).order_by("submitted_at"))


def run_action(page, label, comments):
    for comment in comments:
        page.locator(f'input[name="_selected_action"][value="{comment.pk}"]').check()
    page.get_by_role("combobox", name="Action").select_option(label=label)
    page.get_by_role("button", name="Run").click()


def test_a_moderator_approves_two_comments_and_marks_one_spam_from_the_queue(
    page, live_server, login, moderator, seeded, queue
):
    first, second, third = queue
    login(page, "mo")
    expect(page.locator("#moderation-summary")).to_contain_text("await a moderator")

    page.get_by_role("link", name="await a moderator").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=first.email)).to_have_count(1)
    expect(rows.filter(has_text="Contains a word held for review")).to_have_count(1)

    run_action(page, "Approve", [first, second])
    expect(page.get_by_text("2 comments approved.")).to_be_visible()
    run_action(page, "Mark as spam", [third])
    expect(page.get_by_text("1 comment marked as spam.")).to_be_visible()
    expect(page.locator(f'input[name="_selected_action"][value="{third.pk}"]')).to_have_count(0)

    reader = page.context.browser.new_context().new_page()
    reader.goto(f"{live_server.url}{seeded.get_absolute_url()}")
    for approved in (first, second):
        expect(reader.locator(f"#comment-{approved.pk}")).to_contain_text(approved.name)
    expect(reader.locator(f"#comment-{third.pk}")).to_have_count(0)
    shown = {c.pk for c in queue} & {
        int(i.removeprefix("comment-"))
        for i in reader.locator(".comment").evaluate_all("els => els.map(e => e.id)")
    }
    assert shown == {first.pk, second.pk}
    reader.context.close()
