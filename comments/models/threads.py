"""How many approved threads each article has, kept by the database itself.

Where a new comment shows (``comments.views.comment_url``) depends on how many approved threads
(top-level comments) the article has. Counting them is a pass over every thread of the article,
on every post; on a story with thousands of comments that pass was most of what PostgreSQL did
for a post. Triggers on the comments table keep the number instead, whatever changes a comment:
the posting view, the spam check, moderation verbs, bulk updates and deletes, erasure, imports
or raw SQL. A change and its count commit or roll back together.

The count of an article is one row, so simultaneous changes to one article's threads take turns
on it. On PostgreSQL the count changes as the transaction commits, so a post holds the row for
its commit only; on SQLite a writing transaction holds the whole database anyway.

SQLite drops a table's triggers when a migration rebuilds the table, and cannot rebuild the
counts' table while triggers name it, so on SQLite they are dropped before every ``migrate``;
``ensure_triggers`` runs after it and puts back any that are missing, recounting when it does.
TRUNCATE fires no row trigger: on PostgreSQL a statement trigger empties the counts with it.
"""

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from articles.models import Article

COMMENTS = "comments_comment"
COUNTS = "comments_threadcount"
ARTICLES = Article._meta.db_table
APPROVED = "approved"  # Comment.Status.APPROVED, which this module cannot import


# The count is changed as the transaction commits (a deferred constraint trigger), not at each
# change: the count's row is locked from then to the end of the commit only, not across the
# rest of the transaction (a post's other statements, its calls to Redis). A read of the count
# inside a transaction settles the changes made so far first (``settle_counts``).
def _row_trigger(deferred=True):
    """The statements that put the row trigger in place: run at the commit (``deferred``,
    migration 0018 on), or as each row changes (before it)."""
    kind = "CONSTRAINT TRIGGER" if deferred else "TRIGGER"
    timing = "DEFERRABLE INITIALLY DEFERRED\n" if deferred else ""
    return [
        f"DROP TRIGGER IF EXISTS comments_count_threads ON {COMMENTS}",
        f"""
CREATE {kind} comments_count_threads
AFTER INSERT OR DELETE OR UPDATE OF status, parent_id, article_id ON {COMMENTS}
{timing}FOR EACH ROW EXECUTE FUNCTION comments_count_threads()
""",
    ]


# A row is an approved thread when it has no parent and is approved. The functions keep the
# search_path they were created with (the migration's): a session with another one, a manual
# psql fix or a maintenance job, still finds the counts' table.
_POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION comments_count_threads() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.parent_id IS NULL AND OLD.status = '{APPROVED}';
    becomes boolean := TG_OP <> 'DELETE' AND NEW.parent_id IS NULL AND NEW.status = '{APPROVED}';
BEGIN
    IF was AND becomes AND OLD.article_id = NEW.article_id THEN
        RETURN NULL;
    END IF;
    IF was THEN
        UPDATE {COUNTS} SET approved = approved - 1 WHERE article_id = OLD.article_id;
    END IF;
    -- At commit the article may be gone, deleted later in the same transaction.
    IF becomes AND EXISTS (SELECT 1 FROM {ARTICLES} WHERE id = NEW.article_id) THEN
        INSERT INTO {COUNTS} (article_id, approved) VALUES (NEW.article_id, 1)
        ON CONFLICT (article_id) DO UPDATE SET approved = {COUNTS}.approved + 1;
    END IF;
    RETURN NULL;
END
$$
""",
    *_row_trigger(),
    # TRUNCATE fires no row trigger, and does not reach the counts (they point at articles).
    f"""
CREATE OR REPLACE FUNCTION comments_uncount_threads() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM {COUNTS};
    RETURN NULL;
END
$$
""",
    f"""
CREATE OR REPLACE TRIGGER comments_uncount_threads AFTER TRUNCATE ON {COMMENTS}
FOR EACH STATEMENT EXECUTE FUNCTION comments_uncount_threads()
""",
]
_POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS comments_count_threads ON {COMMENTS}",
    "DROP FUNCTION IF EXISTS comments_count_threads()",
    f"DROP TRIGGER IF EXISTS comments_uncount_threads ON {COMMENTS}",
    "DROP FUNCTION IF EXISTS comments_uncount_threads()",
]
_POSTGRESQL_NAMES = ["comments_count_threads", "comments_uncount_threads"]

_OLD = f"OLD.parent_id IS NULL AND OLD.status = '{APPROVED}'"
_NEW = f"NEW.parent_id IS NULL AND NEW.status = '{APPROVED}'"
_ADD = "ON CONFLICT (article_id) DO UPDATE SET approved = approved + 1"
_SQLITE = {
    "comments_count_threads_insert": f"""
CREATE TRIGGER IF NOT EXISTS comments_count_threads_insert AFTER INSERT ON {COMMENTS}
WHEN {_NEW}
BEGIN
    INSERT INTO {COUNTS} (article_id, approved) VALUES (NEW.article_id, 1) {_ADD};
END
""",
    "comments_count_threads_delete": f"""
CREATE TRIGGER IF NOT EXISTS comments_count_threads_delete AFTER DELETE ON {COMMENTS}
WHEN {_OLD}
BEGIN
    UPDATE {COUNTS} SET approved = approved - 1 WHERE article_id = OLD.article_id;
