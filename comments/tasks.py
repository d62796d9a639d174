"""Background work for comments: the spam check, its retries, the moderators' e-mail, the
commenters' e-mail (comments.notifications), the corrections sent to Akismet, and retention
(purge and anonymization).

Nothing here may assume it runs inline: a task is seen only once the change it is for commits,
and each task re-reads it and does nothing if a moderator (or another worker) got there first.
"""

import datetime
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from comments import emails, notifications, retention, spam, verdicts
from comments.models import (
    Comment,
    CommenterMail,
    CommentEvent,
    ModeratorProfile,
    mail_retry_delay,
    retry_delay,
)

logger = logging.getLogger(__name__)

RECHECK_BATCH = 100
# Longer than any send can take (the SMTP timeout applies to each step of it).
NOTIFY_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)
FEEDBACK_CLAIM_TIMEOUT = datetime.timedelta(minutes=5)  # AKISMET_TIMEOUT is seconds


@task
def check_comment(comment_id, recheck_reason=None):
    """Run the Akismet check of a comment and set its final status."""
    read = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if read is None or not read.is_awaiting_spam_check():
        return
    result = spam.check(read, recheck_reason=recheck_reason)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or not comment.is_awaiting_spam_check():
            return
        if comment.body != read.body:  # edited meanwhile: that edit's own check decides
            return
        verdicts.apply_result(comment, result)
    follow_up_check(comment)


@task
def check_edit(comment_id, edit_id):
    """Akismet's check of one commenter's edit: that edit's text, sent with recheck_reason "edit".

    Each edit is checked once, by its own task. Its verdict decides only while that edit is the
    comment's latest and the comment still waits for it; otherwise it is kept in the audit
    trail and the later edit's own check decides.
    """
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    edit = CommentEvent.objects.filter(pk=edit_id, comment_id=comment_id).first()
    if comment is None or edit is None:
        return
    comment.body = edit.data["after"]["body"]  # in memory: the text this edit sent
    comment.akismet_payload = {}  # a new text: a new payload, not the one first sent
    result = spam.check(comment, recheck_reason="edit")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:
            return
        latest = comment.events.filter(kind=CommentEvent.Kind.COMMENTER_EDITED).last()
        if latest.pk != edit_id or not comment.is_awaiting_spam_check():
            comment.record(CommentEvent.Kind.SPAM_CHECKED, verdict=str(result.verdict),
                           superseded=True)  # fmt: skip
            return
        verdicts.apply_result(comment, result)
    follow_up_check(comment)


def enqueue_on_commit(the_task, *args):
    """Queue ``the_task`` for when the current transaction commits (at once outside one).

    A queue kept in this same database (django_tasks_db) is given it inside the transaction:
    the task's row commits with the change it is for, in the same commit, so neither is ever
    stored without the other, and a post pays for one commit instead of two. A database error
    fails the change with it (nothing half-saved); any other failure to queue (a task the
    settings no longer accept) is logged and the change kept, as for another queue, which is
    given the task once the change has committed: either way the periodic re-check
    (``recheck_comments``) finds what it needed.
    """
    if not (isinstance(the_task.get_backend(), DatabaseBackend)
            and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS):  # fmt: skip
        transaction.on_commit(lambda: the_task.enqueue(*args), robust=True)
        return
    try:
        the_task.enqueue(*args)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("Could not queue %s%r; the periodic re-check will.", the_task.name, args)


def follow_up_check(comment):
    """After a spam check: try again later if it failed, or e-mail the moderators if held."""
    if comment.is_awaiting_spam_check():
        schedule(check_comment, comment.next_check_at, comment.pk, recheck_reason="retry")
    elif comment.is_awaiting_notification():
        enqueue_on_commit(notify_moderators, comment.pk)


def after_editing(comment, edit):
    """Queue, once the edit commits, its spam check (or the moderators' e-mail, if held)."""
    if comment.is_awaiting_spam_check():
        enqueue_on_commit(check_edit, comment.pk, edit.pk)
    elif comment.is_awaiting_notification():
        enqueue_on_commit(notify_moderators, comment.pk)


def after_posting(comment):
    """Queue with the posting what a new comment needs: its spam check, or the e-mail.

    If the queue fails it, the comment is kept and ``recheck_comments`` picks it up.
    """
    if comment.is_awaiting_spam_check():
        enqueue_on_commit(check_comment, comment.pk)
    elif comment.is_awaiting_notification():
        enqueue_on_commit(notify_moderators, comment.pk)


def queue_feedback(comment):
    """After a moderator's decision: queue, on commit, the correction Akismet is due, if any."""
    if comment.is_feedback_due():
        enqueue_on_commit(send_akismet_feedback, comment.pk)


