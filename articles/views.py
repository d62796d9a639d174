import json
import re
import sys
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView, TemplateView

from articles import caching, structured_data
from articles.context_processors import navigation
from articles.models import Article, ArticleNote, Author, Byline, Section, SlugRedirect, Tag

# The home page: a lead story, the latest after it, then blocks per top-level section.
LATEST = 6
PER_SECTION = 4
NOTES_PER_PAGE = 20
# Characters that could end a <script> data block early, escaped as in Django's json_script.
JSON_SCRIPT_ESCAPES = [("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026")]
# How long a reader (or a crawler) is asked to wait while the database is unavailable.
RETRY_AFTER_SECONDS = 30
COMMENT_FIELDS = ["name", "email", "url", "body", "parent", "timestamp", "remember"]


def json_ld(data):
    """A ``<script type="application/ld+json">`` data block, safe to print in a page."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    # str.replace, not str.translate with a table: translate looks every character up in the
    # table, 1.4 ms for the NewsArticle of a page of comments; three replaces take microseconds.
    for character, escaped in JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escaped)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def article_context(article, is_preview=False):
    """The article page's own parts: its head tags and its story (with the FAQ and related
    picks), rendered, and its NewsArticle as data, to which other parts add (``news_article``).
    Everything they show is loaded here, in a fixed number of queries."""
    notes = Prefetch(
        "notes", ArticleNote.objects.published().in_article_order(), to_attr="public_notes"
    )
    prefetch_related_objects([article], "tags", "faqs", notes)  # the tags first: related reads them
    # The article's bylines and its related picks' in one query, which leaves room for its notes.
    related = list(article.related_articles().prefetch_related(None))
    bylines = Prefetch("bylines", Byline.objects.select_related("author"))
    prefetch_related_objects([article, *related], bylines)
    context = {
        "article": article,
        "is_preview": is_preview,
        "related_articles": related,
        "structured_data": [json_ld(data) for data in structured_data.for_article(article)],
        "social_meta": structured_data.social_meta(article),
    }
    return {
        "head": render_to_string("articles/article_detail.html#head", context),
        "story": render_to_string("articles/article_detail.html#story", context),
        "news_article": structured_data.news_article(article),
    }


def shared_article_context(article, generations):
    """The same parts, from the cache while nothing they show has changed."""
    name = f"article-parts|{article.pk}"
    return caching.fragment(name, generations, lambda: article_context(article))


def page_parts(request, article, depends_on, **given):
    """What other apps add to a published article's page (settings.ARTICLE_PAGE_PARTS).

    Each part is called as ``part(request, article, depends_on, **given)`` and returns context;
    ``depends_on(*tags)`` names the cache tags its content shows and returns their generations.
    Three keys are read here: ``news_article``, properties added to the page's NewsArticle
    JSON-LD; ``page_feeds``, feeds (``type``, ``title``, ``url``) linked from its head; and
    ``changes_at``, a timestamp when what the part shows changes by itself (comments closing),
    past which no shared cache may keep the page (the earliest of the parts' is kept).
    """
    context = {"news_article": {}, "page_feeds": [], "changes_at": None}
    for path in settings.ARTICLE_PAGE_PARTS:
        part = import_string(path)(request, article, depends_on, **given)
        news_article = context["news_article"] | part.pop("news_article", {})
        page_feeds = context["page_feeds"] + part.pop("page_feeds", [])
        moments = (context["changes_at"], part.pop("changes_at", None))
        changes_at = min((moment for moment in moments if moment), default=None)
        context |= part | {"news_article": news_article, "page_feeds": page_feeds,
                           "changes_at": changes_at}  # fmt: skip
    return context


def published_page(own, parts):
    """The context of a published article's page: its own parts and the other apps'."""
    news_article = json_ld(own["news_article"] | parts.pop("news_article"))
    return {**own, **parts, "news_article": news_article}


def card_part_tags():
    """The cache tags the card parts show, as each names them in its ``cache_tags``: a listing
    reads them with the site's, in one round trip."""
    parts = (import_string(path) for path in settings.ARTICLE_CARD_PARTS)
    return [tag for part in parts for tag in getattr(part, "cache_tags", ())]


def card_parts(articles, depends_on):
    """``articles`` (for cards) with what other apps add to each (settings.ARTICLE_CARD_PARTS).

    Each part is called as ``part(articles, depends_on)`` and returns the queryset annotated;
    it names the cache tags its annotations show with ``depends_on(*tags)``, as page parts do.
    """
    for path in settings.ARTICLE_CARD_PARTS:
        articles = import_string(path)(articles, depends_on)
    return articles


def article_page(request, article, status, **given):
    """The published article's page as a plain response, e.g. a form shown back with errors."""
    generations = caching.generations([caching.SITE])
    own = shared_article_context(article, generations)
    parts = page_parts(
        request, article, lambda *tags: caching.generations([caching.SITE, *tags]), **given
    )
    parts.pop("changes_at")  # shown back to one reader: never shared
    context = {"article": article, **published_page(own, parts)}
    return render(request, "articles/article_detail.html", context, status=status)


def page_chrome(request, generations):
    """What is around a reader page (``base.html``'s links, masthead with the navigation, and
    footer), rendered once per change of the site's content and kept: the same for every page
    but for the navigation's current item, when the page is one the navigation links to."""
    nav_sections = navigation(generations)
    linked = {reverse("articles:home"), *(section.url for section in nav_sections)}
    current = request.path if request.path in linked else ""

    def build():
        context = {"request": request, "nav_sections": nav_sections,
                   "site_name": settings.SITE_NAME}  # fmt: skip
        parts = ("links", "masthead", "footer")
        return {part: render_to_string(f"base.html#{part}", context) for part in parts}

    site = caching.site_generation(generations)
    return caching.fragment(f"page-chrome|{current}", site, build)


class ReaderPageMixin(caching.SharedCacheMixin):
    """A reader page: from the shared cache, with what is around it kept as a fragment under
    the generations the page has read (no round trip of its own)."""

    def get_context_data(self, **kwargs):
        chrome = page_chrome(self.request, self.cache_generations)
        return super().get_context_data(chrome=chrome, **kwargs)


class ListingMixin(ReaderPageMixin):
    """A page of article cards, which show what the card parts add."""

    def cache_tags(self):
        return [caching.SITE, *card_part_tags()]


class HomeView(ListingMixin, TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        front = card_parts(Article.objects.published().for_cards(), self.depends_on)
        built = caching.fragment("front-page", self.cache_generations, lambda: front_page(front))
        return super().get_context_data(front=built, **kwargs)


def front_page(front):
    """The lead story, the latest after it, and each section's newest, rendered."""
    sections = navigation()  # the top-level sections, as the navigation has them
    # One more per section than shown: the lead story is not repeated in its section's row.
    rows = list(front.front_page(1 + LATEST, PER_SECTION + 1, sections).newest_first())
    newest = [article for article in rows if article.overall_rank <= 1 + LATEST]
    lead = newest[0] if newest else None
    by_section = [article for article in rows if article != lead]
    context = {
        "lead": lead,
        "latest": newest[1:],
        "section_blocks": section_blocks(by_section),
        "site_name": settings.SITE_NAME,
    }
    return render_to_string("articles/home.html#front", context)


def section_blocks(articles):
    """Articles grouped by top-level section, in menu order: [(section, articles)]."""
    blocks = {}
    for article in articles:
        block = blocks.setdefault(article.section.parent or article.section, [])
        if len(block) < PER_SECTION:
            block.append(article)
    return sorted(blocks.items(), key=lambda block: (block[0].position, block[0].name))


class ArticleDetailView(ReaderPageMixin, DetailView):
    def get_queryset(self):
        return Article.objects.published().select_related("section__parent")

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            return redirect_old_slug(kwargs["slug"])

    def get_context_data(self, **kwargs):
        article = self.object
        own = shared_article_context(article, self.cache_generations)
        parts = page_parts(self.request, article, self.depends_on)
        self.changes_at(parts.pop("changes_at"))
        return super().get_context_data(**published_page(own, parts), **kwargs)


def redirect_old_slug(slug):
    old = get_object_or_404(
        SlugRedirect.objects.filter(article__in=Article.objects.published()), old_slug=slug
    )
    return redirect(old.article, permanent=True)


@never_cache
@login_required
def preview(request, pk):
    visible = Article.objects.none()
    if request.user.has_perm("articles.change_article"):
        visible = Article.objects.editable_by(request.user)
    article = get_object_or_404(visible.select_related("section__parent"), pk=pk)
    context = {"article": article, "is_preview": True, **article_context(article, True)}
    response = render(request, "articles/article_detail.html", context)
    # Drafts must never reach a search engine, even through a leaked link.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def page_range(page):
    """Page numbers to link, with an ellipsis standing for long runs."""
    if page is None:
        return []
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


class ArticleListView(ListingMixin, ListView):
    """A paginated list of published articles about one subject (section, author, tag)."""

    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        self.subject = self.get_subject()
        articles = self.articles(Article.objects.published()).for_cards().newest_first()
        return card_parts(articles, self.depends_on)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(subject=self.subject, **kwargs)
        return {**context, "page_range": page_range(context["page_obj"])}


class SectionView(ArticleListView):
    template_name = "articles/section_detail.html"

    def get_subject(self):
        sections = Section.objects.select_related("parent").prefetch_related("children")
        return get_object_or_404(sections, slug=self.kwargs["slug"])

    def articles(self, published):
        return published.in_section(self.subject)


class AuthorView(ArticleListView):
    template_name = "articles/author_detail.html"

    def get_subject(self):
        return get_object_or_404(Author, slug=self.kwargs["slug"])

    def articles(self, published):
        return published.by_author(self.subject)


class TagView(ArticleListView):
    template_name = "articles/tag_detail.html"

    def get_subject(self):
        return get_object_or_404(Tag, slug=self.kwargs["slug"])

    def articles(self, published):
        return published.tagged(self.subject)


class CorrectionsView(ReaderPageMixin, ListView):
    """Every published correction and update, newest first."""

    template_name = "articles/corrections.html"
    context_object_name = "notes"
    paginate_by = NOTES_PER_PAGE

    def get_queryset(self):
        notes = ArticleNote.objects.published().on_live_articles()
        return notes.select_related("article").newest_first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "page_range": page_range(context["page_obj"])}


SEARCH_MAX_LENGTH = 200
# Words, quotes (phrases), "-" (exclude) and "or" are the search syntax; other symbols are noise
# that PostgreSQL's query parser can choke on in long runs.
SEARCH_NOISE = re.compile(r"[^\w\s\"-]+|-{2,}|\x00")


def search_terms(raw):
    """What a reader typed, made safe for the search backend (and printed back to them)."""
    return " ".join(SEARCH_NOISE.sub(" ", raw[:SEARCH_MAX_LENGTH]).split())


class SearchView(ListView):
    template_name = "articles/search.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        self.query = search_terms(self.request.GET.get("q", ""))
        if not self.query:
            return Article.objects.none()
        return Article.objects.published().search(self.query).for_cards()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        params = urlencode({"q": self.query}) + "&"
        return {**context, "search_params": params, "page_range": page_range(context["page_obj"])}


# The database unavailable: refused, timed out, cancelled by the statement timeout, locked.
# Programming errors (ProgrammingError, IntegrityError, DataError) stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(error):
    return isinstance(error, OUTAGE_ERRORS)


def database_unavailable(request):
    """503 while the database is unavailable: a static page (no query, no cache) that no cache
    may keep, with a comment the reader sent shown back to copy or send again."""
    context = {"site_name": settings.SITE_NAME, "retry_after": RETRY_AFTER_SECONDS}
    match = getattr(request, "resolver_match", None)
    if request.method == "POST" and match and match.view_name == "comments:post":
        context["comment"] = {field: request.POST.get(field, "") for field in COMMENT_FIELDS}
        context["resend_url"] = request.path
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    response.database_unavailable = True  # DatabaseOutageMiddleware drops any cookie from it
    return response


def server_error(request):
    """handler500: Django's 500 page, or the 503 when the error means the database is down.

    Every error a view or middleware does not handle comes here (with DEBUG off), including
    those raised before any view, such as the page cache noting the next publish time.
    """
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable(request)
    return defaults.server_error(request)


def bad_request(request, exception=None, *, problem=None, back_url=None, unread=False):
    """The site's 400 page (``handler400``), saying what was wrong when the caller knows.

    ``unread``: the request's form was refused unread, so the page says that nothing was kept
    and that the text cannot be shown again.
    """
    context = {
        "problem": problem or _("The request could not be understood."),
        "unread": unread,
        "back_url": back_url,
    }
    return render(request, "400.html", context, status=400)
