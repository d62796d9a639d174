"""Comment.article loses its own index: comment_article_idx (article, status, submitted_at) opens
with the same column, and every INSERT paid for both.

Only the index goes. Django's AlterField would also drop and re-add the foreign key, and adding
it back checks every row under a lock that holds up posting. On PostgreSQL the index is dropped
(or, going back, built) CONCURRENTLY, so writes go on meanwhile.
"""

import contextlib

from django.db import migrations, models

TABLE, COLUMN = "comments_comment", "article_id"
INDEX = "comments_comment_article_id_94fe60a2"  # the name Django gave it


@contextlib.contextmanager
def _index_change(schema_editor):
    """`` CONCURRENTLY`` on PostgreSQL, with no statement timeout for the while: building the
    index on a large table takes longer than a web request may, and a build cancelled halfway
    leaves an INVALID index behind. Nothing to add on SQLite."""
    if schema_editor.connection.vendor != "postgresql":
        yield ""
        return
    schema_editor.execute("SET statement_timeout = 0")
    try:
        yield " CONCURRENTLY"
    finally:
        schema_editor.execute("RESET statement_timeout")


def drop_index(apps, schema_editor):
    with _index_change(schema_editor) as concurrently:
        schema_editor.execute(
            f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(INDEX)}"
        )


def create_index(apps, schema_editor):
    quote = schema_editor.quote_name
    with _index_change(schema_editor) as concurrently:
        # Dropped first: a build cancelled on an earlier try left an INVALID index of that
        # name, which CREATE INDEX IF NOT EXISTS would keep.
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {quote(INDEX)}")
        schema_editor.execute(
            f"CREATE INDEX{concurrently} {quote(INDEX)} ON {quote(TABLE)} ({quote(COLUMN)})"
        )


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("articles", "0006_search_index_without_pending_list"),
        ("comments", "0018_thread_count_at_commit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="comment",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="comments",
                        to="articles.article",
                        verbose_name="article",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_index, create_index)],
        ),
    ]
