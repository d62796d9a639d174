import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from comments import retention


class Command(BaseCommand):
    help = "Write, as JSON, every comment posted with an e-mail address and all stored with it."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", "-o", help="A file to write (default: standard output).")

    def handle(self, *args, email, output=None, **options):
        data = retention.export_commenter(email)
        text = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Exported {len(data['comments'])} comment(s) to {output}.")
        else:
            self.stdout.write(text)
