"""Background work for comments: the spam check, its retries, and the moderators' e-mail.

Nothing here may assume it runs inline: the comment was saved before the task was enqueued,
and each task re-reads it and does nothing if a moderator (or another worker) got there first.
"""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from comments import emails, spam
from comments.models import Comment, retry_delay


@task
def check_comment(comment_id, recheck_reason=None):
    """Run the Akismet check of a comment and set its final status."""
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None or not comment.is_awaiting_spam_check():
        return
    result = spam.check(comment, recheck_reason=recheck_reason)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
        if comment is None or not comment.is_awaiting_spam_check():
            return
        apply_result(comment, result)
    if comment.is_awaiting_spam_check():
        schedule(check_comment, comment.next_check_at, comment.pk, recheck_reason="retry")
    elif comment.is_awaiting_notification():
        transaction.on_commit(lambda: notify_moderators.enqueue(comment.pk), robust=True)


def apply_result(comment, result):
    """The status a spam check leads to: approved only when nothing else held the comment."""
    if result.verdict == spam.Verdict.ERROR:
        comment.record_spam_check_failure(
            result.error, result.payload, retry_delay(comment.spam_check_attempts + 1)
        )
        return
    comment.record_spam_check(result.verdict, result.payload)
    if result.verdict == spam.Verdict.DISCARD:
        comment.add_reasons("akismet_discard")
        comment.mark_spam(blatant=True)
    elif result.verdict == spam.Verdict.SPAM:
        comment.add_reasons("akismet_spam")
        comment.mark_spam()
    elif comment.reasons:
        comment.hold()
    else:
        comment.approve()


@task
def notify_moderators(comment_id):
    """E-mail the moderators about a held comment; on failure, try again later."""
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update().select_related("article").filter(pk=comment_id)
        ).first()
        if comment is None or not comment.is_awaiting_notification():
            return
        sent = emails.notify_moderators(comment)
    if not sent:
        attempts = comment.events.filter(kind="notify_failed").count()
        schedule(notify_moderators, timezone.now() + retry_delay(attempts), comment.pk)


def schedule(the_task, when, *args, **kwargs):
    """Enqueue for later when the backend can defer; otherwise `recheck_comments` (cron) will."""
    if the_task.get_backend().supports_defer:
        the_task.using(run_after=when).enqueue(*args, **kwargs)
