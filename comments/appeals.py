"""The statement of reasons for a take-down, and the signed link its commenter appeals by.

A statement says what the Digital Services Act asks of one (article 17): what was done (removed,
or marked spam), on which ground (the reason code), on which facts, whether a person or an
automatic rule decided, and when. It is read from the comment's audit trail, so it describes
the decision as recorded, whoever reads it later.

Only a person's decision can be appealed: automatic spam verdicts nobody reviewed are not
answered at all (no feedback to spammers). The appeal link carries the decision's event,
signed (JSON, no pickle) and valid for COMMENTS_APPEAL_DAYS.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from comments.models import STATUS_KINDS, Comment, CommentEvent, Reason, RemovalReason

APPEAL_SALT = "comments.appeal"
TAKE_DOWN_KINDS = {CommentEvent.Kind.REMOVED, CommentEvent.Kind.MARKED_SPAM}


@dataclass(frozen=True)
class Statement:
    """The statement of reasons for one take-down (a REMOVED or MARKED_SPAM event)."""

    comment: Comment
    decision: CommentEvent
    reason: str  # a RemovalReason code
    by_person: bool
    decided_at: datetime.datetime
    facts: list

    @property
    def action_label(self):
        return CommentEvent.Kind(self.decision.kind).label

    @property
    def reason_label(self):
        return RemovalReason(self.reason).label

    def is_appealable(self):
        return self.by_person


def latest_decision(comment):
    """The last event that set the comment's status, or None."""
    return comment.events.filter(kind__in=STATUS_KINDS).order_by("pk").last()


def statement_for(comment, decision=None):
    """The statement for ``decision`` (default: the comment's latest), if it is a take-down."""
    decision = decision or latest_decision(comment)
    if decision is None or decision.kind not in TAKE_DOWN_KINDS:
        return None
    reason = reason_of(decision)
    by_person = decision.actor_id is not None or decision.data.get("by_person") is True
    facts = [str(RemovalReason(reason).label)]
    if not by_person:  # the rules or the spam check that decided
        facts += [str(Reason(r).label) for r in comment.reasons if r in Reason.values]
    return Statement(comment, decision, reason, by_person, decision.created_at, facts)


def reason_of(decision):
    """The reason code a take-down recorded; spam for spam, "other" for a removal without one."""
    recorded = decision.data.get("reason", "")
    if recorded in RemovalReason.values:
        return recorded
    if decision.kind == CommentEvent.Kind.MARKED_SPAM:
        return RemovalReason.SPAM
    return RemovalReason.OTHER


# The appeal link.


def appeal_token(decision):
    return signing.dumps({"c": decision.comment_id, "e": decision.pk}, salt=APPEAL_SALT)


def appeal_url(statement):
    """The absolute, signed link to appeal ``statement``'s decision (for e-mails)."""
    path = reverse("comments:appeal", args=[appeal_token(statement.decision)])
    return settings.SITE_URL.rstrip("/") + path


def max_age():
    return datetime.timedelta(days=settings.COMMENTS_APPEAL_DAYS)


def decision_from_token(token):
    """The take-down event a link names, or None when it is no longer stored.

    Raises ``signing.SignatureExpired`` for a link past its time, ``signing.BadSignature``
    for one that was altered or never ours.
    """
    value = signing.loads(token, salt=APPEAL_SALT, max_age=max_age())
    if not isinstance(value, dict) or not all(isinstance(value.get(k), int) for k in "ce"):
        raise signing.BadSignature("Not an appeal link.")
    return (
        CommentEvent.objects.select_related("comment__article", "actor")
        .filter(pk=value["e"], comment_id=value["c"], kind__in=TAKE_DOWN_KINDS)
        .first()
    )
