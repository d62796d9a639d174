"""Rows written without the ORM's statement building: a posting's few small rows."""

from django.db import connections, router
from django.db.models.constants import OnConflict
from django.db.models.fields import AutoFieldMixin


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
    sql = _insert_sql(connection, opts, fields, len(objs), on_conflict=on_conflict)
    values = [_prepared(f, obj, connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


class QuickInsert:
    """A model mixin: ``save()`` writes a new row with a statement built once per process.

    Django compiles the INSERT of every ``save()`` anew; for a comment that was about 0.4 ms of
    CPU. Here the statement is kept, per database and set of columns; the values are still
    prepared by each field and every signal is still sent. Anything this does not cover (a
    value that is an expression, a field with a placeholder of its own, a column read back
    other than a plain id) goes through Django.
    """

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        connection = connections[using]
        kept = (
            not raw
            and len(returning_fields) <= 1
            and all(isinstance(f, AutoFieldMixin) and not f.get_db_converters(connection)
                    for f in returning_fields)  # the id, if any
            and not any(hasattr(f, "get_placeholder_sql") for f in fields)
            and connection.features.can_return_columns_from_insert
        )  # fmt: skip
        if not kept:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        # (A value that is an expression never gets here: Django reads its field back.)
        values = [_prepared(f, self, connection) for f in fields]
        # The manager's model: a parent's row, for a model that inherits one, goes in its table.
        opts = manager.model._meta
        sql = _insert_sql(connection, opts, fields, 1, returning=tuple(returning_fields))
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return [cursor.fetchone()] if returning_fields else []


_statements = {}


def _insert_sql(connection, opts, fields, rows, *, on_conflict=None, returning=()):
    key = (connection.alias, connection.vendor, opts.label, *(f.column for f in fields), rows,
           on_conflict, *(f.column for f in returning))  # fmt: skip
    if (sql := _statements.get(key)) is None:
        quote = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        back = ""
        if returning:
            back, _params = connection.ops.returning_columns(list(returning))
        sql = " ".join([
            connection.ops.insert_statement(on_conflict=on_conflict),
            f"{quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)})",
            f"VALUES {', '.join([row] * rows)}",
            connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
            back,
        ]).strip()  # fmt: skip
        _statements[key] = sql
    return sql


def _prepared(field, obj, connection):
    return field.get_db_prep_save(field.pre_save(obj, True), connection)
