"""How long comment data is kept, and a commenter's rights over theirs.

- ``purge()``: spam and removed comments are deleted COMMENTS_SPAM_PURGE_DAYS after they became
  so (blatant spam after COMMENTS_BLATANT_PURGE_DAYS). Their replies are kept: each is attached
  to the nearest ancestor that stays (or becomes top-level), as the page already showed it.
- ``anonymize()``: approved comments lose IP, user agent, referrer and the Akismet payload
  COMMENTS_ANONYMIZE_AFTER_DAYS after posting. Spam keeps them until it is purged.
- ``export_commenter()`` / ``erase_commenter()``: everything stored for one e-mail address.

A comment on legal hold is never purged, anonymized or erased; one with an open appeal is
not purged until the appeal is decided. Every run is logged (a PurgeLog
row and a log line); every export and erasure leaves an event on each comment it touched.
Run them daily from cron (``purge_comments``, ``anonymize_comments``) or as tasks on the worker.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles import caching
from articles.structured_data import absolute_url
from comments.models import Appeal, Comment, CommenterAddress, CommentEvent, PurgeLog, Report

logger = logging.getLogger(__name__)

BATCH = 1000
# Fields that identify a commenter, and what they become when anonymized or erased.
REQUEST_DATA = {"ip": None, "user_agent": "", "referrer": "", "akismet_payload": {}}
PERSONAL_EVENT_KEYS = {"ip"}


def _days_ago(now, days):
    return now - datetime.timedelta(days=days)


def expired(now=None):
    """Spam and removed comments past their retention period, legal hold or not."""
    now = now or timezone.now()
    spam_cutoff = _days_ago(now, settings.COMMENTS_SPAM_PURGE_DAYS)
    blatant_cutoff = _days_ago(now, settings.COMMENTS_BLATANT_PURGE_DAYS)
    return Comment.objects.alias(since=Coalesce("status_changed_at", "submitted_at")).filter(
        Q(status=Comment.Status.SPAM, is_blatant=True, since__lte=blatant_cutoff)
        | Q(status__in=[Comment.Status.SPAM, Comment.Status.REMOVED], since__lte=spam_cutoff)
    )


def purgeable(now=None):
    """What the purge deletes: expired comments not on legal hold nor awaiting an appeal."""
    return expired(now).filter(legal_hold=False).exclude(appeals__status=Appeal.Status.OPEN)


def is_purgeable(comment, now=None):
    """The instance twin of ``purgeable()``."""
    now = now or timezone.now()
    if comment.legal_hold or not (comment.is_spam() or comment.is_removed()):
        return False
    if comment.appeals.open().exists():
        return False
    days = settings.COMMENTS_SPAM_PURGE_DAYS
    if comment.is_blatant_spam():
        days = min(days, settings.COMMENTS_BLATANT_PURGE_DAYS)
    return (comment.status_changed_at or comment.submitted_at) <= _days_ago(now, days)


def purge(now=None):
    """Delete what ``purgeable()`` selects, keeping replies; returns the run's PurgeLog."""
    log = PurgeLog(kind=PurgeLog.Kind.PURGE, ran_at=now or timezone.now())
    log.on_legal_hold = expired(now).filter(legal_hold=True).count()
    while batch := list(purgeable(now).values("pk", "parent_id", "status", "is_blatant")[:BATCH]):
        with transaction.atomic():
            log.replies_kept += _keep_replies({row["pk"]: row["parent_id"] for row in batch})
            Comment.objects.filter(pk__in=[row["pk"] for row in batch]).delete()
        for row in batch:
            _count(log, row)
    log.save()
    logger.info(
        "Comment purge: %s spam, %s blatant spam, %s removed deleted; %s replies kept; "
        "%s kept for legal hold.",
        log.spam, log.blatant, log.removed, log.replies_kept, log.on_legal_hold,
    )  # fmt: skip
    return log


def _count(log, row):
    if row["status"] == Comment.Status.REMOVED:
        log.removed += 1
    elif row["is_blatant"]:
        log.blatant += 1
    else:
        log.spam += 1


def _keep_replies(doomed):
    """Attach the surviving replies of ``doomed`` ({pk: parent_id}) to their nearest survivor."""
    replies = list(Comment.objects.filter(parent_id__in=doomed).exclude(pk__in=doomed))
    for reply in replies:
        parent = reply.parent_id
        while parent in doomed:
            parent = doomed[parent]
        reply.parent_id = parent
    Comment.objects.bulk_update(replies, ["parent"])
    caching.invalidate(*{caching.article_tag(r.article_id) for r in replies if r.is_approved()})
    return len(replies)


def due_for_anonymization(now=None):
    """Approved comments older than COMMENTS_ANONYMIZE_AFTER_DAYS still holding request data."""
    cutoff = _days_ago(now or timezone.now(), settings.COMMENTS_ANONYMIZE_AFTER_DAYS)
    return Comment.objects.approved().filter(
        submitted_at__lte=cutoff, anonymized_at=None, legal_hold=False
    )


def is_due_for_anonymization(comment, now=None):
    """The instance twin of ``due_for_anonymization()``."""
    cutoff = _days_ago(now or timezone.now(), settings.COMMENTS_ANONYMIZE_AFTER_DAYS)
    return (
        comment.is_approved()
        and comment.submitted_at <= cutoff
        and comment.anonymized_at is None
        and not comment.legal_hold
    )


