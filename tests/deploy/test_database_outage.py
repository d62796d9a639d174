"""gunicorn with its database refusing, hanging or stalling: readers get a 503 page at once, with
their comment shown back, never a 500, a lost text or a 30-second wait.

The clients give up after CLIENT_TIMEOUT, well under gunicorn's 30 s worker timeout: a request
left hanging fails the test instead of timing it.
"""

import os
import signal
import socket
import sys
from contextlib import contextmanager
from html.parser import HTMLParser

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from gunicorn import version_info as gunicorn_version

from comments.models import Comment, CommentEvent
from tests.comments.conftest import comment_data
from tests.deploy.conftest import ROOT, Server, free_port
from tests.factories import ArticleFactory

CLIENT_TIMEOUT = 15
SECRET_KEY = "database-outage-test-key-not-the-development-one"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The statement timeout is PostgreSQL's: run with DATABASE_URL set to PostgreSQL.",
)


def app_server(tmp_path, database_url, **env):
    """gunicorn in production settings on ``database_url``, with a cache of its own."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false",
           "SECRET_KEY": SECRET_KEY, "CACHE_URL": "locmemcache://outage",
           "SECURE_SSL_REDIRECT": "false", "STATIC_MANIFEST": "false",
           "HTTP_CACHE_PURGE_URLS": "", "AKISMET_API_KEY": "", **env}  # fmt: skip
    args = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-w", "1",
            "-b", f"127.0.0.1:{port}"]  # fmt: skip
    if gunicorn_version >= (25, 1):
        args.append("--no-control-socket")
    return Server(args, port, tmp_path / "gunicorn.log", ready_path="/robots.txt",
                  stop_signal=signal.SIGINT, cwd=ROOT, env=env)  # fmt: skip


@contextmanager
def running(server):
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """The app on a PostgreSQL address where nothing listens: every connection is refused."""
    url = f"postgres://postgres@127.0.0.1:{free_port()}/newsroom"
    with running(app_server(tmp_path_factory.mktemp("refused"), url)) as server:
        yield server


@pytest.fixture
def silent_database():
    """A port that takes connections and never says a word, as a database server that hangs.

    The kernel completes each handshake and queues the connection; nothing ever answers it.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


COMMENT = {
    "name": "Ada Reader",
    "email": "ada@example.net",
    "url": "https://ada.example.net/",
    "body": 'Tides at <b>dawn</b> & "dusk": worth the wait.',
    "parent": "",
    "timestamp": "signed-timestamp-from-the-form",
    "remember": "on",
}


def assert_unavailable_page(response):
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert "set-cookie" not in response.headers
    assert "We can’t reach our database right now" in response.text


def assert_comment_shown_back(response, comment):
    assert "Your comment has not been saved." in response.text
    escaped = "Tides at &lt;b&gt;dawn&lt;/b&gt; &amp; &quot;dusk&quot;: worth the wait."
    assert escaped in response.text
    assert "<b>dawn</b>" not in response.text
    for field in ("name", "email", "url", "timestamp"):
        assert f'name="{field}" value="{comment[field]}"' in response.text
    assert 'name="remember" checked' in response.text


def test_a_comment_posted_while_the_database_refuses_connections_comes_back_in_a_503(refused):
    with refused.client(timeout=CLIENT_TIMEOUT) as client:
        response = client.post("/comments/post/1/", data=COMMENT)

    assert_unavailable_page(response)
    assert_comment_shown_back(response, COMMENT)
    assert 'action="/comments/post/1/"' in response.text


def test_an_article_page_while_the_database_refuses_connections_is_a_503_no_cache_keeps(refused):
    # A malformed CSRF cookie makes Django set a new one: not on a page that says nothing happened.
    with refused.client(timeout=CLIENT_TIMEOUT, cookies={"csrftoken": "x"}) as client:
        article = client.get("/articles/storm-closes-the-harbour/")
        home = client.get("/", headers={"Accept-Encoding": "br"})

    for response in (article, home):
        assert_unavailable_page(response)
        assert "Your comment has not been saved." not in response.text
        assert "<form" not in response.text


def test_a_database_that_accepts_and_never_answers_gives_a_503_within_the_connect_timeout(
    tmp_path, silent_database
):
    url = f"postgres://postgres@127.0.0.1:{silent_database}/newsroom"
    with (
        running(app_server(tmp_path, url, DATABASE_CONNECT_TIMEOUT="2")) as server,
        server.client(timeout=CLIENT_TIMEOUT) as client,
    ):
        response = client.post("/comments/post/1/", data=COMMENT)

    assert_unavailable_page(response)
    assert_comment_shown_back(response, COMMENT)


class FormFields(HTMLParser):
    """The values a browser would send from the page's form."""

    def __init__(self):
        super().__init__()
        self.fields, self.textarea = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value", "on")
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]

    def handle_data(self, data):
        if self.textarea:  # a browser drops the newline that opens a textarea
            self.fields[self.textarea] = data.removeprefix("\n")
            self.textarea = None


def form_fields(html):
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def database_url():
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def table_locked_for_writes(model):
    """Another session holds a lock on ``model``'s table that lets reads through and makes
    every insert wait, as a long migration or a stuck transaction would."""
    with psycopg.connect(database_url()) as other:
        other.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")
        try:
            yield
        finally:
            other.rollback()


@on_postgresql
def test_a_comment_held_up_past_the_statement_timeout_is_a_503_and_nothing_of_it_is_saved(
    transactional_db, tmp_path, settings
):
    settings.SECRET_KEY = SECRET_KEY  # the form's signed timestamp
    article = ArticleFactory(title="Storm closes the harbour")
    data = comment_data(article, body="Boats are tied up at the quay.")
    server = app_server(tmp_path, database_url(), DATABASE_STATEMENT_TIMEOUT="0.5")
    # The comment's row goes in; its audit event waits for the lock until the timeout.
    with running(server), server.client(timeout=CLIENT_TIMEOUT) as client:
        with table_locked_for_writes(CommentEvent):
            response = client.post(f"/comments/post/{article.pk}/", data=data)
        saved_meanwhile = Comment.objects.exists() or CommentEvent.objects.exists()
        resent = client.post(f"/comments/post/{article.pk}/", data=form_fields(response.text))

    assert_unavailable_page(response)
    assert "Boats are tied up at the quay." in response.text
    assert "statement timeout" in (tmp_path / "gunicorn.log").read_text()
    assert not saved_meanwhile
    assert resent.status_code == 302, resent.text
    assert Comment.objects.get().body == "Boats are tied up at the quay."


def test_production_settings_drop_a_database_connection_that_stops_acknowledging(db):
    if connection.vendor != "postgresql":
        pytest.skip("TCP keepalive settings are PostgreSQL's.")
    connection.ensure_connection()
    with socket.socket(fileno=os.dup(connection.connection.pgconn.socket)) as sock:
        user_timeout = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)

    assert user_timeout == round(django_settings.DATABASE_TCP_USER_TIMEOUT * 1000) == 10_000
