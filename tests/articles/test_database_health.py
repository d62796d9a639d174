"""The PostgreSQL backend's health check (newsroom.db.postgresql): a kept connection is checked
at the start of each request from its socket, and asked ``SELECT 1`` only when the server has
said something (or the connection is not idle)."""

import select
import time

import pytest
from django.db import connection
from django.db.utils import load_backend

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")


@pytest.fixture
def kept():
    """A connection of its own to the test database, kept between requests as in production."""
    backend = load_backend(connection.settings_dict["ENGINE"])
    wrapper = backend.DatabaseWrapper({**connection.settings_dict, "CONN_MAX_AGE": 600})
    yield wrapper
    wrapper.close()


def run(wrapper, sql):
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def last_statement(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def next_request(wrapper):
    """What Django does for a kept connection when a request starts (request_started)."""
    wrapper.close_if_unusable_or_obsolete()


def test_a_live_connection_is_kept_without_a_statement_sent_for_it(db, kept):
    pid = run(kept, "SELECT pg_backend_pid()")
    run(kept, "SELECT 'the last statement before the request'")
    next_request(kept)
    assert kept.is_usable()
    assert run(kept, "SELECT pg_backend_pid()") == pid  # the same session, checked and kept
    run(kept, "SELECT 'the last statement before the request'")
    next_request(kept)
    kept.close_if_health_check_failed()
    assert last_statement(pid) == "SELECT 'the last statement before the request'"


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(db, kept):
    pid = run(kept, "SELECT pg_backend_pid()")
    assert run(connection, f"SELECT pg_terminate_backend({pid})")
    # The server's goodbye (its FATAL message, then the end of the stream) reaches the socket.
    socket = kept.connection.fileno()
    deadline = time.monotonic() + 10
    while not select.select([socket], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass
    assert not kept.is_usable()
    next_request(kept)
    assert run(kept, "SELECT 1 + 1") == 2  # no error: a new session took its place
    assert run(kept, "SELECT pg_backend_pid()") != pid


def test_a_connection_inside_a_transaction_is_asked(db, kept):
    """Not idle: the socket alone cannot tell, so the server is asked, as Django asks it."""
    pid = run(kept, "SELECT pg_backend_pid()")
    kept.set_autocommit(False)
    run(kept, "SELECT 'inside a transaction'")
    assert kept.is_usable()
    assert last_statement(pid) == "SELECT 1"
    kept.rollback()
    kept.set_autocommit(True)


def test_a_connection_with_something_to_read_is_asked_and_kept_when_it_answers(db, kept):
    """A notification waiting on the socket is not the end of the session: SELECT 1 decides."""
    pid = run(kept, "SELECT pg_backend_pid()")
    with kept.cursor() as cursor:
        cursor.execute("LISTEN newsroom_health")
    backend = load_backend(connection.settings_dict["ENGINE"])
    other = backend.DatabaseWrapper(connection.settings_dict)
    try:
        with other.cursor() as cursor:
            cursor.execute("NOTIFY newsroom_health")  # autocommit: delivered at once
    finally:
        other.close()
    socket = kept.connection.fileno()
    deadline = time.monotonic() + 10
    while not select.select([socket], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass

    next_request(kept)
    kept.close_if_health_check_failed()

    assert last_statement(pid) == "SELECT 1"
    assert run(kept, "SELECT pg_backend_pid()") == pid  # kept
