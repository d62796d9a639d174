"""The statement of reasons and the appeal's outcome by e-mail, end to end: a moderator's
take-down at the desk, the e-mail read from the outbox, its appeal link followed with a fresh
client, the appeal decided by another moderator, and its outcome e-mailed, each once."""

import datetime
import re
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from comments.models import Appeal, Comment, CommenterAddress, CommenterMail, Rule
from tests.comments.conftest import prove_address
from tests.comments.test_concurrency import at_once
from tests.factories import ArticleFactory, UserFactory

LINK = re.compile(r"http://testserver(/comments/appeal/\S+)")
DESK = "/admin/comments/comment/desk/"
APPEALS = "/admin/comments/appeal/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def second_moderator(moderator):
    other = UserFactory(username="max", is_staff=True)
    other.groups.set(moderator.groups.all())
    return other


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def inbox(email):
    return [message for message in mail.outbox if message.to == [email]]


def follower(post, article, email="ines@example.net", **fields):
    """A comment held for its first-time author, who opted in and confirmed the address."""
    CommenterAddress.for_email(email).confirm()
    prove_address(post.client, email)
    comment = post(article, email=email, follow="on", **fields).comment
    assert comment.is_pending() and comment.follow
    mail.outbox.clear()
    return comment


def remove_at_desk(moderator, comment, decision="remove", reason="harassment"):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the outbox is sent on commit
        response = client_for(moderator).post(
            f"{DESK}{comment.pk}/decide/",
            {"decision": decision, "seen": comment.status, "queue": "pending", "reason": reason},
        )
    assert response.status_code == 302


def decide(user, appeal, outcome):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user).post(f"{APPEALS}{appeal.pk}/decide/{outcome}/")


def appeal_link(message):
    (path,) = LINK.findall(message.body)
    return path


def test_a_moderators_removal_emails_the_statement_with_a_working_appeal_link(
    post, article, moderator
):
    comment = follower(post, article, body="The mayor is wrong about the pads.")

    remove_at_desk(moderator, comment, reason="harassment")

    [statement] = inbox("ines@example.net")
    assert statement.subject == f"Your comment on “{article.title}” was removed"
    assert "Reason: Harassment (harassment)" in statement.body
    assert "Who decided: a person" in statement.body
    assert "The mayor is wrong about the pads." in statement.body
    assert statement.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    reader, path = Client(), appeal_link(statement)
    page = reader.get(path)
    assert page.status_code == 200 and "Harassment" in page.content.decode()
    assert reader.post(path, {"note": "It was a fair point."}).status_code == 302
    assert Appeal.objects.get().note == "It was a fair point."


def test_marking_spam_at_the_desk_states_spam(post, article, moderator):
    comment = follower(post, article)

    remove_at_desk(moderator, comment, decision="spam")

    [statement] = inbox("ines@example.net")
    assert "was marked as spam" in statement.subject
    assert "Reason: Spam (spam)" in statement.body


def test_taking_down_a_published_comment_sends_its_statement_too(post, article, moderator):
    comment = follower(post, article)
    Comment.objects.moderate(comment.pk, Comment.approve, moderator, ["pending"])
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        Comment.objects.moderate(
            comment.pk, Comment.remove, moderator, ["approved"], reason="abuse"
        )

    [statement] = inbox("ines@example.net")
    assert "Reason: Abuse (abuse)" in statement.body


def test_the_emailed_link_expires_and_a_tampered_one_is_refused(post, article, moderator, settings):
    comment = follower(post, article)
    remove_at_desk(moderator, comment)
    path = appeal_link(inbox("ines@example.net")[0])

    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        assert Client().post(path, {"note": "Late."}).status_code == 400
    assert Client().post(path[:-3] + "x/", {"note": "Forged."}).status_code == 400
    assert not Appeal.objects.exists()


