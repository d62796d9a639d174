"""Comments and what surrounds them; import everything from here (``comments.models``)."""

from comments.models.comment import SPAM_REASONS, Comment, CommentQuerySet, Reason, retry_delay
from comments.models.desk import CLAIM_FOR, RemovalReason
from comments.models.imported import WordPressComment
from comments.models.moderation import ArticleCommentPolicy, Rule
from comments.models.records import (
    DECISION_KINDS,
    STATUS_KINDS,
    CommentEvent,
    CommentReason,
    PurgeLog,
    Report,
    ReportQuerySet,
)

__all__ = [
    "CLAIM_FOR",
    "DECISION_KINDS",
    "STATUS_KINDS",
    "SPAM_REASONS",
    "ArticleCommentPolicy",
    "Comment",
    "CommentEvent",
    "CommentReason",
    "CommentQuerySet",
    "PurgeLog",
    "Reason",
    "RemovalReason",
    "Report",
    "ReportQuerySet",
    "Rule",
    "WordPressComment",
    "retry_delay",
]