END
""",
    "comments_count_threads_update": f"""
CREATE TRIGGER IF NOT EXISTS comments_count_threads_update
AFTER UPDATE OF status, parent_id, article_id ON {COMMENTS}
WHEN ({_OLD}) IS NOT ({_NEW}) OR OLD.article_id IS NOT NEW.article_id
BEGIN
    UPDATE {COUNTS} SET approved = approved - 1 WHERE article_id = OLD.article_id AND {_OLD};
    INSERT INTO {COUNTS} (article_id, approved) SELECT NEW.article_id, 1 WHERE {_NEW} {_ADD};
END
""",
}

RECOUNT = [
    f"DELETE FROM {COUNTS}",
    f"""INSERT INTO {COUNTS} (article_id, approved)
SELECT article_id, COUNT(*) FROM {COMMENTS}
WHERE parent_id IS NULL AND status = '{APPROVED}' GROUP BY article_id""",
]


def kept_by_triggers(vendor=None):
    """Whether this database keeps the counts (the others count the threads each time)."""
    return (vendor or connection.vendor) in ("postgresql", "sqlite")


def installed_triggers(cursor, vendor):
    """The triggers in place and working: on PostgreSQL, one left disabled (``ALTER TABLE ...
    DISABLE TRIGGER``, as a bulk load does) counts as missing."""
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = ANY(%s)"
            " AND tgenabled <> 'D'",
            [COMMENTS, _POSTGRESQL_NAMES],
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [COMMENTS],
        )
    return {name for (name,) in cursor.fetchall()}


def install_triggers(cursor, vendor):
    """Create the triggers and count every article's threads anew (in the caller's
    transaction, so no change falls between the two)."""
    if not kept_by_triggers(vendor):
        return
    statements = _POSTGRESQL if vendor == "postgresql" else list(_SQLITE.values())
    for statement in [*statements, *RECOUNT]:
        cursor.execute(statement)


# Without the trigger (dropped by hand, or before ``ensure_triggers`` puts it back) there is
# nothing to settle, and the reader must not fail for it.
# Back to deferred at once: the rest of the transaction locks the count at its commit only.
SETTLE = """DO $$ BEGIN
    SET CONSTRAINTS comments_count_threads IMMEDIATE;
    SET CONSTRAINTS comments_count_threads DEFERRED;
EXCEPTION WHEN undefined_object THEN NULL; END $$"""


def settle_counts(cursor):
    """Before reading a count inside a transaction: apply the changes made in it so far (on
    PostgreSQL they wait for the commit, or for this). ``cursor``: Django's, on that database."""
    if cursor.db.vendor == "postgresql" and cursor.db.in_atomic_block:
        cursor.execute(SETTLE)


# The row trigger as migrations 0016 and 0017 had it (taken back to by reversing 0018).
def replace_row_trigger(cursor, vendor, deferred=True):
    """The row trigger deferred to the commit (migration 0018), or back to immediate; then
    every article counted anew (a trigger left disabled before this missed changes)."""
    if vendor == "postgresql":
        for statement in _row_trigger(deferred):
            cursor.execute(statement)
        for statement in RECOUNT:
            cursor.execute(statement)


def replace_functions(cursor, vendor):
    """Put the current definitions of the PostgreSQL trigger functions in place."""
    if vendor == "postgresql":
        for statement in _POSTGRESQL:
            if statement.lstrip().startswith("CREATE OR REPLACE FUNCTION"):
                cursor.execute(statement)


def drop_triggers(cursor, vendor):
    if vendor == "postgresql":
        statements = _POSTGRESQL_DROP
    elif vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE]
    else:
        return
    for statement in statements:
        cursor.execute(statement)


def drop_before_migrate(using="default", **kwargs):
    """Before ``migrate`` on SQLite: drop the triggers (``ensure_triggers`` puts them back and
    recounts). A table rebuild renames tables, and SQLite refuses to while a trigger names one
    that is gone; a migration that fails half way leaves them out until the next migrate."""
    from django.db import connections

    database = connections[using]
    if database.vendor != "sqlite" or COMMENTS not in database.introspection.table_names():
        return
    with database.cursor() as cursor:
        drop_triggers(cursor, database.vendor)


def ensure_triggers(using="default", **kwargs):
    """After ``migrate``: put back the triggers a table rebuild dropped, and recount."""
    from django.db import connections, transaction

    database = connections[using]
    if not kept_by_triggers(database.vendor):
        return
    tables = database.introspection.table_names()
    if COUNTS not in tables or COMMENTS not in tables:
        return  # migrated back before the counts, or not yet this far
    wanted = set(_POSTGRESQL_NAMES if database.vendor == "postgresql" else _SQLITE)
    with transaction.atomic(using=using), database.cursor() as cursor:
        if not wanted <= installed_triggers(cursor, database.vendor):
            install_triggers(cursor, database.vendor)


class ThreadCount(models.Model):
    """An article's approved threads, as the triggers above keep them (read-only to code)."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    approved = models.IntegerField(_("approved threads"), default=0)

    class Meta:
        default_permissions = ()
        verbose_name = _("thread count")
        verbose_name_plural = _("thread counts")

    def __str__(self):
        return f"{self.article_id}: {self.approved}"
