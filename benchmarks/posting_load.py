"""``make bench-posting``: 50 concurrent comment posters for 60 s, each from its own address.

Against three stacks in turn: gunicorn (2 sync workers) + PostgreSQL + Redis + the task worker,
with production settings (``make bench``'s); the embedded default (a SQLite file in WAL mode,
the local-memory cache, tasks run inline) served as in production by one gunicorn process with
8 threads; and the same served as ``make run`` serves it, by ``runserver`` (one process, a
thread per request). Each poster binds its sockets to its own loopback address
(127.0.0.11 to 127.0.0.60; Linux routes all of 127.0.0.0/8 to lo), so with
``TRUSTED_PROXY_COUNT=0`` the app sees a real, distinct REMOTE_ADDR: no header is spoofed.

The posters: 20 with an e-mail address of their own and 20 in four groups of five sharing one
(both post unique texts back to back for the whole run), and 10 twins that, every flood window
plus 3 s, meet at a barrier and send one identical comment (same e-mail, same text) at once.
Every answer is recorded; then the stored rows are read back and checked by
``benchmarks/posting_check.py``: no 5xx, each accepted comment stored exactly once and nothing
else, no identical rows, no two comments from one IP or e-mail address closer than the flood
window, every refusal explained by an accepted comment. Writes benchmarks/posting_results.md,
prints the same, and exits non-zero when an invariant fails.

Options: ``--duration`` (60 s), ``--flood-seconds`` (5: the default 15 would let each poster
in only five times), ``--stack postgres|sqlite|runserver`` (all three by default), ``--keep``
to keep the PostgreSQL database ``newsroom_loadbench`` (dropped at the end otherwise).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import redis

from benchmarks import machine, posting_check, posting_report, run
from benchmarks.services import GUNICORN_WORKERS, PYTHON, ROOT, ServiceError, Services, free_port

DATABASE = "newsroom_loadbench"
REDIS_URL = "redis://127.0.0.1:6379/7"  # a database of its own: flushed before the run
DOMAIN = "posting.bench.invalid"
WORK_DIR = Path("/tmp/newsroom-posting-bench")
RESULTS = ROOT / "benchmarks" / "posting_results.md"
OWN, SHARED, TWINS, SHARED_GROUP = 20, 20, 10, 5
TWIN_SLACK = 3.0  # seconds between twin rounds beyond the window: their IPs are never flooded
MIN_SUBMIT_SECONDS = 3.0  # the default: posters wait this long after fetching the form
# The posters start one by one over a second: runserver listens with a backlog of 10, and 50
# connections in the same millisecond get some of them reset before Django sees them.
RAMP_SECONDS = 1.0
THREADS = 8  # gunicorn's threads for the single-process SQLite stack
PHRASES = [
    "the ferry timetable finally makes sense",
    "our street needs that shade more than most",
    "please ask how the budget will be checked",
    "good to see the library keeping late hours",
]


@dataclass
class Post:
    """One POST and its answer (status 0: no HTTP answer at all)."""

    poster: int
    group: str  # "own", "shared" or "twins"
    ip: str
    email: str
    body: str
    round: int | None = None
    sent: float = 0.0
    received: float = 0.0
    status: int = 0
    pk: int | None = None
    error: str = ""


@dataclass
class Poster:
    number: int
    group: str
    ip: str
    email: str = ""


def posters():
    crowd = [Poster(n, "own", "", f"reader-{n}@{DOMAIN}") for n in range(OWN)]
    crowd += [Poster(OWN + n, "shared", "", f"shared-{n // SHARED_GROUP}@{DOMAIN}")
              for n in range(SHARED)]  # fmt: skip
    crowd += [Poster(OWN + SHARED + n, "twins", "") for n in range(TWINS)]
    for poster in crowd:
        poster.ip = f"127.0.0.{11 + poster.number}"
    return crowd


class Client:
    """HTTP from one source address; a new connection per request, as many browsers would.

    It keeps the cookies the site sets (the reader's held comments), as a browser does.
    """

    def __init__(self, port, ip):
        self.port, self.ip = port, ip
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.ip, 0)
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _sep, value = header.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return response.status, response.getheader("Location", ""), response.read()
        finally:
            connection.close()


@dataclass
class Form:
    action: str
    timestamp: str
    page: str = ""
    ready_at: float = 0.0  # a form is used once: the next one is taken after a 302


def read_form(client, article_path):
    status, _location, html = client.request("GET", article_path)
    page = html.decode()
    action = re.search(r'<form class="comment-form"[^>]* action="([^"]+)"', page)
    timestamp = re.search(r'name="timestamp" value="([^"]+)"', page)
    if status != 200 or not action or not timestamp:
        raise ServiceError(f"no comment form at {article_path} (HTTP {status})")
    return Form(action[1], timestamp[1], article_path, time.time() + MIN_SUBMIT_SECONDS + 0.2)


def send(client, form, post):
    sleep_until(form.ready_at)  # a person takes a few seconds to write a comment
    fields = {"name": f"Load Reader {post.poster}", "email": post.email, "url": "",
              "body": post.body, "timestamp": form.timestamp, "parent": "",
              "homepage": ""}  # fmt: skip
    origin = f"http://127.0.0.1:{client.port}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
               "Sec-Fetch-Site": "same-origin"}  # fmt: skip
    body = urlencode(fields)
    post.sent = time.time()
    try:
        post.status, location, _html = client.request("POST", form.action, body, headers)
        if match := re.search(r"#comment-(\d+)$", location):
            post.pk = int(match[1])
    except (OSError, http.client.HTTPException) as error:
        post.error = repr(error)
    post.received = time.time()
    if post.status == 302:  # as a browser would: the next comment is sent from a new form
        fresh = read_form(client, form.page)
        form.timestamp, form.ready_at = fresh.timestamp, fresh.ready_at
    return post


class Schedule:
    """The run's start (once every poster holds a form old enough), its end, the twin rounds."""

    def __init__(self, duration, window):
        self.duration, self.gap = duration, window + TWIN_SLACK
        self.start_line = threading.Barrier(OWN + SHARED + TWINS, action=self._start, timeout=120)
        self.twin_line = threading.Barrier(TWINS, action=self._round, timeout=120)
        self.started = self.deadline = 0.0
        self.round = 0
        self.released = 0.0

    def _start(self):
        self.started = time.time() + MIN_SUBMIT_SECONDS + 0.5
        self.deadline = self.started + self.duration

    def _round(self):
        self.round += 1
        self.released = time.time()


def sleep_until(moment):
    time.sleep(max(0.0, moment - time.time()))


def steady(poster, client, form, schedule, posts):
    """Unique comments back to back until the deadline: the flood window decides."""
    sleep_until(schedule.started + RAMP_SECONDS * poster.number / (OWN + SHARED))
    number = 0
    while time.time() < schedule.deadline:
        number += 1
        text = f"Note {poster.number}-{number}: {PHRASES[number % len(PHRASES)]}."
        posts.append(send(client, form, Post(poster.number, poster.group, poster.ip,
                                             poster.email, text)))  # fmt: skip


def twin(poster, client, form, schedule, posts):
    """Every round the ten twins send one identical comment at the same moment."""
    next_round = schedule.started + RAMP_SECONDS
    while next_round < schedule.deadline:  # the same decision in every twin: a shared time
        sleep_until(next_round)
        schedule.twin_line.wait()
        number, released = schedule.round, schedule.released
        text = f"Twin round {number}: {PHRASES[number % len(PHRASES)]}, said once."
        post = Post(poster.number, poster.group, poster.ip, f"twin-{number}@{DOMAIN}", text,
                    round=number)  # fmt: skip
        posts.append(send(client, form, post))
        next_round = released + schedule.gap


def run_posters(port, article_path, duration, window):
    """All posters at once; every POST they sent, with its answer."""
    schedule, posts, problems = Schedule(duration, window), [], []

    def poster_thread(poster):
        client = Client(port, poster.ip)
        try:
            form = read_form(client, article_path)
            schedule.start_line.wait()
            (twin if poster.group == "twins" else steady)(poster, client, form, schedule, posts)
        except (ServiceError, OSError, threading.BrokenBarrierError) as error:
            problems.append(f"poster {poster.number}: {error!r}")
            schedule.start_line.abort()
            schedule.twin_line.abort()

    threads = [threading.Thread(target=poster_thread, args=(p,), daemon=True) for p in posters()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 300)
    if problems:
        raise ServiceError("; ".join(problems[:3]))
    return posts, schedule.deadline - schedule.started


# The stacks -----------------------------------------------------------------------------------


def comment_settings(window):
    return {"COMMENTS_FLOOD_SECONDS": str(window), "TRUSTED_PROXY_COUNT": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "newsroom.settings"}  # fmt: skip


def postgres_stack(services, work, window):
    """gunicorn ×2 + PostgreSQL + Redis + db_worker, production settings (as ``make bench``)."""
    port = free_port()
    env = run.base_env(work)
    env.update(comment_settings(window), DATABASE_URL=f"{run.SERVER_URL}/{DATABASE}",
               CACHE_URL=REDIS_URL, REDIS_URL=REDIS_URL, SITE_URL=f"http://127.0.0.1:{port}",
               GUNICORN_CMD_ARGS="--no-control-socket")  # fmt: skip
    run.reset_database(DATABASE)
    prepare(env, work, "migrate", "--noinput")
    prepare(env, work, "seed", "--force")
    prepare(env, work, "collectstatic", "--noinput")
    redis.Redis.from_url(REDIS_URL).flushdb()
    services.worker(env)
    services.gunicorn(env, port)
    return port, env


def runserver_stack(services, work, window):
    """``make run``'s stack: runserver, a SQLite file of its own, local memory, inline tasks."""
    port = free_port()
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(comment_settings(window), DATABASE_URL=f"sqlite:///{work / 'runserver.sqlite3'}")
    prepare(env, work, "migrate", "--noinput")
    prepare(env, work, "seed")
    services.start("runserver", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}",
                                 "--noreload"], env)  # fmt: skip
    services.wait_for_http("runserver", f"http://127.0.0.1:{port}/robots.txt", seconds=90)
    return port, env


