import html

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models, transaction
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
from django.utils.html import strip_tags
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
    class CommentPolicy(models.TextChoices):
        INHERIT = "", _("As the parent section (top level: open)")
        OPEN = "open", _("Open")
        PREMODERATED = "premoderated", _("Open, every comment held for a moderator")
        CLOSED = "closed", _("Closed")

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
    # The section's comment policy; each empty value is taken from the parent section, then
    # from the site (comments/policy.py reads them, with the article's own switch first).
    comment_policy = models.CharField(
        _("comments"),
        max_length=20,
        choices=CommentPolicy.choices,
        default=CommentPolicy.INHERIT,
        db_default=CommentPolicy.INHERIT,  # rows written by older code (or migrations) inherit
        blank=True,
        help_text=_("An article's own setting wins over its section's."),
    )
    comments_close_after_days = models.PositiveSmallIntegerField(
        _("close comments after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Counted from publication. Empty: as the parent section, or the site's setting."
        ),
    )
    comment_link_limit = models.PositiveSmallIntegerField(
        _("hold comments with this many links"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "On top of the site's limit and the parent section's: the lowest of them applies."
        ),
    )
    comment_hold_words = models.TextField(
        _("hold words"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "One word or phrase a line (whole words, any case): a comment with one is held "
            "for a moderator, on top of the site's hold words and the parent section's."
        ),
    )

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

    @property
    def hold_words(self):
        """This section's own hold words, one a line, without blanks or repeats."""
        words = (line.strip() for line in self.comment_hold_words.splitlines())
        return list(dict.fromkeys(word for word in words if word))


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

    def in_sections(self, sections):
        """Articles in any of ``sections`` (sections or their pks) or their subsections."""
        return self.filter(Q(section__in=sections) | Q(section__parent__in=sections))

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
        SECTION = "section", _("As its section")
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
        help_text=_(
            "Set when the headline, dek or body changes after publication, and when a "
            "correction or update is published or amended."
        ),
    )
    comment_policy = models.CharField(
        _("comments"),
        max_length=20,
        choices=CommentPolicy.choices,
        default=CommentPolicy.SECTION,
        help_text=_("Anything but “As its section” wins over the section's policy."),
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
        # The tags as values (read with the article's prefetch when it was made): a plain IN.
        tag_ids = [tag.pk for tag in self.tags.all()]
        same_tags = others.filter(tags__in=tag_ids).values("pk")[: count * 3]
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


class ArticleNoteQuerySet(models.QuerySet):
    def published(self):
        """Notes an editor has published (readers see them while their article is live)."""
        return self.filter(status=ArticleNote.Status.PUBLISHED)

    def on_live_articles(self):
        """Notes on articles readers can see."""
        return self.filter(article__in=Article.objects.published())

    def proposed(self):
        return self.filter(status=ArticleNote.Status.PROPOSED)

    def corrections(self):
        return self.filter(kind=ArticleNote.Kind.CORRECTION)

    def readable_by(self, user):
        """All notes for those who publish them; for everyone else, published notes and their
        own proposals."""
        if user.has_perm("articles.publish_articlenote"):
            return self
        return self.filter(Q(status=ArticleNote.Status.PUBLISHED) | Q(proposed_by=user.pk))

    def in_article_order(self):
        """As an article shows them: in the order they were published (proposals last)."""
        return self.order_by(F("published_at").asc(nulls_last=True), "pk")

    def newest_first(self):
        return self.order_by("-published_at", "-pk")


class ArticleNote(models.Model):
    """A dated, public note on a published article: a correction or an update.

    Reporters propose one; senior editors publish it. Once published it is permanent: it may be
    amended (each save keeps a revision), never deleted.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")

    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,  # a published correction outlives any wish to delete its story
        related_name="notes",
        verbose_name=_("article"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    body = models.TextField(
        _("note"),
        help_text=_(
            "Markdown. A correction says what was wrong and what is right; an update says what "
            "changed."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PROPOSED,
        editable=False,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    amended_at = models.DateTimeField(_("last amended"), null=True, blank=True, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    objects = ArticleNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")
        permissions = [("publish_articlenote", _("Can publish and amend corrections and updates"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="note_listing_idx"),
            models.Index(fields=["article", "status", "published_at"], name="note_article_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_note_has_publish_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article}"

    def save(self, *args, **kwargs):
        self.body = normalize_newlines(self.body)
        self.body_html = render_article(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def clean(self):
        if self.article_id and self._state.adding and not self.article.is_published():
            raise ValidationError({"article": _("Notes go on articles readers can already see.")})

    # Predicates, each the twin of a QuerySet method.
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def is_on_live_article(self):
        return self.article.is_published()

    def is_proposed(self):
        return self.status == self.Status.PROPOSED

    def is_correction(self):
        return self.kind == self.Kind.CORRECTION

    def is_readable_by(self, user):
        if user.has_perm("articles.publish_articlenote"):
            return True
        return self.status == self.Status.PUBLISHED or (
            self.proposed_by_id is not None and self.proposed_by_id == user.pk
        )

    def is_editable_by(self, user):
        """Editors amend any note; whoever proposed one may rework it until it is decided."""
        if user.has_perm("articles.publish_articlenote"):
            return True
        return self.is_proposed() and self.proposed_by_id == user.pk

    # Verbs.
    def propose(self, by):
        """A new note, waiting for an editor."""
        self.status = self.Status.PROPOSED
        self.proposed_by = by
        self.save()

    def publish(self, by):
        """The note goes on the article, dated now; the article shows it as its update time.

        Once only, however many editors press "Publish" together: the first claims the row,
        the others find it published and change nothing. Returns whether this call published.
        """
        moment = timezone.now()
        with transaction.atomic():
            claimed = ArticleNote.objects.filter(pk=self.pk, status=self.Status.PROPOSED).update(
                status=self.Status.PUBLISHED, published_at=moment, published_by=by
            )
            if not claimed:
                self.refresh_from_db(fields=["status", "published_at", "published_by"])
                return False
            self.status, self.published_at, self.published_by = self.Status.PUBLISHED, moment, by
            self._touch_article(moment)
            # Saved again for its signal (the pages showing it go stale) and its revision.
            self.save(update_fields=["status", "published_at", "published_by"])
        return True

    def amend(self):
        """Save a change to a published note, dated; the revision trail keeps the old text."""
        self.amended_at = timezone.now()
        self._touch_article(self.amended_at)
        self.save()

    def decline(self):
        """A proposal that will not be published; it stays on record. Only a proposal is
        declined (never a note another editor has just published); returns whether it was."""
        with transaction.atomic():
            claimed = ArticleNote.objects.filter(pk=self.pk, status=self.Status.PROPOSED).update(
                status=self.Status.DECLINED
            )
            self.refresh_from_db(fields=["status"])
            if claimed:
                self.save(update_fields=["status"])  # its signal and its revision
        return bool(claimed)

    def _touch_article(self, moment):
        # An update, not a save: the article's own revisions and content are not the note's.
        # Before the note's own save, whose signal then makes every page showing it stale.
        # Only ever forward: a slower, earlier change must not set the article's time back.
        earlier = Q(updated_at__isnull=True) | Q(updated_at__lt=moment)
        Article.objects.filter(earlier, pk=self.article_id).update(updated_at=moment)
        self.article.updated_at = max(filter(None, [self.article.updated_at, moment]))

    # Presentation.
    @property
    def anchor(self):
        return f"note-{self.pk}"

    @property
    def display_date(self):
        return self.amended_at or self.published_at

    @property
    def text(self):
        """The note as plain text, for machines (JSON-LD)."""
        return html.unescape(strip_tags(self.body_html)).strip()


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
        slash, as WordPress answered both. ``path`` is decoded already (``request.path``), as
        the stored ones are: decoding it again would turn "%2500" into a NUL."""
        path = "/" + path.strip("/")
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
