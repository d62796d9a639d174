"""Writing what the export holds: authors, sections and tags, articles, media, old addresses.

Each item is written in its own transaction: a failing one leaves nothing behind and the run
goes on, and a run stopped half-way continues where it was when started again. Items are keyed
by their WordPress id and GUID (unique in the database), so a second run creates nothing.
"""

import datetime
import hashlib
import html
import re
import zoneinfo
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import (
    Article,
    Author,
    Byline,
    WordPressAuthor,
    WordPressMedia,
    WordPressPost,
    WordPressRedirect,
)
from articles.wordpress import content, parser, terms
from articles.wordpress.terms import unique_slug

SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
IMAGE_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
NO_DATE = "0000-00-00 00:00:00"


class ItemFailed(Exception):
    """This item cannot be imported; the message says why and the run goes on."""


class Importer:
    """Writes records from ``parser.read``; ``comments`` writes each post's comments."""

    def __init__(self, report, fetcher, comments=None, link_staff=False, tz=None):
        self.report = report
        self.fetcher = fetcher
        self.comments = comments
        self.link_staff = link_staff
        self.tz = zoneinfo.ZoneInfo(tz or settings.TIME_ZONE)
        self.channel = parser.Channel()
        self.taxonomy = terms.Taxonomy()
        self.featured = {}  # article pk → attachment id, for attachments later in the file

    def handle(self, record):
        self.report.items += 1
        handler = {
            parser.WxrAuthor: self.author,
            parser.WxrTerm: self.term,
            parser.WxrPost: self.item,
        }[type(record)]
        handler(record)

    def write(self, kind, key, work):
        """Run ``work`` (one item's writes) in its own transaction; count its outcome, or why
        it failed. ``work`` returns (outcome, reason).

        A unique key taken meanwhile (another import of the same file) is tried once more:
        the item is then found, and skipped."""
        try:
            try:
                with transaction.atomic():
                    outcome, reason = work()
            except IntegrityError:
                with transaction.atomic():
                    outcome, reason = work()
        except ItemFailed as failure:
            self.report.count(kind, "failed", str(failure), key)
            return None
        except (DatabaseError, ValueError) as error:
            self.report.count(kind, "failed", f"{type(error).__name__}: {error}"[:300], key)
            return None
        self.report.count(kind, outcome, reason, key)
        return outcome

    # Authors.
    def author(self, wxr):
        self.write("authors", wxr.login, lambda: self._author(wxr))

    def _author(self, wxr):
        if not wxr.login:
            raise ItemFailed("no wp:author_login")
        known = WordPressAuthor.objects.select_related("author").filter(login=wxr.login).first()
        if known:
            return "skipped", "already imported"
        user = self._staff_user(wxr) if self.link_staff else None
        existing = getattr(user, "author", None) if user else None
        if existing is not None and not hasattr(existing, "wordpress"):
            WordPressAuthor.objects.create(login=wxr.login[:60], author=existing)
            return "skipped", "the staff user's own author"
        author = Author.objects.create(
            name=wxr.name[:120], slug=unique_slug(Author, wxr.login or wxr.name, 120),
            user=user if existing is None else None,
        )  # fmt: skip
        WordPressAuthor.objects.create(login=wxr.login[:60], author=author)
        return "created", ""

    def _staff_user(self, wxr):
        """The staff user with the author's login or e-mail (``--link-staff``), or None."""
        match = Q(username__iexact=wxr.login)
        if wxr.email:
            match |= Q(email__iexact=wxr.email)
        users = get_user_model().objects.filter(match, is_staff=True).select_related("author")
        user = users.order_by("pk").first()
        if user is None:
            self.report.note("authors", wxr.login, "no staff user with this login or e-mail")
        return user

    def author_for(self, login):
        if not login:
            return None
        known = WordPressAuthor.objects.select_related("author").filter(login=login).first()
        if known:
            return known.author
        self._author(parser.WxrAuthor(login=login))
        return WordPressAuthor.objects.get(login=login).author

    # Categories and tags.
    def term(self, wxr):
        if wxr.taxonomy == "category":
            self.taxonomy.add_category(wxr.slug, wxr.name, wxr.parent)
            self.write("categories", wxr.slug, lambda: self._category(wxr.slug))
        elif wxr.taxonomy == "post_tag":
            self.write("tags", wxr.slug, lambda: self._tag(wxr.slug, wxr.name))
        else:
            self.report.count("terms", "skipped", f"taxonomy {wxr.taxonomy or '?'}")

    def _category(self, slug):
        """Top level → section, second level → subsection, deeper → tag."""
        if not slug:
            raise ItemFailed("no wp:category_nicename")
        trail = self.taxonomy.trail(slug)
        if len(trail) > 2:
            return self._tag(slug, self.taxonomy.categories[slug][0])
        _section, created = self.taxonomy.section_for(trail)
        return ("created", "") if created else ("skipped", "already here")

    def _tag(self, slug, name):
        tag, created = self.taxonomy.tag_for(slug, name)
        if tag is None:
            raise ItemFailed("a tag needs a name")
        return ("created", "") if created else ("skipped", "already here")

    # Items: posts, attachments, and what we do not import.
    def item(self, wxr):
        if wxr.post_type == "attachment":
            fetched = self._download(wxr.attachment_url or wxr.guid, wxr.post_id or None)
            self.write("media", wxr.post_id, lambda: self._attachment(wxr, fetched))
        elif wxr.post_type != "post":
            self.report.count("other items", "skipped", f"{wxr.post_type or 'no type'}: not a post")
        elif wxr.status in SKIPPED_STATUSES:
            self.report.count("articles", "skipped", f"WordPress status {wxr.status}")
        else:
            for url in IMAGE_RE.findall(wxr.content):
                self._download(html.unescape(url))
            self.write("articles", wxr.post_id or wxr.guid, lambda: self._post(wxr))

    def _download(self, url, attachment_id=None):
        """Fetch ``url`` before the item's transaction opens: no lock is held while it comes.
        True when a new file (or a new record of a missing one) was written."""
        if not url or len(url) > 1000 or urlsplit(url).scheme not in ("http", "https"):
            return False
        if transaction.get_connection().in_atomic_block:
            return False  # a dry run: nothing is fetched, everything rolls back
        try:
            with transaction.atomic():
                return self.fetcher.media(url, attachment_id=attachment_id)[1]
        except DatabaseError:
            return False  # the item's own transaction tells what is wrong

    def _attachment(self, wxr, fetched):
        url = wxr.attachment_url or wxr.guid
        if not url or len(url) > 1000:
            raise ItemFailed("no usable wp:attachment_url")
        media, created = self.fetcher.media(url, attachment_id=wxr.post_id or None)
        created = created or fetched
        alt = wxr.meta.get("_wp_attachment_image_alt", "")[:250]
        caption = content.text_of(wxr.excerpt)[:250]
        if (media.alt, media.caption) != (alt, caption):
            media.alt, media.caption = alt, caption
            media.save(update_fields=["alt", "caption"])
        if not media.is_downloaded():
            self.report.note("media", url, f"missing: {media.problem}")
            return "failed", "missing"
        return ("created", "") if created else ("skipped", "already downloaded")

    def _post(self, wxr):
        if not wxr.post_id:
            raise ItemFailed("no wp:post_id")
        guid = (wxr.guid or f"{self.channel.link}/?p={wxr.post_id}")[:480]
        known = WordPressPost.objects.filter(post_id=wxr.post_id).first()
        if known is None and WordPressPost.objects.filter(guid=guid).exists():
            self.report.note("articles", wxr.post_id, f"GUID {guid} is another post's too")
            guid = f"{guid}#post-{wxr.post_id}"
        if known and known.article_id is None:
            return "skipped", "deleted here after an earlier import"
        digest = source_hash(wxr)
        if known and known.source_hash == digest:
            self._featured(known.article, known.thumbnail_id)
            self._comments(known.article, wxr)
            return "skipped", "unchanged since the last import"
        updating = known is not None
        article = known.article if updating else Article()
        conversion = self._fill(article, wxr)
        if updating:
            known.source_hash, known.is_sticky = digest, wxr.is_sticky
            known.thumbnail_id = _int(wxr.meta.get("_thumbnail_id"))
            known.save()
        else:
            known = WordPressPost.objects.create(
                post_id=wxr.post_id, guid=guid, article=article, source_hash=digest,
                is_sticky=wxr.is_sticky, thumbnail_id=_int(wxr.meta.get("_thumbnail_id")),
            )  # fmt: skip
        self._bylines(article, wxr)
        self._redirects(article, wxr)
        self._featured(article, known.thumbnail_id)
        for dropped in sorted(set(conversion.dropped)):
            self.report.note("articles", wxr.post_id, f"dropped {dropped}")
        if wxr.is_sticky:
            self.report.note("articles", wxr.post_id, "sticky in WordPress (not pinned here)")
        self._comments(article, wxr)
        return ("updated", "changed in WordPress") if updating else ("created", "")

    def _fill(self, article, wxr):
        creating = article.pk is None
        conversion = content.Conversion(wxr.content, self.media_url)
        article.title = (wxr.title or f"Untitled ({wxr.post_id})")[:200]
        if creating:
            article.slug = unique_slug(Article, wxr.slug or wxr.title or f"post-{wxr.post_id}", 200)
        article.dek = content.text_of(wxr.excerpt)[:300]
        article.body = conversion.markdown
        article.section = self.taxonomy.section_of(wxr)
        closed = wxr.comment_status == "closed"
        article.comment_policy = (
            Article.CommentPolicy.CLOSED if closed else Article.CommentPolicy.OPEN
        )
        if creating:
            article.status = Article.Status.DRAFT
        article.save()
        article.tags.set(self.taxonomy.tags_of(wxr))
        self._apply_status(article, wxr)
        return conversion

    def _apply_status(self, article, wxr):
        """publish → published, future → scheduled, pending → in review; the rest → draft."""
        status = wxr.status
        if status == "publish" and wxr.password:
            self.report.note("articles", wxr.post_id, "password-protected: imported as a draft")
            status = "draft"
        if status in ("publish", "future"):
            at = self.date(wxr.post_date_gmt, wxr.post_date) or timezone.now()
            if article.status != Article.Status.PUBLISHED or article.published_at != at:
                article.publish(at=at)
        elif status == "pending":
            if article.status != Article.Status.IN_REVIEW:
                article.submit_for_review()
        elif article.status != Article.Status.DRAFT:
            article.unpublish()

    def _bylines(self, article, wxr):
        author = self.author_for(wxr.creator)
        if author and not article.bylines.filter(author=author).exists():
            Byline.objects.create(article=article, author=author, position=0)

    def _redirects(self, article, wxr):
        for path in self.old_paths(wxr):
            WordPressRedirect.objects.update_or_create(path=path, defaults={"article": article})

    def old_paths(self, wxr):
        """The post's permalink (its <link>) and its /YYYY/MM/DD/slug/ form, as paths."""
        paths = set()
        link = urlsplit(wxr.link)
        if link.path and link.path != "/" and "p" not in parse_qs(link.query):
            paths.add(normal_path(link.path))
        local = parse_date(wxr.post_date)
        if local and wxr.slug:
            prefix = urlsplit(self.channel.link).path.rstrip("/")
            paths.add(normal_path(f"{prefix}/{local:%Y/%m/%d}/{unquote(wxr.slug)}/"))
        return sorted(p for p in paths if len(p) <= 500)

    def _featured(self, article, thumbnail_id):
        if not thumbnail_id or article.image:
            return
        media = WordPressMedia.objects.filter(attachment_id=thumbnail_id).first()
        if media is None:
            self.featured[article.pk] = thumbnail_id  # its attachment comes later in the file
        elif media.is_downloaded():
            article.image = media.file.name
            article.image_alt, article.image_caption = media.alt, media.caption
            article.save(update_fields=["image", "image_alt", "image_caption", "modified_at"])
        else:
            self.report.note("articles", article.slug, f"featured image missing: {media.url}")

    def finish(self):
        """Featured images whose attachment came after their post."""
        for pk, thumbnail_id in self.featured.items():
            article = Article.objects.filter(pk=pk).first()
            if article and not article.image:
                with transaction.atomic():
                    self._featured(article, thumbnail_id)
            known = WordPressMedia.objects.filter(attachment_id=thumbnail_id).exists()
            if article and not known:
                self.report.note("articles", article.slug, "featured image not in the export")
        self.featured.clear()

    def _comments(self, article, wxr):
        if self.comments is not None and wxr.comments and article is not None:
            self.comments(self, article, wxr.comments)

    # Media in post bodies.
    def media_url(self, url):
        """Where an image of a post is served from here: its downloaded copy when there is one."""
        if len(url) > 1000 or urlsplit(url).scheme not in ("http", "https"):
            return url
        with transaction.atomic():
            media, _created = self.fetcher.media(url)
        if media.is_downloaded():
            return media.file.url
        self.report.note("media", url, f"missing: {media.problem}")
        return url

    def date(self, gmt, local):
        """A WordPress time in UTC: post_date_gmt, else post_date in the site's time zone."""
        moment = parse_date(gmt)
        if moment:
            return moment.replace(tzinfo=datetime.UTC)
        moment = parse_date(local)
        return moment.replace(tzinfo=self.tz) if moment else None


def parse_date(value):
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def normal_path(path):
    path = "/" + unquote(path).strip("/")
    return path if path.endswith("/") else path + "/"


def source_hash(wxr):
    fields = (
        wxr.title, wxr.content, wxr.excerpt, wxr.status, wxr.post_date, wxr.post_date_gmt,
        wxr.slug, wxr.creator, wxr.password, wxr.comment_status, wxr.is_sticky,
        sorted(wxr.terms), wxr.meta.get("_thumbnail_id", ""),
    )  # fmt: skip
    return hashlib.sha256(repr(fields).encode()).hexdigest()


def _int(value):
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None
