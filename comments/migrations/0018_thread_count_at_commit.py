from django.db import migrations

from comments.models.threads import replace_row_trigger


def at_commit(apps, schema_editor):
    """The count changed as a transaction commits: a post no longer holds its article's count
    from its INSERT to its commit."""
    with schema_editor.connection.cursor() as cursor:
        replace_row_trigger(cursor, schema_editor.connection.vendor)


def at_each_change(apps, schema_editor):
    """Back to the trigger the code before this migration expects: it reads the count inside a
    transaction without settling it first."""
    with schema_editor.connection.cursor() as cursor:
        replace_row_trigger(cursor, schema_editor.connection.vendor, deferred=False)


class Migration(migrations.Migration):
    dependencies = [("comments", "0017_thread_count_search_path")]

    operations = [migrations.RunPython(at_commit, at_each_change)]
