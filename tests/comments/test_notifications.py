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
from comments.models import Comment, CommenterAddress, CommenterMail, Rule
from tests.comments.conftest import approved_comment, prove_address

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


def confirmed(email, post=None):
    """A confirmed address; with ``post``, its browser confirmed it (posting follows at once)."""
    address = CommenterAddress.for_email(email)
    address.confirm()
    if post is not None:
        prove_address(post.client, email)
    return address


def test_opting_in_sends_one_confirmation_email_and_nothing_more_until_confirmed(
    post, article, moderator
):
    response = post(article, email="Ana@Example.net", follow="on")

    comment = response.comment
    assert not comment.follow and comment.is_pending()  # followed once its author confirms
    [message] = inbox("ana@example.net")
    assert "Confirm your e-mail address" in message.subject
    assert {"confirm", "mine", "unsubscribe"} <= set(links(message))
    assert not CommenterAddress.objects.get(email="ana@example.net").is_confirmed()

    Comment.objects.moderate(comment.pk, Comment.approve, moderator, [Comment.Status.PENDING])
    assert len(inbox("ana@example.net")) == 1  # published, but never confirmed: no e-mail


def test_someone_typing_a_confirmed_address_gets_its_owner_only_a_confirmation(
    post, article, moderator, django_capture_on_commit_callbacks
):
    confirmed("owner@example.net")  # confirmed from another browser, long ago

    comment = post(article, email="owner@example.net", follow="on").comment
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.moderate(comment.pk, Comment.approve, moderator, [Comment.Status.PENDING])

    [only] = inbox("owner@example.net")
    assert "Confirm" in only.subject  # "was it you?", and nothing about a comment not theirs
    assert not Comment.objects.get(pk=comment.pk).follow


def test_a_browser_that_confirmed_its_address_follows_its_next_comments_without_an_email(
    post, article, moderator, django_capture_on_commit_callbacks
):
    first = post(article, email="kit@example.net", follow="on").comment
    [confirmation] = inbox("kit@example.net")
    post.client.post(links(confirmation)["confirm"])  # the confirmation page's button

    second = post(article, email="kit@example.net", follow="on").comment
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.moderate(second.pk, Comment.approve, moderator, [Comment.Status.PENDING])

    first.refresh_from_db()
    assert first.follow and second.follow
    subjects = [message.subject for message in inbox("kit@example.net")]
    assert len(subjects) == 2 and "is published" in subjects[1]


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


