"""``make bench``: build the data on PostgreSQL, start the production stack, load it with wrk.

Writes benchmarks/results.md and prints the same tables. Every process it starts is stopped at
the end, also on failure or Ctrl-C. Options: ``--duration SECONDS`` per wrk run (default 10),
``--no-queue`` to skip the 1,000,000-comment queue benchmark.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from benchmarks import load, machine, moderation, report
from benchmarks.services import PYTHON, ROOT, ServiceError, Services, free_port
from tests import fake_akismet

DATABASE = "newsroom_bench"
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own: it is flushed between runs
DEMO_SLUG = "heat-resilience-plan-cooler-blocks"
SEARCH_QUERY = "library"
POSTERS_DOMAIN = "posters.bench.invalid"
AKISMET_DELAY = "0.1"
CONNECTIONS = [8, 32]
WORK_DIR = Path("/tmp/newsroom-bench")  # logs and files of the last run; emptied at the start
RESULTS = ROOT / "benchmarks" / "results.md"
POST_SCRIPT = ROOT / "benchmarks" / "post.lua"


@dataclass
class Scenario:
    label: str
    path: str
    connections: list = field(default_factory=lambda: CONNECTIONS)
    via_varnish: bool = False
    loads: dict = field(default_factory=dict)  # connections -> load.Load
    probe: dict | None = None
    bytes: int = 0
    gzip_bytes: int = 0
    problem: str = ""
    explain: str = ""


@dataclass
class Group:
    """Scenarios that share one server environment (gunicorn restarts between groups)."""

    name: str
    env: dict
    keys: list
    akismet: bool = False
    worker: bool = False


def scenarios():
    return {
        "minimal": Scenario("minimal endpoint (/robots.txt)", "/robots.txt"),
        "article_cached": Scenario("article, page cache on", f"/articles/{DEMO_SLUG}/"),
        "varnish": Scenario("article through Varnish", f"/articles/{DEMO_SLUG}/", via_varnish=True),
        "home_cached": Scenario("home, page cache on", "/"),
        "search": Scenario(
            f"search “{SEARCH_QUERY}”, 10,000 articles",
            f"/search/?q={SEARCH_QUERY}",
            [1, *CONNECTIONS],
        ),
        "article_warm": Scenario(
            "article, page cache off, fragments warm", f"/articles/{DEMO_SLUG}/"
        ),
        "home_warm": Scenario("home, page cache off", "/"),
        "article_cold": Scenario("article, cold (no cache at all)", f"/articles/{DEMO_SLUG}/"),
        # c=1 too: one poster's own wait, with nobody queued ahead (at c=8 on two workers the
        # p50 is mostly the queue: about 8 / the rate).
        "post_off": Scenario(
            "comment POST, Akismet off", "/comments/post/{pk}/", [1, *CONNECTIONS]
        ),
        "post_slow": Scenario(
            "comment POST, Akismet answering in 100 ms", "/comments/post/{pk}/", [1, *CONNECTIONS]
        ),
    }


POSTING = {"COMMENTS_FLOOD_SECONDS": "0", "COMMENTS_MIN_SUBMIT_SECONDS": "0",
           "TRUSTED_PROXY_COUNT": "1", "COMMENTS_HOLD_FIRST_TIME": "false"}  # fmt: skip
GROUPS = [
    Group("page cache on", {}, ["minimal", "article_cached", "varnish", "home_cached", "search"]),
    Group("page cache off", {"PAGE_CACHE_SECONDS": "0"}, ["article_warm", "home_warm"]),
    Group("cold", {"CACHE_URL": "dummycache://", "REDIS_URL": None}, ["article_cold"]),
    Group("posting", POSTING, ["post_off"], worker=True),
    Group("posting, slow Akismet", POSTING, ["post_slow"], akismet=True, worker=True),
]


@dataclass
class Run:
    duration: int
    work: Path
    scenarios: dict = field(default_factory=scenarios)
    connections: list = field(default_factory=lambda: CONNECTIONS)
    queue: dict = field(default_factory=lambda: {"status": "skipped (--no-queue)"})
    notes: list = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    load_at_start: float = field(default_factory=machine.load_average)
    seconds: float = 0.0
    demo_pk: int | None = None
    token: str = ""


def main():
    options = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check_tools()
    work = WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o755)  # readable by Varnish's child process, which runs as its own user
    run = Run(options.duration, work)
    say(f"Benchmark work files and logs: {work}")
    with Services(work) as services:
        base = base_env(work)
        build(base, work)
        for group in GROUPS:
            run_group(run, services, group, base)
        if options.queue:
            run.queue = moderation.run(base, work, say)
    run.seconds = time.monotonic() - run.started
    write_results(run)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--no-queue", dest="queue", action="store_false")
    return parser.parse_args()


def say(text):
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def check_tools():
    missing = [tool for tool in ("wrk", "varnishd") if not shutil.which(tool)]
    if missing:
        sys.exit(f"Missing {', '.join(missing)}: `make bench` installs them from Debian packages.")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
        psycopg.connect(f"{SERVER_URL}/postgres", connect_timeout=5).close()
    except (redis.RedisError, psycopg.Error) as error:
        sys.exit(f"PostgreSQL (127.0.0.1:5432, user postgres) and Redis are needed: {error}")


def base_env(work):
    """Production settings, as environment values, for every process of the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
        CACHE_URL=REDIS_URL,
        REDIS_URL=REDIS_URL,
        DEBUG="false",
        SECRET_KEY=f"benchmark-only-{secrets.token_urlsafe(32)}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; TLS ends at a proxy in production
        CONN_MAX_AGE="60",
        TASK_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        STATIC_ROOT=str(work / "static"),
        MEDIA_ROOT=str(work / "media"),
        AKISMET_API_KEY="",
        LOG_LEVEL="WARNING",
    )
    return env


