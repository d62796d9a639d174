"""Load the demo content in seeds/ idempotently, through the model verbs.

seeds/README.md describes the files. Rows are matched on their slugs. A plain run only adds what
is missing, so editors' changes to demo rows survive `make run`; ``--refresh`` puts every row back
to what the files say, saving only the values that differ. Pictures are drawn once, then reused.
"""

import io
import math
import random
import re
import tomllib
from collections import Counter
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont

from articles.models import FAQ, Article, ArticleNote, Author, Byline, RelatedPick, Section, Tag

SEEDS_DIR = settings.BASE_DIR / "seeds"
FRONT_MATTER_RE = re.compile(r"\A\+\+\+\n(?P<meta>.*?)\n\+\+\+\n(?P<body>.*)\Z", re.DOTALL)
STATUSES = {"draft": Article.Status.DRAFT, "in_review": Article.Status.IN_REVIEW,
            "published": Article.Status.PUBLISHED}  # fmt: skip
IMAGE_SIZE = (1200, 675)
AVATAR_SIZE = (400, 400)
PALETTE = ["#1d3557", "#457b9d", "#a8dadc", "#f1faee", "#e9c46a"]  # when a section names none


class Command(BaseCommand):
    help = "Load the demo sections, authors, articles and one staff login per role from seeds/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo logins even when DEBUG is off (never do this in production).",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the demo logins (make run does this last, below the other output).",
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Reset demo rows that were edited to what the seed files say.",
        )

    def handle(self, *args, force=False, refresh=False, logins=False, **options):
        if logins:
            self.print_logins(read_toml(SEEDS_DIR / "site.toml")["demo_users"])
            return
        self.refresh = refresh
        self.loaded = set()  # slugs of the articles this run created or reset
        self.changes = Counter()
        self.palettes = {}
        self.now = timezone.now().replace(second=0, microsecond=0)
        site = read_toml(SEEDS_DIR / "site.toml")
        stories = [read_article(path) for path in sorted((SEEDS_DIR / "articles").glob("*.md"))]
        with transaction.atomic():
            sections = self.load_sections(site["sections"])
            authors = self.load_authors(site["authors"])
            tags = self.load_tags(site["tags"])
            articles = {
                story["slug"]: self.load_article(story, sections, authors, tags)
                for story in stories
            }
            for story in stories:
                if story["slug"] in self.loaded:
                    self.set_related(articles[story["slug"]], lookup(articles, story, "related"))
            logins = self.load_users(site["demo_users"], authors, force)
        self.report(logins)

    # Rows

    def sync(self, model, lookup_fields, update=None, **values):
        """Get or create a row; with ``update`` (default: --refresh) save values that differ."""
        row = model.objects.filter(**lookup_fields).first()
        if row is None:
            self.changes[str(model._meta.verbose_name_plural), "created"] += 1
            return model.objects.create(**lookup_fields, **values)
        if not (self.refresh if update is None else update):
            return row
        changed = {field: value for field, value in values.items() if getattr(row, field) != value}
        if changed:
            for field, value in changed.items():
                setattr(row, field, value)
            row.save()
            self.changes[str(model._meta.verbose_name_plural), "updated"] += 1
        return row

    def load_sections(self, rows):
        sections = {}
        for position, row in enumerate(rows):
            parent = sections[row["parent"]] if row.get("parent") else None
            self.palettes[row["slug"]] = row.get("palette") or self.palettes.get(row.get("parent"))
            sections[row["slug"]] = self.sync(
                Section,
                {"slug": row["slug"]},
                name=row["name"],
                parent=parent,
                description=row.get("description", ""),
                position=position,
            )
        return sections

    def load_authors(self, rows):
        authors = {}
        for row in rows:
            author = self.sync(
                Author,
                {"slug": row["slug"]},
                name=row["name"],
                job_title=row["job_title"],
                bio=row["bio"].strip(),
            )
            self.ensure_picture(author.photo, f"{author.slug}.jpg", lambda r=row: avatar(r))
            authors[author.slug] = author
        return authors

    def load_tags(self, rows):
        return {
            row["slug"]: self.sync(Tag, {"slug": row["slug"]}, name=row["name"]) for row in rows
        }

    def load_article(self, story, sections, authors, tags):
        """Create one article, or with --refresh reset it; an existing one is otherwise kept."""
        existing = Article.objects.filter(slug=story["slug"]).first()
        if existing and not self.refresh:
            return existing
        self.loaded.add(story["slug"])
        with reversion.create_revision():
            reversion.set_comment("Loaded from the demo content in seeds/.")
            article = self.article_row(story, lookup(sections, story, "section")[0])
            self.set_bylines(article, lookup(authors, story, "authors"))
            article.tags.set(lookup(tags, story, "tags"))
            self.set_faqs(article, story.get("faqs", []))
            palette = story.get("image_palette") or self.palettes[story["section"]] or PALETTE
            self.ensure_picture(
                article.image, f"{article.slug}.jpg", lambda: illustration(story, palette)
            )
            self.set_status(article, STATUSES[story["status"]], publish_time(story, self.now))
            # An update note arrives after publication, so the page shows an "updated" date.
            article = self.sync(Article, {"pk": article.pk}, update=True, body=full_body(story))
        self.set_notes(article, story.get("notes", []))  # each note's revision is its own
        return article

    def article_row(self, story, section):
        values = {
            "title": story["title"],
            "dek": story.get("dek", ""),
            "body": full_body(story),
            "section": section,
            "closing_question": story.get("closing_question", ""),
            "image_alt": story.get("image_alt", ""),
            "image_caption": story.get("image_caption", ""),
            "comment_policy": story.get("comment_policy", Article.CommentPolicy.SECTION),
            "meta_description": story.get("meta_description", ""),
        }
        if not Article.objects.filter(slug=story["slug"]).exists():
            values["body"] = story["body"]
        return self.sync(Article, {"slug": story["slug"]}, update=True, **values)

    def set_bylines(self, article, authors):
        set_ordered(article.bylines, Byline, "author", authors)

    def set_related(self, article, picks):
        set_ordered(article.picks, RelatedPick, "related", picks)

    def set_faqs(self, article, faqs):
        article.faqs.exclude(question__in=[faq["question"] for faq in faqs]).delete()
        for position, faq in enumerate(faqs):
            self.sync(
                FAQ,
                {"article": article, "question": faq["question"]},
                update=True,
                answer=faq["answer"].strip(),
                position=position,
            )

    def set_notes(self, article, notes):
        """Publish the story's corrections and updates that are not on it yet, as an editor
        would; a note already there is left as it is (published notes are amended, not reset)."""
        if not article.is_published():
            return
        for row in notes:
            body = row["body"].strip()
            if article.notes.filter(kind=row["kind"], body=body).exists():
                continue
            with reversion.create_revision():
                reversion.set_comment("Loaded from the demo content in seeds/.")
                note = ArticleNote(article=article, kind=row["kind"], body=body)
                note.propose(by=None)
                note.publish(by=None)
            self.changes["corrections and updates", "published"] += 1

    def set_status(self, article, status, when):
        """Move the article to ``status`` with the model's verbs, as an editor would."""
        if article.status == status:
            return
        if status == Article.Status.DRAFT or article.status == Article.Status.PUBLISHED:
            article.unpublish()
        if status == Article.Status.IN_REVIEW:
            article.submit_for_review()
        elif status == Article.Status.PUBLISHED:
            article.publish(at=when)
        self.changes["status changes", "made"] += 1

    def ensure_picture(self, field, filename, draw):
        """Give an image field its generated picture, drawing it only if the file is missing."""
        if field and field.storage.exists(field.name):
            return
        name = field.field.generate_filename(field.instance, filename)
        if field.storage.exists(name):
            field.name = name
            field.instance.save(update_fields=[field.field.name])
        else:
            field.save(filename, ContentFile(draw()), save=True)
            self.changes["pictures", "drawn"] += 1

    # Logins

    def load_users(self, rows, authors, force):
        if not settings.DEBUG and not force:
            self.stdout.write(
                self.style.WARNING(
                    "DEBUG is off, so no demo logins were created (pass --force to create them)."
                )
            )
            return []
        return [self.load_user(row, authors) for row in rows]

    def load_user(self, row, authors):
        User = get_user_model()
        user = User.objects.filter(username=row["username"]).first()
        if user is None:
            user = User.objects.create_user(
                row["username"], f"{row['username']}@newsroom.invalid", row["password"],
                first_name=row.get("first_name", ""), is_staff=True,
            )  # fmt: skip
            self.changes["demo logins", "created"] += 1
        elif not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        # Only membership: each app owns its group's permissions (comments owns Moderator).
        user.groups.add(Group.objects.get_or_create(name=row["group"])[0])
        if row.get("author"):
            self.sync(Author, {"pk": authors[row["author"]].pk}, update=True, user=user)
        return row

    # Output

    def report(self, logins):
        for (what, change), count in sorted(self.changes.items()):
            self.stdout.write(f"  {what}: {count} {change}")
        totals = ", ".join(
            f"{model.objects.count()} {model._meta.verbose_name_plural}"
            for model in (Section, Author, Tag, Article, FAQ)
        )
        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {totals}."))
        if not self.changes:
            self.stdout.write("Nothing changed: the demo content was already up to date.")
        if logins:
            self.print_logins(logins)

    def print_logins(self, logins):
        admin_url = settings.SITE_URL.rstrip("/") + reverse("admin:index")
        self.stdout.write(f"Demo logins for the admin at {admin_url}")
        for row in logins:
            self.stdout.write(f"  {row['username']:<10} {row['password']:<22} {row['group']}")
        self.stdout.write("(A password is set when its login is created; later runs keep it.)")


