"""Comments whose code was escaped twice (``&amp;lt;`` shown as ``&lt;``) are rendered again.

Rendering now happens once per change of the text, so stored HTML is not mended by the next
save; this fixes what the old renderer stored.
"""

from django.db import migrations
from django.db.models import Q

DOUBLE_ESCAPED = ["&amp;lt;", "&amp;gt;", "&amp;amp;", "&amp;quot;", "&amp;#39;"]
BATCH = 500


def rerender(apps, schema_editor):
    from articles.markup import render_comment

    comment = apps.get_model("comments", "Comment")
    damaged = Q()
    for marker in DOUBLE_ESCAPED:
        damaged |= Q(body_html__contains=marker)
    batch = []
    for row in comment.objects.filter(damaged).only("pk", "body").iterator(chunk_size=BATCH):
        row.body_html = render_comment(row.body)
        batch.append(row)
        if len(batch) == BATCH:
            comment.objects.bulk_update(batch, ["body_html"])
            batch = []
    comment.objects.bulk_update(batch, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_queue_at_volume")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
