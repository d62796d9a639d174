"""The audit trail as moderators read it: labels for what the events store as codes."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.revisions import diff_lines
from comments.models import Comment, CommentEvent, Reason, RemovalReason, Report

LABELS = {
    "reason": _("Reason"),
    "reasons": _("Reasons"),
    "verdict": _("Akismet's answer"),
    "previous": _("Status before"),
    "blatant": _("Blatant spam"),
    "sent_as": _("Sent as"),
    "error": _("Error"),
    "attempt": _("Attempt"),
    "next_check_at": _("Next check"),
    "on": _("Legal hold"),
    "note": _("Reader's note"),  # a report's, or an appeal's
    "recipients": _("Moderators e-mailed"),
    "digests": _("Moderators told in their digest"),
    "ip": _("IP address"),
    "text_kept": _("Text kept"),
    "recheck": _("Re-check from the queue"),
    "reports": _("Reports closed"),
    "before": _("Before"),
    "after": _("After"),
    "undone": _("Decision undone"),
    "unfeatured": _("No longer an Editors' pick"),
    "appeal": _("Appeal"),
    "appealed": _("Decision appealed"),
    "by_person": _("Decided by a person"),
    "edit": _("After the commenter's edit"),
    "superseded": _("Too late: the text was edited again"),
}
# What a "reason" code means depends on the event: a reader's report, a moderator's take-down,
# or (otherwise) why the comment was held.
REASON_CHOICES = {
    CommentEvent.Kind.REPORTED: Report.Reason,
    CommentEvent.Kind.REMOVED: RemovalReason,
    CommentEvent.Kind.MARKED_SPAM: RemovalReason,
}
SENT_AS = {Comment.Akismet.SPAM: _("spam"), Comment.Akismet.HAM: _("not spam")}


# Events that change the text: shown as a diff between the versions, not as before and after.
EDIT_KINDS = {CommentEvent.Kind.EDITED, CommentEvent.Kind.COMMENTER_EDITED}


def events(comment):
    """The comment's events with their details labelled; a check that never ran is left out.

    An edit's event carries ``.changes``: per field changed, the lines of the diff between the
    versions (as articles' revisions are compared).
    """
    rows = list(
        comment.events.select_related("actor").exclude(
            kind=CommentEvent.Kind.SPAM_CHECKED, data__verdict=Comment.Akismet.DISABLED
        )
    )
    for event in rows:
        event.changes = edit_changes(event) if event.kind in EDIT_KINDS else []
    return [(event, details(event)) for event in rows]


def edit_changes(event):
    before, after = event.data.get("before", {}), event.data.get("after", {})
    return [
        {"field": _field_label(name), "lines": diff_lines(str(before.get(name, "")), str(text))}
        for name, text in after.items()
    ]


def _field_label(name):
    try:
        return str(Comment._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def details(event):
    """(label, value) pairs for what ``event`` stored; empty values say nothing and are skipped."""
    shown = []
    for key, value in event.data.items():
        if value in (None, "", [], {}):
            continue
        if event.kind in EDIT_KINDS and key in ("before", "after"):
            continue  # shown as the diff
        shown.append((LABELS.get(key, key), _value(event, key, value)))
    return shown


def _value(event, key, value):
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key == "reasons":
        return ", ".join(_reason(r) for r in value)
    if key == "reason":
        return _label(REASON_CHOICES.get(event.kind, Reason), value)
    if key in ("undone", "appealed"):
        return _label(CommentEvent.Kind, value)
    if key == "verdict":
        return _label(Comment.Akismet, value)
    if key == "previous":
        return _label(Comment.Status, value)
    if key == "sent_as":
        return str(SENT_AS.get(value, value))
    if key == "next_check_at" and (moment := parse_datetime(value)):
        return date_format(moment, "DATETIME_FORMAT")
    if isinstance(value, dict):
        return "; ".join(f"{field}: {text}" for field, text in value.items())
    return value


def _reason(code):
    return _label(Reason, code)


def _label(choices, code):
    return str(choices(code).label) if code in choices.values else code
