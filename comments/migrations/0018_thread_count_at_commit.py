from django.db import migrations

from comments.models.threads import replace_row_trigger


def at_commit(apps, schema_editor):
    """The count changed as a transaction commits: a post no longer holds its article's count
    from its INSERT to its commit."""
    with schema_editor.connection.cursor() as cursor:
        replace_row_trigger(cursor, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("comments", "0017_thread_count_search_path")]

    operations = [migrations.RunPython(at_commit, migrations.RunPython.noop)]
