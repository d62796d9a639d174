"""A moderation queue at volume: a million comments on PostgreSQL in about a minute.

``build(comments=1_000_000)`` empties the comment tables, replaces the benchmark's own articles
(slugs ``bench-…``) and fills them with generated SQL (``INSERT … SELECT generate_series``), so
running it again starts from the same state. The spread: mostly approved, a few per cent
pending (some awaiting a spam check), spam, blatant spam and removed; reasons as the rules and
Akismet give them; commenters with skewed activity (a few write a lot), an IP per commenter; open
and settled reader reports; spread over 200 articles and two years.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python benchmarks/queue_data.py --comments 1000000

The database is created and migrated when missing; the name must contain "bench", as every comment
in it is replaced. From Python: ``setup(url)`` (configures Django, creates and migrates the
database), then ``build(comments=…)``; ``queue_bench.measure()`` times the pages afterwards.
"""

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
ARTICLES = 200
MODERATOR = "bench-moderator"
PASSWORD = "bench-moderator-password"

COMMENTS_SQL = """
INSERT INTO comments_comment (
    article_id, name, email, url, body, body_html, status, is_blatant, reasons, akismet,
    akismet_payload, ip, user_agent, referrer, submitted_at, checked_at, spam_check_attempts,
    next_check_at, status_changed_at, legal_hold, akismet_feedback, akismet_told, by_staff,
    removal_reason, follow, kind
)
SELECT
    (%(articles)s::bigint[])[1 + g %% cardinality(%(articles)s::bigint[])],
    'Reader ' || who,
    CASE WHEN kind IN ('spam', 'blatant') THEN 'seller' || who || '@spam.example'
         ELSE 'reader' || who || '@example.net' END,
    '',
    body,
    '<p>' || body || '</p>',
    CASE kind WHEN 'blatant' THEN 'spam' ELSE kind END,
    kind = 'blatant',
    (CASE
        WHEN kind = 'approved' AND r < 0.03 THEN '["staff"]'
        WHEN kind = 'approved' AND r < 0.10 THEN '["first_time"]'
        WHEN kind = 'approved' THEN '[]'
        WHEN kind = 'pending' AND r < 0.15 THEN '["first_time", "awaiting_spam_check"]'
        WHEN kind = 'pending' AND r < 0.30 THEN '["awaiting_spam_check"]'
        WHEN kind = 'pending' AND r < 0.60 THEN '["first_time"]'
        WHEN kind = 'pending' AND r < 0.75 THEN '["link_limit"]'
        WHEN kind = 'pending' AND r < 0.85 THEN '["hold_word", "link_limit"]'
        WHEN kind = 'pending' AND r < 0.95 THEN '["premoderated"]'
        WHEN kind = 'pending' THEN '["reported"]'
        WHEN kind = 'spam' AND r < 0.80 THEN '["akismet_spam"]'
        WHEN kind = 'spam' AND r < 0.90 THEN '["disallowed_word"]'
        WHEN kind = 'spam' AND r < 0.95 THEN '["disallowed_email"]'
        WHEN kind = 'spam' THEN '["disallowed_ip", "link_limit"]'
        WHEN kind = 'blatant' THEN '["akismet_discard"]'
        WHEN r < 0.5 THEN '["reported"]'
        ELSE '[]'
    END)::jsonb,
    CASE
        WHEN kind = 'pending' AND r < 0.25 THEN 'unchecked'
        WHEN kind = 'pending' AND r < 0.30 THEN 'error'
        WHEN kind = 'blatant' THEN 'discard'
        WHEN kind = 'spam' AND r < 0.80 THEN 'spam'
        ELSE 'ham'
    END,
    '{}'::jsonb,
    ((20 + who %% 200) || '.' || (who / 65536 %% 256) || '.' || (who / 256 %% 256) || '.'
        || (who %% 256))::inet,
    'Mozilla/5.0 (benchmark)',
    '',
    submitted,
    CASE WHEN kind = 'pending' AND r < 0.30 THEN NULL ELSE submitted + interval '2 seconds' END,
    0,
    NULL,
    submitted + interval '1 hour',
    false,
    '',
    '',
    false,
    '',
    false,
    'comment'
FROM (
    SELECT
        g,
        CASE
            WHEN s < 0.84 THEN 'approved'
            WHEN s < 0.87 THEN 'pending'
            WHEN s < 0.91 THEN 'spam'
            WHEN s < 0.98 THEN 'blatant'
            ELSE 'removed'
        END AS kind,
        random() AS r,
        floor(150000 * power(random(), 2))::int AS who,
        now() - random() * interval '730 days' AS submitted,
        (ARRAY['I disagree with the council on this.', 'Thanks for the thorough reporting.',
               'The bus route change hurts my street.', 'Splash pads should open earlier.',
               'Who pays for the new library wing?', 'Great photos of the parade!',
               'Cheap watches and pills, click here.', 'This is the third closure this year.']
        )[1 + g %% 8] || ' ' || md5(g::text) AS body
    FROM (SELECT g, random() AS s FROM generate_series(1, %(comments)s) AS g) AS draws
) AS rows
"""

