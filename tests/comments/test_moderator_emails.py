"""Moderators' e-mails go to the comment's section's moderators, then the site's, then the
managers; a moderator may ask for a digest instead: at most one e-mail per window, sent once
however many workers try at the same moment."""

import datetime
import io
import os
import socket
import subprocess
import sys
import threading

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.roles import MODERATOR
from comments.models import Comment, ModeratorProfile
from comments.tasks import notify_moderators, send_digest, send_due_digests
from tests.comments.conftest import held_comment
from tests.factories import ArticleFactory, SectionFactory, UserFactory

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
FAILING = {"default": {"BACKEND": "tests.comments.failing_mail.FailingBackend"}}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.MAILERS = LOCMEM
    settings.MANAGERS = ["managers@news.example"]


@pytest.fixture
def courts(db):
    return SectionFactory(name="Courts", slug="courts")


@pytest.fixture
def trials(courts):
    return SectionFactory(name="Trials", slug="trials", parent=courts)


@pytest.fixture
def culture(db):
    return SectionFactory(name="Culture", slug="culture")


def moderator(username, *sections, digest=0, active=True):
    user = UserFactory(username=username, email=f"{username}@news.example", is_active=active)
    user.groups.add(Group.objects.get(name=MODERATOR))
    profile = ModeratorProfile.objects.create(user=user, digest_minutes=digest)
    profile.sections.set(sections)
    return user


def held_in(section, **fields):
    return held_comment(ArticleFactory(section=section), **fields)


def told(comment):
    """The addresses e-mailed about ``comment`` one by one (digests aside)."""
    notify_moderators.call(comment.pk)
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
def test_a_comment_goes_to_its_sections_moderators_only(courts, culture):
    moderator("cora", courts)
    moderator("cal", culture)
    moderator("sita")
    assert told(held_in(courts)) == ["cora@news.example"]


@pytest.mark.django_db
def test_a_subsections_comment_goes_to_the_parent_sections_moderators(courts, trials):
    moderator("cora", courts)
    moderator("sita")
    assert told(held_in(trials)) == ["cora@news.example"]


@pytest.mark.django_db
def test_a_section_without_moderators_of_its_own_goes_to_the_site_wide_ones(courts, culture):
    moderator("cora", courts)
    moderator("sita")
    UserFactory(username="plain", email="plain@news.example")  # not a moderator
    assert told(held_in(culture)) == ["sita@news.example"]


@pytest.mark.django_db
def test_moderators_without_a_profile_are_site_wide(culture):
    user = UserFactory(username="old", email="old@news.example")
    user.groups.add(Group.objects.get(name=MODERATOR))
    assert told(held_in(culture)) == ["old@news.example"]


@pytest.mark.django_db
def test_inactive_or_address_less_moderators_leave_it_to_the_managers(courts):
    moderator("gone", courts, active=False)
    nameless = moderator("nameless", courts)
    nameless.email = ""
    nameless.save()
    assert told(held_in(courts)) == ["managers@news.example"]


# Digests.


@pytest.mark.django_db
def test_a_digesting_moderator_gets_one_email_per_window_listing_what_came_in(courts):
    moderator("cora", courts, digest=30)
    moderator("sita")  # not e-mailed: courts has a moderator of its own
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = held_in(courts, body="The first held words.")
        notify_moderators.call(first.pk)
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        second = held_in(courts, body="The second held words.")
        notify_moderators.call(second.pk)
        third = held_in(courts, body="The third held words.")
        notify_moderators.call(third.pk)
        send_due_digests()  # the window is still running

    assert len(mail.outbox) == 1
    [digest] = mail.outbox
    assert digest.to == ["cora@news.example"]
    assert "The first held words." in digest.body and "second" not in digest.body
    [event] = Comment.objects.get(pk=first.pk).events.filter(kind="notified")
    assert event.data == {"recipients": 0, "digests": 1}

    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        call_command("recheck_comments", stdout=io.StringIO())

    assert len(mail.outbox) == 2
    later = mail.outbox[1]
    assert "The second held words." in later.body and "The third held words." in later.body
    assert "The first held words." not in later.body
    assert "2 comments held for review" in later.subject
    assert "3 comments are waiting for you in all" in later.body


