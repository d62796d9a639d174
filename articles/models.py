from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _

from articles.markup import CALLOUT_HELP, reading_minutes, render_article


class Author(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    job_title = models.CharField(
        _("job title"), max_length=120, blank=True, help_text=_("e.g. Senior News Editor")
    )
    bio = models.TextField(_("short bio"), max_length=600, blank=True)
    photo = models.ImageField(_("photo"), upload_to="authors/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class Section(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent section"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Leave empty for a top-level section. Sections nest one level deep."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("menu position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return f"{self.parent} » {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})

    def clean(self):
        if self.parent_id and (self.parent.parent_id or self.parent_id == self.pk):
            raise ValidationError({"parent": _("Choose a top-level section as the parent.")})

    @property
    def trail(self):
        """The sections from the top down to this one, for breadcrumbs."""
        return [self.parent, self] if self.parent_id else [self]


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles readers can see: published, with a publish time that has passed."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published articles whose publish time is still ahead."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def in_section(self, section):
        """Articles in a section or any of its subsections."""
        return self.filter(Q(section=section) | Q(section__parent=section))

    def by_author(self, author):
        return self.filter(authors=author)

    def tagged(self, tag):
        return self.filter(tags=tag)

    def written_by(self, user):
        """Articles a user created or shares the byline of."""
        return self.filter(_written_by(user))

    def readable_by(self, user):
        """Articles a user may open in the admin: all for editors; for everyone else, their own
        and what readers can already see. Drafts, scheduled work and the history behind them
        stay with their writers."""
        if user.has_perm("articles.publish_article"):
            return self
        live = Q(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())
        return self.filter(_written_by(user) | live)

    def editable_by(self, user):
        """Articles a user may edit: all for editors; reporters, their own unpublished ones."""
        if user.has_perm("articles.publish_article"):
            return self
        return self.exclude(status=Article.Status.PUBLISHED).written_by(user)

    def for_listing(self):
        """Everything a card shows, fetched in a fixed number of queries."""
        return self.select_related("section__parent").prefetch_related("authors")

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def with_bylines(self):
        """Each article's bylines and their authors, in byline order, in one extra query."""
        bylines = Byline.objects.select_related("author")
        return self.prefetch_related(Prefetch("bylines", queryset=bylines))

    def for_cards(self):
        """What an article card shows (section trail, bylines) in a fixed number of queries."""
        return self.select_related("section__parent").with_bylines()

    def front_page(self, latest, per_section, sections):
        """The newest ``latest`` articles and the newest ``per_section`` of each of the top-level
        ``sections``, in one query; each row has ``overall_rank`` and ``rank_in_section``.

        The ranks are taken over those candidates only (each a short list read through an
        index), so the page costs the same with a hundred articles or a hundred thousand.
        """
        candidates = [self.newest_first().values("pk")[:latest]]
        for section in sections:
            candidates.append(self.in_section(section).newest_first().values("pk")[:per_section])
        top_section = Coalesce("section__parent_id", "section_id")
        newest = [F("published_at").desc(), F("pk").desc()]
        return (
            self.among(*candidates)
            .annotate(
                top_section_id=top_section,
                overall_rank=Window(RowNumber(), order_by=newest),
                rank_in_section=Window(RowNumber(), partition_by=top_section, order_by=newest),
            )
            .filter(Q(overall_rank__lte=latest) | Q(rank_in_section__lte=per_section))
        )

    def among(self, *candidates):
        """The rows whose pk is in any of ``candidates`` (querysets of pks, sliced to a few).

        One IN over a UNION ALL where the database takes sliced parts in one (PostgreSQL):
        each part reads its few rows through an index. SQLite cannot, and takes ORs instead.
        """
        if connection.features.supports_slicing_ordering_in_compound:
            return self.filter(pk__in=candidates[0].union(*candidates[1:], all=True))
        either = Q()
        for candidate in candidates:
            either |= Q(pk__in=Subquery(candidate))
        return self.filter(either)

    def search(self, query):
        """Articles matching ``query``: ranked full-text search on PostgreSQL, else substrings."""
        if connection.vendor != "postgresql":
            return self.filter(
                Q(title__icontains=query) | Q(dek__icontains=query) | Q(body__icontains=query)
            ).newest_first()
        # The stored, weighted vector and its GIN index: see migration 0002.
        terms = "websearch_to_tsquery('english'::regconfig, %s)"
        document = "articles_article.search_document"
        return (
            self.filter(RawSQL(f"{document} @@ {terms}", [query], output_field=BooleanField()))
            .annotate(rank=RawSQL(f"ts_rank({document}, {terms})", [query], FloatField()))
            .order_by("-rank", "-published_at", "-pk")
        )


def _written_by(user):
    if not user.is_authenticated:
        return Q(pk__in=[])
    bylined = Byline.objects.filter(author__user=user).values("article")
    return Q(created_by=user) | Q(pk__in=bylined)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    class CommentPolicy(models.TextChoices):
        OPEN = "open", _("Open")
        PREMODERATED = "premoderated", _("Open, every comment held for a moderator")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("headline"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The address of the article. If you change it, the old address redirects."),
    )
    dek = models.CharField(
        _("dek"), max_length=300, blank=True, help_text=_("One summary line under the headline.")
    )
    body = models.TextField(_("body"), help_text=CALLOUT_HELP)
    body_html = models.TextField(editable=False, default="")
    reading_time = models.PositiveSmallIntegerField(editable=False, default=1)
    closing_question = models.CharField(
        _("closing question"),
        max_length=300,
        blank=True,
        help_text=_("A question inviting readers to comment, shown after the body."),
    )
    authors = models.ManyToManyField(
        Author, through="Byline", related_name="articles", verbose_name=_("authors")
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles", verbose_name=_("section")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    image = models.ImageField(_("featured image"), upload_to="articles/%Y/", blank=True)
    image_alt = models.CharField(
        _("image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe the image for readers who cannot see it."),
    )
    image_caption = models.CharField(_("image caption"), max_length=250, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_("A future time schedules the article; it goes live then."),
    )
    updated_at = models.DateTimeField(
        _("last updated"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the headline, dek or body changes after publication."),
    )
    comment_policy = models.CharField(
        _("comments"), max_length=20, choices=CommentPolicy.choices, default=CommentPolicy.OPEN
    )
    meta_description = models.CharField(
        _("meta description"),
        max_length=160,
        blank=True,
        help_text=_("For search engines and link previews; the dek is used when empty."),
    )
    social_image = models.ImageField(
        _("social image"),
        upload_to="social/%Y/",
        blank=True,
        help_text=_("Shown when the article is shared; the featured image is used when empty."),
    )
    related = models.ManyToManyField(
        "self",
        through="RelatedPick",
        symmetrical=False,
        blank=True,
        related_name="picked_by",
        verbose_name=_("related articles"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish, schedule and unpublish articles"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_listing_idx"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_article_has_publish_time",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = normalize_newlines(self.body)  # browsers send textareas with CRLF
        self.body_html = render_article(self.body)
        self.reading_time = reading_minutes(self.body)
        if self._content_changed() and self.is_published():
            self.updated_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)
        self._loaded = {field: getattr(self, field) for field in ("title", "dek", "body", "slug")}

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean(self):
        # Publishing without a time means "now", as in Django's own documentation example.
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def _content_changed(self):
        loaded = getattr(self, "_loaded", None)
        return loaded is not None and any(
            field in loaded and loaded[field] != getattr(self, field)
            for field in ("title", "dek", "body")
        )

    @property
    def loaded_slug(self):
        """The slug the row had when it was read, to redirect old addresses."""
        return getattr(self, "_loaded", {}).get("slug")

    # Predicates, each the twin of a QuerySet method.
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    def is_written_by(self, user):
        if not user.is_authenticated:
            return False
        return self.created_by_id == user.pk or self.authors.filter(user=user).exists()

    def is_readable_by(self, user):
        if user.has_perm("articles.publish_article"):
            return True
        return self.is_published() or self.is_written_by(user)

    def is_editable_by(self, user):
        if user.has_perm("articles.publish_article"):
            return True
        if self.status == self.Status.PUBLISHED:
            return False
        return self.is_written_by(user)

    def was_updated(self):
        return self.updated_at is not None and self.published_at is not None

    # Verbs.
    def submit_for_review(self):
        """A draft goes to the editors."""
        self.status = self.Status.IN_REVIEW
        self.save(update_fields=["status", "modified_at"])

    def publish(self, at=None):
        """Publish now, or schedule for ``at``; keeps an earlier publish time on republishing."""
        self.status = self.Status.PUBLISHED
        self.published_at = at or self.published_at or timezone.now()
        self.save(update_fields=["status", "published_at", "modified_at"])

    def unpublish(self):
        """Take the article off the site; it goes back to draft."""
        self.status = self.Status.DRAFT
        self.save(update_fields=["status", "modified_at"])

    # Presentation.
    @property
    def summary(self):
        return self.meta_description or self.dek

    @property
    def share_image(self):
        return self.social_image or self.image

    @property
    def display_date(self):
        return self.updated_at if self.was_updated() else self.published_at

    @property
    def byline_authors(self):
        """The article's authors in byline order (prefetch with ``with_bylines()``)."""
        return [byline.author for byline in self.bylines.all()]

    @property
    def canonical_url(self):
        return settings.SITE_URL.rstrip("/") + self.get_absolute_url()

    def related_articles(self, count=None):
        """Published articles to read next: editor picks first, then same section or tags."""
        count = count or settings.RELATED_ARTICLES_COUNT
        pick = RelatedPick.objects.filter(article=self, related=OuterRef("pk"))
        others = Article.objects.published().exclude(pk=self.pk).newest_first()
        # Candidates first, each list short and read through an index, so the ordering below
        # sorts a handful of rows however large the archive.
        same_section = others.filter(section_id=self.section_id).values("pk")[:count]
        same_tags = others.filter(tags__in=self.tags.values("pk")).values("pk")[: count * 3]
        picks = self.picks.values("related")
        return (
            others.among(picks, same_section, same_tags)
            .annotate(pick_position=Subquery(pick.values("position")[:1]))
            .order_by(F("pick_position").asc(nulls_last=True), "-published_at", "-pk")
            .for_cards()[:count]
        )

    @property
    def breadcrumbs(self):
        """Home, then the section trail: (name, path) pairs."""
        home = (_("Home"), reverse("articles:home"))
        return [home] + [
            (section.name, section.get_absolute_url()) for section in self.section.trail
        ]


class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="one_byline_per_author")
        ]

    def __str__(self):
        return str(self.author)


class RelatedPick(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="picks")
    related = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("related article"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("related pick")
        verbose_name_plural = _("related picks")
        constraints = [
            models.UniqueConstraint(fields=["article", "related"], name="one_pick_per_article"),
            models.CheckConstraint(
                condition=~Q(article=models.F("related")), name="article_not_related_to_itself"
            ),
        ]

    def __str__(self):
        return str(self.related)


class FAQ(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), help_text=_("Markdown."))
    answer_html = models.TextField(editable=False, default="")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")
        constraints = [
            models.UniqueConstraint(fields=["article", "question"], name="one_question_per_article")
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.answer = normalize_newlines(self.answer)
        self.answer_html = render_article(self.answer)
        super().save(*args, **kwargs)


class SlugRedirect(models.Model):
    """An address an article used to have; it redirects permanently to the current one."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.old_slug


class ImportRun(models.Model):
    """One run of ``manage.py import_wordpress``: what it read and what became of it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running (or interrupted)")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Stopped on bad input")

    source = models.CharField(_("file"), max_length=500)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    wxr_version = models.CharField(_("WXR version"), max_length=10, blank=True)
    counts = models.JSONField(
        _("counts"), default=dict, blank=True, help_text=_("Per kind: created, updated, …")
    )
    problems = models.JSONField(
        _("problems"), default=list, blank=True, help_text=_("Failures, missing media, …")
    )
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.source} ({self.started_at:%Y-%m-%d %H:%M})"

    def finish(self, report, error=""):
        self.status = self.Status.FAILED if error else self.Status.FINISHED
        self.error = error[:500]
        self.finished_at = timezone.now()
        self.counts, self.problems = report.counts_table(), report.problems
        self.save()


class WordPressAuthor(models.Model):
    """A WordPress login and the Author it became."""

    login = models.CharField(max_length=60, unique=True)
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="wordpress")

    class Meta:
        verbose_name = _("WordPress author")
        verbose_name_plural = _("WordPress authors")

    def __str__(self):
        return self.login


class WordPressPostQuerySet(models.QuerySet):
    def live_article(self, post_id):
        """The published article WordPress post ``post_id`` became, or None."""
        published = Article.objects.published()
        row = self.filter(post_id=post_id, article__in=published).select_related("article").first()
        return row.article if row else None


class WordPressPost(models.Model):
    """A WordPress post and the article it became; kept when the article is deleted here, so
    importing again does not bring it back."""

    post_id = models.PositiveBigIntegerField(unique=True)
    guid = models.CharField(max_length=500, unique=True)
    article = models.OneToOneField(
        Article, on_delete=models.SET_NULL, null=True, related_name="wordpress"
    )
    source_hash = models.CharField(max_length=64, help_text=_("Of the post as last imported."))
    is_sticky = models.BooleanField(
        _("sticky in WordPress"),
        default=False,
        help_text=_("Articles are not pinned here; the import report lists them."),
    )
    thumbnail_id = models.PositiveBigIntegerField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    objects = WordPressPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("WordPress post")
        verbose_name_plural = _("WordPress posts")

    def __str__(self):
        return f"{self.post_id} {self.guid}"


class WordPressRedirectQuerySet(models.QuerySet):
    def live_article(self, path):
        """The published article an old address leads to, or None; with or without its final
        slash, as WordPress answered both."""
        path = "/" + unquote(path).strip("/")
        candidates = [path + "/", path] if path != "/" else [path]
        published = Article.objects.published()
        row = self.filter(path__in=candidates, article__in=published).select_related("article")
        row = row.first()
        return row.article if row else None


class WordPressRedirect(models.Model):
    """A WordPress address of an article (permalink or date-based): redirects permanently."""

    path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    objects = WordPressRedirectQuerySet.as_manager()

    class Meta:
        verbose_name = _("WordPress address")
        verbose_name_plural = _("WordPress addresses")

    def __str__(self):
        return self.path


class WordPressMedia(models.Model):
    """A file an export pointed at (an attachment, an image in a post): fetched, or missing."""

    class Status(models.TextChoices):
        DOWNLOADED = "downloaded", _("Downloaded")
        MISSING = "missing", _("Missing")

    url = models.URLField(max_length=1000, unique=True)
    attachment_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    file = models.FileField(upload_to="imported/%Y/", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    problem = models.CharField(max_length=300, blank=True)
    alt = models.CharField(max_length=250, blank=True)
    caption = models.CharField(max_length=250, blank=True)

    class Meta:
        verbose_name = _("WordPress media file")
        verbose_name_plural = _("WordPress media files")

    def __str__(self):
        return self.url

    def is_downloaded(self):
        return self.status == self.Status.DOWNLOADED