# Open reports on about one approved comment in 400; settled ones on one in 300.
REPORTS_SQL = """
INSERT INTO comments_report (comment_id, reason, note, ip, created_at, resolved_at)
SELECT id, (ARRAY['spam', 'abuse', 'off_topic', 'other'])[1 + id %% 4], '',
       ('192.0.2.' || (id %% 250 + 1))::inet, submitted_at + interval '1 day',
       CASE WHEN id %% 400 = 0 THEN NULL ELSE submitted_at + interval '2 days' END
FROM comments_comment
WHERE status IN ('approved', 'removed') AND (id %% 400 = 0 OR id %% 300 = 1)
"""

REPORTED_SQL = """
UPDATE comments_comment SET reported_at = oldest.created_at
FROM (SELECT comment_id, min(created_at) AS created_at FROM comments_report
      WHERE resolved_at IS NULL GROUP BY comment_id) AS oldest
WHERE comments_comment.id = oldest.comment_id
"""

TABLES = ["comments_comment", "comments_report", "comments_commentreason"]

REASON_ROWS_SQL = """
INSERT INTO comments_commentreason (comment_id, reason)
SELECT id, jsonb_array_elements_text(reasons) FROM comments_comment
"""


def build(comments=1_000_000, articles=ARTICLES, seed=0.42):
    """Replace every comment with ``comments`` generated ones on ``articles`` benchmark articles.

    PostgreSQL only. Returns the moderator's username (password ``PASSWORD``) for the benchmark.
    """
    from django.db import connection, transaction

    from comments.models import threads

    if connection.vendor != "postgresql":
        raise SystemExit("The queue benchmark data needs PostgreSQL (generate_series).")
    _refuse_unless_bench(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        # Before the articles: deleting them through the ORM would collect every comment.
        cursor.execute("TRUNCATE comments_comment CASCADE")
    article_ids = _replace_articles(articles)
    # One transaction up to the indexes: a failure rolls back their dropping too (a failed
    # insert once left the table with no index but its primary key, for every later run).
    with transaction.atomic(), connection.cursor() as cursor:
        # Millions of rows and their indexes take longer than a web request's statement timeout.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET synchronous_commit = off")
        tables = [t for t in TABLES if _has_table(cursor, t)]
        # Filling the tables, then building their indexes in one go, is several times faster.
        indexes = [_drop_indexes(cursor, table) for table in tables]
        cursor.execute("SELECT setseed(%s)", [seed])
        # Each approved thread would update its article's count row, thousands of times in one
        # transaction (many times slower than the inserts): count them once afterwards.
        counted = _has_table(cursor, threads.COUNTS)
        if counted:
            cursor.execute(f"ALTER TABLE {threads.COMMENTS} DISABLE TRIGGER comments_count_threads")
        cursor.execute(COMMENTS_SQL, {"articles": article_ids, "comments": comments})
        cursor.execute(REPORTS_SQL, {})
        if _has_column(cursor, "comments_comment", "reported_at"):
            cursor.execute(REPORTED_SQL)
        if "comments_commentreason" in tables:
            cursor.execute(REASON_ROWS_SQL)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no index is built with checks pending
        for definition in itertools.chain(*indexes):
            cursor.execute(definition)
        if counted:  # once the checks pending on the table have run
            cursor.execute(f"ALTER TABLE {threads.COMMENTS} ENABLE TRIGGER comments_count_threads")
            for statement in threads.RECOUNT:
                cursor.execute(statement)
    with connection.cursor() as cursor:  # VACUUM runs outside a transaction
        for table in [*tables, "articles_article"]:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return _moderator().username


def _drop_indexes(cursor, table):
    """Drop the table's indexes that back no constraint; returns their definitions."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint)",
        [table],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def _replace_articles(count):
    from django.utils import timezone

    from articles.models import Article, Section

    Article.objects.filter(slug__startswith="bench-").delete()
    section, _created = Section.objects.get_or_create(
        slug="bench-section", defaults={"name": "Benchmark"}
    )
    now = timezone.now()
    articles = [
        Article(title=f"Benchmark story {n}", slug=f"bench-{n}", body="A story.", section=section,
                status=Article.Status.PUBLISHED, published_at=now)
        for n in range(count)
    ]  # fmt: skip
    for article in articles:
        article.save()
    return [article.pk for article in articles]


def _moderator():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles.roles import MODERATOR as GROUP

    user, _created = get_user_model().objects.get_or_create(
        username=MODERATOR, defaults={"is_staff": True}
    )
    user.set_password(PASSWORD)
    user.save()
    user.groups.set([Group.objects.get(name=GROUP)])
    return user


def _refuse_unless_bench(name):
    if "bench" not in name:
        raise SystemExit(f"Refusing to replace the comments of {name!r}: not a bench database.")


def _has_table(cursor, name):
    return name in cursor.db.introspection.table_names(cursor)


def _has_column(cursor, table, name):
    columns = cursor.db.introspection.get_table_description(cursor, table)
    return name in {column.name for column in columns}


def setup(database_url=None, fresh=False):
    """Point Django at the benchmark database (created when missing; dropped first when
    ``fresh``, so the migrations make every index afresh) and migrate it."""
    url = database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    _create_database(url, fresh)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _create_database(url, fresh=False):
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    _refuse_unless_bench(name)
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--database-url", help=f"default: $DATABASE_URL or {DEFAULT_URL}")
    args = parser.parse_args()
    setup(args.database_url)
    started = time.monotonic()
    build(args.comments, args.articles)
    took = time.monotonic() - started
    sys.stdout.write(f"{args.comments:,} comments on {args.articles} articles in {took:.1f} s\n")


if __name__ == "__main__":
    main()
