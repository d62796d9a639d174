"""Commenters' e-mail: a confirmed address per commenter, and one outbox for every message.

An address is the commenter's consent: nothing but the confirmation itself is ever sent to an
address until it is confirmed, and nothing at all once it is unsubscribed. Every message is a
``CommenterMail`` row named by a unique event key, so one event can never make two e-mails;
the worker claims a row, sends it and marks it sent (see ``comments.notifications``).
"""

import datetime

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommenterAddressQuerySet(models.QuerySet):
    def confirmed(self):
        """Addresses that may be written to: confirmed and not unsubscribed."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at=None)

    def for_email(self, email):
        return self.filter(email=email.strip().lower()) if email else self.none()


class CommenterAddress(models.Model):
    """A commenter's e-mail address, as they confirmed (or not yet) and unsubscribed it."""

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CommenterAddressQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("commenter address")
        verbose_name_plural = _("commenter addresses")
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="address_is_lowercase"),
        ]

    def __str__(self):
        return self.email

    @classmethod
    def for_email(cls, email):
        """The row for ``email`` (case-folded), created unconfirmed when there is none."""
        address, _created = cls.objects.get_or_create(email=email.strip().lower())
        return address

    def is_confirmed(self):
        """The instance twin of ``confirmed()``: confirmed and not unsubscribed."""
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def confirm(self):
        """The commenter followed their confirmation link: mail may be sent. Idempotent.

        Confirming again after unsubscribing subscribes again (the link proves consent anew).
        Returns whether anything changed.
        """
        unconfirmed = Q(confirmed_at=None) | ~Q(unsubscribed_at=None)
        changed = CommenterAddress.objects.filter(unconfirmed, pk=self.pk).update(
            confirmed_at=Coalesce("confirmed_at", timezone.now()), unsubscribed_at=None
        )
        if not changed:
            return False
        self.refresh_from_db(fields=["confirmed_at", "unsubscribed_at"])
        return True

    def unsubscribe(self):
        """No more e-mail to this address, of any kind, until it is confirmed again.

        Mail already queued for it is cancelled. Returns whether anything changed.
        """
        now = timezone.now()
        if not CommenterAddress.objects.filter(pk=self.pk, unsubscribed_at=None).update(
            unsubscribed_at=now
        ):
            return False
        self.unsubscribed_at = now
        self.mails.unsent().update(status=CommenterMail.Status.CANCELLED, claimed_until=None)
        return True


class CommenterMailQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(status__in=[CommenterMail.Status.QUEUED, CommenterMail.Status.SENDING])

    def sent(self):
        return self.filter(status=CommenterMail.Status.SENT)

    def due(self, now=None):
        """Rows a worker may claim now: queued and past their back-off, or claimed by a worker
        whose claim ran out (it died mid-send)."""
        now = now or timezone.now()
        queued = Q(status=CommenterMail.Status.QUEUED) & (
            Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)
        )
        abandoned = Q(status=CommenterMail.Status.SENDING, claimed_until__lte=now)
        return self.filter(queued | abandoned)


class CommenterMail(models.Model):
    """One e-mail to a commenter, from queued to sent. ``key`` names the event it is about."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirm the address")
        RECEIVED = "received", _("Comment received")
        APPROVED = "approved", _("Comment published")
        REPLY = "reply", _("New reply")
        STATEMENT = "statement", _("Statement of reasons")
        APPEAL_DECIDED = "appeal_decided", _("Appeal decided")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled (unsubscribed)")

    address = models.ForeignKey(
        CommenterAddress, on_delete=models.CASCADE, related_name="mails", verbose_name=_("to")
    )
    # The comment it is about; the mail goes with it when the comment is purged.
    comment = models.ForeignKey(
        "comments.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="commenter_mails",
        verbose_name=_("comment"),
    )
    kind = models.CharField(_("kind"), max_length=20)
    key = models.CharField(_("event"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = CommenterMailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("e-mail to a commenter")
        verbose_name_plural = _("e-mails to commenters")
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="commenter_mail_due_idx",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sending", "sent", "failed", "cancelled"]),
                name="commenter_mail_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(status="sent"), name="sent_mail_is_sent"
            ),
        ]

    def __str__(self):
        return f"{self.key} ({self.get_status_display()})"

    def is_due(self, now=None):
        """The instance twin of ``due()``."""
        now = now or timezone.now()
        if self.status == self.Status.QUEUED:
            return self.next_attempt_at is None or self.next_attempt_at <= now
        return (
            self.status == self.Status.SENDING
            and self.claimed_until is not None
            and (self.claimed_until <= now)
        )

    def is_sent(self):
        return self.status == self.Status.SENT

    def claim(self, claim_for):
        """Take the row for sending, if it is due and nobody else holds it: one worker wins.

        One guarded UPDATE; returns whether this caller got it (the row is then re-read).
        """
        now = timezone.now()
        won = (
            CommenterMail.objects.due(now)
            .filter(pk=self.pk)
            .update(
                status=self.Status.SENDING,
                claimed_until=now + claim_for,
                attempts=models.F("attempts") + 1,
            )
        )
        if won:
            self.refresh_from_db()
        return bool(won)

    def mark_sent(self):
        self.status = self.Status.SENT
        self.sent_at = timezone.now()
        self.claimed_until = None
        self.last_error = ""
        self.save(update_fields=["status", "sent_at", "claimed_until", "last_error"])

    def mark_failed(self, error, retry_in, give_up=False):
        """The send failed: queued again after ``retry_in``, or given up on (``give_up``)."""
        self.status = self.Status.FAILED if give_up else self.Status.QUEUED
        self.claimed_until = None
        self.next_attempt_at = None if give_up else timezone.now() + retry_in
        self.last_error = error[:500]
        self.save(update_fields=["status", "claimed_until", "next_attempt_at", "last_error"])

    def cancel(self):
        self.status = self.Status.CANCELLED
        self.claimed_until = None
        self.save(update_fields=["status", "claimed_until"])


def mail_retry_delay(attempts):
    """Back-off between attempts at one e-mail: 1, 2, 4… minutes, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))
