"""Migrations that move data: what a comment recorded survives them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("comments", "0002_moderation")]
AFTER = [("comments", "0003_queue_at_volume")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    """Migrations to run by hand; the database is left fully migrated afterwards."""
    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_reason_rows_migration_keeps_every_comments_reasons(migrator):
    apps = migrator(BEFORE)
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    Comment = apps.get_model("comments", "Comment")
    section = Section.objects.create(name="Old news", slug="old-news")
    article = Article.objects.create(title="Old", slug="old", body=".", section=section)
    made = {
        tuple(reasons): Comment.objects.create(
            article=article, name="Ada", email="ada@example.net", body=".", reasons=reasons,
            submitted_at=timezone.now(),
        ).pk
        for reasons in (["first_time", "link_limit"], ["akismet_spam"], [])
    }  # fmt: skip

    apps = migrator(AFTER)

    rows = apps.get_model("comments", "CommentReason").objects.values_list("comment", "reason")
    assert sorted(rows) == sorted(
        (pk, reason) for reasons, pk in made.items() for reason in reasons
    )
