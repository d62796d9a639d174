"""Corrections taught to Akismet: the stored payload replayed once, in the background."""

import datetime
import io
import os
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from comments.admin.actions import moderate
from comments.models import Comment
from comments.tasks import send_akismet_feedback
from tests.comments.conftest import act, checked_comment, held_comment
from tests.comments.test_background import run_queued

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture
def mo(client, moderator):
    client.force_login(moderator)
    return moderator


def sent(fake, path):
    """What the fake received, without the key and site, which the client adds."""
    return [
        {k: v for k, v in r.form.items() if k not in ("api_key", "blog")} for r in fake.hits(path)
    ]


def test_marking_spam_what_akismet_called_ham_replays_the_payload_as_spam(
    client, mo, article, fake_akismet
):
    comment = checked_comment(fake_akismet, article, verdict="ham", body="Buy my thing.")

    act(client, "mark_spam_selected", comment)

    comment.refresh_from_db()
    assert sent(fake_akismet, "/1.1/submit-spam") == [comment.akismet_payload]
    assert comment.akismet_payload["comment_content"] == "Buy my thing."
    assert fake_akismet.hits("/1.1/submit-ham") == []
    assert comment.akismet_told == "spam" and comment.akismet_feedback == ""
    told = comment.events.get(kind="submitted_to_akismet")
    assert told.data == {"sent_as": "spam"}


@pytest.mark.parametrize("verdict", ["spam", "discard"])
def test_not_spam_on_what_akismet_called_spam_replays_the_payload_as_ham(
    client, mo, article, fake_akismet, verdict
):
    comment = checked_comment(fake_akismet, article, verdict=verdict)

    act(client, "not_spam_selected", comment)

    comment.refresh_from_db()
    assert comment.is_approved()
    assert sent(fake_akismet, "/1.1/submit-ham") == [comment.akismet_payload]
    assert fake_akismet.hits("/1.1/submit-spam") == []
    assert comment.events.filter(kind="submitted_to_akismet").count() == 1


def test_agreeing_with_akismet_tells_it_nothing(client, mo, article, fake_akismet):
    ham = checked_comment(fake_akismet, article, verdict="ham")
    spam = checked_comment(fake_akismet, article, verdict="spam")

    act(client, "approve_selected", ham)
    act(client, "remove_selected", spam)

    assert fake_akismet.hits("/1.1/submit-ham") == []
    assert fake_akismet.hits("/1.1/submit-spam") == []


def test_a_comment_akismet_never_saw_is_not_reported(client, mo, article, fake_akismet):
    comment = held_comment(article)

    act(client, "mark_spam_selected", comment)

    assert fake_akismet.hits("/1.1/submit-spam") == []
    assert Comment.objects.feedback_due().count() == 0


def test_changing_ones_mind_tells_akismet_each_correction_once(client, mo, article, fake_akismet):
    comment = checked_comment(fake_akismet, article, verdict="ham")

    act(client, "mark_spam_selected", comment)
    act(client, "not_spam_selected", comment)
    act(client, "not_spam_selected", comment)

    assert [r.path for r in fake_akismet.requests if "submit" in r.path] == [
        "/1.1/submit-spam",
        "/1.1/submit-ham",
    ]


def test_the_moderator_never_waits_for_akismet(client, mo, article, fake_akismet, dummy_tasks):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    fake_akismet.mode = "slow"

    response = act(client, "mark_spam_selected", comment)

    assert "1 comment marked as spam." in response.content.decode()
    assert fake_akismet.hits("/1.1/submit-spam") == []
    [queued] = dummy_tasks.results
    assert (queued.task.name, queued.args) == ("send_akismet_feedback", [comment.pk])
    assert Comment.objects.get(pk=comment.pk).is_feedback_due()


@pytest.mark.parametrize("fault", ["http500", "slow", "drop", "garbage", "invalid_key", "refused"])
def test_a_failed_correction_is_recorded_and_sent_later_by_cron(
    client, mo, article, fake_akismet, settings, fault
):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    if fault == "refused":
        settings.AKISMET_API_URL = fake_akismet.closed_url
    else:
        fake_akismet.mode = fault
        fake_akismet.delay = 1.0

    act(client, "mark_spam_selected", comment)

    comment.refresh_from_db()
    assert comment.is_spam()
    assert comment.akismet_feedback == "spam" and comment.akismet_told == ""
    failure = comment.events.get(kind="feedback_failed")
    assert failure.data["attempt"] == 1 and failure.data["error"]

    fake_akismet.mode = "normal"
    settings.AKISMET_API_URL = fake_akismet.url
    call_command("recheck_comments", stdout=io.StringIO())
    call_command("recheck_comments", stdout=io.StringIO())

    comment.refresh_from_db()
    assert comment.akismet_told == "spam" and not comment.is_feedback_due()
    assert fake_akismet.hits("/1.1/submit-spam")[-1].form["comment_content"] == comment.body
    assert comment.events.filter(kind="submitted_to_akismet").count() == 1


def test_a_failed_correction_is_retried_by_a_deferred_task(
    client, mo, article, fake_akismet, dummy_tasks
):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    fake_akismet.mode = "http500"
    act(client, "mark_spam_selected", comment)

    run_queued(dummy_tasks)

    retry = dummy_tasks.results[-1]
    assert retry.task.name == "send_akismet_feedback"
    assert retry.task.run_after is not None
    fake_akismet.mode = "normal"
    retry.task.call(*retry.args)
    assert Comment.objects.get(pk=comment.pk).akismet_told == "spam"


