"""The posting benchmark's results as Markdown: one column per stack, then the machine."""

import platform
import statistics

import django
import redis

from benchmarks import machine

ROWS = [
    ("posts attempted", lambda f: f"{f.attempted:,}"),
    ("posts per second", lambda f: f"{f.attempted / f.duration:.1f}"),
    ("accepted (302)", lambda f: f"{f.count(302):,}"),
    ("refused as duplicates (409)", lambda f: f"{f.count(409):,}"),
    ("refused for flooding (429)", lambda f: f"{f.count(429):,}"),
    ("other 4xx", lambda f: ", ".join(f"{n} × {c}" for c, n in sorted(f.other_4xx.items())) or "0"),
    ("5xx", lambda f: f"{f.server_errors}"),
    ("no HTTP answer", lambda f: f"{f.statuses[0]}"),
    ("rows stored", lambda f: f"{f.stored:,}"),
    ("accepted but not stored", lambda f: f"{len(f.lost)}"),
    ("stored but never accepted", lambda f: f"{len(f.extra)}"),
    ("duplicate rows (same e-mail and text)", lambda f: f"{f.duplicates}"),
    ("flood violations (gap < window)", lambda f: f"{len(f.flood_violations)}"),
    ("smallest gap, one IP / one e-mail", lambda f: f"{_s(f.min_gap['ip'])} / "
                                                     f"{_s(f.min_gap['e-mail'])}"),
    ("median gap beyond the window, IP / e-mail", lambda f: f"{_s(f.slack['ip'])} / "
                                                              f"{_s(f.slack['e-mail'])}"),
    ("refusals no accepted comment explains", lambda f: f"{sum(f.unexplained.values())}"),
    ("accepted per IP, own e-mail (20)", lambda f: _spread(f.per_key.get("own"), f.ceiling)),
    ("accepted per shared e-mail (4 × 5 IPs)", lambda f: _listed(f.per_key.get("shared"),
                                                                 f.ceiling)),
    ("twin rounds (10 identical at once)", lambda f: _rounds(f.rounds)),
    ("latency p50 / p99 / max", lambda f: "{p50} / {p99} / {max} ms".format(**f.latency_ms)
                                           if f.latency_ms else "–"),
    ("verdict", lambda f: _verdict(f)),
]  # fmt: skip


def _verdict(figures):
    def listed(found):
        return ", ".join(f"{n} {name}" for name, n in found.items())

    verdict = f"FAIL: {listed(figures.failures())}" if figures.failures() else "pass"
    return f"{verdict}; {listed(figures.warnings())}" if figures.warnings() else verdict


def _s(seconds):
    return "–" if seconds is None else f"{seconds:.3f} s"


def _spread(counts, ceiling):
    if not counts:
        return "–"
    return (f"{counts[0]}–{statistics.median(counts):g}–{counts[-1]} (min–median–max); "
            f"ceiling {ceiling}")  # fmt: skip


def _listed(counts, ceiling):
    return f"{', '.join(map(str, counts))}; ceiling {ceiling}" if counts else "–"


def _rounds(rounds):
    total = sum(rounds.values())
    parts = [f"{n} with {stored} stored" for stored, n in sorted(rounds.items())]
    return f"{total}: " + ", ".join(parts) if total else "–"


def table(results):
    lines = ["| | " + " | ".join(f.stack for f in results) + " |",
             "|---|" + "---|" * len(results)]  # fmt: skip
    lines += [f"| {label} | " + " | ".join(show(f) for f in results) + " |" for label, show in ROWS]
    return "\n".join(lines)


def describe_machine(load_at_start):
    rows = [
        ("CPU", f"{machine.cpu_model()}, {len(machine.cpus())} cores"),
        ("memory", f"{machine.memory_gib():.1f} GiB"),
        ("system", f"{machine.debian()}, Linux {platform.release()}"),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
        ("PostgreSQL", machine.postgres_version()),
        ("Redis", redis.Redis(host="127.0.0.1").info("server").get("redis_version", "?")),
        ("load generator", "50 Python threads in one process on the same machine as the servers"),
        ("load average (1 min)", f"{load_at_start:.2f} before the benchmark started anything "
                                 f"(near 0 on an idle machine), {machine.load_average():.2f} at "
                                 "the end"),
    ]  # fmt: skip
    return "\n".join(f"- {name}: {value}" for name, value in rows)


