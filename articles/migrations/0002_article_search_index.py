"""Full-text search on PostgreSQL: a stored, weighted tsvector and a GIN index on it.

PostgreSQL keeps the column up to date itself (a generated column), so ranking reads the stored
vector instead of parsing every matching body again. SQLite searches by substring and has
neither; the model does not declare the column, and Django never writes it.
"""

from django.db import migrations

DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(dek, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE articles_article ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX article_search_idx ON articles_article USING gin (search_document)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE articles_article DROP COLUMN search_document")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
