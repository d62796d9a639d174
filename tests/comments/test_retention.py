"""Spam and removed comments are purged, approved ones anonymized, on time and never too soon."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from comments import retention
from comments.models import Comment, CommentEvent, PurgeLog, Report
from comments.tasks import anonymize_comments, purge_comments
from tests.comments.conftest import approved_comment, held_comment

START = timezone.make_aware(datetime.datetime(2026, 3, 1, 12, 0))


def days_later(days):
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


@pytest.fixture
def then(article):
    """Comments made at START: one in each state the retention rules care about."""
    with time_machine.travel(START, tick=False):
        made = {
            "approved": approved_comment(article, ip="192.0.2.1", user_agent="UA", referrer="R"),
            "pending": held_comment(article),
            "spam": held_comment(article),
            "blatant": held_comment(article),
            "removed": approved_comment(article, email="removed@example.net"),
            "held_spam": held_comment(article, legal_hold=True),
        }
        made["spam"].mark_spam()
        made["blatant"].mark_spam(blatant=True)
        made["removed"].remove()
        made["held_spam"].mark_spam()
    return made


def alive(comments):
    existing = set(Comment.objects.values_list("pk", flat=True))
    return {name for name, comment in comments.items() if comment.pk in existing}


def test_blatant_spam_goes_after_7_days_other_spam_and_removed_after_30(then):
    with days_later(6):
        retention.purge()
    assert alive(then) == set(then)

    with days_later(7):
        log = retention.purge()
    assert alive(then) == set(then) - {"blatant"}
    assert (log.blatant, log.spam, log.removed) == (1, 0, 0)

    with days_later(30):
        log = retention.purge()
    assert alive(then) == {"approved", "pending", "held_spam"}
    assert (log.spam, log.removed, log.on_legal_hold) == (1, 1, 1)


def test_the_period_counts_from_when_the_comment_became_spam(article):
    with time_machine.travel(START, tick=False):
        comment = approved_comment(article)
    with days_later(20):
        comment.mark_spam()

    with days_later(31):
        retention.purge()
    assert Comment.objects.filter(pk=comment.pk).exists()

    with days_later(50):
        retention.purge()
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_the_periods_are_settings(then, settings):
    settings.COMMENTS_SPAM_PURGE_DAYS = 3
    settings.COMMENTS_BLATANT_PURGE_DAYS = 1

    with days_later(3):
        retention.purge()

    assert alive(then) == {"approved", "pending", "held_spam"}


def test_each_purge_run_is_logged_with_its_counts(then, caplog):
    with days_later(40):
        call_command("purge_comments", stdout=(out := io.StringIO()))

    log = PurgeLog.objects.get()
    assert (log.kind, log.spam, log.blatant, log.removed, log.on_legal_hold) == (
        "purge", 1, 1, 1, 1,
    )  # fmt: skip
    assert "Purged 1 spam, 1 blatant spam and 1 removed comment(s)" in out.getvalue()
    assert "Comment purge: 1 spam, 1 blatant spam, 1 removed deleted" in caplog.text


def test_purging_a_comment_keeps_its_replies_in_the_thread(article):
    with time_machine.travel(START, tick=False):
        root = approved_comment(article, body="Root.")
        middle = approved_comment(article, body="Middle.", parent=root)
        bottom = approved_comment(article, body="Reply to the middle.", parent=middle)
        orphan_top = approved_comment(article, body="Top, later removed.")
        reply = approved_comment(article, body="Reply to the top.", parent=orphan_top)
        middle.remove()
        orphan_top.mark_spam()

    with days_later(31):
        log = retention.purge()

    bottom.refresh_from_db()
    reply.refresh_from_db()
    assert (bottom.parent_id, reply.parent_id) == (root.pk, None)
    assert bottom.is_approved() and reply.is_approved()
    assert log.replies_kept == 2


def test_a_chain_of_purged_comments_hands_its_replies_to_the_first_survivor(article):
    with time_machine.travel(START, tick=False):
        root = approved_comment(article, body="Root.")
        first = approved_comment(article, body="First.", parent=root)
        second = approved_comment(article, body="Second.", parent=first)
        kept = approved_comment(article, body="Kept.", parent=second)
        first.mark_spam()
        second.mark_spam()

    with days_later(31):
        retention.purge()

    kept.refresh_from_db()
    assert kept.parent_id == root.pk


def test_is_purgeable_agrees_with_purgeable(then):
    with days_later(10):
        in_set = set(retention.purgeable().values_list("pk", flat=True))
        assert in_set == {c.pk for c in then.values() if retention.is_purgeable(c)}
        assert in_set == {then["blatant"].pk}


def test_the_purge_runs_as_a_task(then):
    with days_later(40):
        result = purge_comments.enqueue()

    assert PurgeLog.objects.get().pk == result.return_value


# Anonymization.


def test_approved_comments_lose_request_data_after_90_days(then):
    approved = then["approved"]
    approved.akismet_payload = {"user_ip": "192.0.2.1", "comment_content": "Hello."}
    approved.save()
    with days_later(89):
        retention.anonymize()
    approved.refresh_from_db()
    assert approved.ip == "192.0.2.1"

    with days_later(90):
        log = retention.anonymize()

    approved.refresh_from_db()
    assert (approved.ip, approved.user_agent, approved.referrer, approved.akismet_payload) == (
        None, "", "", {},
    )  # fmt: skip
    assert approved.name == "Earlier Reader" and approved.body == "Hello."
    assert approved.anonymized_at == START + datetime.timedelta(days=90)
    assert approved.events.filter(kind="anonymized").count() == 1
    assert log.anonymized == 1 and log.kind == "anonymize"


def test_anonymizing_also_clears_the_address_in_the_audit_trail_and_reports(article):
    with time_machine.travel(START, tick=False):
        comment = approved_comment(article, ip="192.0.2.1")
        comment.record("submitted", ip="192.0.2.1")
        comment.report("192.0.2.50", "spam")

    with days_later(91):
        retention.anonymize()

    submitted = comment.events.get(kind="submitted")
    assert "ip" not in submitted.data
    assert Report.objects.get().ip is None


def test_spam_and_held_comments_keep_their_data(then):
    with days_later(200):
        retention.anonymize()

    then["pending"].refresh_from_db()
    then["held_spam"].refresh_from_db()
    assert then["pending"].ip is not None
    assert then["held_spam"].ip is not None


def test_a_comment_on_legal_hold_is_not_anonymized(article):
    with time_machine.travel(START, tick=False):
        kept = approved_comment(article, ip="192.0.2.1", legal_hold=True)

    with days_later(100):
        retention.anonymize()

    kept.refresh_from_db()
    assert kept.ip == "192.0.2.1"


def test_anonymization_runs_once_per_comment(then):
    with days_later(100):
        retention.anonymize()
        log = retention.anonymize()

    assert log.anonymized == 0
    assert CommentEvent.objects.filter(kind="anonymized").count() == 1


def test_is_due_for_anonymization_agrees_with_the_queryset(then):
    with days_later(95):
        in_set = set(retention.due_for_anonymization().values_list("pk", flat=True))
        assert in_set == {c.pk for c in then.values() if retention.is_due_for_anonymization(c)}
        assert in_set == {then["approved"].pk}


def test_anonymization_runs_as_a_command_and_a_task(then):
    with days_later(100):
        call_command("anonymize_comments", stdout=(out := io.StringIO()))
        anonymize_comments.enqueue()

    assert "Anonymized 1 approved comment(s)." in out.getvalue()
    assert list(PurgeLog.objects.values_list("anonymized", flat=True)) == [0, 1]
