import itertools
import time

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, TestCase

from comments import cookies
from comments.forms import sign_timestamp
from comments.models import Comment
from tests.factories import ArticleFactory
from tests.fake_akismet import VALID_KEY, FakeAkismet

_addresses = itertools.count(1)


# Where a comment shows reads its article's thread count. On PostgreSQL a transaction's changes
# to the count wait for its commit, which a test's transaction never reaches: the read settles
# them first, one statement more than a post makes in production, after its commit
# (comments.models.threads.settle_counts).
SETTLING = 1 if connection.vendor == "postgresql" else 0


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    """Akismet off unless a test asks for the fake; tasks inline; first-time hold on."""
    settings.AKISMET_API_KEY = ""
    settings.AKISMET_TEST_MODE = False
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def fake_akismet(settings):
    """The fake Akismet server, running; the site is configured to use it."""
    fake = FakeAkismet().start()
    settings.AKISMET_API_URL = fake.url
    settings.AKISMET_API_KEY = VALID_KEY
    settings.AKISMET_BLOG_URL = "http://testserver"
    settings.AKISMET_TIMEOUT = 0.5
    yield fake
    fake.stop()


@pytest.fixture
def dummy_tasks(settings):
    """A task backend that only queues: nothing runs until the test says so."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    default_task_backend.clear()
    return default_task_backend


@pytest.fixture
def article(db):
    return ArticleFactory(title="Splash pads reopen early", slug="splash-pads")


def comment_data(article, **fields):
    """A valid form submission, posted as a person would: a few seconds after loading."""
    n = next(_addresses)
    data = {
        "name": f"Reader {n}",
        "email": f"reader{n}@example.net",
        "url": "",
        "body": f"A thoughtful remark, number {n}.",
        "parent": "",
        "homepage": "",
        "timestamp": sign_timestamp(article, now=time.time() - 10),
    }
    data.update(fields)
    return data


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Post a comment through the public form; on-commit work (the tasks) runs as in production.

    Each call comes from a new IP address unless ``ip=`` is given, so flood control stays out
    of the way of tests about other things.
    """

    def post_comment(article, ip=None, headers=None, using=None, **fields):
        data = comment_data(article, **fields)
        ip = ip or f"198.51.100.{next(_addresses) % 250 + 1}"
        with django_capture_on_commit_callbacks(execute=True):
            response = (using or client).post(
                f"/comments/post/{article.pk}/", data, REMOTE_ADDR=ip, headers=headers or {}
            )
        response.comment = Comment.objects.order_by("pk").last()
        return response

    post_comment.client = client
    return post_comment


def prove_address(client, email):
    """``client`` is a browser that confirmed ``email`` before: it has the cookie the
    confirmation page sets, so its comments opted in with that address are followed at once."""
    response = HttpResponse()
    cookies.remember_address(RequestFactory().get("/"), response, email)
    client.cookies[cookies.MAIL_COOKIE] = response.cookies[cookies.MAIL_COOKIE].value


def approved_comment(article, **fields):
    """An approved comment, made through the verbs as every caller does."""
    comment = Comment.objects.create(
        article=article,
        **{"name": "Earlier Reader", "email": "earlier@example.net", "body": "Hello.", **fields},
    )
    comment.approve()
    return comment


def held_comment(article, *reasons, **fields):
    """A comment in the queue, held for ``reasons`` (first-time commenter by default).

    Akismet is off for it, unless it is held as awaiting a spam check.
    """
    n = next(_addresses)
    awaiting = "awaiting_spam_check" in reasons
    values = {"name": f"Held {n}", "email": f"held{n}@example.net", "body": f"Held text {n}.",
              "ip": f"203.0.113.{n % 250 + 1}", "akismet": "unchecked" if awaiting else "disabled",
              **fields}  # fmt: skip
    comment = Comment.objects.create(article=article, **values)
    comment.record("submitted", ip=comment.ip)
    comment.hold(*(reasons or ["first_time"]))
    return comment


def checked_comment(fake_akismet, article, verdict="ham", **fields):
    """A comment Akismet has judged (through the fake server), with its stored payload."""
    from comments import spam

    comment = held_comment(article, **fields)
    fake_akismet.verdict = verdict
    result = spam.check(comment)
    fake_akismet.verdict = None
    comment.record_spam_check(result.verdict, result.payload)
    if verdict != "ham":
        comment.mark_spam(blatant=verdict == "discard")
    return comment


def act(client, action, *comments, seen=None, path="/admin/comments/comment/"):
    """Run a queue action by POST, as the changelist's form sends it."""
    data = {"action": action, "_selected_action": [c.pk for c in comments], "index": 0}
    for comment, status in (seen or {}).items():
        data[f"seen-{comment.pk}"] = status
    # On-commit work (the Akismet corrections) runs as it would after a real commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data, follow=True)
