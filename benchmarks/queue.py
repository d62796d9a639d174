"""The moderation queue at 1,000,000 comments, through the queue helper's own scripts.

``benchmarks/queue_data.py`` (``build(comments=...)``) and ``benchmarks/queue_bench.py`` come
from the queue work. They run against a database of their own, ``newsroom_bench_queue``;
``queue_bench.py`` prints its figures, which are quoted in the results, and is expected to exit
non-zero when a budget is missed.
"""

import subprocess

import psycopg

from benchmarks.services import PYTHON, ROOT

DATABASE = "newsroom_bench_queue"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
COMMENTS = 1_000_000
BUILD = "; ".join([
    "import django",
    "django.setup()",
    "from benchmarks.queue_data import build",
    f"build(comments={COMMENTS})",
])  # fmt: skip


def run(base_env, work, say):
    scripts = [ROOT / "benchmarks" / name for name in ("queue_data.py", "queue_bench.py")]
    if not all(path.exists() for path in scripts):
        missing = " and ".join(path.name for path in scripts if not path.exists())
        return {"status": "not available", "detail": f"{missing}: not on this branch yet."}
    env = {**base_env, "DATABASE_URL": f"{SERVER_URL}/{DATABASE}"}
    say(f"Queue: building {COMMENTS:,} comments in {DATABASE}…")
    reset_database()
    steps = [
        ("migrate", [PYTHON, "manage.py", "migrate", "--noinput"], 300),
        ("build", [PYTHON, "-c", BUILD], 600),
        ("bench", [PYTHON, "-m", "benchmarks.queue_bench"], 300),
    ]
    for name, args, timeout in steps:
        try:
            done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"status": f"{name} timed out", "detail": f"after {timeout} s"}
        (work / f"queue-{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0 and name != "bench":
            return {"status": f"{name} failed", "detail": (done.stderr or done.stdout)[-2000:]}
    say(done.stdout)
    return {"status": "ran", "exit": done.returncode, "output": done.stdout + done.stderr}


def reset_database():
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def markdown(queue):
    if queue["status"] != "ran":
        return f"{queue['status']}. {queue.get('detail', '')}".strip()
    verdict = "within budget" if queue["exit"] == 0 else f"exit status {queue['exit']}: missed"
    return f"`queue_bench.py` ({verdict}):\n\n```\n{queue['output'].strip()}\n```"
