"""The moderation desk: one comment at a time, in context, decided by one key or one button.

The moderator who opens a comment claims it for a few minutes (``ClaimQuerySet.claim_next``),
so two moderators at their desks see different comments; the decision itself still goes
through ``Comment.objects.moderate()`` (by ``actions.moderate``), so the first decision wins
whatever the claims say.
Each decision is a POST that redirects to the desk, which shows the next comment. The session
keeps the comments skipped and the moderator's last decision, which ``u`` undoes.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments import rules, tasks
from comments.admin import health, timeline
from comments.admin.actions import CHANGELIST, MOVES_BY_NAME, Move, S, moderate
from comments.admin.counts import capped_counts, count_label
from comments.models import (
    CLAIM_FOR,
    DECISION_KINDS,
    Comment,
    Reason,
    RemovalReason,
)

DESK = "admin:comments_comment_desk"
SKIPPED = "desk-skipped"
LAST = "desk-last"
MAX_SKIPPED = 500  # the session keeps at most this many skipped comments


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    statuses: dict  # the filter on Comment

    def comments(self, user):
        """This queue's comments among those ``user`` moderates (their sections, or all)."""
        return Comment.objects.moderated_by(user).filter(**self.statuses)


QUEUES = {
    "pending": Queue("pending", _("Held for moderation"), {"status": S.PENDING}),
    "spam": Queue("spam", _("Spam to review"), {"status": S.SPAM, "is_blatant": False}),
}


@dataclass(frozen=True)
class Decision:
    """A button on the desk: its key, and the move it makes (None for skip)."""

    name: str
    key: str
    label: str
    move: Move | None
    reason: str = ""  # the reason for removal it records, if fixed

    def applies_to(self, comment):
        return self.move is None or self.move.applies_to(comment)


DECISIONS = [
    Decision("approve", "a", _("Approve"), MOVES_BY_NAME["approve"]),
    Decision("not_spam", "n", _("Not spam"), MOVES_BY_NAME["not_spam"]),
    Decision("remove", "r", _("Remove"), MOVES_BY_NAME["remove"]),
    Decision("spam", "s", _("Spam"), MOVES_BY_NAME["mark_spam"], reason=RemovalReason.SPAM),
    Decision("skip", "j", _("Skip"), None),
]
DECISIONS_BY_NAME = {d.name: d for d in DECISIONS}


def _decisions_for(comment):
    # On a held comment "approve" is the decision; on spam, "not spam" (the same verb).
    shown = [d for d in DECISIONS if d.applies_to(comment)]
    if comment.is_spam():
        shown = [d for d in shown if d.name != "approve"]
    return shown


def _require_change(modeladmin, request):
    if not modeladmin.has_change_permission(request):
        raise PermissionDenied


def _require_scope(request, pk):
    """A comment of a section the moderator does not moderate is not found (404)."""
    comment = Comment.objects.select_related("article").filter(pk=pk).first()
    if comment is not None and not comment.is_moderated_by(request.user):
        raise Http404


def _queue(data):
    return QUEUES.get(data.get("queue"), QUEUES["pending"])


def _to_desk(queue):
    return HttpResponseRedirect(f"{reverse(DESK)}?queue={queue.name}")


def desk_view(request, modeladmin):
    _require_change(modeladmin, request)
    queue = _queue(request.GET)
    skipped = request.session.get(SKIPPED, [])
    comment = queue.comments(request.user).claim_next(request.user, skip=skipped)
    return render_desk(modeladmin, request, queue, comment)


def decide_view(request, modeladmin, pk):
    """One decision on comment ``pk`` (POST), then back to the desk and its next comment."""
    _require_change(modeladmin, request)
    _require_scope(request, pk)
    queue = _queue(request.POST)
    decision = DECISIONS_BY_NAME.get(request.POST.get("decision"))
    if decision is None:
        return _refuse(modeladmin, request, queue, pk, gettext("Choose a decision."))
    if decision.move is None:
        return _skip(request, queue, pk)
    reason = decision.reason or request.POST.get("reason", "")
    if decision.name == "remove" and reason not in RemovalReason.values:
        return _refuse(modeladmin, request, queue, pk, gettext("Choose a reason for removal."))
    options = {"reason": reason} if decision.name in ("remove", "spam") else {}
    move, seen = decision.move, request.POST.get("seen") or None
    comment, applied = moderate(pk, move.verb, request.user, move.sources, seen, **options)
    if comment is None:
        messages.warning(request, gettext("That comment no longer exists."))
    elif applied:
        _remember(request, comment)
        messages.success(request, _done(decision, comment))
    else:
        messages.warning(request, _stale(comment))
    return _to_desk(queue)


def _refuse(modeladmin, request, queue, pk, error):
    """The same comment again, saying what is missing (400: nothing was decided)."""
    comment = queue.comments(request.user).select_related("article", "parent").filter(pk=pk).first()
    if comment is None:  # decided meanwhile, or never there: nothing to show it with
        messages.warning(request, gettext("That comment is no longer in this queue."))
        return _to_desk(queue)
    return render_desk(modeladmin, request, queue, comment, error=error, status=400)


