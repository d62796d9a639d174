"""Every Akismet fault, end to end: a comment POST, the real client, the fake server over HTTP."""

import datetime
import io
import time

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.tasks import check_comment

FAULTS = ["http500", "slow", "drop", "garbage", "invalid_key", "refused"]


def break_akismet(fake, settings, fault):
    if fault == "refused":
        settings.AKISMET_API_URL = fake.closed_url
    else:
        fake.mode = fault


def repair_akismet(fake, settings):
    fake.mode = "normal"
    settings.AKISMET_API_URL = fake.url


@pytest.mark.parametrize("fault", FAULTS)
def test_a_comment_posted_while_akismet_fails_is_stored_and_held_awaiting_a_spam_check(
    fault, fake_akismet, settings, post, article
):
    break_akismet(fake_akismet, settings, fault)

    response = post(article, body="Posted during an outage.")

    comment = response.comment
    assert response.status_code == 302
    assert comment.body == "Posted during an outage."
    assert comment.is_pending()
    assert comment.is_awaiting_spam_check()
    assert comment.akismet == Comment.Akismet.ERROR
    assert "awaiting_spam_check" in comment.reasons
    assert comment.spam_check_attempts == 1
    assert comment.next_check_at is not None
    assert comment.events.filter(kind="spam_check_failed").count() == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_the_recheck_command_classifies_the_comment_once_akismet_answers_again(
    fault, fake_akismet, settings, post, article
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    break_akismet(fake_akismet, settings, fault)
    comment = post(article, body="Worth waiting for.").comment
    repair_akismet(fake_akismet, settings)
    fake_akismet.requests.clear()

    call_command("recheck_comments", "--all", stdout=io.StringIO())

    comment.refresh_from_db()
    assert comment.is_approved()
    assert comment.akismet == Comment.Akismet.HAM
    assert "awaiting_spam_check" not in comment.reasons
    [check] = fake_akismet.hits("/1.1/comment-check")
    assert check.form["recheck_reason"] == "retry"
    assert check.form["comment_content"] == "Worth waiting for."


def test_the_recheck_task_marks_spam_that_arrived_during_an_outage(
    fake_akismet, settings, post, article
):
    fake_akismet.mode = "http500"
    comment = post(article, name="akismet-guaranteed-spam").comment
    fake_akismet.mode = "normal"

    check_comment.enqueue(comment.pk, recheck_reason="retry")

    comment.refresh_from_db()
    assert comment.is_spam()
    assert "akismet_spam" in comment.reasons
    assert fake_akismet.hits("/1.1/comment-check")[-1].form["recheck_reason"] == "retry"


def test_a_failed_check_is_retried_by_a_deferred_task_when_the_backend_can_defer(
    fake_akismet, dummy_tasks, post, article
):
    fake_akismet.mode = "http500"
    comment = post(article).comment
    [first] = dummy_tasks.results
    first.task.call(*first.args, **first.kwargs)

    retry = dummy_tasks.results[-1]
    comment.refresh_from_db()
    assert retry.task.name == "check_comment"
    assert retry.task.run_after == comment.next_check_at
    assert retry.kwargs == {"recheck_reason": "retry"}


def test_the_recheck_command_leaves_comments_alone_until_their_backoff_runs_out(
    fake_akismet, post, article
):
    fake_akismet.mode = "http500"
    comment = post(article).comment
    fake_akismet.mode = "normal"
    fake_akismet.requests.clear()

    call_command("recheck_comments", stdout=io.StringIO())

    comment.refresh_from_db()
    assert comment.is_awaiting_spam_check()
    assert fake_akismet.hits("/1.1/comment-check") == []


def test_each_failure_pushes_the_next_check_further_away(fake_akismet, post, article):
    fake_akismet.mode = "http500"
    comment = post(article).comment
    gaps = []
    for _attempt in range(3):
        before = comment.next_check_at
        check_comment.call(comment.pk, recheck_reason="retry")
        comment.refresh_from_db()
        gaps.append(comment.next_check_at - before)

    assert comment.spam_check_attempts == 4
    assert gaps[0] < gaps[1] < gaps[2]
    assert comment.is_pending()


def test_a_slow_akismet_is_given_up_on_after_the_configured_timeout(
    fake_akismet, settings, post, article
):
    fake_akismet.mode = "slow"
    fake_akismet.delay = 3
    settings.AKISMET_TIMEOUT = 0.3
    started = time.monotonic()

    comment = post(article).comment

    assert time.monotonic() - started < 2
    assert "timed out" in comment.events.get(kind="spam_check_failed").data["error"]


def run_cron(traveller, minutes, capture):
    """``recheck_comments`` every five minutes for ``minutes``, as in production."""
    for _tick in range(minutes // 5):
        traveller.shift(datetime.timedelta(minutes=5))
        with capture(execute=True):
            call_command("recheck_comments", stdout=io.StringIO())


def assert_nothing_published_unchecked(article, *comments):
    page = Client().get(article.get_absolute_url())  # another reader's view
    assert page.status_code == 200
    for comment in comments:
        comment.refresh_from_db()
        assert comment.is_awaiting_spam_check()
        assert comment.body not in page.content.decode()
    assert mail.outbox == []


def test_a_long_outage_refused_then_500s_then_timeouts_ends_with_each_comment_checked_once(
    fake_akismet, settings, post, article, moderator, django_capture_on_commit_callbacks
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    moderator.email = "mo@newsroom.example"
    moderator.save()
    outage = [("refused", 30), ("http500", 60), ("slow", 60)]  # minutes of each, in turn
    fake_akismet.delay = 1  # past AKISMET_TIMEOUT: every "slow" answer times out
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        break_akismet(fake_akismet, settings, "refused")
        ham = post(article, body="Welcome back, pool.").comment
        spam = post(article, name="akismet-guaranteed-spam", body="Cheap pills").comment
        links = post(article, body="See https://pools.example.org, https://b.example.org").comment
        for fault, minutes in outage:
            failures = Comment.objects.filter(events__kind="spam_check_failed").count()
            repair_akismet(fake_akismet, settings)
            break_akismet(fake_akismet, settings, fault)
            run_cron(traveller, minutes, django_capture_on_commit_callbacks)
            assert_nothing_published_unchecked(article, ham, spam, links)
            assert Comment.objects.filter(events__kind="spam_check_failed").count() > failures

        repair_akismet(fake_akismet, settings)
        fake_akismet.requests.clear()
        run_cron(traveller, 6 * 60, django_capture_on_commit_callbacks)  # back, and long after

    for comment in (ham, spam, links):
        comment.refresh_from_db()
        assert not comment.is_awaiting_spam_check()
        assert comment.events.filter(kind="spam_checked").count() == 1
    checks = fake_akismet.hits("/1.1/comment-check")
    assert sorted(c.form["comment_content"] for c in checks) == sorted(
        c.body for c in (ham, spam, links)
    )
    assert {c.form["recheck_reason"] for c in checks} == {"retry"}
    assert ham.is_approved() and ham.akismet == Comment.Akismet.HAM
    assert spam.is_spam() and spam.akismet == Comment.Akismet.SPAM
    assert links.is_pending() and links.reasons == ["link_limit"]
    [notice] = mail.outbox
    assert links.get_admin_url() in notice.body
    page = Client().get(article.get_absolute_url()).content.decode()
    assert ham.body in page and spam.body not in page and "pools.example.org" not in page
