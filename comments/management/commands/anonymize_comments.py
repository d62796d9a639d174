from django.core.management.base import BaseCommand

from comments import retention


class Command(BaseCommand):
    help = (
        "Clear IP, user agent, referrer and Akismet payload of approved comments older than "
        "COMMENTS_ANONYMIZE_AFTER_DAYS. Run daily from cron, or enqueue "
        "comments.tasks.anonymize_comments on the worker."
    )

    def handle(self, *args, **options):
        log = retention.anonymize()
        self.stdout.write(f"Anonymized {log.anonymized} approved comment(s).")
