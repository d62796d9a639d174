"""Index changes that posting goes on through, for migrations written by hand.

(The migration loader skips modules whose names start with "_": this is not a migration.)
"""

import contextlib


@contextlib.contextmanager
def index_change(schema_editor):
    """`` CONCURRENTLY`` on PostgreSQL, with no statement timeout for the while: building the
    index on a large table takes longer than a web request may, and a build cancelled halfway
    leaves an INVALID index behind. Nothing to add on SQLite. (The migration must not be
    atomic: CONCURRENTLY cannot run in a transaction.)"""
    if schema_editor.connection.vendor != "postgresql":
        yield ""
        return
    schema_editor.execute("SET statement_timeout = 0")
    try:
        yield " CONCURRENTLY"
    finally:
        schema_editor.execute("RESET statement_timeout")


def drop_index(schema_editor, name):
    with index_change(schema_editor) as concurrently:
        schema_editor.execute(
            f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(name)}"
        )


def build_index(schema_editor, name, table, column, *, where=""):
    """Index ``table.column`` as ``name`` (only the rows ``where``, an SQL condition, if given)."""
    quote = schema_editor.quote_name
    with index_change(schema_editor) as concurrently:
        # Dropped first: a build cancelled on an earlier try left an INVALID index of that
        # name, which CREATE INDEX IF NOT EXISTS would keep.
        schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {quote(name)}")
        schema_editor.execute(
            f"CREATE INDEX{concurrently} {quote(name)} ON {quote(table)} ({quote(column)})"
            + (f" WHERE {where}" if where else "")
        )
