"""Database outages met inside the app, before or outside a view: a 503 page, never a 500.

tests/deploy/test_database_outage.py runs gunicorn on a refused, silent or stalled database;
these reach the paths a fresh server cannot: a page cache already full, a database locked.
"""

import sqlite3
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connection

from articles import caching
from comments.models import Comment
from tests.comments.conftest import comment_data
from tests.deploy.conftest import free_port
from tests.factories import ArticleFactory


@contextmanager
def database_down_for(monkeypatch):
    """Every connection fails meanwhile: a closed port for PostgreSQL, a file that cannot be
    opened for SQLite."""
    connection.close()
    with monkeypatch.context() as patch:
        if connection.vendor == "postgresql":
            patch.setitem(connection.settings_dict, "PORT", free_port())
        else:
            patch.setitem(connection.settings_dict, "NAME", "/nonexistent/newsroom.sqlite3")
        yield
        connection.close()


def test_a_cached_page_that_needs_the_database_to_check_it_is_a_503_while_it_is_down(
    transactional_db, client, monkeypatch
):
    article = ArticleFactory(title="Storm closes the harbour")
    assert client.get(article.get_absolute_url()).status_code == 200  # now in the page cache
    # A scheduled article's time has come: the page cache asks the database what is next.
    cache.set(caching.NEXT_PUBLISH_KEY, time.time() - 1, timeout=None)
    client.raise_request_exception = False  # as in production: Django answers the error

    with database_down_for(monkeypatch):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert "We can’t reach our database right now" in response.text
    assert "Storm closes the harbour" not in response.text


@contextmanager
def sqlite_write_lock(monkeypatch, busy_timeout):
    """Another process's write transaction, held longer than the site waits for it."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", busy_timeout)
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


def test_a_comment_posted_while_sqlite_is_locked_past_its_busy_timeout_comes_back_in_a_503(
    transactional_db, client, monkeypatch
):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock.")
    article = ArticleFactory(title="Storm closes the harbour")
    data = comment_data(article, body="Boats are tied up <at> the quay.")

    client.raise_request_exception = False  # as in production: Django answers the error
    with sqlite_write_lock(monkeypatch, busy_timeout=0.2):
        response = client.post(f"/comments/post/{article.pk}/", data)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Boats are tied up &lt;at&gt; the quay." in response.text
    assert f'name="email" value="{data["email"]}"' in response.text
    assert not Comment.objects.exists()


def test_a_comment_posted_while_the_database_is_down_comes_back_in_a_503_with_its_text(
    transactional_db, client, monkeypatch
):
    """The article and the rules may come from the cache (comments.rules.posting_context), so
    the post gets as far as its first query: it fails there, and nothing it claimed stays."""
    article = ArticleFactory(title="Storm closes the harbour")
    first = client.post(f"/comments/post/{article.pk}/", comment_data(article), REMOTE_ADDR="::9")
    assert first.status_code == 302  # another reader's, from another address
    data = comment_data(article, body="The ferry is cancelled until Friday.")
    client.raise_request_exception = False  # as in production: Django answers the error

    with database_down_for(monkeypatch):
        response = client.post(f"/comments/post/{article.pk}/", data)

    assert response.status_code == 503
    assert "The ferry is cancelled until Friday." in response.text
    assert client.post(f"/comments/post/{article.pk}/", data).status_code == 302  # sent again
    assert Comment.objects.filter(body="The ferry is cancelled until Friday.").count() == 1