def test_automatic_spam_verdicts_send_nothing(post, article, fake_akismet):
    Rule.objects.create(kind="disallowed_word", value="casino")
    CommenterAddress.for_email("spammer@example.net").confirm()

    by_rule = post(article, email="spammer@example.net", follow="on", body="Casino bonus.")
    by_akismet = post(
        article, email="spammer@example.net", follow="on", name="akismet-guaranteed-spam"
    )

    assert by_rule.comment.is_spam() and by_akismet.comment.is_spam()
    assert inbox("spammer@example.net") == []
    assert not CommenterMail.objects.filter(kind="statement").exists()


def test_no_statement_to_an_unconfirmed_address_or_a_commenter_who_did_not_opt_in(
    post, article, moderator
):
    unconfirmed = post(article, email="new@example.net", follow="on").comment
    CommenterAddress.for_email("quiet@example.net").confirm()
    quiet = post(article, email="quiet@example.net").comment
    mail.outbox.clear()

    remove_at_desk(moderator, unconfirmed)
    remove_at_desk(moderator, quiet)

    assert inbox("new@example.net") == [] and inbox("quiet@example.net") == []


def test_a_reversed_appeal_emails_one_message_with_the_published_comment(
    post, article, moderator, second_moderator
):
    comment = follower(post, article)
    remove_at_desk(moderator, comment)
    Client().post(appeal_link(inbox("ines@example.net")[0]), {"note": "Please."})
    mail.outbox.clear()

    decide(second_moderator, Appeal.objects.get(), "reverse")

    [outcome] = inbox("ines@example.net")  # no separate "published" e-mail
    assert "Your appeal was accepted" in outcome.subject
    assert f"http://testserver{article.get_absolute_url()}#comment-{comment.pk}" in outcome.body


def test_an_upheld_appeal_emails_that_the_decision_stands(
    post, article, moderator, second_moderator
):
    comment = follower(post, article)
    remove_at_desk(moderator, comment, reason="off_topic")
    Client().post(appeal_link(inbox("ines@example.net")[0]), {"note": "Please."})
    mail.outbox.clear()

    decide(second_moderator, Appeal.objects.get(), "uphold")

    [outcome] = inbox("ines@example.net")
    assert "was decided" in outcome.subject
    assert "the decision stands" in outcome.body and "Off-topic" in outcome.body


@pytest.mark.django_db(transaction=True)
def test_moderators_acting_at_once_send_one_statement_and_one_outcome(moderator, settings):
    settings.SITE_URL = "http://testserver"
    article = ArticleFactory()
    CommenterAddress.for_email("ines@example.net").confirm()
    comment = Comment.objects.create(
        article=article, name="Ines", email="ines@example.net", body="Held.", follow=True,
        akismet="disabled",
    )  # fmt: skip
    comment.hold("first_time")
    mail.outbox.clear()  # its "received" e-mail
    mods = [UserFactory(username=f"mod{n}", is_staff=True) for n in range(4)]
    for mod in mods:
        mod.groups.set(moderator.groups.all())
    clients = [client_for(mod) for mod in mods]

    def removing(c):
        data = {"decision": "remove", "seen": "pending", "queue": "pending", "reason": "abuse"}
        return lambda: c.post(f"{DESK}{comment.pk}/decide/", data).status_code

    assert at_once(*(removing(c) for c in clients)) == [302] * 4
    [statement] = inbox("ines@example.net")
    assert Client().post(appeal_link(statement), {"note": "Once."}).status_code == 302
    appeal = Appeal.objects.get()
    others = [c for c, m in zip(clients, mods, strict=True) if m.pk != appeal.decision.actor_id]

    def deciding(c, outcome):
        return lambda: c.post(f"{APPEALS}{appeal.pk}/decide/{outcome}/").status_code

    codes = at_once(
        *(deciding(c, o) for c, o in zip(others, ["uphold", "reverse", "uphold"], strict=True))
    )

    assert Counter(codes) == {302: 3}
    assert len(inbox("ines@example.net")) == 2
    assert CommenterMail.objects.filter(kind="appeal_decided").count() == 1
    assert CommenterMail.objects.filter(kind="statement").count() == 1
