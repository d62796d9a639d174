"""What the moderation desk adds to comments: claims, removal reasons, and undoing a decision."""

import datetime

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a moderator who opens a comment holds it before another may take it.
CLAIM_FOR = datetime.timedelta(minutes=5)


class RemovalReason(models.TextChoices):
    """Why a moderator took a comment down: the codes of a DSA statement of reasons."""

    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abuse")
    HARASSMENT = "harassment", _("Harassment")
    HATE_SPEECH = "hate_speech", _("Hate speech")
    OFF_TOPIC = "off_topic", _("Off-topic")
    ILLEGAL = "illegal_content", _("Illegal content")
    OTHER = "other", _("Other")


class ClaimQuerySet(models.QuerySet):
    """Claims on a queue (a QuerySet of comments, such as ``pending()``), oldest first."""

    def claimable_by(self, by, now=None):
        """Comments no one else holds: never claimed, claim run out, or claimed by ``by``."""
        now = now or timezone.now()
        return self.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=by)
        )

    def claim_next(self, by, skip=(), now=None):
        """Claim the comment ``by`` works on next and return it, or None when none is left.

        Their own live claim first (a reload shows the same comment), else the oldest one
        nobody holds. Each claim is one UPDATE guarded by the same condition, so of two
        moderators racing for a comment only one gets it; the other takes the next.
        """
        now = now or timezone.now()
        free = self.claimable_by(by, now).exclude(pk__in=list(skip))
        mine = free.filter(claimed_by=by, claimed_until__gt=now).values_list("pk", flat=True)
        for pk in [*mine[:1], *free.values_list("pk", flat=True)[:50]]:
            if free.filter(pk=pk).update(claimed_by=by, claimed_until=now + CLAIM_FOR):
                self.model.objects.filter(claimed_by=by).exclude(pk=pk).update(
                    claimed_by=None, claimed_until=None
                )
                return self.model.objects.select_related("article", "parent").get(pk=pk)
        self.model.objects.filter(claimed_by=by).release(by)  # nothing left: hold nothing
        return None

    def release(self, by):
        """Give up ``by``'s claims, so the others may take those comments at once."""
        return self.filter(claimed_by=by).update(claimed_by=None, claimed_until=None)

    def undo(self, pk, event_pk, by):
        """Undo ``by``'s decision (event ``event_pk``) on comment ``pk`` under a row lock.

        Returns ``(comment, undone)``; nothing is undone when a later decision or event
        changed the comment's status since, whoever made it.
        """
        from comments.models.records import STATUS_KINDS

        with transaction.atomic():
            comment = self.select_for_update().filter(pk=pk).first()
            if comment is None:
                return None, False
            last = comment.events.filter(kind__in=STATUS_KINDS).order_by("pk").last()
            if last is None or last.pk != event_pk or last.actor_id != by.pk:
                return comment, False
            comment.undo_decision(last, by=by)
            return comment, True
