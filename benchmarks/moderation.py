"""The moderation queue at 1,000,000 comments, through the queue work's own scripts.

``benchmarks/queue_bench.py --build N --database-url URL`` (with ``queue_data.py`` beside it)
creates and migrates the database when missing, fills it with N comments, times the queue's
first page in every view and the e-mail and IP searches, prints a table, and exits non-zero when
a page misses its budget. It runs against a database of its own, ``newsroom_bench_queue``.
"""

import subprocess

from benchmarks.services import PYTHON, ROOT

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench_queue"
COMMENTS = 1_000_000
TIMEOUT = 600


def run(base_env, work, say):
    scripts = [ROOT / "benchmarks" / name for name in ("queue_data.py", "queue_bench.py")]
    missing = [path.name for path in scripts if not path.exists()]
    if missing:
        return {
            "status": "not available",
            "detail": f"{' and '.join(missing)}: not on this branch yet.",
        }
    say(f"Queue: {COMMENTS:,} comments in newsroom_bench_queue, then the queue's pages…")
    args = [PYTHON, scripts[1], "--build", COMMENTS, "--database-url", DATABASE_URL]
    try:
        done = subprocess.run([str(a) for a in args], cwd=ROOT, env=base_env, capture_output=True,
                              text=True, timeout=TIMEOUT)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "timed out", "detail": f"queue_bench.py took over {TIMEOUT} s."}
    output = done.stdout + done.stderr
    (work / "queue.log").write_text(output)
    say(output)
    return {"status": "ran", "exit": done.returncode, "output": output}


def markdown(queue):
    if queue["status"] != "ran":
        return f"{queue['status']}. {queue.get('detail', '')}".strip()
    verdict = "within budget" if queue["exit"] == 0 else f"exit status {queue['exit']}: missed"
    return (
        f"`queue_bench.py --build {COMMENTS}` ({verdict}):\n\n```\n{queue['output'].strip()}\n```"
    )