def anonymize(now=None):
    """Clear the request data of approved comments past their period; returns the PurgeLog."""
    now = now or timezone.now()
    log = PurgeLog(kind=PurgeLog.Kind.ANONYMIZE, ran_at=now)
    while pks := list(due_for_anonymization(now).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            _clear_request_data(pks, now)
            CommentEvent.objects.bulk_create(
                CommentEvent(comment_id=pk, kind=CommentEvent.Kind.ANONYMIZED, created_at=now)
                for pk in pks
            )
        log.anonymized += len(pks)
    log.save()
    logger.info("Comment anonymization: %s approved comments anonymized.", log.anonymized)
    return log


def _clear_request_data(pks, now):
    """IP, user agent, referrer and Akismet payload gone, here and in the audit trail."""
    Comment.objects.filter(pk__in=pks).update(anonymized_at=now, **REQUEST_DATA)
    Report.objects.filter(comment_id__in=pks).update(ip=None)
    events = list(CommentEvent.objects.filter(comment_id__in=pks, data__has_key="ip"))
    for event in events:
        event.data = {k: v for k, v in event.data.items() if k not in PERSONAL_EVENT_KEYS}
    CommentEvent.objects.bulk_update(events, ["data"])


# Personal data of one commenter, by e-mail address.

EXPORTED_FIELDS = [
    "id", "name", "email", "url", "body", "status", "is_blatant", "reasons", "akismet",
    "akismet_payload", "ip", "user_agent", "referrer", "submitted_at", "checked_at",
    "status_changed_at", "anonymized_at", "parent_id",
]  # fmt: skip


def export_commenter(email, by=None):
    """Every comment posted with ``email`` and everything stored with it, as a JSON-ready dict."""
    comments = list(
        Comment.objects.from_commenter(email).select_related("article").prefetch_related("events")
    )
    with transaction.atomic():
        for comment in comments:
            comment.record(CommentEvent.Kind.EXPORTED, by=by)
    logger.info("Exported the personal data of %s comment(s) for one commenter.", len(comments))
    return {
        "email": email,
        "exported_at": timezone.now(),
        "comments": [_exported(comment) for comment in comments],
        "address": _exported_address(email),
    }


def _exported_address(email):
    """The commenter's e-mail consent and the e-mails sent to them, or None."""
    address = CommenterAddress.objects.for_email(email).prefetch_related("mails").first()
    if address is None:
        return None
    return {
        "confirmed_at": address.confirmed_at,
        "unsubscribed_at": address.unsubscribed_at,
        "emails": [
            {
                "subject": m.subject,
                "status": m.status,
                "queued_at": m.created_at,
                "sent_at": m.sent_at,
            }
            for m in address.mails.all()
        ],  # fmt: skip
    }


def _exported(comment):
    data = {field: getattr(comment, field) for field in EXPORTED_FIELDS}
    data["article"] = {"title": comment.article.title, "url": comment.article.canonical_url,
                       "comment_url": absolute_url(comment.get_absolute_url())}  # fmt: skip
    data["history"] = [
        {"what": event.kind, "when": event.created_at, "details": event.data}
        for event in comment.events.all()
        if event.kind != CommentEvent.Kind.EXPORTED
    ]
    return data


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: comments erased, and those left alone because of a legal hold."""

    erased: int
    on_hold: int


def erase_commenter(email, keep_text=True, by=None):
    """Anonymize every comment posted with ``email``; optionally replace the text too.

    Name becomes "Anonymous"; e-mail, website, IP, user agent, referrer, account link and the
    Akismet payload are cleared, also in the audit trail; the commenter's address record and
    the e-mails sent to it are deleted. Comments on legal hold are left alone, and counted as
    such (and the address record stays with them).
    """
    now = timezone.now()
    theirs = Comment.objects.from_commenter(email)
    comments = list(theirs.filter(legal_hold=False))
    on_hold = theirs.filter(legal_hold=True).count()
    with transaction.atomic():
        _clear_request_data([c.pk for c in comments], now)
        for comment in comments:
            _erase(comment, keep_text, now)
            comment.record(CommentEvent.Kind.ERASED, by=by, text_kept=keep_text)
        if not on_hold:  # the address, its consent and the e-mails sent to it
            CommenterAddress.objects.for_email(email).delete()
    logger.info(
        "Erased the personal data of %s comment(s) for one commenter; %s on legal hold kept.",
        len(comments),
        on_hold,
    )
    return Erasure(erased=len(comments), on_hold=on_hold)


def erasure_message(erasure):
    """What the erasure did, for the moderator or the operator who ran it."""
    text = ngettext(
        "Personal data erased from %(count)d comment.",
        "Personal data erased from %(count)d comments.",
        erasure.erased,
    ) % {"count": erasure.erased}
    if erasure.on_hold:
        text += " " + ngettext(
            "%(count)d comment on legal hold was left as it is.",
            "%(count)d comments on legal hold were left as they are.",
            erasure.on_hold,
        ) % {"count": erasure.on_hold}
    return text


def _erase(comment, keep_text, now):
    comment.refresh_from_db()
    comment.name = _("Anonymous")
    comment.email = ""
    comment.url = ""
    comment.user = None
    if not keep_text:
        comment.body = _("This comment was erased at its author's request.")
    comment.save()
    kept = {"body"} if keep_text else set()
    if not keep_text:  # the commenter's appeals are their writing too
        comment.appeals.update(note=_("This note was erased at its author's request."))
        for event in comment.events.filter(kind=CommentEvent.Kind.APPEALED):
            event.data = {k: v for k, v in event.data.items() if k != "note"}
            event.save(update_fields=["data"])
    edits = [CommentEvent.Kind.EDITED, CommentEvent.Kind.COMMENTER_EDITED]
    for event in comment.events.filter(kind__in=edits):
        event.data = {
            side: {f: v for f, v in values.items() if f in kept}
            for side, values in event.data.items()
        }
        event.save(update_fields=["data"])