def set_ordered(rows, model, field, targets):
    """Make an article's ordered rows (bylines, picks) point at ``targets``, in that order."""
    if list(rows.values_list(f"{field}_id", flat=True)) == [target.pk for target in targets]:
        return
    rows.all().delete()
    model.objects.bulk_create(
        model(article=rows.instance, position=position, **{field: target})
        for position, target in enumerate(targets)
    )


# Reading the files


def read_toml(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CommandError(f"{path}: {error}") from error


def read_article(path):
    match = FRONT_MATTER_RE.match(path.read_text(encoding="utf-8"))
    if match is None:
        raise CommandError(f"{path}: the file must start with TOML front matter between +++ lines.")
    try:
        story = tomllib.loads(match["meta"])
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"{path}: {error}") from error
    missing = {"title", "slug", "section", "authors", "status"} - story.keys()
    if missing or story["status"] not in STATUSES:
        raise CommandError(f"{path}: missing {sorted(missing)} or unknown status.")
    story["body"] = match["body"].strip()
    return story


def lookup(rows, story, key):
    """The rows a story names under ``key`` (one slug or a list), in the story's order."""
    slugs = story.get(key, [])
    slugs = [slugs] if isinstance(slugs, str) else slugs
    unknown = [slug for slug in slugs if slug not in rows]
    if unknown:
        raise CommandError(f"{story['slug']}: unknown {key} {unknown}; add them to seeds/.")
    return [rows[slug] for slug in slugs]


