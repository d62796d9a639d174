"""Peak memory of ``manage.py import_wordpress`` for a generated 10 MB and 100 MB export.

    .venv/bin/python benchmarks/wordpress_bench.py [--sizes 10 100] [--posts-mb 10] [--keep DIR]

(``--sizes 100 --posts-mb 100``: a 100 MB export of posts only, about 13 minutes here.)

Each size gets its own export and a fresh SQLite database. Every export holds the same 10 MB
of posts (about 20 KB of HTML each, two comments each, text from word lists: ``--posts-mb``);
a larger export is filled up with pages of the same kind, which the importer reads through the
same parser and skips (pages are not imported), so the run measures the stream and not ten
times the Markdown rendering a loaded machine can ill afford. The import runs with
``--no-media`` in a child process whose peak resident set size (``wait4``'s ``ru_maxrss``) is
reported, next to that of the parser alone reading the whole file. Bounded memory means the
figures for 100 MB stay close to those for 10 MB. Results: benchmarks/wordpress_results.md.
A benchmark, not a test.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import wxr  # noqa: E402

WORDS = (
    "harbour council vote storm ferry budget school court appeal witness river bridge "
    "market farmers rain museum library mayor street festival election tide coast"
).split()


def paragraph(rng, words=90):
    return "<p>" + " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + ".</p>"


def write_export(path, megabytes, posts_mb=10, seed=11):
    """Posts up to ``posts_mb``, then pages up to ``megabytes``; returns (posts, pages)."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        head, tail = wxr.export("@@ITEMS@@").split("@@ITEMS@@")
        out.write(head + wxr.author("editor", "Eda Editor") + wxr.category("news", "News"))
        counts = {"post": 0, "page": 0}
        for post_type, limit in (("post", posts_mb), ("page", megabytes)):
            while out.tell() < min(limit, megabytes) * 1024 * 1024:
                counts[post_type] += 1
                n = counts["post"] + counts["page"]
                body = "\n".join(paragraph(rng) for _ in range(35))
                comments = [
                    wxr.comment(n * 10 + k, paragraph(rng, 40), parent=(n * 10 if k else 0))
                    for k in range(2)
                ]
                out.write(wxr.item(n, f"Story {n}", body, categories=[("news", "News")],
                                   comments=comments, post_type=post_type))  # fmt: skip
        out.write(tail)
    return counts["post"], counts["page"]


def peak_rss_mb(command, env):
    """Run ``command``; its peak resident set size in MB and its wall time in seconds."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return usage.ru_maxrss / 1024, time.monotonic() - started


PARSE_ONLY = (
    "import sys, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'newsroom.settings');"
    "django.setup(); from articles.wordpress import parser;"
    "print(sum(1 for _ in parser.read(sys.argv[1])))"
)


def main():
    options = argparse.ArgumentParser()
    options.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    options.add_argument("--posts-mb", type=int, default=10)
    options.add_argument("--keep", help="keep exports and databases in this folder")
    args = options.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="wxr-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    sys.stdout.write(
        "| export | posts | pages | parser peak RSS | import peak RSS | import time |" + "\n"
    )
    sys.stdout.write("| --- | --- | --- | --- | --- | --- |" + "\n")
    for size in args.sizes:
        export = folder / f"export-{size}mb.xml"
        posts, pages = write_export(export, size, args.posts_mb)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench-{size}.sqlite3"}
        env.pop("REDIS_URL", None)
        env.pop("CACHE_URL", None)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        parse_rss, _t = peak_rss_mb([sys.executable, "-c", PARSE_ONLY, str(export)], env)
        rss, seconds = peak_rss_mb([*manage, "import_wordpress", str(export), "--no-media"], env)
        mb = export.stat().st_size / 1024 / 1024
        row = f"| {mb:.0f} MB | {posts:,} | {pages:,} | {parse_rss:.0f} MB | {rss:.0f} MB "
        sys.stdout.write(row + f"| {seconds:.0f} s |\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