def single_process_stack(services, work, window):
    """The embedded default in production: SQLite, local memory and inline tasks, served by one
    gunicorn process with threads (the local-memory cache is per process, so only one)."""
    port = free_port()
    env = run.base_env(work)
    for name in ("CACHE_URL", "REDIS_URL", "TASK_BACKEND"):
        env.pop(name)
    env.update(comment_settings(window), DATABASE_URL=f"sqlite:///{work / 'gunicorn.sqlite3'}",
               SITE_URL=f"http://127.0.0.1:{port}")  # fmt: skip
    prepare(env, work, "migrate", "--noinput")
    prepare(env, work, "seed", "--force")
    prepare(env, work, "collectstatic", "--noinput")
    services.start("gunicorn", [ROOT / ".venv" / "bin" / "gunicorn", "newsroom.wsgi", "-w", "1",
                                "--threads", THREADS, "-b", f"127.0.0.1:{port}", "--timeout",
                                "120", "--no-control-socket"], env)  # fmt: skip
    services.wait_for_http("gunicorn", f"http://127.0.0.1:{port}/robots.txt", seconds=90)
    return port, env


STACKS = {
    "postgres": (f"gunicorn ×{GUNICORN_WORKERS} + PostgreSQL + Redis", postgres_stack),
    "sqlite": ("gunicorn ×1, 8 threads + SQLite + local memory", single_process_stack),
    "runserver": ("runserver + SQLite + local memory", runserver_stack),
}


