"""The moderation desk in a real browser: cleared by keyboard alone, shared by two moderators
without deciding a comment twice, and free of WCAG 2.2 AA violations."""

import datetime
from collections import Counter

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import DECISION_KINDS, Comment, CommentEvent
from tests.factories import ArticleFactory, UserFactory

DESK = "/admin/comments/comment/desk/"


@pytest.fixture
def article(transactional_db):
    return ArticleFactory(title="Splash pads reopen early", slug="splash-pads")


def held(article, count, **fields):
    """``count`` comments held for a first-time commenter, a minute apart, oldest first."""
    start = timezone.now() - datetime.timedelta(hours=2)
    comments = []
    for n in range(count):
        with time_machine.travel(start + datetime.timedelta(minutes=n)):
            comment = Comment.objects.create(
                article=article, name=f"Reader {n}", email=f"reader{n}@example.net",
                body=f"Held remark number {n}.", akismet="disabled", **fields,
            )  # fmt: skip
            comment.record("submitted")
            comment.hold("first_time")
        comments.append(comment)
    return comments


def shown(page):
    return int(page.locator("#desk-comment").get_attribute("data-comment"))


def press(page, key):
    """Press a key that sends a decision, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def decisions_by_comment():
    events = CommentEvent.objects.filter(kind__in=DECISION_KINDS, actor__isnull=False)
    return Counter(events.values_list("comment_id", flat=True))


def test_a_moderator_clears_a_queue_of_twenty_by_keyboard_alone(
    page, live_server, login, moderator, article
):
    queue = held(article, 20)
    login(page, "mo")
    page.goto(f"{live_server.url}{DESK}")
    # By fours: approve, spam, remove for harassment (r then 3), approve; once, undo and redo.
    plan = {0: ["a"], 1: ["s"], 2: ["r", "3"]}
    expected = {0: "approved", 1: "spam", 2: "removed"}
    for n, comment in enumerate(queue):
        expect(page.locator("#desk-comment")).to_have_attribute("data-comment", str(comment.pk))
        keys = plan.get(n % 4, ["a"])
        if n == 5:
            press(page, "s")
            press(page, "u")
            expect(page.locator("#desk-comment")).to_have_attribute("data-comment", str(comment.pk))
        if keys[0] == "r":  # no reason chosen yet: the desk asks for one
            page.keyboard.press("r")
            expect(page.locator("#desk-hint")).to_contain_text("Press 1–7")
        press(page, keys[-1])

    expect(page.locator("#desk-empty")).to_contain_text("Nothing to decide")
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {c.pk: expected.get(n % 4, "approved") for n, c in enumerate(queue)}
    assert Comment.objects.filter(removal_reason="harassment").count() == 5
    counts = decisions_by_comment()
    assert counts.pop(queue[5].pk) == 2  # marked spam, undone, marked spam again
    assert set(counts.values()) == {1} and len(counts) == 19


def test_two_moderators_in_two_browsers_never_decide_the_same_comment(
    page, live_server, login, moderator, article
):
    queue = held(article, 12)
    other = UserFactory(username="max", is_staff=True)
    other.groups.set(moderator.groups.all())
    second = page.context.browser.new_context().new_page()
    login(page, "mo")
    login(second, "max")
    for p in (page, second):
        p.goto(f"{live_server.url}{DESK}")

    decided = 0
    while decided < len(queue):
        assert shown(page) != shown(second)
        for p in (page, second):
            press(p, "a")
            decided += 1

    for p in (page, second):
        p.reload()
        expect(p.locator("#desk-empty")).to_be_visible()
    second.context.close()
    assert decisions_by_comment() == {c.pk: 1 for c in queue}
    actors = Counter(
        CommentEvent.objects.filter(kind="approved").values_list("actor__username", flat=True)
    )
    assert actors == {"mo": 6, "max": 6}


def test_the_desk_has_no_wcag_22_aa_violations(
    page, live_server, login, moderator, article, axe_violations
):
    (parent,) = held(article, 1)
    parent.approve(by=moderator)
    held(article, 1, parent=parent)
    login(page, "mo")
    page.goto(f"{live_server.url}{DESK}")
    expect(page.locator("#desk-parent, .desk-parent")).to_contain_text("In reply to Reader 0")
    assert axe_violations(page) == []

    page.keyboard.press("h")
    page.keyboard.press("r")
    expect(page.locator("#desk-history")).to_have_attribute("open", "")
    assert axe_violations(page) == []

    press(page, "a")
    expect(page.locator("#desk-empty")).to_be_visible()
    assert axe_violations(page) == []


def test_the_desk_works_without_javascript(browser, live_server, login, moderator, article):
    first, second = held(article, 2)
    page = browser.new_context(java_script_enabled=False).new_page()
    login(page, "mo")
    page.goto(f"{live_server.url}{DESK}")

    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#desk-comment")).to_have_attribute("data-comment", str(second.pk))
    page.get_by_role("button", name="Remove").click()  # no reason: the browser asks for one
    expect(page.locator("#desk-comment")).to_have_attribute("data-comment", str(second.pk))
    page.get_by_label("Abuse").check()
    page.get_by_role("button", name="Remove").click()
    expect(page.locator("#desk-empty")).to_be_visible()

    page.context.close()
    assert dict(Comment.objects.values_list("pk", "removal_reason")) == {
        first.pk: "",
        second.pk: "abuse",
    }
    assert Comment.objects.get(pk=first.pk).is_approved()
