from django.core.management.base import BaseCommand

from comments import retention


class Command(BaseCommand):
    help = (
        "Erase a commenter's personal data (name, e-mail, website, IP, user agent, referrer, "
        "Akismet payload) from every comment posted with their e-mail address. The text is "
        "kept unless --remove-text is given. Comments on legal hold are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--remove-text", action="store_true", help="Also replace the comments' text."
        )

    def handle(self, *args, email, remove_text=False, **options):
        erasure = retention.erase_commenter(email, keep_text=not remove_text)
        self.stdout.write(retention.erasure_message(erasure))
