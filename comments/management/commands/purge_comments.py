from django.core.management.base import BaseCommand

from comments import retention


class Command(BaseCommand):
    help = (
        "Delete spam and removed comments past COMMENTS_SPAM_PURGE_DAYS (blatant spam past "
        "COMMENTS_BLATANT_PURGE_DAYS), except those on legal hold; replies are kept. "
        "Run daily from cron, or enqueue comments.tasks.purge_comments on the worker."
    )

    def handle(self, *args, **options):
        log = retention.purge()
        self.stdout.write(
            f"Purged {log.spam} spam, {log.blatant} blatant spam and {log.removed} removed "
            f"comment(s); {log.replies_kept} repl(ies) kept; {log.on_legal_hold} on legal hold."
        )
