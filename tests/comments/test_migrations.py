"""Migrations that move data: what a comment recorded survives them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("comments", "0002_moderation")]
AFTER = [("comments", "0003_queue_at_volume")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator(transactional_db):
    """Migrations to run by hand; the database is left fully migrated afterwards."""
    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_reason_rows_migration_keeps_every_comments_reasons(migrator):
    apps = migrator(BEFORE)
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    Comment = apps.get_model("comments", "Comment")
    section = Section.objects.create(name="Old news", slug="old-news")
    article = Article.objects.create(title="Old", slug="old", body=".", section=section)
    made = {
        tuple(reasons): Comment.objects.create(
            article=article, name="Ada", email="ada@example.net", body=".", reasons=reasons,
            submitted_at=timezone.now(),
        ).pk
        for reasons in (["first_time", "link_limit"], ["akismet_spam"], [])
    }  # fmt: skip

    apps = migrator(AFTER)

    rows = apps.get_model("comments", "CommentReason").objects.values_list("comment", "reason")
    assert sorted(rows) == sorted(
        (pk, reason) for reasons, pk in made.items() for reason in reasons
    )


def test_the_migration_marks_the_comments_with_open_reports_since_the_oldest(migrator):
    apps = migrator(BEFORE)
    Section = apps.get_model("articles", "Section")
    section = Section.objects.create(name="Old news", slug="old-news")
    article = apps.get_model("articles", "Article").objects.create(
        title="Old", slug="old", body=".", section=section
    )
    Comment = apps.get_model("comments", "Comment")
    comments = [
        Comment.objects.create(article=article, name="Ada", email="ada@example.net", body=".")
        for _ in range(3)
    ]
    first, second = timezone.now() - datetime.timedelta(days=2), timezone.now()
    reports = apps.get_model("comments", "Report").objects
    reports.create(comment=comments[0], reason="spam", ip="192.0.2.1", created_at=second)
    reports.create(comment=comments[0], reason="spam", ip="192.0.2.2", created_at=first)
    reports.create(comment=comments[1], reason="spam", ip="192.0.2.3", resolved_at=second)

    apps = migrator(AFTER)

    marked = apps.get_model("comments", "Comment").objects.order_by("pk")
    assert [c.reported_at for c in marked] == [first, None, None]


def test_comments_stored_with_double_escaped_code_are_rendered_again(migrator):
    apps = migrator([("comments", "0003_queue_at_volume")])
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    Comment = apps.get_model("comments", "Comment")
    section = Section.objects.create(name="Old news", slug="old-news")
    article = Article.objects.create(title="Old", slug="old", body=".", section=section)
    fields = {"article": article, "name": "Ada", "email": "ada@example.net"}
    damaged = Comment.objects.create(
        body="`a < b`", body_html="<p><code>a &amp;lt; b</code></p>", **fields
    )
    sound = Comment.objects.create(body="Plain.", body_html="<p>Kept as stored.</p>", **fields)

    apps = migrator([("comments", "0004_rerender_double_escaped_code")])

    Comment = apps.get_model("comments", "Comment")
    assert Comment.objects.get(pk=damaged.pk).body_html == "<p><code>a &lt; b</code></p>"
    assert Comment.objects.get(pk=sound.pk).body_html == "<p>Kept as stored.</p>"


def trigger_state():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgdeferrable, tgenabled FROM pg_trigger WHERE tgname = 'comments_count_threads'"
        )
        return cursor.fetchone()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The deferred count is PostgreSQL's.")
def test_counting_at_commit_recounts_on_the_way_up_and_goes_back_on_the_way_down(migrator):
    apps = migrator([("comments", "0017_thread_count_search_path")])
    assert trigger_state() == (False, "O")
    with connection.cursor() as cursor:  # left disabled, as by a bulk load that did not finish
        cursor.execute("ALTER TABLE comments_comment DISABLE TRIGGER comments_count_threads")
    section = apps.get_model("articles", "Section").objects.create(name="News", slug="news")
    article = apps.get_model("articles", "Article").objects.create(
        title="Old", slug="old", body=".", section=section
    )
    apps.get_model("comments", "Comment").objects.create(
        article=article, name="Ada", email="ada@example.net", body=".", status="approved",
        submitted_at=timezone.now(),
    )  # fmt: skip
    counts = apps.get_model("comments", "ThreadCount").objects
    assert not counts.filter(article_id=article.pk).exists()

    apps = migrator([("comments", "0018_thread_count_at_commit")])

    assert trigger_state() == (True, "O")
    counts = apps.get_model("comments", "ThreadCount").objects
    assert counts.get(article_id=article.pk).approved == 1
    migrator([("comments", "0017_thread_count_search_path")])
    assert trigger_state() == (False, "O")  # what the code before 0018 expects


def comment_indexes_on_article_alone():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "comments_comment")
    return sorted(
        name for name, c in found.items() if c["index"] and c["columns"] == ["article_id"]
    )


def test_the_article_index_goes_and_comes_back_leaving_the_foreign_key(migrator):
    migrator([("comments", "0018_thread_count_at_commit")])
    assert comment_indexes_on_article_alone() == ["comments_comment_article_id_94fe60a2"]

    migrator([("comments", "0019_article_index_in_the_composite")])

    assert comment_indexes_on_article_alone() == []
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "comments_comment")
    assert any(c["foreign_key"] == ("articles_article", "id") for c in found.values())
    migrator([("comments", "0018_thread_count_at_commit")])
    assert comment_indexes_on_article_alone() == ["comments_comment_article_id_94fe60a2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="INVALID indexes are PostgreSQL's")
def test_going_back_rebuilds_an_article_index_a_cancelled_build_left_invalid(migrator):
    migrator([("comments", "0019_article_index_in_the_composite")])
    index = "comments_comment_article_id_94fe60a2"
    with connection.cursor() as cursor:  # as a CREATE INDEX CONCURRENTLY cancelled halfway
        cursor.execute(f"CREATE INDEX {index} ON comments_comment (article_id)")
        cursor.execute(
            f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{index}'::regclass"
        )

    migrator([("comments", "0018_thread_count_at_commit")])

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT indisvalid FROM pg_index WHERE indexrelid = '{index}'::regclass")
        assert cursor.fetchall() == [(True,)]
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "0"  # the migration's own setting did not outlive it


def single_column_indexes(table):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: c["columns"][0]
        for name, c in found.items()
        if c["index"] and not c["primary_key"] and not c["unique"] and len(c["columns"]) == 1
        and c["columns"][0].endswith("_id")
    }  # fmt: skip


FULL = {
    "comments_comment": {"comments_comment_parent_id_3e0802fb": "parent_id",
                         "comments_comment_user_id_a1db4881": "user_id",
                         "comments_comment_claimed_by_id_b177c878": "claimed_by_id"},
    "comments_commentevent": {"comments_commentevent_actor_id_03325dcb": "actor_id",
                              "comments_commentevent_comment_id_892da0a7": "comment_id"},
}  # fmt: skip
PARTIAL = {
    "comments_comment": {"comment_parent_idx": "parent_id", "comment_user_idx": "user_id",
                         "comment_claimer_idx": "claimed_by_id"},
    "comments_commentevent": {"comment_event_actor_idx": "actor_id"},
}  # fmt: skip


def test_the_reference_indexes_keep_only_the_rows_that_have_one_and_come_back(migrator):
    migrator([("comments", "0019_article_index_in_the_composite")])
    assert {table: single_column_indexes(table) for table in FULL} == FULL

    migrator([("comments", "0020_partial_reference_indexes")])

    assert {table: single_column_indexes(table) for table in FULL} == PARTIAL
    migrator([("comments", "0019_article_index_in_the_composite")])
    assert {table: single_column_indexes(table) for table in FULL} == FULL


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize(
    ("table", "column", "index"),
    [(table, column, index) for table, found in PARTIAL.items() for index, column in found.items()],
)
def test_a_lookup_by_reference_is_answered_by_the_partial_index(db, table, column, index):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT indexdef FROM pg_indexes WHERE indexname = '{index}'")
        assert cursor.fetchone()[0].endswith(f"WHERE ({column} IS NOT NULL)")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE {column} = 7")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert index in plan
