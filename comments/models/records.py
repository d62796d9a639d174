"""What happens to comments, kept as rows: the audit trail, readers' reports, retention runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A moderator's decisions, when made with an actor (the event kinds that change the status).
DECISION_KINDS = ["approved", "marked_spam", "removed", "unapproved", "restored"]


class CommentEventQuerySet(models.QuerySet):
    def moderators_since_edit(self):
        """Events a moderator made (anything done by a user but the commenter's own edits):
        filtered by the edit's time, what closes a comment to further edits."""
        return self.filter(actor__isnull=False).exclude(kind=CommentEvent.Kind.COMMENTER_EDITED)


class CommentEvent(models.Model):
    """One line of a comment's audit trail: what happened, who did it, when."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RULE_MATCHED = "rule_matched", _("Rule matched")
        SPAM_CHECKED = "spam_checked", _("Spam-checked")
        SPAM_CHECK_FAILED = "spam_check_failed", _("Spam check failed")
        APPROVED = "approved", _("Approved")
        HELD = "held", _("Held for moderation")
        MARKED_SPAM = "marked_spam", _("Marked as spam")
        REMOVED = "removed", _("Removed")
        NOTIFIED = "notified", _("Moderators notified")
        NOTIFY_FAILED = "notify_failed", _("Notifying moderators failed")
        SUBMITTED_TO_AKISMET = "submitted_to_akismet", _("Reported to Akismet")
        FEEDBACK_FAILED = "feedback_failed", _("Reporting to Akismet failed")
        UNAPPROVED = "unapproved", _("Unapproved")
        RESTORED = "restored", _("Restored")
        EDITED = "edited", _("Edited by a moderator")
        COMMENTER_EDITED = "commenter_edited", _("Edited by the commenter")
        REPORTED = "reported", _("Reported by a reader")
        REPORTS_DISMISSED = "reports_dismissed", _("Reports dismissed, comment kept")
        LEGAL_HOLD = "legal_hold", _("Legal hold changed")
        ANONYMIZED = "anonymized", _("Personal data anonymized")
        EXPORTED = "exported", _("Personal data exported")
        ERASED = "erased", _("Personal data erased")
        UNDONE = "decision_undone", _("Decision undone")
        FEATURED = "featured", _("Featured as an Editors' pick")
        UNFEATURED = "unfeatured", _("No longer an Editors' pick")
        WITHDRAWN = "withdrawn", _("Withdrawn by its author")
        APPEALED = "appealed", _("Appealed by the commenter")
        APPEAL_UPHELD = "appeal_upheld", _("Appeal decided: decision upheld")
        APPEAL_REVERSED = "appeal_reversed", _("Appeal decided: decision reversed")
        IMPORTED = "imported", _("Imported from WordPress")

    # No index of its own: comment_event_idx (comment, created_at) opens with it.
    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("comment"),
        db_index=False,
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        db_index=False,  # indexed where set: a reader's own events have no actor
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = CommentEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment event")
        verbose_name_plural = _("comment events")
        indexes = [
            models.Index(fields=["comment", "created_at"], name="comment_event_idx"),
            # The queue's health: the moderators' decisions of a day or a week.
            models.Index(
                fields=["created_at"],
                name="comment_decision_idx",
                condition=Q(kind__in=DECISION_KINDS, actor__isnull=False),
            ),
            models.Index(
                fields=["actor"], name="comment_event_actor_idx", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


# Every kind of event that sets a comment's status.
STATUS_KINDS = [*DECISION_KINDS, "held", "decision_undone", "withdrawn"]


class CommentReason(models.Model):
    """One of a comment's reasons as a row, so the queue filters by reason through an index.

    A copy of ``Comment.reasons``, which stays the record; ``Comment.save()`` keeps the rows in
    step, so nothing else writes them.
    """

    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="reason_rows",
        verbose_name=_("comment"),
    )
    reason = models.CharField(_("reason"), max_length=30)

    class Meta:
        verbose_name = _("comment reason")
        verbose_name_plural = _("comment reasons")
        constraints = [
            models.UniqueConstraint(fields=["reason", "comment"], name="one_row_per_reason"),
        ]

    def __str__(self):
        return self.reason


class ReportQuerySet(models.QuerySet):
    def open(self):
        """Reports no moderator has acted on yet."""
        return self.filter(resolved_at=None)

    def from_ip_since(self, ip, since):
        return self.filter(ip=ip, created_at__gte=since)


class Report(models.Model):
    """A reader's report that an approved comment does not belong on the page."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        ABUSE = "abuse", _("Abusive or hateful")
        OFF_TOPIC = "off_topic", _("Off-topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("comment"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["ip", "created_at"], name="report_rate_idx"),
            # The reported view and each comment's open reports.
            models.Index(fields=["comment"], name="report_open_idx", condition=Q(resolved_at=None)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["comment", "ip"], name="one_report_per_ip"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.note[:60]}"

    def is_open(self):
        return self.resolved_at is None


class PurgeLog(models.Model):
    """One run of the retention job: what it deleted or anonymized."""

    class Kind(models.TextChoices):
        PURGE = "purge", _("Purge of spam and removed comments")
        ANONYMIZE = "anonymize", _("Anonymization of approved comments")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    ran_at = models.DateTimeField(_("ran"), default=timezone.now)
    spam = models.PositiveIntegerField(_("spam deleted"), default=0)
    blatant = models.PositiveIntegerField(_("blatant spam deleted"), default=0)
    removed = models.PositiveIntegerField(_("removed deleted"), default=0)
    replies_kept = models.PositiveIntegerField(_("replies re-attached"), default=0)
    anonymized = models.PositiveIntegerField(_("comments anonymized"), default=0)
    on_legal_hold = models.PositiveIntegerField(_("kept for legal hold"), default=0)

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.ran_at:%Y-%m-%d %H:%M})"
