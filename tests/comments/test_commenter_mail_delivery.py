"""A commenter's e-mail goes out once: under simultaneous workers, and when the worker is
killed mid-send (a real db_worker process, a real SMTP server on loopback)."""

import asyncio
import datetime
import os
import socket
import subprocess
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import notifications
from comments.models import CommenterAddress, CommenterMail
from comments.tasks import requeue_abandoned_tasks, send_commenter_mail, send_due_commenter_mail
from tests.comments.conftest import approved_comment
from tests.comments.test_worker import ROOT, WORKER

pytestmark = pytest.mark.django_db(transaction=True)

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def in_background(work):
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def queued_mail(article, email="one@example.net", key="approved:test"):
    """A queued outbox row to a confirmed commenter, not sent yet (tasks only queue)."""
    address = CommenterAddress.for_email(email)
    address.confirm()
    comment = approved_comment(article, email=email)
    return notifications.send_to_commenter(address, "approved", key, {}, comment)


def test_four_workers_sending_the_same_row_send_one_email(article, settings, dummy_tasks):
    settings.MAILERS = LOCMEM
    row = queued_mail(article)
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait(timeout=10)
        send_commenter_mail.call(row.pk)

    for thread in [in_background(worker) for _ in range(4)]:
        thread.join(timeout=30)

    row.refresh_from_db()
    assert len(mail.outbox) == 1
    assert row.is_sent() and row.attempts == 1


def test_simultaneous_events_with_one_key_make_one_row_and_one_email(article, settings):
    settings.MAILERS = LOCMEM
    address = CommenterAddress.for_email("two@example.net")
    address.confirm()
    comment = approved_comment(article, email="two@example.net")
    barrier = threading.Barrier(4)
    made = []

    def caller():
        barrier.wait(timeout=10)
        made.append(notifications.send_to_commenter(address, "approved", "k:1", {}, comment).pk)

    for thread in [in_background(caller) for _ in range(4)]:
        thread.join(timeout=30)

    assert len(set(made)) == 1 and len(made) == 4
    assert CommenterMail.objects.count() == 1
    assert len(mail.outbox) == 1  # sent by the (inline) task of the one caller that made it


def test_an_unsubscribe_after_queueing_cancels_the_email(article, settings, dummy_tasks):
    settings.MAILERS = LOCMEM
    row = queued_mail(article, email="three@example.net")
    row.address.unsubscribe()

    send_commenter_mail.call(row.pk)
    send_due_commenter_mail()

    row.refresh_from_db()
    assert row.status == CommenterMail.Status.CANCELLED
    assert mail.outbox == []


class StallFirstMessage:
    """An SMTP handler that stalls the first message's DATA (never acknowledging it, as a
    server going away would) and accepts every later one."""

    def __init__(self):
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.accepted = []

    async def handle_DATA(self, server, session, envelope):
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        self.accepted.append(envelope)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = StallFirstMessage()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    handler.release.set()
    controller.stop()


def worker_env(port):
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_TIMEOUT": "60",
        "COMMENTS_MAIL_CLAIM_SECONDS": "2",
        "SITE_URL": "http://testserver",
    }


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="The worker process must share the test database: run on PostgreSQL.",
)
def test_a_worker_killed_mid_send_is_replaced_and_the_email_arrives_once(
    article, settings, smtp_server
):
    controller, handler = smtp_server
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    row = queued_mail(article, email="four@example.net")
    env = worker_env(controller.port)
    worker = subprocess.Popen(WORKER, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        assert handler.stalled.wait(timeout=60), "the worker never sent the message"
    finally:
        worker.kill()  # SIGKILL mid-DATA: no clean-up of any kind
        worker.wait(timeout=30)
    row.refresh_from_db()
    assert row.status == CommenterMail.Status.SENDING
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING
    while timezone.now() <= row.claimed_until + datetime.timedelta(milliseconds=100):
        time.sleep(0.1)  # the dead worker's claim runs out

    assert requeue_abandoned_tasks(lease=0) == 1
    second = subprocess.run(
        [*WORKER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    row.refresh_from_db()
    assert second.returncode == 0, second.stderr
    assert row.is_sent() and row.attempts == 2
    [delivered] = handler.accepted
    assert delivered.rcpt_tos == ["four@example.net"]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in delivered.original_content
    # Nothing is left to send: the sweep and a third worker send nothing more.
    assert send_due_commenter_mail() == 0
    assert (
        subprocess.run(WORKER, cwd=ROOT, env=env, capture_output=True, timeout=60).returncode == 0
    )
    assert len(handler.accepted) == 1


def test_recheck_comments_sends_what_the_queue_never_ran(article, settings, dummy_tasks):
    import io

    from django.core.management import call_command

    settings.MAILERS = LOCMEM
    row = queued_mail(article, email="five@example.net")  # queued; the task never runs

    out = io.StringIO()
    call_command("recheck_comments", stdout=out)
    call_command("recheck_comments", stdout=io.StringIO())

    row.refresh_from_db()
    assert row.is_sent()
    assert [m.to for m in mail.outbox] == [["five@example.net"]]
    assert "1 commenter e-mail(s)" in out.getvalue()
