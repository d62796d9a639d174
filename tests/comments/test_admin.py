"""The comment admin: the Moderator group, the verbs as actions, and the Akismet notice."""

import pytest
from django.contrib.auth.models import Group

from articles.roles import MODERATOR
from comments.models import Comment, Rule
from tests.comments.conftest import approved_comment

CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def held(article):
    comments = []
    for n in range(3):
        comment = Comment.objects.create(
            article=article, name=f"R{n}", email=f"r{n}@example.net", body=f"Text {n}"
        )
        comment.hold("first_time")
        comments.append(comment)
    return comments


def test_the_moderator_group_can_moderate_but_not_delete_comments(db):
    permissions = set(
        Group.objects.get(name=MODERATOR).permissions.values_list("codename", flat=True)
    )

    assert {"view_comment", "change_comment", "view_commentevent"} <= permissions
    assert {"add_rule", "change_rule", "delete_rule", "view_rule"} <= permissions
    assert "delete_comment" not in permissions
    assert "publish_article" not in permissions


def test_a_moderator_approves_comments_in_bulk_and_each_records_who(client, moderator, held):
    client.force_login(moderator)

    response = client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [held[0].pk, held[1].pk]},
        follow=True,
    )

    assert "2 comments approved." in response.content.decode()
    assert [c.status for c in Comment.objects.order_by("pk")] == ["approved", "approved", "pending"]
    assert Comment.objects.get(pk=held[0].pk).events.get(kind="approved").actor == moderator


def test_a_moderator_marks_spam_and_not_spam(client, moderator, held):
    client.force_login(moderator)

    client.post(CHANGELIST, {"action": "mark_spam_selected", "_selected_action": [held[0].pk]})
    assert Comment.objects.get(pk=held[0].pk).is_spam()

    client.post(CHANGELIST, {"action": "not_spam_selected", "_selected_action": [held[0].pk]})
    assert Comment.objects.get(pk=held[0].pk).is_approved()


def test_a_moderator_removes_a_comment(client, moderator, article):
    comment = approved_comment(article)
    client.force_login(moderator)

    client.post(CHANGELIST, {"action": "remove_selected", "_selected_action": [comment.pk]})

    assert Comment.objects.get(pk=comment.pk).is_removed()


def test_the_queue_filters_by_status_and_searches_by_email(client, moderator, held, article):
    approved_comment(article, email="known@example.net", body="Known reader.")
    client.force_login(moderator)

    pending = client.get(CHANGELIST, {"status__exact": "pending"}).content.decode()
    found = client.get(CHANGELIST, {"q": "known@example.net"}).content.decode()

    assert "Text 0" in pending and "Known reader." not in pending
    assert "Known reader." in found and "Text 0" not in found


def test_a_moderator_sees_why_a_comment_was_held_and_its_history(client, moderator, held):
    client.force_login(moderator)

    html = client.get(f"{CHANGELIST}{held[0].pk}/change/").content.decode()

    assert "First comment from this e-mail address" in client.get(CHANGELIST).content.decode()
    assert "Held for moderation" in html


def test_a_moderator_manages_rules(client, moderator):
    client.force_login(moderator)

    response = client.post(
        "/admin/comments/rule/add/", {"kind": "hold_word", "value": "lawsuit", "note": ""}
    )

    assert response.status_code == 302
    assert Rule.objects.get().value == "lawsuit"


def test_a_reporter_sees_no_comment_queue(client, reporter):
    client.force_login(reporter)

    assert client.get(CHANGELIST).status_code == 403


def test_staff_are_told_when_akismet_is_off(client, moderator, settings):
    settings.AKISMET_API_KEY = ""
    client.force_login(moderator)

    html = client.get("/admin/").content.decode()

    assert "Akismet is off: comments are not checked for spam." in html


def test_staff_are_told_when_the_akismet_key_is_invalid(client, moderator, fake_akismet):
    fake_akismet.mode = "invalid_key"
    client.force_login(moderator)

    assert "Akismet rejected the API key" in client.get("/admin/").content.decode()


def test_no_notice_when_akismet_works(client, moderator, fake_akismet):
    client.force_login(moderator)

    html = client.get("/admin/").content.decode()

    assert "Akismet is off" not in html
    assert "Akismet rejected" not in html
    assert len(fake_akismet.hits("/1.1/verify-key")) == 1


PROXY_NOTICE = "Comments arrive through a proxy at 10.0.0.5"


@pytest.mark.parametrize(
    ("count", "headers", "told"),
    [(0, {"X-Forwarded-For": "192.0.2.80"}, True), (0, {}, False),
     (1, {"X-Forwarded-For": "192.0.2.80"}, False)],
)  # fmt: skip
def test_staff_are_told_when_readers_come_through_a_proxy_nobody_counted(
    client, post, article, moderator, settings, count, headers, told
):
    settings.TRUSTED_PROXY_COUNT = count
    post(article, ip="10.0.0.5", headers=headers)
    client.force_login(moderator)

    html = client.get("/admin/").content.decode()

    assert (PROXY_NOTICE in html) is told
    assert ("TRUSTED_PROXY_COUNT is 0" in html) is told


def test_an_ip_rule_must_be_an_address_or_network(client, moderator):
    client.force_login(moderator)

    response = client.post(
        "/admin/comments/rule/add/", {"kind": "disallowed_ip", "value": "not-an-ip", "note": ""}
    )

    assert response.status_code == 200
    assert "Enter an IP address or a network" in response.content.decode()
    assert not Rule.objects.exists()
