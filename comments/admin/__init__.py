"""The moderation queue and what moderators manage around it, in the Django admin."""

from comments.admin import appeals, mail, policy, queue  # noqa: F401  (registers the ModelAdmins)
