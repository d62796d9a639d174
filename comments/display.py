"""The comment area of the article page, prepared by the view; templates only print it. Also
the comment counts on listing cards (``comment_counts``, an ARTICLE_CARD_PARTS entry).

It comes in two parts. What every reader sees (the approved threads of one page, their count,
the form with no token in it, the reply target named in the URL) is the same for everyone, and
the threads are rendered once per change of the article's comments and kept as a fragment.
What is one reader's own (the form they sent back with its errors, their remembered name, their
own comments awaiting moderation) is read only for requests that carry their cookies; such
pages are private and never reach a shared cache.
"""

from collections import defaultdict

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from articles import caching
from comments import cookies, listing, spam, structured_data
from comments.forms import CommentForm
from comments.models import Comment
from comments.policy import effective_policy

SHOWN_FIELDS = ["id", "article_id", "parent_id", "name", "url", "body_html", "status",
                "submitted_at", "status_changed_at", "by_staff", "featured_at",
                "edited_at", "kind"]  # fmt: skip
PAGE_PARAM = "cpage"
REPLY_PARAM = "replyto"


def comment_area(request, article, depends_on, comment_form=None):
    """The context the article page's comment area prints, as ``{"comment_area": {...}}``, with
    the NewsArticle's discussion (``news_article``) and the comment feeds (``page_feeds``)."""
    generations = depends_on(caching.article_tag(article.pk))
    personal = not caching.is_shareable_request(request)
    own, editable = own_comments(request, article) if personal else ([], set())
    page_number = _number(request.GET.get(PAGE_PARAM))
    policy = effective_policy(article)
    is_open = policy.is_open(article)
    closes_at = policy.closes_at(article) if is_open else None
    if own or editable:
        shown = render_threads(article, page_number, is_open, extra=own, editable=editable)
    else:
        shown = caching.fragment(
            f"comment-threads|{article.pk}|{page_number}|{is_open}",
            generations,
            lambda: render_threads(article, page_number, is_open),
        )
    reply_to = reply_target(article, request.GET.get(REPLY_PARAM))
    form = comment_form or new_form(request, article, reply_to, personal)
    return {
        "news_article": shown["news_article"],
        "page_feeds": article_feeds(article),
        # The form goes when comments close: no shared cache keeps the page past then.
        "changes_at": closes_at.timestamp() if closes_at else None,
        "comment_area": {
            "threads": shown["threads"],
            "is_open": is_open,
            "reply_to": reply_to,
            "form": form,
            "fields": form_fields(form, reply_to, shared=not (personal or form.is_bound)),
            "akismet_enabled": spam.is_enabled(),
        },
    }


def article_feeds(article):
    """The article's comment feeds, for the page's ``<link rel="alternate">`` tags."""
    title = _("Comments on “%(article)s”") % {"article": article.title}
    return [
        {"type": "application/rss+xml", "title": f"{title} (RSS)",
         "url": reverse("comments:article-rss", args=[article.slug])},
        {"type": "application/atom+xml", "title": f"{title} (Atom)",
         "url": reverse("comments:article-atom", args=[article.slug])},
    ]  # fmt: skip