def scenario_env(base, group, port):
    env = {**base, "SITE_URL": f"http://127.0.0.1:{port}"}
    for name, value in group.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def reset_database(name):
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, work, *args, timeout=600):
    """Run a step; its output goes to setup.log, and a failure stops the run with its tail."""
    with open(work / "setup.log", "ab") as log:
        done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, timeout=timeout)  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join((work / "setup.log").read_text().splitlines()[-30:])
        raise ServiceError(f"{' '.join(map(str, args[1:]))} failed:\n{tail}")


def build(env, work):
    started = time.monotonic()
    say(f"Building the data in the PostgreSQL database {DATABASE} (about a minute)…")
    reset_database(DATABASE)
    manage(env, work, PYTHON, "manage.py", "migrate", "--noinput")
    manage(env, work, PYTHON, "manage.py", "seed", "--force")
    manage(env, work, PYTHON, "manage.py", "seed_comments")
    manage(env, work, PYTHON, "-m", "benchmarks.django_run", "data")
    manage(env, work, PYTHON, "manage.py", "collectstatic", "--noinput")
    say(f"  data ready in {time.monotonic() - started:.0f} s")


def run_group(run, services, group, base):
    port = free_port()
    env = scenario_env(base, group, port)
    redis.Redis.from_url(REDIS_URL).flushdb()
    say(f"Scenario group: {group.name}")
    try:
        if group.akismet:
            env.update(AKISMET_API_URL=services.fake_akismet(env, AKISMET_DELAY),
                       AKISMET_API_KEY=fake_akismet.VALID_KEY)  # fmt: skip
        if group.worker:
            services.worker(env)
        if run.token == "":
            mint_token(run, env)
        for key in group.keys:
            measure(run, services, key, env, port)
        probe_group(run, group, env)
        if group.worker:
            posted(services, env, run.work)  # the probe's own posts
    except ServiceError as error:
        for key in group.keys:
            run.scenarios[key].problem = str(error).splitlines()[0]
        say(f"  {error}")
    finally:
        for name in ("worker", "gunicorn", "fake-akismet", "varnish"):
            if name in services.running:
                services.stop(name)


