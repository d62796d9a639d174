"""Commenters editing their own comments, for COMMENTS_EDIT_MINUTES after posting.

Two ways prove a comment is the reader's own:

- the browser that posted it: its signed cookies list the comment (``comments.cookies``), and
  the article page, read with them, shows an "Edit" link on it (``/comments/<pk>/edit/``);
- a link that needs no cookie, for an e-mail: ``edit_url(comment)`` gives the absolute address
  ``/comments/<pk>/edit/<token>/``. The token is signed (``django.core.signing``, JSON, no
  pickle) for this one comment and expires with the edit window; it may be used for several
  edits inside it. Any e-mail about a new comment may include it.

Either way the edit is refused once the window has passed, or once a moderator has acted on the
comment after its last edit (``Comment.is_editable``). An accepted edit goes through the local
rules and Akismet again (``comments.verdicts.decide_edit``, ``comments.tasks.check_edit``).
"""

from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.core import signing
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext_lazy as _

from comments import cookies, rules, tasks, verdicts
from comments.models import Comment
from comments.models.comment import EDITABLE_STATUSES

LINK_SALT = "comments.edit-link"

NOT_YOURS = _(
    "This browser cannot edit this comment. Use the browser you posted it from, or the link "
    "in the e-mail about it."
)
BAD_LINK = _("This edit link is not valid. Please check that you copied all of it.")
EXPIRED_LINK = _("This edit link has expired: comments can be edited for %(minutes)s minutes.")
WRONG_COMMENT = _("This edit link is for another comment.")
TIME_UP = _(
    "Comments can be edited for %(minutes)s minutes after they are posted; the time for this "
    "one has passed."
)
MODERATED = _("A moderator has looked at this comment since your edit: it can no longer be edited.")
TAKEN_DOWN = _("This comment is no longer published, so it cannot be edited.")
DISCUSSION_CLOSED = _(
    "Comments on this article are closed (or the article was taken down), so comments on it can "
    "no longer be edited."
)
STALE_FORM = _(
    "Your edit could not be saved: this site accepts a form only from its own page, with the "
    "cookie that page set. Copy your text, reload the edit page and send it again."
)


def edit_token(comment):
    return signing.dumps({"c": comment.pk}, salt=LINK_SALT)


def edit_url(comment):
    """The absolute, cookieless address where the commenter can edit ``comment``."""
    path = reverse("comments:edit_link", args=[comment.pk, edit_token(comment)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def token_problem(token, pk):
    """Why ``token`` does not open comment ``pk`` for editing, or None when it does."""
    try:
        value = signing.loads(token, salt=LINK_SALT, max_age=settings.COMMENTS_EDIT_MINUTES * 60)
    except signing.SignatureExpired:
        return EXPIRED_LINK % {"minutes": settings.COMMENTS_EDIT_MINUTES}
    except signing.BadSignature:
        return BAD_LINK
    if not isinstance(value, dict) or value.get("c") != pk:
        return WRONG_COMMENT
    return None


def commenter_required(view):
    """Let the view run only for the comment's own commenter: ``view(request, comment, token)``.

    Anyone else gets a 403 page that says why, with the text they sent (if any) back.
    """

    @wraps(view)
    def checked(request, pk, token=None):
        comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        if token is None:
            problem = None if pk in cookies.own_ids(request) else NOT_YOURS
            if problem and not comment.is_editable():
                problem = closed_message(comment)  # the cookie ran out with the window
        else:
            problem = token_problem(token, pk)
        if problem:
            return refuse(request, None, problem, request.POST.get("body", ""))
        return view(request, comment, token)

    return checked


def closed_message(comment, now=None):
    """Why ``comment`` cannot be edited any more (``Comment.is_editable`` is False)."""
    if comment.status not in EDITABLE_STATUSES:
        return TAKEN_DOWN
    if (now or timezone.now()) >= comment.editable_until:
        return TIME_UP % {"minutes": settings.COMMENTS_EDIT_MINUTES}
    return MODERATED


def discussion_problem(comment):
    """Why the comment's article takes no edits now (unpublished, or closed to comments)."""
    article = comment.article
    if not article.is_published() or not rules.comments_open(article):
        return DISCUSSION_CLOSED
    return None


def refuse(request, comment, message, body):
    """The 403 page: why this edit cannot be made, and the reader's text, to copy elsewhere."""
    context = {"comment": comment, "message": message, "body": body}
    return render(request, "comments/edit_refused.html", context, status=HTTPStatus.FORBIDDEN)


class _CsrfKeepingText(CsrfViewMiddleware):
    """Django's CSRF check, whose refusal is the edit's own 403 page, with the text sent back."""

    def _reject(self, request, reason):
        super()._reject(request, reason)  # logged as Django logs it
        return refuse(request, None, STALE_FORM, request.POST.get("body", ""))


csrf_protect = decorator_from_middleware(_CsrfKeepingText)


def apply(comment, body, user=None):
    """The commenter's edit of ``comment`` (row-locked by the caller), checked again.

    The local rules run on the new text at once; Akismet's check (and the moderators' e-mail,
    if it is held) is queued for when the edit commits. Returns the edit's event, or None
    when the text did not change (then nothing is checked).
    """
    data = {"name": comment.name, "email": comment.email, "url": comment.url, "body": body}
    staff = comment.user if comment.by_staff else None
    outcome = rules.evaluate(comment.article, data, comment.ip or "", staff)
    edit = comment.revise(body, by=user if user is not None and user.is_authenticated else None)
    if edit is None:
        return None
    verdicts.decide_edit(comment, outcome)
    tasks.after_editing(comment, edit)
    return edit
