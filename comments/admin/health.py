"""The queue's health: how much waits, for how long, and how fast moderators decide."""

import datetime
import statistics
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Min
from django.utils import timezone

from comments.models import DECISION_KINDS, Comment, CommentEvent

# The median reads at most this many decisions of the week (the oldest first), so a very busy
# week costs one bounded query rather than all of its events.
MEDIAN_SAMPLE = 20_000


@dataclass(frozen=True)
class Health:
    pending: int
    oldest: datetime.datetime | None
    decisions_today: list  # (moderator's username, count), most first
    median_wait: datetime.timedelta | None  # submission to first decision, last 7 days


def queue_health(now=None, comments=None):
    """The figures; the pending ones among ``comments`` (a moderator's scope), else all."""
    now = now or timezone.now()
    comments = Comment.objects.all() if comments is None else comments
    queue = comments.pending().aggregate(size=Count("pk"), oldest=Min("submitted_at"))
    return Health(
        pending=queue["size"],
        oldest=queue["oldest"],
        decisions_today=decisions_today(now),
        median_wait=median_wait(now),
    )


def decisions(since):
    """The moderators' decisions since ``since`` (the kinds that change a status, by someone)."""
    return CommentEvent.objects.filter(
        kind__in=DECISION_KINDS, actor__isnull=False, created_at__gte=since
    )


def decisions_today(now):
    """Decisions per moderator since local midnight, most first."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = (
        decisions(midnight).values_list("actor").annotate(n=Count("pk")).order_by("-n", "actor")
    )
    counts = list(counts)
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[actor for actor, _n in counts])
        .values_list("pk", "username")
    )
    return [(names.get(actor, "?"), n) for actor, n in counts]


def median_wait(now):
    """Median time from submission to a comment's first decision, over the last 7 days."""
    rows = (
        decisions(now - datetime.timedelta(days=7))
        .order_by("created_at", "pk")
        .values_list("comment_id", "created_at", "comment__submitted_at")[:MEDIAN_SAMPLE]
    )
    first = {}
    for comment_id, decided_at, submitted_at in rows:
        first.setdefault(comment_id, decided_at - submitted_at)
    if not first:
        return None
    return statistics.median(first.values())
