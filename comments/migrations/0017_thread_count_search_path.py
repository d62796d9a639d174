from django.db import migrations

from comments.models.threads import replace_functions


def replace(apps, schema_editor):
    """The trigger functions as 0016 made them had no search_path of their own."""
    with schema_editor.connection.cursor() as cursor:
        replace_functions(cursor, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("comments", "0016_thread_counts")]

    operations = [migrations.RunPython(replace, migrations.RunPython.noop)]
