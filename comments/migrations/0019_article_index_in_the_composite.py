"""Comment.article loses its own index: comment_article_idx (article, status, submitted_at) opens
with the same column, and every INSERT paid for both.

Only the index goes. Django's AlterField would also drop and re-add the foreign key, and adding
it back checks every row under a lock that holds up posting. On PostgreSQL the index is dropped
(or, going back, built) CONCURRENTLY, so writes go on meanwhile.
"""

from django.db import migrations, models

from comments.migrations import _indexes

TABLE, COLUMN = "comments_comment", "article_id"
INDEX = "comments_comment_article_id_94fe60a2"  # the name Django gave it


def drop_index(apps, schema_editor):
    _indexes.drop_index(schema_editor, INDEX)


def create_index(apps, schema_editor):
    _indexes.build_index(schema_editor, INDEX, TABLE, COLUMN)


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
