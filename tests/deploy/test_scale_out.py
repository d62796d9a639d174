"""Two gunicorn app servers sharing one database and one Redis: a change made through one shows
on the other at once, because both page caches are named by the same generations in Redis."""

import os
import signal
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from gunicorn import version_info as gunicorn_version

from articles.models import Article
from tests.comments.conftest import held_comment
from tests.deploy.conftest import PASSWORD, ROOT, Server, approve, force_log_in, free_port
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    or not django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"),
    reason="The app servers must share the test database and cache: run on PostgreSQL with "
    "REDIS_URL set.",
)


# Production refuses the development key; the test process signs sessions with this one too.
SECRET_KEY = "scale-out-test-key-not-the-development-one"


def database_url():
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def gunicorn(tmp_path, name):
    """One app server on the test database; the cache settings come from the environment,
    so it shares this test's Redis."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "false",
           "SECRET_KEY": SECRET_KEY,
           "SECURE_SSL_REDIRECT": "false", "STATIC_MANIFEST": "false",
           "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
           "HTTP_CACHE_PURGE_URLS": "", "AKISMET_API_KEY": ""}  # fmt: skip
    args = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-w", "1",
            "-b", f"127.0.0.1:{port}"]  # fmt: skip
    if gunicorn_version >= (25, 1):
        # Otherwise every gunicorn on the machine shares one ~/.gunicorn/gunicorn.ctl.
        args.append("--no-control-socket")
    log_path = tmp_path / f"gunicorn-{name}.log"
    # SIGINT: gunicorn's quick shutdown.
    return Server(args, port, log_path, ready_path="/robots.txt", stop_signal=signal.SIGINT,
                  cwd=ROOT, env=env)  # fmt: skip


@pytest.fixture
def app_servers(transactional_db, tmp_path, settings):
    settings.SECRET_KEY = SECRET_KEY
    servers = []
    try:
        servers = [gunicorn(tmp_path, "a"), gunicorn(tmp_path, "b")]
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_a_comment_approved_through_one_app_server_shows_through_the_other(app_servers, moderator):
    article = ArticleFactory(title="Storm closes the harbour")
    comment = held_comment(article, body="Boats are tied up at the quay.")
    url = article.get_absolute_url()
    readers = [server.client() for server in app_servers]
    first = [reader.get(url) for reader in readers]
    # A change the app is not told about: only a page kept in the cache still has the old title.
    Article.objects.filter(pk=article.pk).update(title="Quietly retitled")
    second = [reader.get(url) for reader in readers]

    with app_servers[0].client() as staff:
        force_log_in(staff, moderator)
        approve(staff, comment)
    after = [reader.get(url) for reader in readers]
    for reader in readers:
        reader.close()

    assert [r.status_code for r in first + second + after] == [200] * 6
    assert [r.headers["ETag"] for r in second] == [r.headers["ETag"] for r in first]
    assert all("Storm closes the harbour" in r.text for r in second)
    assert all("Boats are tied up at the quay." not in r.text for r in second)
    assert all("Boats are tied up at the quay." in r.text for r in after)
    assert all("Quietly retitled" in r.text for r in after)


def post_log_in(client, username, password):
    client.get("/admin/login/")
    return client.post(
        "/admin/login/?next=/admin/",
        data={"username": username, "password": password, "next": "/admin/",
              "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )  # fmt: skip


def test_failed_log_ins_through_one_app_server_lock_the_account_on_the_other(app_servers):
    user = UserFactory(username="sam", is_staff=True)
    # The app servers check passwords with the production hasher, not the tests' fast one.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "scaleoutsalt")
    user.save(update_fields=["password"])
    # Each log-in checks a production-strength hash: seconds on a busy machine.
    first, second = (server.client(timeout=60) for server in app_servers)

    before = post_log_in(second, "sam", PASSWORD)
    second.cookies.clear()
    failures = [post_log_in(first, "sam", "wrong").status_code
                for _ in range(django_settings.AXES_FAILURE_LIMIT)]  # fmt: skip
    after = post_log_in(second, "sam", PASSWORD)
    first.close()
    second.close()

    assert before.status_code == 302
    assert failures[:-1] == [200] * (len(failures) - 1) and failures[-1] == 429
    assert after.status_code == 429
    assert "Too many failed log-ins for this account from your address." in after.text
