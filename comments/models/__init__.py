"""Comments and what surrounds them; import everything from here (``comments.models``)."""

from comments.models.comment import SPAM_REASONS, Comment, CommentQuerySet, Reason, retry_delay
from comments.models.moderation import ArticleCommentPolicy, Rule
from comments.models.records import (
    CommentEvent,
    CommentReason,
    PurgeLog,
    Report,
    ReportQuerySet,
)

__all__ = [
    "SPAM_REASONS",
    "ArticleCommentPolicy",
    "Comment",
    "CommentEvent",
    "CommentReason",
    "CommentQuerySet",
    "PurgeLog",
    "Reason",
    "Report",
    "ReportQuerySet",
    "Rule",
    "retry_delay",
]