def full_body(story):
    if not story.get("update"):
        return story["body"]
    return f"{story['body']}\n\n{story['update'].strip()}"


def publish_time(story, now):
    """Times are relative to the run, so the demo always looks fresh."""
    if "published_in" in story:
        return now + timedelta(**story["published_in"])
    return now - timedelta(**story.get("published_ago", {}))


# Pictures: original abstract illustrations, drawn deterministically from the story's slug.


def rgba(colour, alpha):
    return (*ImageColor.getrgb(colour), alpha)


def illustration(story, palette):
    """A 1200x675 JPEG: a vertical gradient under translucent shapes of the story's motif."""
    rng = random.Random(story["slug"])
    top, bottom, *colours = palette
    picture = Image.composite(
        Image.new("RGB", IMAGE_SIZE, bottom),
        Image.new("RGB", IMAGE_SIZE, top),
        Image.linear_gradient("L").resize(IMAGE_SIZE),
    ).convert("RGBA")
    shapes = Image.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    MOTIFS[story.get("image_motif", "circles")](ImageDraw.Draw(shapes), rng, colours)
    picture = Image.alpha_composite(picture, shapes.filter(ImageFilter.GaussianBlur(1.5)))
    return jpeg(picture)


def draw_circles(draw, rng, colours):
    for _ in range(9):
        x, y, r = rng.randint(0, 1200), rng.randint(80, 675), rng.randint(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rgba(rng.choice(colours), 140))


def draw_rings(draw, rng, colours):
    x, y = rng.randint(300, 900), rng.randint(200, 480)
    for r in range(640, 40, -80):
        draw.ellipse((x - r, y - r, x + r, y + r), outline=rgba(rng.choice(colours), 150), width=30)


def draw_waves(draw, rng, colours):
    for band in range(6):
        base, amplitude, phase = 260 + band * 75, rng.randint(15, 45), rng.random() * 6.3
        crest = [(x, base + amplitude * math.sin(x / 150 + phase)) for x in range(0, 1201, 20)]
        draw.polygon([*crest, (1200, 675), (0, 675)], fill=rgba(colours[band % len(colours)], 110))


def draw_bars(draw, rng, colours):
    x = 40
    while x < 1160:
        width, height = rng.randint(50, 110), rng.randint(120, 520)
        draw.rectangle((x, 675 - height, x + width, 675), fill=rgba(rng.choice(colours), 160))
        x += width + rng.randint(12, 40)


def draw_blocks(draw, rng, colours):
    for row in range(5):
        for column in range(9):
            if rng.random() < 0.75:
                x, y = 30 + column * 130, 25 + row * 130
                draw.rounded_rectangle(
                    (x, y, x + 110, y + 110), radius=14, fill=rgba(rng.choice(colours), 130)
                )


MOTIFS = {"circles": draw_circles, "rings": draw_rings, "waves": draw_waves,
          "bars": draw_bars, "blocks": draw_blocks}  # fmt: skip


def avatar(author):
    """A 400x400 JPEG: the author's initials on a coloured disc."""
    colour = author.get("colour", "#1d3557")
    picture = Image.new("RGB", AVATAR_SIZE, "#f4f1ea")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((20, 20, 380, 380), fill=colour)
    initials = "".join(word[0] for word in author["name"].split()[:2]).upper()
    font = ImageFont.load_default(size=150)
    draw.text((200, 205), initials, fill="#ffffff", font=font, anchor="mm")
    return jpeg(picture)


def jpeg(picture):
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=80, optimize=True, progressive=True)
    return buffer.getvalue()