def settings_notes(options):
    return "\n".join(f"- {line}" for line in [
        f"{options.duration} s of posting per stack; "
        f"`COMMENTS_FLOOD_SECONDS={options.flood_seconds}` (the default is 15), so one IP or "
        f"e-mail address can get at most "
        f"{options.duration // options.flood_seconds + 1} comments in.",
        "`COMMENTS_MIN_SUBMIT_SECONDS` at its default (3 s): each poster fetches the article page "
        "(possibly from the page cache, so the form's timestamp may be shared) and posting starts "
        "3.5 s after the last poster has its form. A form sends one comment per address, so "
        "after each accepted comment a poster loads the page again with the cookies the site "
        "set, as a browser does, and waits 3.2 s with its new form.",
        "The 40 steady posters start one by one over the first second, the twins after it: "
        "`runserver` listens with a backlog of 10 (Django's `WSGIServer.request_queue_size`), "
        "and a first run that started all 50 in the same millisecond had 49 connections reset "
        "in its first 3 s (none of them stored). Connections reset later, when more than 10 "
        "wait for its busy accepting thread, are counted as requests without an HTTP answer: "
        "reported, not an invariant (a stored one would show as stored but never accepted).",
        "`TRUSTED_PROXY_COUNT=0`: each poster's sockets are bound to its own address, "
        "127.0.0.11 to 127.0.0.60, and the app reads it from REMOTE_ADDR.",
        "Akismet off (no key) in every stack; e-mail to the dummy backend.",
        "gunicorn + PostgreSQL + Redis: 2 sync workers, `DEBUG=false`, a random `SECRET_KEY`, "
        "the Redis cache (database 7, flushed first), `CONN_MAX_AGE=60`, the database task "
        "queue with one `db_worker`: the environment of `make bench`.",
        "gunicorn + SQLite: the same production settings without Redis or the task queue: one "
        "gthread worker with 8 threads (the local-memory cache is per process, so one process "
        "is the embedded default's only correct deployment), a SQLite file in WAL mode with "
        "immediate transactions, tasks run inline.",
        "runserver + SQLite: `manage.py runserver --noreload` (one process, a thread per "
        "request), the same storage, `DEBUG` at its default: `make run`'s environment, except "
        "for the database file's path.",
        "Posters: 20 with an e-mail address of their own, 20 in four groups of five sharing "
        "one, all sending unique texts back to back; 10 twins sending one identical comment "
        "together every flood window + 3 s. A 409 is explained when an accepted twin was sent "
        "before it; a 429 when an accepted comment from its IP or e-mail address was sent before "
        "its answer and answered less than a window before it was sent.",
    ])  # fmt: skip


def details(results):
    """The first few offending rows of each broken invariant, to start an investigation from."""
    lines = []
    for f in results:
        for name, found in (("flood violations (key, gap in s)", f.flood_violations),
                            ("accepted but not stored (pk)", f.lost),
                            ("stored but never accepted (pk)", f.extra)):  # fmt: skip
            if found:
                lines.append(f"- {f.stack}: {name}: {', '.join(map(str, found[:10]))}")
    return "\n".join(lines)


def markdown(results, problems, options, load_at_start, seconds):
    broken = "\n".join(
        [f"- {stack}: did not complete: {error}" for stack, error in problems.items()]
        + ([details(results)] if details(results) else [])
    )
    return (
        "# Posting under load\n\n"
        f"Produced by `make bench-posting` ({seconds / 60:.1f} minutes), {machine.revision()}.\n\n"
        f"## Figures\n\n{table(results) if results else 'No stack completed.'}\n\n"
        + (f"{broken}\n\n" if broken else "")
        + f"## Settings\n\n{settings_notes(options)}\n\n"
        f"## Machine\n\n{describe_machine(load_at_start)}\n"
    )
