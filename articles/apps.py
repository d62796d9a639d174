from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import roles, signals  # noqa: F401

        post_migrate.connect(roles.ensure_editorial_roles, sender=self)