def _skip(request, queue, pk):
    Comment.objects.filter(pk=pk).release(request.user)
    skipped = [p for p in request.session.get(SKIPPED, []) if p != pk]
    request.session[SKIPPED] = [*skipped, pk][-MAX_SKIPPED:]
    return _to_desk(queue)


def _remember(request, comment):
    event = comment.events.filter(kind__in=DECISION_KINDS, actor=request.user).order_by("pk")
    request.session[LAST] = {"comment": comment.pk, "event": event.last().pk}


def _done(decision, comment):
    return gettext("%(decision)s: “%(comment)s”. Press u to undo.") % {
        "decision": decision.label,
        "comment": Truncator(comment.body).chars(60),
    }


def _stale(comment):
    return gettext(
        "Not changed: another moderator acted on “%(comment)s” first (it is now %(status)s)."
    ) % {"comment": Truncator(comment.body).chars(60), "status": comment.get_status_display()}


def undo_view(request, modeladmin):
    """Undo this moderator's last decision at the desk; the comment is shown again."""
    _require_change(modeladmin, request)
    last = request.session.pop(LAST, None)
    if last is None:
        messages.warning(request, gettext("There is no decision of yours to undo."))
        return _to_desk(_queue(request.POST))
    theirs = Comment.objects.moderated_by(request.user)
    comment, undone = theirs.undo(last["comment"], last["event"], request.user)
    if not undone:
        messages.warning(request, gettext("Not undone: the comment has changed since."))
        return _to_desk(_queue(request.POST))
    tasks.queue_feedback(comment)  # back to spam or approved, Akismet may be due a correction
    _unskip(request, comment.pk)
    queue = next(
        (q for q in QUEUES.values() if q.comments(request.user).filter(pk=comment.pk).exists()),
        None,
    )
    if queue is not None:  # shown next at this moderator's desk: their claim comes first
        queue.comments(request.user).filter(pk=comment.pk).claimable_by(request.user).update(
            claimed_by=request.user, claimed_until=timezone.now() + CLAIM_FOR
        )
    messages.success(request, gettext("Decision undone: the comment is back as it was."))
    return _to_desk(queue or _queue(request.POST))


def unskip_view(request, modeladmin):
    _require_change(modeladmin, request)
    request.session.pop(SKIPPED, None)
    return _to_desk(_queue(request.POST))


def _unskip(request, pk):
    request.session[SKIPPED] = [p for p in request.session.get(SKIPPED, []) if p != pk]


# The page.


def render_desk(modeladmin, request, queue, comment, error=None, status=200):
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Moderation desk"),
        "opts": Comment._meta,
        "queue": queue,
        "queues": _queue_tabs(queue, request.user),
        "health": health.queue_health(comments=Comment.objects.moderated_by(request.user)),
        "comment": comment,
        "error": error,
        "can_undo": LAST in request.session,
        "skipped": len(request.session.get(SKIPPED, [])),
        "reasons": RemovalReason.choices,
        "claim_minutes": int(CLAIM_FOR.total_seconds() // 60),
    }
    if comment is not None:
        context |= _comment_context(comment, request.user)
    return TemplateResponse(request, "admin/comments/comment/desk.html", context, status=status)


def _queue_tabs(current, user):
    # Capped like the queue's own tabs: counting a million spam rows on every decision would not do.
    counts = capped_counts({name: q.comments(user) for name, q in QUEUES.items()})
    return [(q, count_label(counts[name]), q is current) for name, q in QUEUES.items()]


def _comment_context(comment, user):
    return {
        "decisions": _decisions_for(comment),
        "held_for": held_for(comment),
        "commenter": commenter_line(comment, user),
        "events": timeline.events(comment),
        "commenter_url": _commenter_url(comment),
    }


def held_for(comment):
    """Why it waits: each reason, with the rules that match it now or Akismet's verdict."""
    fired = rules.rules_matching(comment)
    shown = []
    for code in comment.reasons:
        label = str(Reason(code).label) if code in Reason.values else code
        detail = ", ".join(f"“{value}”" for value in fired.get(code, []))
        if code in (Reason.AKISMET_SPAM, Reason.AKISMET_DISCARD):
            detail = comment.get_akismet_display()
        shown.append((label, detail))
    return shown


def commenter_line(comment, user):
    """The commenter's record from their e-mail address: counts per status and first seen, in
    the sections ``user`` moderates.

    Exact matches, through the e-mail index (the comment form stores addresses in lower case).
    """
    theirs = Comment.objects.moderated_by(user).filter(email=comment.email)
    counts = dict(theirs.values_list("status").annotate(n=Count("pk")).order_by())
    first = theirs.aggregate(first=Min("submitted_at"))["first"]
    return {
        "counts": [(label, counts.get(status, 0)) for status, label in S.choices],
        "first_seen": first,
    }


def _commenter_url(comment):
    return f"{reverse(CHANGELIST)}?{urlencode({'email': comment.email, 'status': 'all'})}"
