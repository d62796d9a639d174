"""What the harness asks from inside the app, with a scenario's environment.

``python -m benchmarks.django_run probe SPEC.json OUT.json``. SPEC says what to do:

* ``gets``: ``[{"name", "path"}]``. Each page is requested once to warm the caches, then once
  under ``CaptureQueriesContext`` (queries, SQL time, bytes, status, DOM elements), then
  ``repeat`` more times under cProfile (at most about 3 s), to say where the time goes.
* ``post``: ``{"article": pk}``: the same for comment POSTs (each with a new body).
* ``token``: an article pk: a signed form timestamp for the load generator's POSTs.
* ``posted``: an e-mail domain: how the benchmark's posts ended up (by status), how many
  background tasks are still waiting; then those posts and tasks are deleted (stop the worker
  first: it may be writing to them).

The JSON goes to a file: the console e-mail backend writes to stdout.
"""

import cProfile
import json
import pstats
import random
import time
from collections import Counter
from html.parser import HTMLParser
from itertools import count
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from benchmarks import words
from comments.forms import sign_timestamp
from comments.models import Comment

HOST = "127.0.0.1"
PROBE_EMAIL = "probe@probe.bench.invalid"
_bodies = count()
_rng = random.Random(4)
PROFILE_SECONDS = 3  # per page: a slow page is profiled fewer times

# Where the profiled time goes: the cumulative time of a few entry points, as shares of the
# whole. They overlap: a query run from a template counts in both "templates" and "SQL".
# (label, file, function name or "prefix_", how the matching entries combine)
ENTRY_POINTS = [
    ("templates", "django/template/base.py", "render", max),  # the outermost render
    ("SQL", "django/db/backends/utils.py", "_execute", sum),
    ("Redis", "redis/client.py", "execute_command", sum),
    ("URL reversing", "django/urls/base.py", "reverse", sum),
    ("Markdown and bleach", "articles/markup.py", "render_", sum),
]


def main(spec_path, out_path):
    spec = json.loads(Path(spec_path).read_text())
    result = {"gets": {}, "post": None}
    repeat = spec.get("repeat", 20)
    for page in spec.get("gets", []):
        result["gets"][page["name"]] = measure(lambda p=page: visitor().get(p["path"]), repeat)
    if spec.get("post"):
        article = Article.objects.get(pk=spec["post"]["article"])
        result["post"] = measure(lambda: visitor().post(*comment_post(article)), repeat)
    if spec.get("token"):
        result["token"] = sign_timestamp(Article.objects.get(pk=spec["token"]))
        result["demo_article"] = spec["token"]
    if spec.get("posted"):
        result["posted"] = posted(spec["posted"])
    Path(out_path).write_text(json.dumps(result, indent=2))


_client = None


def visitor():
    """A client without cookies, like wrk's requests (a cookie can make a page uncacheable).

    One client, its cookies cleared each time: a new client builds a new request handler, and
    with it whitenoise's table of every static file, which made that the profile's top entry.
    """
    global _client
    if _client is None:
        _client = Client(HTTP_HOST=HOST)
    _client.cookies.clear()
    return _client


def comment_post(article):
    data = {
        "name": "Probe Reader",
        "email": PROBE_EMAIL,
        "url": "",
        "body": f"Probe {time.time_ns()}-{next(_bodies)}: {words.comment_body(_rng)}",
        "timestamp": sign_timestamp(article, now=time.time() - 3600),
        "parent": "",
        "homepage": "",
    }
    return f"/comments/post/{article.pk}/", data


def measure(request, repeat):
    request()  # warm: fragment caches, the page cache, connections
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = request()
        elapsed = time.perf_counter() - started
    body = response.content
    figures = {
        "status": response.status_code,
        "queries": len(queries.captured_queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
        "ms": round(elapsed * 1000, 1),
        "bytes": len(body),
        "dom_elements": count_elements(body.decode("utf-8", "replace")),
    }
    return {**figures, "profile": profile(request, repeat)}


def profile(request, repeat):
    """Share of the time per kind of code, and the functions that spend most of it themselves."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    done = 0
    while done < repeat and time.perf_counter() - started < PROFILE_SECONDS:
        profiler.runcall(request)
        done += 1
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats
    total = sum(row[2] for row in stats.values()) or 1
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:5]
    return {
        "ms_per_request": round(wall * 1000 / done, 1),
        "shares": shares(stats, total),
        "top": [
            f"{short(filename)}:{function} {round(100 * row[2] / total)}%"
            for (filename, _line, function), row in top
        ],
    }


def shares(stats, total):
    found = {}
    for label, path, name, combine in ENTRY_POINTS:
        times = [
            row[3]
            for (filename, _line, function), row in stats.items()
            if filename.endswith(path) and matches(function, name)
        ]
        if times:
            found[label] = round(100 * combine(times) / total)
    return found


def matches(function, name):
    """A name ending in "_" is a prefix ("render_"); any other must match exactly."""
    return function.startswith(name) if name.endswith("_") else function == name


def short(filename):
    parts = Path(filename).parts
    return "/".join(parts[-2:]) if len(parts) > 1 else filename


class ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = 0

    def handle_starttag(self, tag, attrs):
        self.elements += 1


def count_elements(html):
    """DOM size: the number of elements in the page (self-closing ones included)."""
    parser = ElementCounter()
    parser.feed(html)
    parser.close()
    return parser.elements


def posted(domain):
    """The benchmark's posts by status and the tasks still queued; then remove the posts."""
    posts = Comment.objects.filter(email__endswith=f"@{domain}")
    by_status = Counter(posts.values_list("status", flat=True))
    waiting = DBTaskResult.objects.ready()
    left = waiting.count()
    Comment.objects.filter(email=PROBE_EMAIL).delete()
    posts.delete()
    waiting.delete()  # their comments are gone
    return {"by_status": dict(by_status), "tasks_waiting": left}
