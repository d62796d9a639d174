"""The queue's bulk actions: each calls a model verb per comment and reports counts."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from comments import retention, spam, tasks
from comments.models import Comment

CHANGELIST = "admin:comments_comment_changelist"
SEEN = "seen-"
S = Comment.Status


@dataclass(frozen=True)
class Move:
    """One moderator decision: the verb it calls and the statuses it applies to."""

    name: str
    verb: Callable  # the model's verb itself, such as Comment.approve
    sources: tuple
    label: str
    done: object  # the lazy message, with %(count)d
    needs_reports: bool = False  # offered only for a comment with open reports
    shown_when: Callable | None = None  # offered only for a comment this says True for

    def applies_to(self, comment):
        return (
            comment.status in self.sources
            and (not self.needs_reports or comment.reported_at is not None)
            and (self.shown_when is None or self.shown_when(comment))
        )


def _done(singular, plural):
    return ngettext_lazy(singular, plural, "count")


MOVES = [
    Move("approve", Comment.approve, (S.PENDING, S.SPAM, S.REMOVED), _("Approve"),
         _done("%(count)d comment approved.", "%(count)d comments approved.")),
    Move("unapprove", Comment.unapprove, (S.APPROVED,), _("Unapprove"),
         _done("%(count)d comment sent back to the queue.",
               "%(count)d comments sent back to the queue.")),
    Move("mark_spam", Comment.mark_spam, (S.PENDING, S.APPROVED, S.REMOVED), _("Mark as spam"),
         _done("%(count)d comment marked as spam.", "%(count)d comments marked as spam.")),
    Move("not_spam", Comment.approve, (S.SPAM,), _("Not spam"),
         _done("%(count)d comment approved as not spam.",
               "%(count)d comments approved as not spam.")),
    Move("remove", Comment.remove, (S.PENDING, S.APPROVED, S.SPAM), _("Remove"),
         _done("%(count)d comment removed.", "%(count)d comments removed.")),
    Move("restore", Comment.restore, (S.REMOVED,), _("Restore"),
         _done("%(count)d comment restored.", "%(count)d comments restored.")),
    Move("dismiss_reports", Comment.dismiss_reports, (S.APPROVED,),
         _("Dismiss the reports (keep the comment)"),
         _done("Reports dismissed on %(count)d comment.",
               "Reports dismissed on %(count)d comments."),
         needs_reports=True),
    Move("feature", Comment.feature, (S.APPROVED,), _("Feature as an Editors' pick"),
         _done("%(count)d comment featured as an Editors' pick.",
               "%(count)d comments featured as Editors' picks."),
         shown_when=lambda comment: not comment.is_featured()),
    Move("unfeature", Comment.unfeature, (S.APPROVED,), _("Stop featuring"),
         _done("%(count)d comment is no longer an Editors' pick.",
               "%(count)d comments are no longer Editors' picks."),
         shown_when=Comment.is_featured),
]  # fmt: skip
MOVES_BY_NAME = {move.name: move for move in MOVES}


def moderate(pk, verb, by, sources, expected=None, **options):
    """A moderator's decision (``Comment.objects.moderate``), then the correction it makes due."""
    # Through the moderator's scope: a comment of another section is not found (None).
    theirs = Comment.objects.moderated_by(by)
    comment, applied = theirs.moderate(pk, verb, by, sources, expected, **options)
    if applied:
        tasks.queue_feedback(comment)
    return comment, applied


def apply_move(request, move, pks):
    """Apply ``move`` to each comment; returns (applied, stale, skipped) counts."""
    counts = {"applied": 0, "stale": 0, "skipped": 0}
    for pk in pks:
        expected = request.POST.get(f"{SEEN}{pk}") or None
        comment, applied = moderate(pk, move.verb, request.user, move.sources, expected)
        if applied:
            counts["applied"] += 1
        elif comment is not None:
            changed = expected is not None and comment.status != expected
            counts["stale" if changed else "skipped"] += 1
    return counts


def report_move(modeladmin, request, move, counts):
    done = counts["applied"]
    if done or not (counts["stale"] or counts["skipped"]):
        modeladmin.message_user(request, move.done % {"count": done})
    if counts["stale"]:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d comment was not changed: another moderator acted on it first. "
                "Look at it again before deciding.",
                "%(count)d comments were not changed: another moderator acted on them first. "
                "Look at them again before deciding.",
                counts["stale"],
            )
            % {"count": counts["stale"]},
            messages.WARNING,
        )
    if counts["skipped"]:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d comment skipped: “%(action)s” does not apply to it.",
                "%(count)d comments skipped: “%(action)s” does not apply to them.",
                counts["skipped"],
            )
            % {"count": counts["skipped"], "action": move.label},
            messages.WARNING,
        )


def _move_action(move):
    @admin.action(description=move.label, permissions=["change"])
    def action(modeladmin, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        report_move(modeladmin, request, move, apply_move(request, move, pks))

    action.__name__ = f"{move.name}_selected"
    return action


MOVE_ACTIONS = [_move_action(move) for move in MOVES]


@admin.action(description=_("Check with Akismet now (pending only)"), permissions=["change"])
def recheck_selected(modeladmin, request, queryset):
    if not spam.is_enabled():
        modeladmin.message_user(
            request, gettext("Akismet is off: there is nothing to check with."), messages.ERROR
        )
        return
    pks = list(queryset.pending().values_list("pk", flat=True))
    batches = tasks.enqueue_rechecks(pks)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d pending comment sent to Akismet (%(batches)d batch).",
            "%(count)d pending comments sent to Akismet (%(batches)d batches).",
            len(pks),
        )
        % {"count": len(pks), "batches": batches},
    )


@admin.action(
    description=_("Export the commenters' personal data (JSON)"),
    permissions=["manage_personal_data"],
)
def export_commenters(modeladmin, request, queryset):
    emails = sorted({e.lower() for e in queryset.values_list("email", flat=True) if e})
    data = [retention.export_commenter(email, by=request.user) for email in emails]
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
    return response


def erase_action(keep_text):
    description = (
        _("Erase the commenters' personal data, keep the text")
        if keep_text
        else _("Erase the commenters' personal data and their text")
    )

    @admin.action(description=description, permissions=["manage_personal_data"])
    def action(modeladmin, request, queryset):
        emails = sorted({e.lower() for e in queryset.values_list("email", flat=True) if e})
        if request.POST.get("confirmed") != "yes":
            return _confirm_erasure(modeladmin, request, queryset, emails, keep_text, action)
        erased = [
            retention.erase_commenter(e, keep_text=keep_text, by=request.user) for e in emails
        ]
        total = retention.Erasure(
            erased=sum(e.erased for e in erased), on_hold=sum(e.on_hold for e in erased)
        )
        modeladmin.message_user(request, retention.erasure_message(total))

    action.__name__ = "erase_commenters_keep_text" if keep_text else "erase_commenters_and_text"
    return action


def _confirm_erasure(modeladmin, request, queryset, emails, keep_text, action):
    """Erasing cannot be undone: say what it will do, and ask once more."""
    theirs = Comment.objects.none()
    for email in emails:
        theirs |= Comment.objects.from_commenter(email)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Erase personal data?"),
        "opts": modeladmin.model._meta,
        "action": action.__name__,
        "selected": list(queryset.values_list("pk", flat=True)),
        "emails": emails,
        "comments": theirs.filter(legal_hold=False).count(),
        "on_hold": theirs.filter(legal_hold=True).count(),
        "keep_text": keep_text,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/comments/comment/erase_confirmation.html", context)
