"""A mail server that accepts and never answers delays one e-mail, and blocks nothing else.

The SMTP "server" here is a real socket on 127.0.0.1 that accepts connections and says
nothing, the way a wedged mail relay behaves; Django's SMTP mailer talks to it with a timeout.
"""

import datetime
import socket
import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.utils import timezone

from articles.roles import MODERATOR
from comments.models import Comment
from comments.tasks import notify_moderators, release_stale_notification_claims
from tests.comments.conftest import approved_comment, held_comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def silent_smtp():
    """A listening socket that accepts and never replies; closed after the test."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def moderator_inbox(db):
    user = UserFactory(username="desk", email="desk@news.example")
    user.groups.add(Group.objects.get(name=MODERATOR))


def smtp_at(port, timeout):
    backend = "django.core.mail.backends.smtp.EmailBackend"
    options = {"host": "127.0.0.1", "port": port, "timeout": timeout}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


def in_background(work):
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_hanging_mail_server_blocks_neither_the_article_nor_its_moderation(
    article, moderator_inbox, silent_smtp, settings
):
    settings.MAILERS = smtp_at(silent_smtp, timeout=3)
    held = held_comment(article, akismet="disabled")
    other = approved_comment(article, body="Another reader's comment.")
    sending = in_background(lambda: notify_moderators.call(held.pk))

    other.remove()  # a moderator's decision on the same article
    article.unpublish()  # an editor's change to the article itself

    assert sending.is_alive()  # both went through while the e-mail was still stuck
    sending.join(timeout=30)
    held.refresh_from_db()
    assert held.is_pending()
    assert held.notified_at is None  # given back, to be tried again
    assert held.events.filter(kind="notify_failed").exists()


def test_two_workers_sending_the_same_notice_send_one_email(article, moderator_inbox, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    held = held_comment(article, akismet="disabled")
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait(timeout=10)
        notify_moderators.call(held.pk)

    workers = [in_background(worker) for _ in range(4)]
    for thread in workers:
        thread.join(timeout=30)

    assert len(mail.outbox) == 1
    assert Comment.objects.get(pk=held.pk).events.filter(kind="notified").count() == 1


def test_a_claim_left_by_a_worker_that_died_is_given_back_and_the_email_sent(
    article, moderator_inbox, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    held = held_comment(article, akismet="disabled")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Comment.objects.filter(pk=held.pk).update(notified_at=long_ago)  # claimed, never sent

    assert release_stale_notification_claims() == 1
    notify_moderators.call(held.pk)

    assert len(mail.outbox) == 1
    assert release_stale_notification_claims() == 0