def test_the_emails_and_the_own_page_link_the_comment_page_the_comment_is_on(
    post, article, moderator, settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_PAGE_SIZE = 2
    for n in range(2):
        approved_comment(article, email=f"early{n}@example.net")
    confirmed("paged@example.net", post)
    comment = post(article, email="paged@example.net", follow="on").comment
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.moderate(comment.pk, Comment.approve, moderator, [Comment.Status.PENDING])
        approved_comment(article, parent=comment, name="Zed", email="zed@example.net")

    published, reply = [m for m in inbox("paged@example.net") if "#comment-" in m.body]
    [reply_pk] = comment.replies.values_list("pk", flat=True)
    for message, pk in [(published, comment.pk), (reply, reply_pk)]:
        link = links(message)["comment"]
        assert link == f"{article.get_absolute_url()}?cpage=2#comment-{pk}"
        assert f'id="comment-{pk}"' in Client().get(link).text  # the page that shows it
    own = Client().get(notifications.own_url(comment).removeprefix("http://testserver"))
    assert f'href="{article.get_absolute_url()}?cpage=2#comment-{comment.pk}"' in own.text


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


# The confirmation link.


def confirmation_for(post, article, email, **fields):
    response = post(article, email=email, follow="on", **fields)
    [message] = [m for m in inbox(email) if "Confirm" in m.subject][-1:]
    return response.comment, links(message)


def test_confirming_twice_is_harmless(post, article):
    _comment, found = confirmation_for(post, article, "ia@example.net")

    confirm(found["confirm"])
    first = CommenterAddress.objects.get(email="ia@example.net").confirmed_at
    again = confirm(found["confirm"])

    assert again.status_code == 200
    assert "is confirmed" in again.text
    assert CommenterAddress.objects.get(email="ia@example.net").confirmed_at == first


def test_a_confirmation_link_expires_and_the_page_offers_a_new_one(
    post, article, settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_CONFIRM_LINK_DAYS = 3
    comment, found = confirmation_for(post, article, "ja@example.net")
    later = timezone.now() + datetime.timedelta(days=3, minutes=1)

    with time_machine.travel(later):
        fresh = Client()
        expired = fresh.post(found["confirm"])
        assert expired.status_code == 400
        assert "too old" in expired.text
        assert not CommenterAddress.objects.get(email="ja@example.net").is_confirmed()
        token = re.search(r'name="token" value="([^"]+)"', expired.text)[1]
        with django_capture_on_commit_callbacks(execute=True):
            sent = fresh.post("/comments/confirm/again/", {"token": token})

    assert sent.status_code == 200
    newest = inbox("ja@example.net")[-1]
    assert len(inbox("ja@example.net")) == 2
    with time_machine.travel(later):
        assert "is confirmed" in confirm(links(newest)["confirm"]).text
    assert CommenterAddress.objects.get(email="ja@example.net").is_confirmed()


def test_a_tampered_confirmation_link_is_a_clear_400_and_confirms_nothing(post, article):
    _comment, found = confirmation_for(post, article, "ka@example.net")
    token = found["confirm"].split("/")[3]
    forged = notifications.confirm_token(Comment(pk=1, email="stranger@example.net"))
    forged = forged.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]

    for bad in (token[:-2] + "zz", forged, "nonsense"):
        response = Client().post(f"/comments/confirm/{bad}/")
        assert response.status_code == 400
        assert "This link does not work" in response.text
    assert not CommenterAddress.objects.confirmed().exists()
    assert Client().post("/comments/confirm/again/", {"token": forged}).status_code == 400


def test_a_mail_scanner_opening_the_link_confirms_nothing(post, article):
    _comment, found = confirmation_for(post, article, "la@example.net")

    page = Client().get(found["confirm"])

    assert "Confirm my address" in page.text
    assert not CommenterAddress.objects.get(email="la@example.net").is_confirmed()


def test_confirmation_emails_are_limited_per_address(post, article, settings):
    settings.COMMENTS_CONFIRM_MAILS_PER_HOUR = 2
    settings.COMMENTS_FLOOD_SECONDS = 0
    for n in range(4):
        response = post(article, email="ma@example.net", follow="on", body=f"Take {n}.")
        assert response.status_code == 302  # the comment itself is always taken

    assert len(inbox("ma@example.net")) == 2
    assert Comment.objects.filter(email="ma@example.net").count() == 4


def test_confirmation_emails_are_limited_per_ip_address(post, article, settings):
    settings.COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR = 2
    settings.COMMENTS_FLOOD_SECONDS = 0
    for n in range(4):
        post(article, ip="198.51.100.77", email=f"victim{n}@example.net", follow="on")

    sent = [m for m in mail.outbox if "Confirm" in m.subject]
    assert len(sent) == 2
    post(article, ip="198.51.100.78", email="victim9@example.net", follow="on")
    assert len(inbox("victim9@example.net")) == 1  # another address is not held back


def test_with_the_cache_down_the_opt_in_keeps_the_comment_and_the_limits_hold(
    post, article, settings
):
    # A Redis server that is not there: the limits are read from the outbox instead.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    settings.COMMENTS_CONFIRM_MAILS_PER_HOUR = 2
    settings.COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR = 3
    settings.COMMENTS_FLOOD_SECONDS = 0
    for _n in range(3):
        response = post(article, ip="198.51.100.90", email="down@example.net", follow="on")
        assert response.status_code == 302
    post(article, ip="198.51.100.90", email="other@example.net", follow="on")
    post(article, ip="198.51.100.90", email="third@example.net", follow="on")

    assert Comment.objects.filter(email="down@example.net").count() == 3
    assert len(inbox("down@example.net")) == 2  # the address's limit
    assert len(inbox("other@example.net")) == 1
    assert inbox("third@example.net") == []  # the IP address's limit


def test_an_unconfirmed_address_receives_nothing_but_the_confirmation(post, article, moderator):
    parent, _found = confirmation_for(post, article, "na@example.net")
    Comment.objects.moderate(parent.pk, Comment.approve, moderator, [Comment.Status.PENDING])
    reply = approved_comment(article, parent=parent, email="someone@example.net")
    notifications.comment_decided(reply, reply.events.last())

    [only] = inbox("na@example.net")
    assert "Confirm" in only.subject
    assert (
        not CommenterMail.objects.exclude(kind="confirm")
        .filter(address__email="na@example.net")
        .exists()
    )


# The commenter's own comment, from the e-mail.


def test_the_own_comment_link_shows_the_pending_comment_from_any_device(post, article):
    comment, found = confirmation_for(post, article, "oa@example.net", body="My *own* words.")

    page = Client().get(found["mine"])

    assert page.status_code == 200
    assert "Awaiting moderation" in page.text
    assert "My <em>own</em> words." in page.text
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    assert "Cache-Tags" not in page
    assert comment.pk


def test_the_own_comment_page_links_the_edit_page_while_the_edit_window_is_open(
    post, article, settings
):
    settings.COMMENTS_EDIT_MINUTES = 10
    comment, found = confirmation_for(post, article, "ea@example.net", body="First words.")
    fresh = Client()

    edit_link = re.search(r'href="([^"]*/edit/[^"]+)"', fresh.get(found["mine"]).text)[1]
    edit_page = fresh.get(re.sub(r"^https?://[^/]+", "", edit_link))
    with time_machine.travel(comment.submitted_at + datetime.timedelta(minutes=11)):
        late = fresh.get(found["mine"]).text

    assert edit_page.status_code == 200 and "First words." in edit_page.text
    assert "/edit/" not in late


def test_withdrawing_takes_a_pending_comment_down_with_the_csrf_token(post, article):
    comment, found = confirmation_for(post, article, "pa@example.net")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(found["mine"])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    assert browser.post(found["mine"]).status_code == 403  # no token: refused
    done = browser.post(found["mine"], {"csrfmiddlewaretoken": token})

    comment.refresh_from_db()
    assert done.status_code == 200
    assert "Your comment is withdrawn" in done.text
    assert comment.is_removed() and comment.is_withdrawn()
    assert comment.body  # kept for the spam period
    event = comment.events.filter(kind="withdrawn").get()
    assert event.actor is None and event.data["previous"] == "pending"
    assert "Withdrawn by you" in Client().get(found["mine"]).text


def test_a_comment_a_moderator_decided_can_no_longer_be_withdrawn(post, article, moderator):
    comment, found = confirmation_for(post, article, "qa@example.net")
    Comment.objects.moderate(comment.pk, Comment.approve, moderator, [Comment.Status.PENDING])

    response = Client().post(found["mine"])

    comment.refresh_from_db()
    assert response.status_code == 409
    assert "can no longer be withdrawn" in response.text
    assert comment.is_approved()


def test_a_withdrawn_comment_is_purged_after_the_spam_period(post, article, settings):
    from comments import retention

    comment, found = confirmation_for(post, article, "ra@example.net")
    Client().post(found["mine"])
    settings.COMMENTS_SPAM_PURGE_DAYS = 30

    retention.purge(now=timezone.now() + datetime.timedelta(days=29))
    assert Comment.objects.filter(pk=comment.pk).exists()
    log = retention.purge(now=timezone.now() + datetime.timedelta(days=31))
    assert log.removed == 1
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_the_own_comment_link_expires(post, article, settings):
    settings.COMMENTS_OWN_LINK_DAYS = 30
    _comment, found = confirmation_for(post, article, "sa@example.net")

    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = Client().get(found["mine"])

    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_an_own_comment_link_cannot_be_turned_to_another_comment(post, article):
    mine, found = confirmation_for(post, article, "ta@example.net")
    other = post(article, email="ua@example.net").comment
    token = found["mine"].split("/")[3]
    payload, rest = token.split(":", 1)
    import base64
    import json

    raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw["c"] = other.pk
    edited = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")

    response = Client().get(f"/comments/mine/{edited}:{rest}/")

    assert response.status_code == 400
    assert mine.pk != other.pk


# Published and reply notices.


def test_akismet_approving_a_held_comment_tells_a_confirmed_commenter(
    fake_akismet, post, article, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    confirmed("va@example.net", post)
    fake_akismet.verdict = "ham"

    response = post(article, email="va@example.net", follow="on")

    assert response.comment.is_approved()
    [published] = inbox("va@example.net")
    assert "is published" in published.subject


def test_an_automatic_spam_verdict_emails_nobody(fake_akismet, post, article, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    confirmed("wa@example.net", post)

    response = post(article, email="wa@example.net", follow="on", name="akismet-guaranteed-spam")

    assert response.comment.is_spam()
    assert inbox("wa@example.net") == []


def test_spam_by_the_local_rules_sends_not_even_the_confirmation(post, article):
    Rule.objects.create(kind="disallowed_word", value="casino")

    response = post(article, email="wb@example.net", follow="on", body="Best casino deals.")

    assert response.comment.is_spam()
    assert inbox("wb@example.net") == []
    assert not CommenterMail.objects.exists()


def test_a_confirmed_commenter_held_for_a_moderator_gets_the_own_comment_link(post, article):
    confirmed("xa@example.net", post)

    response = post(article, email="xa@example.net", follow="on")

    assert response.comment.is_pending()
    [received] = inbox("xa@example.net")
    assert "awaiting moderation" in received.subject
    assert "Awaiting moderation" in Client().get(links(received)["mine"]).text


def replies_setup(article, email="ya@example.net"):
    confirmed(email)
    return approved_comment(article, email=email, follow=True, name="Ya")


def test_an_approved_reply_emails_the_author_of_the_comment_once(
    article, moderator, django_capture_on_commit_callbacks
):
    parent = replies_setup(article)
    with django_capture_on_commit_callbacks(execute=True):
        reply = Comment.objects.create(
            article=article, parent=parent, name="Zed", email="zed@example.net", body="I agree."
        )
        reply.hold("first_time")
    assert inbox("ya@example.net") == []  # held: not yet

    for verb in (Comment.approve, Comment.unapprove, Comment.approve):
        with django_capture_on_commit_callbacks(execute=True):
            Comment.objects.moderate(reply.pk, verb, moderator, Comment.Status.values)

    [notice] = inbox("ya@example.net")
    assert "Zed replied" in notice.subject
    assert "I agree." in notice.body
    assert links(notice)["comment"].endswith(f"#comment-{reply.pk}")


def test_replying_to_oneself_sends_nothing(article, django_capture_on_commit_callbacks):
    parent = replies_setup(article, email="self@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        approved_comment(article, parent=parent, email="Self@Example.net")

    assert inbox("self@example.net") == []


def test_no_reply_notice_without_the_opt_in(article, django_capture_on_commit_callbacks):
    confirmed("ab@example.net")
    parent = approved_comment(article, email="ab@example.net", follow=False)
    with django_capture_on_commit_callbacks(execute=True):
        approved_comment(article, parent=parent, email="cd@example.net")

    assert inbox("ab@example.net") == []


def test_a_staff_reply_emails_the_reader(
    article, reporter, django_capture_on_commit_callbacks, client
):
    parent = replies_setup(article, email="ef@example.net")
    reporter.email = "rita@news.example"
    reporter.save()
    client.force_login(reporter)
    from tests.comments.conftest import comment_data

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/comments/post/{article.pk}/", comment_data(article, parent=parent.pk)
        )

    assert response.status_code == 302
    [notice] = inbox("ef@example.net")
    assert "Rita Reporter replied" in notice.subject


def test_a_superuser_reads_the_outbox_in_the_admin_and_cannot_change_it(post, article, client):
    from tests.factories import UserFactory

    post(article, email="ad@example.net", follow="on")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    listing = client.get("/admin/comments/commentermail/?status=sent")
    row = CommenterMail.objects.get()
    change = client.post(f"/admin/comments/commentermail/{row.pk}/change/", {"status": "queued"})

    assert listing.status_code == 200
    assert "ad@example.net" in listing.text
    assert change.status_code == 403
    assert client.get("/admin/comments/commenteraddress/?q=ad%40").status_code == 200


def test_the_export_holds_the_address_record_and_erasure_deletes_it(post, article):
    from comments import retention

    post(article, email="gdpr@example.net", follow="on")

    data = retention.export_commenter("gdpr@example.net")
    assert data["address"]["confirmed_at"] is None
    [sent] = data["address"]["emails"]
    assert "Confirm" in sent["subject"] and sent["status"] == "sent"

    retention.erase_commenter("gdpr@example.net")
    assert not CommenterAddress.objects.exists()
    assert not CommenterMail.objects.exists()


def test_withdrawing_twice_says_it_is_withdrawn(post, article):
    comment, found = confirmation_for(post, article, "twice@example.net")

    Client().post(found["mine"])
    again = Client().post(found["mine"])

    assert again.status_code == 200
    assert "Withdrawn by you" in again.text
    assert Comment.objects.get(pk=comment.pk).events.filter(kind="withdrawn").count() == 1


def test_the_link_to_a_purged_comment_says_it_is_gone(post, article):
    comment, found = confirmation_for(post, article, "gone@example.net")
    Comment.objects.filter(pk=comment.pk).delete()

    response = Client().get(found["mine"])

    assert response.status_code == 404
    assert "no longer exists" in response.text


def test_an_erased_address_s_unsubscribe_link_still_says_done(article):
    from comments import retention

    address = confirmed("erased@example.net")
    path = notifications.unsubscribe_url(address).removeprefix("http://testserver")
    retention.erase_commenter("erased@example.net")

    response = Client().post(path)

    assert response.status_code == 200
    assert "we will send no more e-mail" in response.text
    assert not CommenterAddress.objects.exists()


def test_moderators_see_the_withdrawal_in_the_audit_trail(post, article, client, moderator):
    comment, found = confirmation_for(post, article, "trail@example.net")
    Client().post(found["mine"])
    client.force_login(moderator)

    page = client.get(f"/admin/comments/comment/{comment.pk}/change/")

    assert page.status_code == 200
    assert "Withdrawn by its author" in page.text


def test_the_address_and_outbox_predicates_agree_with_their_querysets(article):
    now = timezone.now()
    fresh = CommenterAddress.for_email("p1@example.net")
    sure = confirmed("p2@example.net")
    gone = confirmed("p3@example.net")
    gone.unsubscribe()
    for address in (fresh, sure, gone):
        address.refresh_from_db()
        listed = CommenterAddress.objects.confirmed().filter(pk=address.pk).exists()
        assert listed == address.is_confirmed()
    assert [a.email for a in CommenterAddress.objects.confirmed()] == ["p2@example.net"]

    hour = datetime.timedelta(hours=1)
    rows = [
        CommenterMail(status="queued"),
        CommenterMail(status="queued", next_attempt_at=now + hour),
        CommenterMail(status="queued", next_attempt_at=now - hour),
        CommenterMail(status="sending", claimed_until=now + hour),
        CommenterMail(status="sending", claimed_until=now - hour),
        CommenterMail(status="sent", sent_at=now),
        CommenterMail(status="cancelled"),
    ]
    for n, row in enumerate(rows):
        row.address, row.key, row.subject, row.body = sure, f"p:{n}", "s", "b"
        row.save()
        assert CommenterMail.objects.due(now).filter(pk=row.pk).exists() == row.is_due(now)
    assert CommenterMail.objects.due(now).count() == 3
