"""Time the moderation queue's first page in every view, and the e-mail and IP searches.

Logs in as the benchmark's moderator through Django's test client against the database
``queue_data.build()`` filled, and times each page end to end (queries, rendering): the median
of several runs after one warm-up, with the number of queries. Beside the wall clock: the CPU
time this process spent (Django, rendering) and the time in SQL, so a busy machine shows as a wall
clock well above the two. Exits non-zero when a page misses its budget (300 ms, 15 queries).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench \\
        .venv/bin/python benchmarks/queue_bench.py [--build 1000000] [--runs 7]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_data  # noqa: E402

BUDGET_MS = 300
BUDGET_QUERIES = 15
CHANGELIST = "/admin/comments/comment/"
VIEWS = ["pending", "awaiting", "reported", "spam", "blatant", "removed", "approved", "all"]


def pages():
    """(label, query string) of each page measured; the searches use a real commenter's data."""
    from comments.models import Comment

    email, ip = (
        Comment.objects.filter(email__startswith="reader1234")
        .order_by("pk")
        .values_list("email", "ip")
        .first()
    )
    return [
        *((view, {"status": view}) for view in VIEWS),
        ("search e-mail", {"q": email.title()}),
        ("search IP", {"q": ip}),
    ]


def measure(runs=7, timed=True):
    """One row per page: label, median milliseconds (wall clock, this process's CPU, SQL),
    queries, rows shown, and whether it passed."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=queue_data.MODERATOR))
    rows = []
    for label, query in pages():
        assert client.get(CHANGELIST, query).status_code == 200  # warm-up
        timings, cpu, sql = [], [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(CHANGELIST, query)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        ms = statistics.median(timings)
        shown = len(response.context["cl"].result_list)
        in_time = ms <= BUDGET_MS or not timed
        ok = response.status_code == 200 and in_time and len(queries) <= BUDGET_QUERIES
        rows.append({"page": label, "ms": ms, "cpu_ms": statistics.median(cpu),
                     "sql_ms": statistics.median(sql),
                     "queries": len(queries), "rows": shown, "ok": ok})  # fmt: skip
    return rows


HEADER = ("page", "median ms", "CPU", "SQL", "queries", "rows", "ok")


def table(rows):
    """A Markdown table of the measurements."""
    lines = [_line(HEADER), _line(["-" * 14, "-" * 9, "-" * 5, "-" * 5, "-" * 7, "-" * 4, "--"])]
    for r in rows:
        ok = "ok" if r["ok"] else "NO"
        lines.append(_line([r["page"], f"{r['ms']:.0f}", f"{r['cpu_ms']:.0f}",
                            f"{r['sql_ms']:.0f}", r["queries"], r["rows"], ok]))  # fmt: skip
    return "\n".join(lines)


def _line(cells):
    widths = (14, 9, 5, 5, 7, 4, 2)
    pairs = enumerate(zip(cells, widths, strict=True))
    padded = [f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in pairs]
    return f"| {' | '.join(padded)} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=int, metavar="COMMENTS", help="generate the data first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--untimed",
        dest="timed",
        action="store_false",
        help="judge each page by its status and queries only (the test's mode: its times are "
        "the machine's, not the code's)",
    )
    parser.add_argument(
        "--database-url", help=f"default: $DATABASE_URL or {queue_data.DEFAULT_URL}"
    )
    args = parser.parse_args()
    queue_data.setup(args.database_url, fresh=bool(args.build))
    if args.build:
        queue_data.build(args.build)
    rows = measure(args.runs, args.timed)
    sys.stdout.write(table(rows) + "\n")
    waited = statistics.median(r["ms"] - r["cpu_ms"] - r["sql_ms"] for r in rows)
    if waited > 50:
        sys.stdout.write(f"The machine is busy: pages waited {waited:.0f} ms (median) for a CPU.\n")
    missed = [row["page"] for row in rows if not row["ok"]]
    if missed:
        sys.stdout.write(f"Over budget ({BUDGET_MS} ms, {BUDGET_QUERIES} queries): {missed}\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
