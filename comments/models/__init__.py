"""Comments and what surrounds them; import everything from here (``comments.models``)."""

from comments.models.appeals import Appeal, AppealQuerySet, AppealRefused
from comments.models.comment import SPAM_REASONS, Comment, CommentQuerySet, Reason, retry_delay
from comments.models.desk import CLAIM_FOR, RemovalReason
from comments.models.imported import WordPressComment
from comments.models.mail import (
    CommenterAddress,
    CommenterMail,
    mail_retry_delay,
)
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
from comments.models.scopes import (
    ModeratorProfile,
    articles_moderated_by,
    moderated_sections,
)
from comments.models.threads import ThreadCount

__all__ = [
    "ThreadCount",
    "CLAIM_FOR",
    "DECISION_KINDS",
    "STATUS_KINDS",
    "SPAM_REASONS",
    "Appeal",
    "AppealQuerySet",
    "AppealRefused",
    "ArticleCommentPolicy",
    "Comment",
    "CommenterAddress",
    "CommenterMail",
    "ModeratorProfile",
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
    "articles_moderated_by",
    "mail_retry_delay",
    "moderated_sections",
    "retry_delay",
]
