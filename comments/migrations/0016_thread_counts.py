import django.db.models.deletion
from django.db import migrations, models

from comments.models.threads import drop_triggers, install_triggers


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        install_triggers(cursor, schema_editor.connection.vendor)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        drop_triggers(cursor, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_index_without_pending_list"),
        ("comments", "0015_thread_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThreadCount",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("approved", models.IntegerField(default=0, verbose_name="approved threads")),
            ],
            options={
                "verbose_name": "thread count",
                "verbose_name_plural": "thread counts",
                "default_permissions": (),
            },
        ),
        # The triggers, and every article's threads counted as they stand.
        migrations.RunPython(install, drop),
    ]
