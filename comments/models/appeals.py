"""A commenter's appeal against a moderator's take-down, and its decision by another moderator."""

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comments.models.records import CommentEvent


class AppealRefused(Exception):
    """An appeal decision that is not allowed: the moderator who took the decision decides it."""


class AppealQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Appeal.Status.OPEN)

    def decided(self):
        return self.exclude(status=Appeal.Status.OPEN)

    def lodge(self, decision, note):
        """The commenter's appeal against ``decision``; ``(appeal, created)``.

        One appeal per decision, and one open per comment, both held by unique constraints:
        the same form sent twice, or at once from two tabs, lodges one appeal.
        """
        comment = decision.comment
        try:
            with transaction.atomic():
                appeal = self.create(comment=comment, decision=decision, note=note)
                comment.record(CommentEvent.Kind.APPEALED, appeal=appeal.pk, note=note)
        except IntegrityError:
            earlier = self.filter(Q(decision=decision) | Q(comment=comment, status="open"))
            return earlier.order_by("-pk").first(), False
        return appeal, True

    def decide(self, pk, verb, by):
        """Apply ``verb`` (``Appeal.uphold`` or ``Appeal.reverse``) under a row lock.

        Returns ``(appeal, applied)``: of two moderators deciding at once, the first wins and
        the other gets the appeal as it now is, unchanged. Raises ``AppealRefused`` when ``by``
        took the decision appealed. The caller queues the Akismet correction a reversal may
        make due (``comments.tasks.queue_feedback(appeal.comment)``).
        """
        with transaction.atomic():
            appeal = (
                self.select_for_update()
                .select_related("comment__article", "decision")
                .filter(pk=pk)
                .first()
            )
            if appeal is None or not appeal.is_open():
                return appeal, False
            # The comment too: a moderator at the desk acts on it under the same lock.
            appeal.comment = (
                type(appeal.comment).objects.select_for_update().get(pk=appeal.comment_id)
            )
            verb(appeal, by=by)
            return appeal, True


class Appeal(models.Model):
    """The commenter asks for a take-down (the ``decision`` event) to be looked at again."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Decision upheld")
        REVERSED = "reversed", _("Decision reversed")

    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        related_name="appeals",
        verbose_name=_("comment"),
    )
    decision = models.ForeignKey(
        CommentEvent,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("decision appealed"),
    )
    note = models.TextField(_("commenter's note"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appeal decided by"),
    )
    decided_at = models.DateTimeField(_("appeal decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("appealed"), default=timezone.now)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [
            # The appeals queue's views, each oldest first: the open ones, and each outcome.
            models.Index(
                fields=["created_at", "id"],
                name="appeal_open_idx",
                condition=Q(status="open"),
            ),
            models.Index(fields=["status", "created_at", "id"], name="appeal_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["comment"], condition=Q(status="open"), name="one_open_appeal_per_comment"
            ),
            models.UniqueConstraint(fields=["decision"], name="one_appeal_per_decision"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "upheld", "reversed"]), name="appeal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="appeal_decided_when_closed",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()}: {self.note[:60]}"

    def is_open(self):
        return self.status == self.Status.OPEN

    def is_decided(self):
        return not self.is_open()

    def may_be_decided_by(self, user):
        """Anyone but the moderator who took the decision appealed (the DSA's second look)."""
        return user is not None and user.pk != self.decision.actor_id

    # Verbs: each called through ``Appeal.objects.decide()``, which holds the row lock.
    def uphold(self, by):
        """The take-down stands; the comment stays as it is."""
        self._close(self.Status.UPHELD, by, CommentEvent.Kind.APPEAL_UPHELD)

    def reverse(self, by):
        """The take-down was wrong: the comment is approved through its usual verb.

        ``Comment.approve`` plans the "not spam" correction when Akismet believed it spam;
        the caller queues it. A comment someone approved meanwhile stays approved.
        """
        comment = self.comment
        self._refuse_same_moderator(by)
        if not comment.is_approved():
            comment.approve(by=by)
        self._close(self.Status.REVERSED, by, CommentEvent.Kind.APPEAL_REVERSED)

    def _close(self, status, by, kind):
        self._refuse_same_moderator(by)
        self.status = status
        self.decided_by = by
        self.decided_at = timezone.now()
        self.save(update_fields=["status", "decided_by", "decided_at"])
        self.comment.record(kind, by=by, appeal=self.pk, appealed=self.decision.kind)
        # The outcome e-mail, queued on commit; imported here as the notifications module
        # builds on these models.
        from comments import notifications

        notifications.appeal_decided(self)

    def _refuse_same_moderator(self, by):
        if not self.may_be_decided_by(by):
            raise AppealRefused("The moderator who took a decision cannot decide its appeal.")