def comment_counts(articles, depends_on):
    """``articles`` with ``comment_count``, their approved comments: a subquery each row reads
    through the comments' article index, so a page of cards costs no extra query."""
    depends_on(caching.COMMENTS)
    approved = (
        Comment.objects.approved()
        .filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return articles.annotate(comment_count=Coalesce(Subquery(approved), 0))


comment_counts.cache_tags = (caching.COMMENTS,)  # read by the listing with the site's tag


def form_fields(form, reply_to, shared):
    """The form's fields as HTML; an empty form's are the same for everyone, and kept."""

    def build():
        return render_to_string("comments/_form_fields.html", {"form": form})

    if not shared:
        return build()
    return caching.fragment(f"comment-form|{reply_to.pk if reply_to else ''}", {}, build)


def _number(value):
    return int(value) if value and value.isdigit() else None


def render_threads(article, page_number, is_open, extra=(), editable=frozenset()):
    """One page of the discussion, in one query: ``threads``, its HTML (the heading, the
    Editors' picks, the threads and the page links), and ``news_article``, its structured data.

    ``extra`` are the reader's own held comments, shown among the others; ``editable`` the ids
    of their own comments they may still edit, which get an "Edit" link.
    """
    rows = Comment.objects.approved().for_article(article).values(*SHOWN_FIELDS)
    approved = [ShownComment(row) for row in rows]
    roots = threads([*approved, *extra], settings.COMMENTS_THREAD_DEPTH)
    page = comment_page(roots, page_number)
    shown = flattened(page.object_list)
    page_part = f"{PAGE_PARAM}={page.number}&" if page.number > 1 else ""
    labels = listing.Labels.for_page(f"?{page_part}{REPLY_PARAM}=")
    picks = featured(approved, roots, page.number, labels.clock)
    html = render_to_string(
        "comments/_threads.html",
        {
            "article": article,
            "count": len(approved),
            "page": page,
            "comments": listing.comment_list(shown, labels, is_open, editable),
            "picks": picks,
            "page_param": PAGE_PARAM,
            "reply_param": REPLY_PARAM,
            "is_open": is_open,
        },
    )
    page_url = article.canonical_url + page_query(page.number)
    discussion = structured_data.discussion(page_url, len(approved), shown)
    return {"threads": html, "news_article": discussion}


class ShownComment:
    """An approved comment as the page shows it: ``SHOWN_FIELDS`` read as values, with the
    model's own predicates the page uses. A page prints hundreds, and building model instances
    took about 9 ms for 200 of them, values under 4. (The reader's own held comments, shown
    among them, are model instances: both answer the same.)"""

    Status = Comment.Status
    is_approved = Comment.is_approved
    is_pending = Comment.is_pending
    is_featured = Comment.is_featured

    def __init__(self, row):
        self.__dict__ = row
        self.pk = row["id"]

    def get_kind_display(self):
        return Comment.Kind(self.kind).label


def page_query(number):
    return f"?{PAGE_PARAM}={number}" if number > 1 else ""


def featured(approved, roots, page_number, clock):
    """The Editors' picks, newest pick first, each with ``.thread_url``: where it stands in its
    thread, on this page or another."""
    picks = sorted((c for c in approved if c.is_featured()), key=lambda c: c.featured_at)[::-1]
    if not picks:
        return []
    page_of = {}
    for number, root in enumerate(roots):
        for comment in _descendants(root):
            page_of[comment.pk] = number // settings.COMMENTS_PAGE_SIZE + 1
    for pick in picks:
        number = page_of.get(pick.pk, page_number)
        elsewhere = f"?{PAGE_PARAM}={number}" if number != page_number else ""
        pick.thread_url = f"{elsewhere}#comment-{pick.pk}"
        pick.iso_time = listing.iso_time(pick.submitted_at)
        pick.shown_time = clock.shown(pick.submitted_at)
    return picks


def _descendants(comment):
    yield comment
    for reply in comment.thread:
        yield from _descendants(reply)


def flattened(roots):
    """The threads in reading order, one loop for the template (no include per comment):
    each comment's ``.closing`` is the markup that ends the reply lists it is last in."""
    shown = []
    _flatten(roots, shown)
    return shown


def _flatten(comments, shown):
    for comment in comments:
        shown.append(comment)
        comment.closing = ""
        if comment.thread:
            _flatten(comment.thread, shown)
            shown[-1].closing += "</ol></li>"


def own_comments(request, article):
    """The reader's own comments on this article, named by their signed cookies, in one query:
    their held ones (to show among the others), and the ids of those they may still edit."""
    ids = cookies.own_ids(request)
    if not ids:
        return [], set()
    editable = Comment.objects.editable().filter(pk=OuterRef("pk"))
    mine = (
        Comment.objects.for_article(article)
        .filter(pk__in=ids, status__in=[Comment.Status.PENDING, Comment.Status.APPROVED])
        .only(*SHOWN_FIELDS)
        .annotate(is_own_editable=Exists(editable))
    )
    mine = list(mine)
    held = [c for c in mine if c.is_pending()]
    return held, {c.pk for c in mine if c.is_own_editable}


def reply_target(article, value):
    """The approved comment named by ``?replyto=``, or None."""
    if not value or not value.isdigit():
        return None
    return Comment.objects.approved().for_article(article).filter(pk=value).only("name").first()


def threads(comments, max_depth):
    """Top-level comments, each with ``.thread`` (its replies) and ``.depth``; oldest first.

    Replies deeper than ``max_depth`` are shown at that depth, after the comment they answer.
    A reply whose parent is not shown (held, removed) is shown as a top-level comment.
    """
    comments = sorted(comments, key=lambda c: (c.submitted_at, c.pk))
    known = {c.pk for c in comments}
    children = defaultdict(list)
    for comment in comments:
        children[comment.parent_id if comment.parent_id in known else None].append(comment)
    return _thread(children, None, 1, max_depth)


def _thread(children, parent_id, depth, max_depth):
    shown = []
    for comment in children[parent_id]:
        comment.depth = depth
        shown.append(comment)
        if depth < max_depth:
            comment.thread = _thread(children, comment.pk, depth + 1, max_depth)
        else:
            comment.thread = []
            shown.extend(_thread(children, comment.pk, depth, max_depth))
    return shown


def comment_page(roots, number):
    """One page of top-level comments; the newest page is the default when so configured."""
    paginator = Paginator(roots, settings.COMMENTS_PAGE_SIZE)
    default = paginator.num_pages if settings.COMMENTS_NEWEST_PAGE_FIRST else 1
    return paginator.get_page(number or default)


def new_form(request, article, reply_to, personal):
    """An empty form; for a reader who asked to be remembered, with their name filled in."""
    initial = cookies.remembered_author(request) if personal else {}
    if initial:
        initial["remember"] = True
    if reply_to is not None:
        initial["parent"] = reply_to.pk
    return CommentForm(article=article, initial=initial, user=request.user if personal else None)