def fresh_app(services, env, port):
    """(Re)start gunicorn, so no request left from the previous wrk run is still being served."""
    if "gunicorn" in services.running:
        services.stop("gunicorn")
    services.gunicorn(env, port)


def measure(run, services, key, env, port):
    scenario = run.scenarios[key]
    fresh_app(services, env, port)
    url = f"http://127.0.0.1:{port}{scenario.path.format(pk=run.demo_pk)}"
    if scenario.via_varnish:
        varnish = start_varnish(run, services, port)
        url = url.replace(f":{port}/", f":{varnish}/")
    if key.startswith("post"):
        measure_posts(run, services, scenario, env, url, port)
        return
    status, _headers, body = load.fetch(url)
    _status, _headers, zipped = load.fetch(url, {"Accept-Encoding": "gzip"})
    scenario.bytes, scenario.gzip_bytes = len(body), len(zipped)
    if status != 200:
        scenario.problem = f"HTTP {status}"
        run.notes.append(f"{scenario.label}: the page answered HTTP {status}, not 200.")
    for connections in scenario.connections:
        fresh_app(services, env, port)
        load.warm_up(url)
        result = load.run_wrk(scenario.label, url, connections, run.duration)
        scenario.loads[connections] = result
        say(f"  {scenario.label}, c={connections}: {result.requests_per_s:,.0f} req/s, "
            f"p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, {result.errors} errors")  # fmt: skip
    if scenario.via_varnish:
        scenario.explain = varnish_summary(run, load.fetch(url.replace(str(varnish), str(port)))[1])
        services.stop("varnish")


def measure_posts(run, services, scenario, env, url, port):
    wrk_env = {**os.environ, "BENCH_TOKEN": run.token, "BENCH_ORIGIN": f"http://127.0.0.1:{port}",
               "BENCH_CSRF": secrets.token_hex(16), "BENCH_DOMAIN": POSTERS_DOMAIN}  # fmt: skip
    for connections in scenario.connections:
        wrk_env["BENCH_RUN"] = f"{int(time.time())}c{connections}"
        fresh_app(services, env, port)
        warm_up = {**wrk_env, "BENCH_RUN": f"{wrk_env['BENCH_RUN']}w", "BENCH_NET": next_net()}
        load.warm_up_posts(url, POST_SCRIPT, warm_up)
        wrk_env["BENCH_NET"] = next_net()  # addresses no earlier run used (one post per form each)
        result = load.run_wrk(scenario.label, url, connections, run.duration, POST_SCRIPT, wrk_env)
        outcome = posted(services, env, run.work)
        result.notes.append(f"posts by status {outcome.get('by_status')}, "
                            f"{outcome.get('tasks_waiting')} tasks still queued")  # fmt: skip
        scenario.loads[connections] = result
        say(f"  {scenario.label}, c={connections}: {result.requests_per_s:,.0f} posts/s, "
            f"p50 {result.p50_ms} ms, p99 {result.p99_ms} ms, {result.errors} errors; "
            f"{'; '.join(result.notes)}")  # fmt: skip


_nets = iter(range(1, 0xFFFF))


def next_net():
    """A block of client addresses of its own for the next wrk run of posts."""
    return str(next(_nets))


def posted(services, env, work):
    """How the posts ended up and the tasks left, then a clean slate (the worker paused)."""
    if "worker" in services.running:
        services.stop("worker")
    outcome = probe(env, work, {"posted": POSTERS_DOMAIN}).get("posted", {})
    services.worker(env)
    return outcome


