"""A real task worker process (django-tasks-db's db_worker) runs the spam check of a comment."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

from comments.models import Comment
from tests.comments.conftest import comment_data
from tests.factories import ArticleFactory
from tests.fake_akismet import VALID_KEY

ROOT = django_settings.BASE_DIR

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="The worker process must share the test database: run on PostgreSQL.",
)


def run_worker(fake_akismet):
    """`manage.py db_worker --batch`: do every queued task, then exit (bounded by a timeout)."""
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "AKISMET_API_KEY": VALID_KEY,
        "AKISMET_API_URL": fake_akismet.url,
        "AKISMET_BLOG_URL": "http://testserver",
        "AKISMET_TIMEOUT": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
         "--no-reload", "--queue-name", "*"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_worker_process_checks_a_posted_comment_with_akismet(
    transactional_db, client, settings, fake_akismet
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COMMENTS_HOLD_FIRST_TIME = False
    article = ArticleFactory()
    data = comment_data(article, name="akismet-guaranteed-spam", body="Sent to the queue.")

    response = client.post(f"/comments/post/{article.pk}/", data)

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert comment.is_awaiting_spam_check()
    assert fake_akismet.requests == []

    started = time.monotonic()
    worker = run_worker(fake_akismet)

    comment.refresh_from_db()
    assert worker.returncode == 0, worker.stderr
    assert time.monotonic() - started < 60
    assert comment.is_spam()
    assert comment.akismet == Comment.Akismet.SPAM
    [check] = fake_akismet.hits("/1.1/comment-check")
    assert check.form["comment_content"] == "Sent to the queue."
