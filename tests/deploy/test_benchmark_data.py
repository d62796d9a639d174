"""The benchmarks' own data builders still fit the schema.

``make bench`` is not run by CI, so a new NOT NULL column would break its hand-written bulk
INSERT unnoticed (it did: the 1,000,000-comment queue data set failed on ``by_staff``). Here
the queue benchmark builds a small data set in a PostgreSQL database of its own, migrated from
nothing, and measures every page of the queue on it.
"""

import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.deploy.conftest import ROOT

INDEXES = "SELECT indexname FROM pg_indexes WHERE tablename = %s"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the queue benchmark runs on PostgreSQL",
)


@pytest.fixture
def queue_database():
    server = django_settings.DATABASES["default"]
    name = f"newsroom_test_queue_bench_{os.getpid()}"
    admin = (
        f"host={server['HOST']} port={server['PORT'] or 5432} user={server['USER']} dbname=postgres"
    )

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    yield f"postgres://{server['USER']}@{server['HOST']}:{server['PORT'] or 5432}/{name}"
    drop()


@pytest.mark.django_db
def test_the_queue_benchmark_builds_its_data_and_measures_every_view(queue_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    done = subprocess.run(
        # Untimed: on a shared machine a page's time is the machine's; its status and queries
        # are the code's (make bench times them, at 1,000,000 comments).
        [sys.executable, "benchmarks/queue_bench.py", "--build", "3000", "--runs", "1",
         "--untimed", "--database-url", queue_database],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    # The indexes dropped for the bulk load are all back: the queue's budgets depend on them.
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, ["comments_comment"])
        migrated = {row[0] for row in cursor.fetchall()}
    with psycopg.connect(queue_database) as built:
        assert {row[0] for row in built.execute(INDEXES, ["comments_comment"])} == migrated
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][2:]
    pages = {row.split("|")[1].strip(): row.split("|")[-2].strip() for row in rows}
    assert {"pending", "awaiting", "reported", "spam", "all"} <= set(pages)
    assert set(pages.values()) == {"ok"}