@task
def notify_moderators(comment_id):
    """E-mail the moderators about a held comment, once; on failure, try again later.

    The comment is claimed (``notified_at`` set by one atomic UPDATE: one worker wins) and the
    mail is sent after that, holding no lock, so a slow mail server delays only this e-mail.
    A failed send gives the claim back; a worker that died mid-send leaves a claim that
    ``release_stale_notification_claims`` gives back later.
    """
    claimed = (
        Comment.objects.awaiting_notification()
        .filter(pk=comment_id)
        .update(notified_at=timezone.now())
    )
    if not claimed:
        return
    comment = Comment.objects.select_related("article__section").get(pk=comment_id)
    addresses, digests = emails.recipients(comment)
    if emails.notify_moderators(comment, addresses, digests):
        for profile in digests:
            queue_digest(profile)
        return
    Comment.objects.filter(pk=comment_id).update(notified_at=None)
    attempts = comment.events.filter(kind=CommentEvent.Kind.NOTIFY_FAILED).count()
    schedule(notify_moderators, timezone.now() + retry_delay(attempts), comment.pk)


def queue_digest(profile):
    """Have the moderator's digest sent when their window allows: now, or when it ends."""
    due = profile.next_digest_at
    if due is None or due <= timezone.now():
        send_digest.enqueue(profile.pk)
    else:
        schedule(send_digest, due, profile.pk)


@task
def send_digest(profile_id):
    """One moderator's digest of the comments held for them: at most one per window.

    The window is claimed by one guarded UPDATE (the last digest time as read, and a window
    that has run out), so of several workers only one sends; the e-mail goes out holding no
    lock, and a failed send gives the window back and tries again later.
    """
    profile = ModeratorProfile.objects.select_related("user").filter(pk=profile_id).first()
    now = timezone.now()
    if profile is None or not profile.is_digesting():
        return False
    since = profile.digest_sent_at
    if not emails.digest_comments(profile, since, now).exists():
        return False
    claimed = (
        ModeratorProfile.objects.digest_due(now)
        .filter(pk=profile.pk, digest_sent_at=since)
        .update(
            digest_sent_at=now,
            next_digest_at=now + datetime.timedelta(minutes=profile.digest_minutes),
        )
    )
    if not claimed:  # another worker sent this window's: what is left waits for the next
        later = ModeratorProfile.objects.filter(pk=profile.pk).values("next_digest_at").first()
        if later and later["next_digest_at"] and later["next_digest_at"] > now:
            schedule(send_digest, later["next_digest_at"], profile.pk)
        return False
    if emails.send_digest(profile, since, now):
        return True
    ModeratorProfile.objects.filter(pk=profile.pk, digest_sent_at=now).update(
        digest_sent_at=since, next_digest_at=profile.next_digest_at
    )
    schedule(send_digest, now + retry_delay(1), profile.pk)
    return False


def send_due_digests():
    """For cron: the digests whose window has run out (each sends only if something is new)."""
    due = list(ModeratorProfile.objects.digest_due().values_list("pk", flat=True))
    return sum(bool(send_digest.call(pk)) for pk in due)


def release_stale_notification_claims(older_than=NOTIFY_CLAIM_TIMEOUT):
    """Claims on e-mails that never went out (the worker died mid-send): free to retry."""
    cutoff = timezone.now() - older_than
    stale = (
        Comment.objects.pending()
        .filter(notified_at__lt=cutoff)
        .exclude(events__kind=CommentEvent.Kind.NOTIFIED)
    )
    return stale.update(notified_at=None)


@task
def send_commenter_mail(mail_id):
    """Send one e-mail to a commenter from the outbox, exactly once; on failure, later.

    The row is claimed by one guarded UPDATE (one worker wins; ``CommenterMail.claim``) and
    sent holding no lock. Sent: marked so. Failed: queued again with a back-off, and tried
    then (or by ``send_due_commenter_mail`` from cron). A worker that died mid-send leaves a
    claim that runs out after COMMENTS_MAIL_CLAIM_SECONDS, and the row is due again. The
    address is read again first: unsubscribed meanwhile, nothing is sent.
    """
    mail = CommenterMail.objects.select_related("address").filter(pk=mail_id).first()
    claim_for = datetime.timedelta(seconds=settings.COMMENTS_MAIL_CLAIM_SECONDS)
    if mail is None or not mail.claim(claim_for):
        return
    address = mail.address
    if address.unsubscribed_at or (not address.confirmed_at and mail.kind != "confirm"):
        mail.cancel()
        return
    error = notifications.deliver(mail)
    if error is None:
        mail.mark_sent()
        return
    give_up = notifications.is_permanent(error)
    mail.mark_failed(error, mail_retry_delay(mail.attempts), give_up=give_up)
    if not give_up:
        schedule(send_commenter_mail, mail.next_attempt_at, mail.pk)


def send_due_commenter_mail():
    """Every outbox row due now (a retry whose time came, a claim whose worker died): sent."""
    due = list(CommenterMail.objects.due().values_list("pk", flat=True))
    for pk in due:
        send_commenter_mail.call(pk)
    return len(due)


