"""What the figures were measured on: hardware, versions, and the code's revision."""

import datetime
import os
import platform
import subprocess
from pathlib import Path

import django
import psycopg
import redis

from benchmarks.services import GUNICORN_WORKERS, ROOT

SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def describe(load_at_start):
    rows = [
        ("CPU", f"{cpu_model()}, {len(cpus())} cores"),
        ("memory", f"{memory_gib():.1f} GiB"),
        ("system", f"{debian()}, Linux {platform.release()}"),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
        ("PostgreSQL", postgres_version()),
        ("Redis", redis.Redis(host="127.0.0.1").info("server").get("redis_version", "?")),
        ("Varnish", first_line(["varnishd", "-V"])),
        ("wrk", first_line(["wrk", "--version"])),
        ("app server", f"gunicorn, {GUNICORN_WORKERS} sync workers, on the same machine as "
                       "PostgreSQL, Redis, Varnish and wrk"),
        ("load average (1 min)", f"{load_at_start:.2f} before the benchmark started anything "
                                 f"(near 0 on an idle machine), {load_average():.2f} at the end"),
    ]  # fmt: skip
    return "\n".join(f"- {name}: {value}" for name, value in rows)


def load_average():
    return os.getloadavg()[0]


def revision():
    sha = git("rev-parse", "--short", "HEAD")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    dirty = (
        " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    )
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"commit {sha} on {branch}{dirty}, {when}"


def git(*args):
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def cpus():
    text = Path("/proc/cpuinfo").read_text()
    return [line for line in text.splitlines() if line.startswith("processor")]


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def memory_gib():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def debian():
    path = Path("/etc/debian_version")
    return f"Debian {path.read_text().strip()}" if path.exists() else platform.platform()


def postgres_version():
    with psycopg.connect(SERVER_URL) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def first_line(args):
    done = subprocess.run(args, capture_output=True, text=True)
    return ((done.stdout or done.stderr).strip().splitlines() or ["?"])[0]