def test_the_task_sends_nothing_once_the_correction_is_sent(article, fake_akismet, moderator):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    comment.mark_spam(by=moderator)

    send_akismet_feedback.call(comment.pk)
    send_akismet_feedback.call(comment.pk)

    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1


def test_two_moderators_on_one_comment_tell_akismet_once(client, mo, article, fake_akismet):
    comment = checked_comment(fake_akismet, article, verdict="ham")

    first = act(client, "mark_spam_selected", comment, seen={comment: "pending"})
    second = act(client, "mark_spam_selected", comment, seen={comment: "pending"})

    assert "1 comment marked as spam." in first.content.decode()
    assert "another moderator acted on it first" in second.content.decode()
    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1


def test_a_stale_copy_of_the_comment_cannot_decide_again(
    article, fake_akismet, moderator, django_capture_on_commit_callbacks
):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    stale = Comment.objects.get(pk=comment.pk)

    with django_capture_on_commit_callbacks(execute=True):
        _, first = moderate(comment.pk, Comment.mark_spam, moderator, ["pending"], "pending")
        _, second = moderate(stale.pk, Comment.approve, moderator, ["pending"], stale.status)

    assert (first, second) == (True, False)
    assert Comment.objects.get(pk=comment.pk).is_spam()
    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1
    assert fake_akismet.hits("/1.1/submit-ham") == []


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serializes writers; row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_the_same_instant_one_wins(fake_akismet, moderator, article):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    start = threading.Barrier(2)
    results = []

    def decide(verb):
        try:
            start.wait()
            results.append(
                (
                    verb,
                    moderate(comment.pk, getattr(Comment, verb), moderator, ["pending"], "pending")[
                        1
                    ],
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(verb,)) for verb in ("mark_spam", "approve")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [verb for verb, applied in results if applied]
    assert len(winners) == 1
    comment.refresh_from_db()
    assert comment.status == {"mark_spam": "spam", "approve": "approved"}[winners[0]]
    assert comment.events.filter(kind__in=["marked_spam", "approved"], actor=moderator).count() == 1
    assert len(fake_akismet.hits("/1.1/submit-spam")) == (winners == ["mark_spam"])


@pytest.mark.django_db(transaction=True)
def test_a_moderator_never_waits_while_akismet_answers_a_correction(
    fake_akismet, dummy_tasks, moderator, article, settings
):
    settings.AKISMET_TIMEOUT = 15
    comment = checked_comment(fake_akismet, article, verdict="ham")
    moderate(comment.pk, Comment.mark_spam, moderator, ["pending"])
    fake_akismet.mode = "wait"
    sender = threading.Thread(
        target=lambda: (send_akismet_feedback.call(comment.pk), connection.close())
    )
    sender.start()
    while not fake_akismet.hits("/1.1/submit-spam"):
        sender.join(timeout=0.01)  # until Akismet has the correction and sits on it

    # The moderator changes their mind while Akismet is still answering the first correction.
    _, applied = moderate(comment.pk, Comment.approve, moderator, ["spam"], "spam")
    sending_still = sender.is_alive()
    fake_akismet.gate.set()
    sender.join(timeout=15)

    assert applied and sending_still
    comment.refresh_from_db()
    assert (comment.akismet_told, comment.akismet_feedback) == ("spam", "ham")
    run_queued(dummy_tasks)
    assert len(fake_akismet.hits("/1.1/submit-ham")) == 1
    assert Comment.objects.get(pk=comment.pk).akismet_told == "ham"


def test_a_correction_claimed_by_a_worker_that_died_is_sent_after_the_claim_expires(
    article, fake_akismet, moderator
):
    from comments.tasks import FEEDBACK_CLAIM_TIMEOUT

    comment = checked_comment(fake_akismet, article, verdict="ham")
    with TestCase.captureOnCommitCallbacks(execute=False):
        comment.mark_spam(by=moderator)
    Comment.objects.filter(pk=comment.pk).update(feedback_claimed_at=timezone.now())

    send_akismet_feedback.call(comment.pk)  # the dead worker still holds it
    assert fake_akismet.hits("/1.1/submit-spam") == []

    with time_machine.travel(
        timezone.now() + FEEDBACK_CLAIM_TIMEOUT + datetime.timedelta(seconds=1)
    ):
        call_command("recheck_comments", stdout=io.StringIO())
    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1
    assert Comment.objects.get(pk=comment.pk).akismet_told == "spam"


@pytest.mark.django_db(transaction=True)
def test_workers_sending_one_correction_at_the_same_moment_tell_akismet_once(
    fake_akismet, dummy_tasks, moderator, article, settings
):
    settings.AKISMET_TIMEOUT = 15
    comment = checked_comment(fake_akismet, article, verdict="ham")
    comment.mark_spam(by=moderator)
    fake_akismet.mode, fake_akismet.delay = "slow", 0.5  # each send is still under way
    start = threading.Barrier(8)

    def send():
        try:
            start.wait(timeout=10)
            send_akismet_feedback.call(comment.pk)
        finally:
            connection.close()

    workers = [threading.Thread(target=send) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1
    assert Comment.objects.get(pk=comment.pk).akismet_told == "spam"
