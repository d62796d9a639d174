"""Commenters' e-mail, end to end: the opt-in, the confirmation, the own-comment link,
"published" and reply notices, and unsubscribing. Mail is read from the outbox and its links
followed with a fresh client, carrying no cookie of the poster's."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments import notifications
from comments.models import Comment, CommenterAddress, CommenterMail
from tests.comments.conftest import approved_comment

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/\S+)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def inbox(email):
    """The e-mails sent to one commenter (the moderators get theirs too)."""
    return [message for message in mail.outbox if message.to == [email]]


def links(message):
    """The site's links in an e-mail, by what they lead to."""
    found = {}
    for path in LINK.findall(message.body):
        for name in ("confirm", "mine", "unsubscribe"):
            if path.startswith(f"/comments/{name}/"):
                found[name] = path
        if "#comment-" in path:
            found["comment"] = path
    return found


def confirm(path):
    """Follow a confirmation link as the reader does, from a fresh browser: open, press."""
    fresh = Client()
    page = fresh.get(path)
    assert page.status_code == 200
    return fresh.post(path)


def confirmed(email):
    address = CommenterAddress.for_email(email)
    address.confirm()
    return address


def test_opting_in_sends_one_confirmation_email_and_nothing_more_until_confirmed(
    post, article, moderator
):
    response = post(article, email="Ana@Example.net", follow="on")

    comment = response.comment
    assert comment.follow and comment.is_pending()
    [message] = inbox("ana@example.net")
    assert "Confirm your e-mail address" in message.subject
    assert {"confirm", "mine", "unsubscribe"} <= set(links(message))
    assert not CommenterAddress.objects.get(email="ana@example.net").is_confirmed()

    Comment.objects.moderate(comment.pk, Comment.approve, moderator, [Comment.Status.PENDING])
    assert len(inbox("ana@example.net")) == 1  # published, but never confirmed: no e-mail


def test_without_the_opt_in_no_email_goes_to_the_commenter(post, article):
    post(article, email="quiet@example.net")

    assert inbox("quiet@example.net") == []
    assert not CommenterAddress.objects.exists()


def test_a_confirmed_commenter_is_told_when_a_moderator_publishes_the_held_comment(
    post, article, moderator, django_capture_on_commit_callbacks
):
    response = post(article, email="bo@example.net", follow="on")
    [confirmation] = inbox("bo@example.net")
    assert confirm(links(confirmation)["confirm"]).status_code == 200
    assert CommenterAddress.objects.get(email="bo@example.net").is_confirmed()

    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.moderate(
            response.comment.pk, Comment.approve, moderator, [Comment.Status.PENDING]
        )

    first, published = inbox("bo@example.net")
    assert "is published" in published.subject
    assert (
        links(published)["comment"] == f"{article.get_absolute_url()}#comment-{response.comment.pk}"
    )
    assert CommenterMail.objects.get(key=f"approved:{response.comment.pk}").is_sent()


def test_every_email_carries_one_click_unsubscribe_headers(post, article):
    post(article, email="cy@example.net", follow="on")

    [message] = inbox("cy@example.net")
    unsubscribe = links(message)["unsubscribe"]
    assert message.extra_headers["List-Unsubscribe"] == f"<http://testserver{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_one_click_post_unsubscribes_without_login_or_csrf_token(article):
    address = confirmed("di@example.net")
    path = notifications.unsubscribe_url(address).removeprefix("http://testserver")
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    address.refresh_from_db()
    assert address.unsubscribed_at is not None
    parent = approved_comment(article, email="di@example.net", follow=True)
    approved_comment(article, parent=parent, email="other@example.net")
    assert mail.outbox == []  # a reply to an unsubscribed commenter sends nothing


def test_the_unsubscribe_page_asks_first_and_its_button_unsubscribes(article):
    address = confirmed("ed@example.net")
    path = notifications.unsubscribe_url(address).removeprefix("http://testserver")
    fresh = Client()

    page = fresh.get(path)
    address.refresh_from_db()
    assert page.status_code == 200
    assert address.unsubscribed_at is None  # a mail scanner's GET changes nothing
    assert "no-store" in page["Cache-Control"]

    done = fresh.post(path)
    address.refresh_from_db()
    assert "we will send no more e-mail" in done.text
    assert address.unsubscribed_at is not None


def test_a_tampered_unsubscribe_link_is_a_clear_400(article):
    address = confirmed("fa@example.net")
    path = notifications.unsubscribe_url(address).removeprefix("http://testserver")

    response = Client().post(path.replace("fa", "fb", 1)[:-3] + "xx/")

    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_one_event_key_makes_one_email(article, django_capture_on_commit_callbacks):
    address = confirmed("gu@example.net")
    comment = approved_comment(article, email="gu@example.net")

    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.send_to_commenter(address, "approved", "approved:x", {}, comment)
        again = notifications.send_to_commenter(address, "approved", "approved:x", {}, comment)

    assert first.pk == again.pk
    assert len(mail.outbox) == 1


def test_a_failed_send_is_queued_again_with_a_back_off_and_sent_later(
    article, settings, django_capture_on_commit_callbacks
):
    address = confirmed("ha@example.net")
    comment = approved_comment(article, email="ha@example.net")
    settings.MAILERS = {"default": {"BACKEND": "tests.comments.failing_mail.FailingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        row = notifications.send_to_commenter(address, "approved", "approved:y", {}, comment)

    row.refresh_from_db()
    assert row.status == CommenterMail.Status.QUEUED
    assert row.attempts == 1 and row.last_error
    assert row.next_attempt_at > timezone.now()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    from comments.tasks import send_due_commenter_mail

    assert send_due_commenter_mail() == 0  # not before its back-off
    with time_machine.travel(row.next_attempt_at + datetime.timedelta(seconds=1)):
        assert send_due_commenter_mail() == 1
    row.refresh_from_db()
    assert row.is_sent() and row.attempts == 2
    assert len(mail.outbox) == 1
