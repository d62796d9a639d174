from django.core.management.base import BaseCommand

from comments.models import Comment
from comments.tasks import (
    check_comment,
    notify_moderators,
    release_stale_notification_claims,
    requeue_abandoned_tasks,
    send_akismet_feedback,
    send_due_commenter_mail,
    send_due_digests,
)


class Command(BaseCommand):
    help = (
        "Check again the comments Akismet could not check (sending recheck_reason=retry), "
        "e-mail moderators about held comments they were not told about, and send Akismet the "
        "moderators' corrections (spam / not spam) that could not be sent, send the moderators' "
        "digests and the commenters' e-mails that are due (retries, and claims whose worker died), "
        "and queue again the "
        "tasks a worker died running (COMMENTS_TASK_LEASE_SECONDS). For cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Re-check every comment awaiting a check, even before its back-off runs out.",
        )

    def handle(self, *args, all=False, **options):
        waiting = Comment.objects.awaiting_spam_check() if all else Comment.objects.due_for_check()
        checked = 0
        for pk in waiting.values_list("pk", flat=True):
            check_comment.call(pk, recheck_reason="retry")
            checked += 1
        release_stale_notification_claims()
        unsent = list(Comment.objects.awaiting_notification().values_list("pk", flat=True))
        for pk in unsent:
            notify_moderators.call(pk)
        corrections = list(Comment.objects.feedback_due().values_list("pk", flat=True))
        for pk in corrections:
            send_akismet_feedback.call(pk)
        digests = send_due_digests()
        mails = send_due_commenter_mail()
        # Last: a task queued again then finds its comment done above, and calls no one.
        requeued = requeue_abandoned_tasks()
        still = Comment.objects.awaiting_spam_check().count()
        self.stdout.write(
            f"Re-checked {checked} comment(s); {still} still awaiting a spam check. "
            f"Tried {len(unsent)} moderator e-mail(s), {mails} commenter e-mail(s) and "
            f"{len(corrections)} Akismet correction(s); sent {digests} digest(s). "
            f"Queued again {requeued} task(s) whose worker stopped."
        )