@task
def send_akismet_feedback(comment_id):
    """Tell Akismet about a moderator's correction, replaying the stored payload; at most once.

    Like the moderators' e-mail, the correction is claimed by one atomic UPDATE (one worker
    wins) and sent holding no lock, so moderators and posters never wait on Akismet. The
    outcome is recorded under the row lock; a failure is tried again later, and a claim left
    by a worker that died mid-send expires after FEEDBACK_CLAIM_TIMEOUT.
    """
    now = timezone.now()
    claimed = (
        Comment.objects.feedback_due()
        .filter(pk=comment_id)
        .filter(
            Q(feedback_claimed_at=None) | Q(feedback_claimed_at__lt=now - FEEDBACK_CLAIM_TIMEOUT)
        )
        .update(feedback_claimed_at=now)
    )
    if not claimed:
        return
    comment = Comment.objects.get(pk=comment_id)
    sent_as = comment.akismet_feedback
    error = (spam.submit_spam if sent_as == Comment.Akismet.SPAM else spam.submit_ham)(comment)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None:  # purged meanwhile
            return
        comment.feedback_claimed_at = None
        comment.save(update_fields=["feedback_claimed_at"])
        attempts = comment.record_feedback(sent_as, error=error)
        if not attempts:
            queue_feedback(comment)  # a moderator may have changed their mind meanwhile
    if attempts:
        schedule(send_akismet_feedback, timezone.now() + retry_delay(attempts), comment.pk)


@task
def recheck_batch(comment_ids):
    """The moderator's "check with Akismet now": pending comments, sent again with a reason."""
    for pk in comment_ids:
        comment = Comment.objects.select_related("article").filter(pk=pk).first()
        if comment is None or not comment.is_pending():
            continue
        if comment.is_awaiting_spam_check():
            check_comment.call(pk, recheck_reason="recheck_queue")
        else:
            recheck_held(comment)


def recheck_held(comment):
    """A held comment Akismet already answered for: spam now makes it spam; ham leaves it held."""
    result = spam.check(comment, recheck_reason="recheck_queue")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment.pk).first()
        if comment is None or not comment.is_pending():
            return
        verdicts.apply_recheck(comment, result)


def enqueue_rechecks(comment_ids):
    """Queue the re-check of these comments, 100 per task as WordPress does; the batch count."""
    batches = [
        comment_ids[i : i + RECHECK_BATCH] for i in range(0, len(comment_ids), RECHECK_BATCH)
    ]
    for batch in batches:
        recheck_batch.enqueue(batch)
    return len(batches)


@task
def purge_comments():
    """Delete spam and removed comments past their retention period (see comments.retention)."""
    return retention.purge().pk


@task
def anonymize_comments():
    """Anonymize approved comments past COMMENTS_ANONYMIZE_AFTER_DAYS."""
    return retention.anonymize().pk


def schedule(the_task, when, *args, **kwargs):
    """Enqueue for later when the backend can defer; otherwise `recheck_comments` (cron) will."""
    if the_task.get_backend().supports_defer:
        the_task.using(run_after=when).enqueue(*args, **kwargs)


# A task whose worker died this many times while running it is not tried again.
MAX_TASK_CLAIMS = 3


class WorkerLost(Exception):
    """Recorded on a task given up on: its worker stopped mid-task MAX_TASK_CLAIMS times."""


def requeue_abandoned_tasks(lease=None):
    """Tasks a worker claimed and never finished (it was killed): queued again; the count.

    django-tasks-db commits a claim before running the task and keeps no heartbeat, so a
    worker that dies mid-task leaves its row RUNNING for good. One running longer than
    COMMENTS_TASK_LEASE_SECONDS is taken for dead. Every task here re-reads its comment and
    does nothing if the work is done, so one that was only slow is merely run twice.
    """
    seconds = settings.COMMENTS_TASK_LEASE_SECONDS if lease is None else lease
    cutoff = timezone.now() - datetime.timedelta(seconds=seconds)
    stale = DBTaskResult.objects.running().filter(
        task_path__startswith=f"{__name__}.", started_at__lt=cutoff
    )
    return sum(_requeue(row) for row in stale)


def _requeue(row):
    """Back to READY, unless it has killed its workers too often (then FAILED, for the admin)."""
    # Unchanged since it was read: a second cron run or a new claim leaves the row alone.
    same_claim = DBTaskResult.objects.running().filter(pk=row.pk, started_at=row.started_at)
    if len(row.worker_ids) < MAX_TASK_CLAIMS:
        return same_claim.update(status=TaskResultStatus.READY)
    same_claim.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{__name__}.{WorkerLost.__qualname__}",
        traceback=f"Its worker stopped mid-task {len(row.worker_ids)} times; not tried again.",
    )
    return 0
