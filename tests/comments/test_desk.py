"""The moderation desk: one comment at a time, claimed, decided by POST, undone, per role."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client, TestCase
from django.utils import timezone

from comments.admin import health
from comments.models import Comment, CommentEvent, Rule
from tests.comments.conftest import approved_comment, checked_comment, held_comment
from tests.factories import UserFactory

DESK = "/admin/comments/comment/desk/"


def decide(client, comment, decision, seen=None, queue="pending", **data):
    # On-commit work (the Akismet corrections) runs as it would after a real commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"{DESK}{comment.pk}/decide/",
            {"decision": decision, "seen": seen or comment.status, "queue": queue, **data},
        )


def undo(client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{DESK}undo/", {"queue": "pending"})


def shown(response):
    """The pk of the comment the desk shows, or None (read from the page: the test client's
    captured context is not per thread)."""
    found = re.search(r'data-comment="(\d+)"', response.content.decode())
    return int(found.group(1)) if found else None


def decisions(comment):
    return list(comment.events.filter(actor__isnull=False).values_list("kind", "actor__username"))


@pytest.fixture
def mo(client, moderator):
    client.force_login(moderator)
    return moderator


@pytest.fixture
def second_moderator(moderator):
    other = UserFactory(username="max", is_staff=True)
    other.groups.set(moderator.groups.all())
    return other


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def held_queue(article, count):
    """``count`` held comments, a minute apart, oldest first."""
    start = timezone.now() - datetime.timedelta(hours=1)
    comments = []
    for n in range(count):
        with time_machine.travel(start + datetime.timedelta(minutes=n)):
            comments.append(held_comment(article, body=f"Held remark {n}."))
    return comments


# What the desk shows.


def test_the_desk_shows_the_oldest_held_comment_with_its_context(client, mo, article):
    parent = approved_comment(article, name="Ada", body="The pads open at nine.")
    Rule.objects.create(kind="hold_word", value="refund")
    earlier = held_comment(article, email="pat@example.net")
    earlier.mark_spam(by=mo)
    comment = held_comment(
        article, "hold_word", parent=parent, email="pat@example.net", body="I want a refund."
    )
    held_comment(article, body="Newer.")

    response = client.get(DESK)
    html = response.content.decode()

    assert shown(response) == comment.pk
    assert "Splash pads reopen early" in html
    assert "In reply to Ada" in html and "The pads open at nine." in html
    assert "Contains a word held for review (“refund”)" in html
    commenter = html[html.index('id="desk-commenter"') :]
    assert "approved 0 · spam 1 · removed 0" in commenter and "first seen" in commenter
    assert "Audit trail" in html and "Held for moderation" in html
    for key in "arsjh":
        assert f'data-key="{key}"' in html
    assert 'data-key="n"' not in html  # "not spam" is for the spam queue


def test_the_spam_queue_offers_not_spam_instead_of_approve(client, mo, fake_akismet, article):
    comment = checked_comment(fake_akismet, article, verdict="spam")

    html = client.get(DESK, {"queue": "spam"}).content.decode()

    assert f'data-comment="{comment.pk}"' in html
    assert 'data-key="n"' in html and 'data-key="a"' not in html
    assert "<dt>Akismet</dt><dd>Spam</dd>" in html


def test_the_queue_links_to_the_desk_for_moderators_only(client, mo, senior_editor):
    assert f'href="{DESK}"' in client.get("/admin/comments/comment/").content.decode()
    client.force_login(senior_editor)
    assert DESK not in client.get("/admin/").content.decode()


def test_an_empty_queue_says_there_is_nothing_to_decide(client, mo, article):
    approved_comment(article)

    response = client.get(DESK)

    assert shown(response) is None
    assert "Nothing to decide" in response.content.decode()


def test_staff_without_the_change_permission_on_comments_get_403(client, reporter, senior_editor):
    for user in (reporter, senior_editor):
        client.force_login(user)
        assert client.get(DESK).status_code == 403


def test_a_reporter_cannot_decide_at_the_desk(client, reporter, article):
    comment = held_comment(article)
    client.force_login(reporter)

    assert decide(client, comment, "approve").status_code == 403
    assert client.post(f"{DESK}undo/").status_code == 403
    comment.refresh_from_db()
    assert comment.is_pending()


def test_readers_are_sent_to_the_login_page(client, reader):
    client.force_login(reader)

    response = client.get(DESK)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# Claims.


def test_two_moderators_opening_the_desk_are_shown_different_comments(
    client, mo, second_moderator, article
):
    first, second, _third = held_queue(article, 3)

    mine = shown(client.get(DESK))
    theirs = shown(client_for(second_moderator).get(DESK))

    assert (mine, theirs) == (first.pk, second.pk)
    assert shown(client.get(DESK)) == first.pk  # a reload keeps the same comment


def test_a_claim_runs_out_after_five_minutes(client, mo, second_moderator, article):
    (only,) = held_queue(article, 1)
    shown(client.get(DESK))
    other = client_for(second_moderator)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        assert shown(other.get(DESK)) is None
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        assert shown(other.get(DESK)) == only.pk


@pytest.mark.django_db(transaction=True)
def test_moderators_opening_the_desk_at_the_same_moment_each_get_their_own_comment(
    moderator, article
):
    held_queue(article, 8)
    users = [moderator] + [UserFactory(username=f"m{n}", is_staff=True) for n in range(7)]
    for user in users[1:]:
        user.groups.set(moderator.groups.all())
    clients = [client_for(user) for user in users]
    barrier = threading.Barrier(len(clients))
    seen = [None] * len(clients)

    def open_desk(n):
        try:
            barrier.wait(timeout=10)
            seen[n] = shown(clients[n].get(DESK))
        finally:
            connection.close()

    threads = [threading.Thread(target=open_desk, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert None not in seen and len(set(seen)) == len(clients)
    claims = Comment.objects.filter(claimed_by__isnull=False)
    assert dict(claims.values_list("pk", "claimed_by")) == {
        pk: user.pk for pk, user in zip(seen, users, strict=True)
    }


# Decisions.


def test_approving_publishes_the_comment_and_the_desk_shows_the_next(client, mo, article):
    first, second = held_queue(article, 2)
    client.get(DESK)

    response = decide(client, first, "approve")
    following = client.get(response["Location"])

    assert response.status_code == 302 and response["Location"] == f"{DESK}?queue=pending"
    first.refresh_from_db()
    assert first.is_approved() and decisions(first) == [("approved", "mo")]
    assert shown(following) == second.pk
    assert "Approve: “Held remark 0.”" in following.content.decode()


def test_removal_needs_a_reason_and_changes_nothing_without_one(client, mo, article):
    (comment,) = held_queue(article, 1)

    response = decide(client, comment, "remove")

    assert response.status_code == 400
    assert "Choose a reason for removal." in response.content.decode()
    assert shown(response) == comment.pk
    comment.refresh_from_db()
    assert comment.is_pending() and decisions(comment) == []
    assert decide(client, comment, "remove", reason="nonsense").status_code == 400


def test_the_reason_for_removal_is_recorded_and_shown_in_the_audit_trail(client, mo, article):
    (comment,) = held_queue(article, 1)

    decide(client, comment, "remove", reason="harassment")

    comment.refresh_from_db()
    assert comment.is_removed() and comment.removal_reason == "harassment"
    event = comment.events.get(kind="removed")
    assert event.data["reason"] == "harassment"
    trail = client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()
    assert "Harassment" in trail[trail.index("Audit trail") :]


def test_spam_at_the_desk_records_spam_as_the_reason(client, mo, article):
    (comment,) = held_queue(article, 1)

    decide(client, comment, "spam")

    comment.refresh_from_db()
    assert comment.is_spam() and comment.removal_reason == "spam"
    assert comment.events.get(kind="marked_spam").data["reason"] == "spam"


def test_a_decision_on_a_comment_decided_since_changes_nothing(
    client, mo, second_moderator, article
):
    (comment,) = held_queue(article, 1)
    decide(client_for(second_moderator), comment, "approve")

    response = decide(client, comment, "spam", seen="pending")

    comment.refresh_from_db()
    assert comment.is_approved() and decisions(comment) == [("approved", "max")]
    page = client.get(response["Location"]).content.decode()
    assert "another moderator acted on" in page


def test_an_unknown_decision_is_refused_with_400(client, mo, article):
    (comment,) = held_queue(article, 1)

    response = decide(client, comment, "publish")

    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.is_pending()


def test_skipping_shows_the_next_and_frees_the_comment_for_others(
    client, mo, second_moderator, article
):
    first, second = held_queue(article, 2)
    client.get(DESK)

    after = client.get(decide(client, first, "skip")["Location"])

    assert shown(after) == second.pk
    assert shown(client_for(second_moderator).get(DESK)) == first.pk
    first.refresh_from_db()
    assert first.is_pending() and decisions(first) == []


def test_skipped_comments_come_back_when_asked(client, mo, article):
    (only,) = held_queue(article, 1)
    decide(client, only, "skip")
    assert shown(client.get(DESK)) is None

    response = client.post(f"{DESK}unskip/", {"queue": "pending"})

    assert shown(client.get(response["Location"])) == only.pk


# Undo.


def test_undo_puts_the_last_decision_back_and_shows_the_comment_again(client, mo, article):
    first, second = held_queue(article, 2)
    decide(client, first, "remove", reason="off_topic")

    response = undo(client)
    again = client.get(response["Location"])

    first.refresh_from_db()
    assert first.is_pending() and first.removal_reason == ""
    assert shown(again) == first.pk
    kinds = list(first.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["removed", "decision_undone"]
    trail = client.get(f"/admin/comments/comment/{first.pk}/change/").content.decode()
    assert "Decision undone" in trail
    assert undo(client).status_code == 302  # nothing left to undo: a message, no change
    first.refresh_from_db()
    assert first.is_pending()


def test_undo_is_refused_when_the_comment_changed_since(client, mo, second_moderator, article):
    (comment,) = held_queue(article, 1)
    decide(client, comment, "approve")
    Comment.objects.get(pk=comment.pk).unapprove(by=second_moderator)

    page = client.get(undo(client)["Location"]).content.decode()

    comment.refresh_from_db()
    assert comment.is_pending()
    assert not comment.events.filter(kind=CommentEvent.Kind.UNDONE).exists()
    assert "Not undone" in page


def test_undoing_spam_withdraws_the_correction_not_yet_sent_to_akismet(
    client, mo, fake_akismet, dummy_tasks, article
):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    decide(client, comment, "spam")
    comment.refresh_from_db()
    assert comment.akismet_feedback == "spam"

    undo(client)

    comment.refresh_from_db()
    assert comment.is_pending() and comment.akismet_feedback == ""


def test_undoing_not_spam_sends_it_back_to_spam_and_akismet_is_not_told_ham(
    client, mo, fake_akismet, dummy_tasks, article
):
    comment = checked_comment(fake_akismet, article, verdict="spam")
    decide(client, comment, "not_spam", queue="spam")
    comment.refresh_from_db()
    assert comment.is_approved() and comment.akismet_feedback == "ham"

    again = client.get(undo(client)["Location"])

    comment.refresh_from_db()
    assert comment.is_spam() and comment.akismet_feedback == ""
    assert shown(again) == comment.pk and again.context["queue"].name == "spam"


def test_undoing_not_spam_once_akismet_was_told_ham_tells_it_spam_again(
    client, mo, fake_akismet, article
):
    comment = checked_comment(fake_akismet, article, verdict="spam")
    decide(client, comment, "not_spam", queue="spam")
    comment.refresh_from_db()
    assert comment.akismet_told == "ham"

    undo(client)

    comment.refresh_from_db()
    assert comment.is_spam()
    assert (comment.akismet_told, comment.akismet_feedback) == ("spam", "")
    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1


# The queue's health.


def test_queue_health_counts_the_queue_and_the_decisions(moderator, second_moderator, article):
    now = timezone.make_aware(datetime.datetime(2026, 6, 10, 15, 0))
    with time_machine.travel(now - datetime.timedelta(days=9), tick=False):
        old = held_comment(article)
    with time_machine.travel(now - datetime.timedelta(days=8), tick=False):
        old.approve(by=moderator)  # outside the week: not in the median
    waits = [datetime.timedelta(hours=h) for h in (1, 5, 6)]
    for hours, by in zip(waits, [moderator, second_moderator, moderator], strict=True):
        with time_machine.travel(now - datetime.timedelta(days=1) - hours, tick=False):
            comment = held_comment(article)
        with time_machine.travel(now - datetime.timedelta(days=1), tick=False):
            comment.approve(by=by)
    with time_machine.travel(now - datetime.timedelta(hours=3), tick=False):
        waiting = held_comment(article)
        today = held_comment(article)
    with time_machine.travel(now - datetime.timedelta(hours=1), tick=False):
        today.remove(by=second_moderator)
        held_comment(article).approve()  # no moderator: not a decision
    with time_machine.travel(now - datetime.timedelta(minutes=10), tick=False):
        today.restore(by=second_moderator)  # not its first decision: not in the median

    figures = health.queue_health(now)

    assert figures.pending == 2 and figures.oldest == waiting.submitted_at
    assert figures.decisions_today == [("max", 2)]
    # The first decisions of the week: after 1, 5 and 6 hours, and (today's) 2 hours.
    assert figures.median_wait == datetime.timedelta(hours=3, minutes=30)


def test_the_admin_index_and_the_desk_show_the_queue_health(client, mo, article):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=2)):
        decided = held_comment(article)
        held_comment(article)
    decided.approve(by=mo)

    index = client.get("/admin/").content.decode()
    desk = client.get(DESK).content.decode()

    for html in (index, desk):
        figures = html[html.index('id="queue-health"') :]
        assert 'id="health-pending">1<' in figures
        assert "waiting 2\xa0hours" in figures
        assert "mo: 1" in figures
        assert 'id="health-median">2\xa0hours' in figures
    assert f'href="{DESK}"' in index


def test_the_desk_page_costs_the_same_queries_however_long_the_queue(
    client, mo, article, django_assert_max_num_queries
):
    held_queue(article, 3)
    client.get(DESK)
    with django_assert_max_num_queries(30) as small:
        client.get(DESK)
    held_queue(article, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(DESK)


def test_a_missing_reason_on_a_comment_decided_meanwhile_says_so_rather_than_404(
    client, mo, second_moderator, article
):
    (comment,) = held_queue(article, 1)
    decide(client_for(second_moderator), comment, "approve")

    response = decide(client, comment, "remove")

    assert response.status_code == 302
    assert "no longer in this queue" in client.get(response["Location"]).content.decode()


def test_a_moderator_with_nothing_left_to_decide_holds_no_claim(client, mo, article):
    (comment,) = held_queue(article, 1)
    client.get(DESK)
    decide(client, comment, "approve")
    client.get(DESK)  # the queue is empty now

    assert not Comment.objects.filter(claimed_by=mo).exists()
