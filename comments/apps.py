from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _

MODERATOR_PERMISSIONS = [
    "comments.view_comment", "comments.change_comment", "comments.view_commentevent",
    "comments.add_rule", "comments.change_rule", "comments.delete_rule", "comments.view_rule",
    "comments.view_report", "comments.view_purgelog",
    "comments.view_articlecommentpolicy", "comments.change_articlecommentpolicy",
    "comments.view_appeal", "comments.change_appeal",
]  # fmt: skip
# No articles.* permission: moderators meet articles only through their comments (the queue
# names the article and links its public page) and the comment policies of published ones.


# Exports and erasures at a commenter's request: the queue to find them, and that one right.
DATA_PROTECTION = "Data protection"
DATA_PROTECTION_PERMISSIONS = [
    "comments.view_comment", "comments.view_commentevent", "comments.manage_personal_data",
]  # fmt: skip


def ensure_moderator_group(**kwargs):
    from articles.roles import MODERATOR, ensure_group

    ensure_group(MODERATOR, MODERATOR_PERMISSIONS)
    ensure_group(DATA_PROTECTION, DATA_PROTECTION_PERMISSIONS)


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from comments import checks, signals  # noqa: F401
        from comments.models.threads import drop_before_migrate, ensure_triggers

        post_migrate.connect(ensure_moderator_group, sender=self)
        pre_migrate.connect(drop_before_migrate, sender=self)
        post_migrate.connect(ensure_triggers, sender=self)
