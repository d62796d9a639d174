"""The comment area of the article page, and the admin's Akismet notice.

``{% comment_section article %}`` reads the article's approved comments in one query (plus one
for the reader's own pending comments when their cookie names some), whatever their number, and
builds the threads in Python.
"""

from collections import defaultdict

from django import template
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments import cookies, rules, spam
from comments.forms import CommentForm
from comments.models import Comment, Report

register = template.Library()

SHOWN_FIELDS = ["id", "article_id", "parent_id", "name", "url", "body_html", "status",
                "submitted_at"]  # fmt: skip
PAGE_PARAM = "cpage"


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article):
    request = context["request"]
    approved = list(Comment.objects.approved().for_article(article).only(*SHOWN_FIELDS))
    shown = approved + own_pending(request, article)
    roots = threads(shown, settings.COMMENTS_THREAD_DEPTH)
    page = comment_page(roots, request.GET.get(PAGE_PARAM))
    reply_to = next((c for c in approved if str(c.pk) == request.GET.get("replyto")), None)
    return {
        "article": article,
        "count": len(approved),
        "page": page,
        "page_param": PAGE_PARAM,
        "is_open": rules.comments_open(article),
        "form": comment_form(request, article, reply_to),
        "reply_to": reply_to,
        "akismet_enabled": spam.is_enabled(),
        "report_reasons": Report.Reason.choices,
        "request": request,
    }


def own_pending(request, article):
    """The reader's own held comments on this article, named by their signed cookie."""
    ids = cookies.pending_ids(request)
    if not ids:
        return []
    request.comments_personal = True
    return list(
        Comment.objects.pending().for_article(article).filter(pk__in=ids).only(*SHOWN_FIELDS)
    )


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


def comment_form(request, article, reply_to):
    """The form the reader posted (with its errors), or a new one, prefilled if they agreed."""
    form = getattr(request, "comment_form", None)
    if form is not None and form.article.pk == article.pk:
        return form
    initial = cookies.remembered_author(request)
    if initial:
        request.comments_personal = True
        initial["remember"] = True
    if reply_to is not None:
        initial["parent"] = reply_to.pk
    return CommentForm(article=article, initial=initial)


@register.inclusion_tag("admin/comments/_summary.html", takes_context=True)
def moderation_summary(context):
    """The queue's size and age, and the comment settings, for moderators on the admin index."""
    user = context["request"].user
    if not user.has_perm("comments.view_comment"):
        return {"shown": False}
    queue = Comment.objects.pending().aggregate(size=Count("pk"), oldest=Min("submitted_at"))
    return {
        "shown": True,
        "size": queue["size"],
        "oldest": queue["oldest"],
        "queue_url": reverse("admin:comments_comment_changelist"),
        "settings": comment_settings(),
    }


def comment_settings():
    """The site-wide comment settings (from settings.py and the environment), as label/value."""
    close = settings.COMMENTS_CLOSE_AFTER_DAYS
    return [
        (_("Close comments on articles older than"), _days(close) if close else _("never")),
        (_("Hold comments with this many links"), settings.COMMENTS_LINK_LIMIT),
        (_("Hold a commenter's first comment"), _yes_no(settings.COMMENTS_HOLD_FIRST_TIME)),
        (_("Reply depth"), settings.COMMENTS_THREAD_DEPTH),
        (_("Top-level comments per page"), settings.COMMENTS_PAGE_SIZE),
        (_("Reports that send a comment back to the queue"), settings.COMMENTS_REPORT_THRESHOLD),
        (_("Delete spam and removed comments after"), _days(settings.COMMENTS_SPAM_PURGE_DAYS)),
        (_("Delete blatant spam after"), _days(settings.COMMENTS_BLATANT_PURGE_DAYS)),
        (_("Anonymize approved comments after"), _days(settings.COMMENTS_ANONYMIZE_AFTER_DAYS)),
        (_("Akismet spam check"), _yes_no(spam.is_enabled())),
    ]


def _days(count):
    return ngettext("%(days)d day", "%(days)d days", count) % {"days": count}


def _yes_no(value):
    return _("on") if value else _("off")


@register.simple_tag
def akismet_notice():
    """The warning staff see on the admin index when comments are not checked for spam."""
    status = spam.key_status()
    if status == "disabled":
        return _("Akismet is off: comments are not checked for spam. Set AKISMET_API_KEY.")
    if status == "invalid":
        return _("Akismet rejected the API key: comments are held until it is fixed.")
    if status == "unreachable":
        return _("Akismet cannot be reached: comments are held and checked again later.")
    return ""
