"""A real task worker process (django-tasks-db's db_worker) runs the spam check of a comment."""

import io
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from tests.comments.conftest import comment_data
from tests.factories import ArticleFactory
from tests.fake_akismet import VALID_KEY

ROOT = django_settings.BASE_DIR

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="The worker process must share the test database: run on PostgreSQL.",
)


WORKER = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
          "--no-reload", "--queue-name", "*"]  # fmt: skip


def worker_env(fake_akismet, akismet_timeout=2):
    """The worker's environment: the test database, the fake Akismet, mail kept in memory."""
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "AKISMET_API_KEY": VALID_KEY,
        "AKISMET_API_URL": fake_akismet.url,
        "AKISMET_BLOG_URL": "http://testserver",
        "AKISMET_TIMEOUT": str(akismet_timeout),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def run_worker(fake_akismet):
    """`manage.py db_worker --batch`: do every queued task, then exit (bounded by a timeout)."""
    return subprocess.run(
        WORKER, cwd=ROOT, env=worker_env(fake_akismet), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def wait_for_akismet_call(fake_akismet, worker, within=30):
    """Until the worker has sent its first request to Akismet (it is then mid-task)."""
    deadline = time.monotonic() + within
    while not fake_akismet.requests:
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker never called Akismet"
        time.sleep(0.05)


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


def test_a_check_whose_worker_was_killed_mid_task_is_queued_again_and_applied_once(
    transactional_db, client, settings, fake_akismet
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COMMENTS_HOLD_FIRST_TIME = False
    article = ArticleFactory()
    client.post(f"/comments/post/{article.pk}/", comment_data(article, body="Mid-task."))
    fake_akismet.mode, fake_akismet.delay = "slow", 20
    env = worker_env(fake_akismet, akismet_timeout=60)  # it waits on Akismet until it is killed
    worker = subprocess.Popen(WORKER, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for_akismet_call(fake_akismet, worker)
    finally:
        worker.kill()  # SIGKILL: no clean-up of any kind
        worker.wait(timeout=30)
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
    fake_akismet.mode = "normal"

    settings.COMMENTS_TASK_LEASE_SECONDS = 0  # the worker is known dead: its lease has run out
    call_command("recheck_comments", stdout=io.StringIO())
    second = run_worker(fake_akismet)

    comment = Comment.objects.get()
    task = DBTaskResult.objects.get()
    assert second.returncode == 0, second.stderr
    assert comment.is_approved()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.events.filter(kind="spam_checked").count() == 1
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2  # the dead worker's claim, then the new worker's


def test_a_worker_process_checks_a_commenters_edit_with_its_new_text(
    transactional_db, client, settings, fake_akismet
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COMMENTS_HOLD_FIRST_TIME = False
    article = ArticleFactory()
    client.post(f"/comments/post/{article.pk}/", comment_data(article, body="As first sent."))
    assert run_worker(fake_akismet).returncode == 0
    comment = Comment.objects.get()
    assert comment.is_approved()

    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "As edited."})
    comment.refresh_from_db()
    assert response.status_code == 302
    assert comment.is_awaiting_spam_check()  # off the page until Akismet has seen the new text

    worker = run_worker(fake_akismet)

    comment.refresh_from_db()
    assert worker.returncode == 0, worker.stderr
    recheck = fake_akismet.hits("/1.1/comment-check")[-1]
    assert recheck.form["recheck_reason"] == "edit"
    assert recheck.form["comment_content"] == "As edited."
    assert comment.is_approved()
    assert comment.body == "As edited."
