"""Rows written without the ORM's statement building: a posting's few small rows."""

from django.db import connections, router
from django.db.models.constants import OnConflict


def insert_rows(objs, *, ignore_conflicts=False):
    """Write the model instances ``objs`` (one model) in one INSERT, leaving them without a pk.

    For the rows a post adds beside its comment (its events, its reasons): ``bulk_create``
    spent a tenth of a post's CPU building those statements and reading the ids back. Each
    value is prepared as the model's fields prepare it; like ``bulk_create``, no signal is sent.
    ``ignore_conflicts`` skips a row that breaks a unique constraint, as ``bulk_create``'s does.
    """
    if not objs:
        return
    opts = objs[0]._meta
    connection = connections[router.db_for_write(opts.model)]
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = " ".join([
        connection.ops.insert_statement(on_conflict=on_conflict),
        f"{quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)})",
        f"VALUES {', '.join([row] * len(objs))}",
        connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
    ])  # fmt: skip
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql.strip(), values)
