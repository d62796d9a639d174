"""The comment area of the article page, prepared by the view; templates only print it.

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
from django.template.loader import render_to_string

from articles import caching
from comments import cookies, rules, spam
from comments.forms import CommentForm
from comments.models import Comment

SHOWN_FIELDS = ["id", "article_id", "parent_id", "name", "url", "body_html", "status",
                "submitted_at"]  # fmt: skip
PAGE_PARAM = "cpage"
REPLY_PARAM = "replyto"


def comment_area(request, article, depends_on, comment_form=None):
    """The context the article page's comment area prints, as ``{"comment_area": {...}}``."""
    generations = depends_on(caching.article_tag(article.pk))
    personal = not caching.is_shareable_request(request)
    own = own_pending(request, article) if personal else []
    page_number = _number(request.GET.get(PAGE_PARAM))
    is_open = rules.comments_open(article)
    if own:
        threads = render_threads(article, page_number, is_open, extra=own)
    else:
        threads = caching.fragment(
            f"comment-threads|{article.pk}|{page_number}|{is_open}",
            generations,
            lambda: render_threads(article, page_number, is_open),
        )
    reply_to = reply_target(article, request.GET.get(REPLY_PARAM))
    return {
        "comment_area": {
            "threads": threads,
            "is_open": is_open,
            "reply_to": reply_to,
            "form": comment_form or new_form(request, article, reply_to, personal),
            "akismet_enabled": spam.is_enabled(),
        }
    }


def _number(value):
    return int(value) if value and value.isdigit() else None


def render_threads(article, page_number, is_open, extra=()):
    """The heading, one page of threads and the page links, as HTML: one query."""
    approved = list(Comment.objects.approved().for_article(article).only(*SHOWN_FIELDS))
    page = comment_page(threads([*approved, *extra], settings.COMMENTS_THREAD_DEPTH), page_number)
    return render_to_string(
        "comments/_threads.html",
        {
            "article": article,
            "count": len(approved),
            "page": page,
            "page_param": PAGE_PARAM,
            "reply_param": REPLY_PARAM,
            "is_open": is_open,
        },
    )


def own_pending(request, article):
    """The reader's own held comments on this article, named by their signed cookie."""
    ids = cookies.pending_ids(request)
    if not ids:
        return []
    return list(
        Comment.objects.pending().for_article(article).filter(pk__in=ids).only(*SHOWN_FIELDS)
    )


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
    return CommentForm(article=article, initial=initial)