def start_varnish(run, services, app_port):
    """Varnish in front of gunicorn, with the project's VCL, on a port of its own."""
    source = ROOT / "deploy" / "varnish.vcl"
    vcl = re.sub(r'(\.port\s*=\s*")\d+(")', rf"\g<1>{app_port}\g<2>", source.read_text())
    (run.work / "varnish.vcl").write_text(vcl)
    port = free_port()
    services.varnish(run.work / "varnish.vcl", port, run.work / "varnish")
    return port


def varnish_summary(run, app_headers):
    """Varnish's hit and miss counters, and the app's headers that decide whether it caches."""
    fields = ["MAIN.cache_hit", "MAIN.cache_miss", "MAIN.cache_hitpass", "MAIN.cache_hitmiss",
              "MAIN.s_pass"]  # fmt: skip
    args = ["varnishstat", "-n", str(run.work / "varnish"), "-1"]
    for name in fields:
        args += ["-f", name]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    counts = {row.split()[0].split(".")[1]: row.split()[1] for row in done.stdout.splitlines()}
    decisive = ["Cache-Control", "Vary", "Expires", "Age"]
    shown = [f"{name}: {app_headers[name]}" for name in decisive if name in app_headers]
    cookies = [value.split("=")[0] for name, value in app_headers.items() if name == "Set-Cookie"]
    shown.append(f"Set-Cookie: {', '.join(cookies) or 'none'}")
    return (
        "Varnish counters: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ". The app's response headers: "
        + "; ".join(shown)
        + "."
    )


def mint_token(run, env):
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        row = connection.execute(
            "SELECT id FROM articles_article WHERE slug = %s", [DEMO_SLUG]
        ).fetchone()
    run.demo_pk = row[0]
    run.token = probe(env, run.work, {"token": run.demo_pk})["token"]


def probe(env, work, spec):
    spec_file, out_file = work / "probe-spec.json", work / "probe-out.json"
    spec_file.write_text(json.dumps(spec))
    manage(env, work, PYTHON, "-m", "benchmarks.django_run", "probe", spec_file, out_file)
    return json.loads(out_file.read_text())


def probe_group(run, group, env):
    """Queries, bytes, DOM size and a profile of one request per page, in this environment."""
    gets = [{"name": key, "path": run.scenarios[key].path} for key in group.keys
            if not key.startswith("post") and not run.scenarios[key].via_varnish]  # fmt: skip
    posts = [key for key in group.keys if key.startswith("post")]
    spec = {"gets": gets, "post": {"article": run.demo_pk} if posts else None}
    found = probe(env, run.work, spec)
    for key in gets:
        run.scenarios[key["name"]].probe = found["gets"][key["name"]]
    for key in posts:
        run.scenarios[key].probe = found["post"]


def write_results(run):
    found = report.checks(run)
    tables = (
        f"## Load (wrk, {run.duration} s per run)\n\n{report.load_table(run)}\n\n"
        f"## Targets\n\n{report.targets_table(found)}\n"
    )
    text = (
        "# Benchmark results\n\n"
        f"Produced by `make bench` ({run.seconds / 60:.1f} minutes), {machine.revision()}.\n\n"
        f"## Machine\n\n{machine.describe(run.load_at_start)}\n\n{tables}\n"
        f"## Where the time goes\n\n{report.explanations(found)}\n\n"
        f"## Queue at 1,000,000 comments\n\n{moderation.markdown(run.queue)}\n\n"
        f"## Notes\n\n{notes(run)}\n"
    )
    RESULTS.write_text(text)
    say(f"\n{tables}\nWritten to {RESULTS.relative_to(ROOT)}.")


def notes(run):
    lines = [*run.notes]
    for scenario in run.scenarios.values():
        for connections, result in sorted(scenario.loads.items()):
            lines += [f"{scenario.label}, c={connections}: {note}" for note in result.notes]
    return "\n".join(f"- {line}" for line in dict.fromkeys(lines)) or "None."


if __name__ == "__main__":
    main()