def prepare(env, work, *args):
    run.manage(env, work, PYTHON, "manage.py", *args)


def run_stack(services, key, options, work):
    label, start = STACKS[key]
    say(f"{label}: preparing the data and starting the servers…")
    port, env = start(services, work, options.flood_seconds)
    say(f"  {OWN + SHARED + TWINS} posters for {options.duration} s…")
    path = f"/articles/{run.DEMO_SLUG}/"
    posts, duration = run_posters(port, path, options.duration, options.flood_seconds)
    services.stop_all()  # every answer is in: nothing may still be writing
    rows = stored_rows(env, work)
    figures = posting_check.check(label, posts, rows, options.flood_seconds, duration)
    (work / f"{key}-posts.json").write_text(json.dumps([p.__dict__ for p in posts]))
    say(f"  {figures.attempted} posts, {figures.count(302)} accepted, {figures.count(409)} 409, "
        f"{figures.count(429)} 429, {figures.server_errors} 5xx, {figures.stored} stored; "
        f"failures: {figures.failures() or 'none'}")  # fmt: skip
    return figures


def stored_rows(env, work):
    out = work / "rows.json"
    run.manage(env, work, PYTHON, "-m", "benchmarks.django_run", "posting_rows", DOMAIN, out)
    return json.loads(out.read_text())


def drop_database():
    with psycopg.connect(f"{run.SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


# Main -----------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of posting per stack")
    parser.add_argument("--flood-seconds", type=int, default=5, help="COMMENTS_FLOOD_SECONDS")
    parser.add_argument("--stack", choices=sorted(STACKS), action="append")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE}")
    return parser.parse_args()


def say(text):
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def main():
    options = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_at_start, started = machine.load_average(), time.monotonic()
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir()
    results, problems = [], {}
    try:
        for key in options.stack or list(STACKS):
            with Services(WORK_DIR) as services:
                try:
                    results.append(run_stack(services, key, options, WORK_DIR))
                except ServiceError as error:
                    problems[STACKS[key][0]] = str(error)
                    say(f"  {error}")
    finally:
        if not options.keep:
            drop_database()
    text = posting_report.markdown(results, problems, options, load_at_start,
                                   time.monotonic() - started)  # fmt: skip
    if not options.stack:
        RESULTS.write_text(text)
    say(f"\n{text}")
    failed = problems or any(figures.failures() for figures in results)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
