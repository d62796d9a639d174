"""Demo comments on the demo articles, from seed_comments.toml; safe to run again.

Comments marked "approved" are approved with the model's verb, as a moderator would; comments
marked "posted" go through the moderation rules like a new comment, so they end up held (with
their reasons) or spam. A comment already there (same article, e-mail and text) is left alone.
Readers' reports are added with the model's verb too: three on one comment send it back to the
queue, as they would on the site.
"""

import datetime
import tomllib
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments import rules, tasks, verdicts
from comments.models import Comment, CommentEvent, Rule

DATA = Path(__file__).with_suffix(".toml")
SEED_IP = "192.0.2.10"  # Documentation range: not a real reader's address.


class Command(BaseCommand):
    help = "Add the demo comments and moderation rules (idempotent)."

    def handle(self, *args, **options):
        data = tomllib.loads(DATA.read_text(encoding="utf-8"))
        with transaction.atomic():
            for rule in data["rules"]:
                Rule.objects.get_or_create(kind=rule["kind"], value=rule["value"], defaults=rule)
            articles = {a.slug: a for a in Article.objects.published()}
            made, refs = 0, {}
            for row in data["comments"]:
                article = articles.get(row["article"])
                if article is None:
                    continue
                comment, created = self.load(row, article, refs)
                if "ref" in row:
                    refs[row["ref"]] = comment
                made += created
            reports = sum(self.report(row, refs) for row in data.get("reports", []))
        self.stdout.write(f"Demo comments: {made} added; {reports} reader report(s) added.")

    def report(self, row, refs):
        """A reader's report, through the verb; one per address, so running again adds none."""
        comment = refs.get(row["comment"])
        if comment is None:
            return 0
        return comment.report(row["ip"], row["reason"], row.get("note", "")) is not None

    def load(self, row, article, refs):
        existing = Comment.objects.filter(
            article=article, email=row["email"], body=row["body"]
        ).first()
        if existing:
            return existing, False
        comment = Comment.objects.create(
            article=article,
            parent=refs[row["reply_to"]] if "reply_to" in row else None,
            name=row["name"],
            email=row["email"],
            url=row.get("url", ""),
            body=row["body"],
            ip=SEED_IP,
            user_agent="Demo content",
            submitted_at=min(
                article.published_at + datetime.timedelta(minutes=row["minutes"]), timezone.now()
            ),
        )
        comment.record(CommentEvent.Kind.SUBMITTED, ip=SEED_IP)
        if row["as"] == "approved":
            # Demo discussion is approved as written; it was never sent to Akismet.
            comment.record_spam_check(Comment.Akismet.DISABLED, {})
            comment.approve()
            if row.get("featured"):
                comment.feature()
        else:
            data = {"name": comment.name, "email": comment.email, "url": comment.url,
                    "body": comment.body}  # fmt: skip
            verdicts.decide(comment, rules.evaluate(article, data, SEED_IP, None))
            tasks.after_posting(comment)
        return comment, True
