"""Indexes that every post paid for and hardly any lookup needs, cut down.

- The references that are mostly empty (a comment's parent, user and claiming moderator, an
  event's actor) are indexed only where set: a reader's top-level comment and its events add no
  entry for them. Every lookup through them names a value (``parent_id = …``), which such an
  index answers as the full one did.
- An event's own index on its comment goes: comment_event_idx (comment, created_at) opens with
  the same column.

Only the indexes change, as in 0019: each new index is built before the old one is dropped, and
on PostgreSQL both CONCURRENTLY, so posting goes on meanwhile.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from comments.migrations import _indexes

# (table, column, the index Django gave the reference, the partial one that replaces it)
CHANGES = [
    ("comments_comment", "parent_id", "comments_comment_parent_id_3e0802fb", "comment_parent_idx"),
    ("comments_comment", "user_id", "comments_comment_user_id_a1db4881", "comment_user_idx"),
    ("comments_comment", "claimed_by_id", "comments_comment_claimed_by_id_b177c878",
     "comment_claimer_idx"),
    ("comments_commentevent", "actor_id", "comments_commentevent_actor_id_03325dcb",
     "comment_event_actor_idx"),
    ("comments_commentevent", "comment_id", "comments_commentevent_comment_id_892da0a7", None),
]  # fmt: skip


def cut_down(apps, schema_editor):
    for table, column, full, partial in CHANGES:
        if partial:
            _indexes.build_index(schema_editor, partial, table, column,
                                 where=f"{schema_editor.quote_name(column)} IS NOT NULL")  # fmt: skip
        _indexes.drop_index(schema_editor, full)


def restore(apps, schema_editor):
    for table, column, full, partial in CHANGES:
        _indexes.build_index(schema_editor, full, table, column)
        if partial:
            _indexes.drop_index(schema_editor, partial)


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("articles", "0006_search_index_without_pending_list"),
        ("comments", "0019_article_index_in_the_composite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="comment",
                    name="claimed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="claimed by",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="replies",
                        to="comments.comment",
                        verbose_name="in reply to",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                migrations.AlterField(
                    model_name="commentevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="who",
                    ),
                ),
                migrations.AlterField(
                    model_name="commentevent",
                    name="comment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="comments.comment",
                        verbose_name="comment",
                    ),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(
                        condition=models.Q(("parent__isnull", False)),
                        fields=["parent"],
                        name="comment_parent_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(
                        condition=models.Q(("user__isnull", False)),
                        fields=["user"],
                        name="comment_user_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(
                        condition=models.Q(("claimed_by__isnull", False)),
                        fields=["claimed_by"],
                        name="comment_claimer_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="commentevent",
                    index=models.Index(
                        condition=models.Q(("actor__isnull", False)),
                        fields=["actor"],
                        name="comment_event_actor_idx",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(cut_down, restore)],
        ),
    ]