@pytest.mark.django_db
def test_no_digest_goes_out_when_nothing_new_came_in(courts):
    user = moderator("cora", courts, digest=5)
    comment = held_in(courts)
    notify_moderators.call(comment.pk)
    assert len(mail.outbox) == 1

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        assert send_digest.call(user.moderator_profile.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_digest_lists_only_what_is_still_waiting(courts):
    user = moderator("cora", courts, digest=5)
    decided = held_in(courts, body="Already decided.")
    ModeratorProfile.objects.filter(user=user).update(next_digest_at=timezone.now())
    Comment.objects.filter(pk=decided.pk).update(notified_at=timezone.now())
    decided.approve()
    waiting = held_in(courts, body="Still waiting.")
    Comment.objects.filter(pk=waiting.pk).update(notified_at=timezone.now())

    assert send_digest.call(user.moderator_profile.pk) is True
    assert "Still waiting." in mail.outbox[0].body
    assert "Already decided." not in mail.outbox[0].body


@pytest.mark.django_db
def test_a_site_wide_digest_leaves_out_sections_with_moderators_of_their_own(courts, culture):
    moderator("cora", courts)
    sita = moderator("sita", digest=5)
    for section, body in ((courts, "Courts words."), (culture, "Culture words.")):
        notify_moderators.call(held_in(section, body=body).pk)

    digests = [m for m in mail.outbox if m.to == [sita.email]]
    assert len(digests) == 1
    assert "Culture words." in digests[0].body and "Courts words." not in digests[0].body


@pytest.mark.django_db
def test_a_failed_digest_gives_its_window_back_and_goes_out_later(courts, settings):
    user = moderator("cora", courts, digest=5)
    comment = held_in(courts)
    settings.MAILERS = FAILING
    notify_moderators.call(comment.pk)
    profile = ModeratorProfile.objects.get(user=user)
    assert (profile.digest_sent_at, profile.next_digest_at) == (None, None)

    settings.MAILERS = LOCMEM
    assert send_due_digests() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_workers_send_one_digest_per_window(courts):
    user = moderator("cora", courts, digest=15)
    comment = held_in(courts)
    Comment.objects.filter(pk=comment.pk).update(notified_at=timezone.now())
    barrier = threading.Barrier(8)
    results = []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(send_digest.call(user.moderator_profile.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [False] * 7 + [True]
    assert len(mail.outbox) == 1


class Inbox:
    """An aiosmtpd handler keeping what it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on loopback (aiosmtpd), in a thread of its own."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="The worker processes must share the test database: run on PostgreSQL.",
)
def test_three_worker_processes_given_six_digest_tasks_send_one_email(
    transactional_db, settings, smtp_inbox, courts
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = moderator("cora", courts, digest=15)
    comment = held_in(courts, body="Waiting for the courts desk.")
    Comment.objects.filter(pk=comment.pk).update(notified_at=timezone.now())
    for _n in range(6):
        send_digest.enqueue(user.moderator_profile.pk)
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    env = {**os.environ, "TASK_BACKEND": "django_tasks_db.DatabaseBackend",
           "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "EMAIL_URL": f"smtp://127.0.0.1:{smtp_inbox.port}", "AKISMET_API_KEY": ""}  # fmt: skip
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
               "--no-reload", "--queue-name", "*"]  # fmt: skip

    workers = [
        subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stderr=subprocess.PIPE)
        for _n in range(3)
    ]
    for worker in workers:
        assert worker.wait(timeout=90) == 0, worker.stderr.read()
        worker.stderr.close()

    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 6
    [message] = smtp_inbox.messages
    assert message.rcpt_tos == ["cora@news.example"]
    assert b"Waiting for the courts desk." in message.content
