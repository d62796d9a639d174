"""A GIN index for full-text search, on PostgreSQL only (SQLite searches by substring).

It is built from the same expression the search query uses (``search_vector()``), so the
planner matches them. If that expression ever changes, a new migration must rebuild the index.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

INDEX = "article_search_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from articles.models import search_vector

    article = apps.get_model("articles", "Article")
    schema_editor.add_index(article, GinIndex(search_vector(), name=INDEX))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
