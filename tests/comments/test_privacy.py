"""One commenter's personal data: exported in full, or erased, and either way logged."""

import io
import json

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command

from comments import retention
from comments.models import Comment
from tests.comments.conftest import act, approved_comment, held_comment
from tests.factories import UserFactory

EMAIL = "ada@example.net"


@pytest.fixture
def adas(article):
    first = approved_comment(article, email=EMAIL, name="Ada", url="https://ada.example",
                             ip="192.0.2.7", user_agent="Firefox", referrer="https://x.example/",
                             akismet_payload={"user_ip": "192.0.2.7"})  # fmt: skip
    first.record("submitted", ip="192.0.2.7")
    second = held_comment(article, email=EMAIL, name="Ada", body="Second thoughts.")
    approved_comment(article, email="someone.else@example.net", body="Not Ada's.")
    return [first, second]


@pytest.fixture
def privacy_officer(client, moderator):
    moderator.user_permissions.add(Permission.objects.get(codename="manage_personal_data"))
    client.force_login(moderator)
    return moderator


def test_the_export_holds_every_comment_and_stored_field(adas):
    data = retention.export_commenter(EMAIL)

    assert data["email"] == EMAIL
    assert [c["id"] for c in data["comments"]] == [c.pk for c in adas]
    first = data["comments"][0]
    assert first["ip"] == "192.0.2.7" and first["user_agent"] == "Firefox"
    assert first["akismet_payload"] == {"user_ip": "192.0.2.7"}
    assert first["article"]["url"] == f"{settings.SITE_URL}/articles/{adas[0].article.slug}/"
    assert first["article"]["comment_url"] == f"{settings.SITE_URL}/comments/{adas[0].pk}/"
    assert [e["what"] for e in first["history"]] == ["approved", "submitted"]


def test_the_export_command_writes_json_and_each_comment_records_it(adas, tmp_path):
    target = tmp_path / "ada.json"

    call_command("export_commenter", EMAIL.upper(), output=str(target), stderr=io.StringIO())

    data = json.loads(target.read_text())
    assert {c["body"] for c in data["comments"]} == {"Hello.", "Second thoughts."}
    assert all(c.events.filter(kind="exported").exists() for c in adas)


def test_erasure_anonymizes_every_comment_and_keeps_the_text(adas):
    erasure = retention.erase_commenter(EMAIL)

    assert erasure == retention.Erasure(erased=2, on_hold=0)
    first = Comment.objects.get(pk=adas[0].pk)
    assert (first.name, first.email, first.url, first.ip, first.user_agent, first.referrer,
            first.akismet_payload) == ("Anonymous", "", "", None, "", "", {})  # fmt: skip
    assert first.body == "Hello."
    assert "ip" not in first.events.get(kind="submitted").data
    assert first.events.get(kind="erased").data == {"text_kept": True}
    assert Comment.objects.get(email="someone.else@example.net").name == "Earlier Reader"


def test_erasure_can_remove_the_text_too_including_earlier_versions(adas, moderator):
    adas[1].edit(by=moderator, body="Second thoughts, edited.")

    call_command("erase_commenter", EMAIL, "--remove-text", stdout=(out := io.StringIO()))

    second = Comment.objects.get(pk=adas[1].pk)
    assert second.body == "This comment was erased at its author's request."
    assert second.events.get(kind="edited").data == {"before": {}, "after": {}}
    assert "Personal data erased from 2 comments." in out.getvalue()
    assert not Comment.objects.filter(body__contains="Second thoughts").exists()


def test_erasure_leaves_comments_on_legal_hold_alone_and_says_so(adas):
    adas[0].set_legal_hold(True)

    call_command("erase_commenter", EMAIL, stdout=(out := io.StringIO()))

    assert Comment.objects.get(pk=adas[0].pk).email == EMAIL
    assert not Comment.objects.filter(pk=adas[1].pk, email=EMAIL).exists()
    assert out.getvalue().strip() == (
        "Personal data erased from 1 comment. 1 comment on legal hold was left as it is."
    )


def test_the_admin_exports_the_selected_commenters_data(client, privacy_officer, adas):
    response = act(client, "export_commenters", adas[1])

    assert response["Content-Disposition"] == 'attachment; filename="commenter-data.json"'
    [export] = json.loads(response.content)
    assert export["email"] == EMAIL and len(export["comments"]) == 2
    assert adas[0].events.get(kind="exported").actor == privacy_officer


def test_the_admin_asks_before_erasing_and_says_what_it_will_keep(client, privacy_officer, adas):
    adas[0].set_legal_hold(True)

    asked = act(client, "erase_commenters_and_text", adas[1])

    page = asked.content.decode()
    assert "The personal data of 1 comment will be erased for good" in page
    assert "1 comment is on legal hold and will be left as it is." in page
    assert "Their text is replaced too" in page and EMAIL in page
    assert Comment.objects.filter(email=EMAIL).count() == 2  # nothing erased yet


def test_the_admin_erases_the_selected_commenters_data(client, privacy_officer, adas):
    response = client.post(
        "/admin/comments/comment/?status=all",
        {"action": "erase_commenters_keep_text", "_selected_action": [adas[1].pk],
         "confirmed": "yes"},
        follow=True,
    )  # fmt: skip

    assert "Personal data erased from 2 comments." in response.content.decode()
    assert not Comment.objects.filter(email=EMAIL).exists()
    assert Comment.objects.get(pk=adas[0].pk).events.get(kind="erased").actor == privacy_officer


def test_moderators_without_the_permission_cannot_export_or_erase(client, moderator, adas):
    client.force_login(moderator)

    act(client, "erase_commenters_and_text", adas[1])

    assert Comment.objects.filter(email=EMAIL).count() == 2


def test_a_superuser_has_the_personal_data_actions(client, adas):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    html = client.get("/admin/comments/comment/").content.decode()

    assert "export_commenters" in html and "erase_commenters_and_text" in html


def test_the_privacy_page_states_the_retention_periods_and_what_a_report_keeps(
    db, client, settings
):
    settings.COMMENTS_BLATANT_PURGE_DAYS = 5

    html = client.get("/privacy/").content.decode()

    assert "Blatant spam is deleted after 5 days." in html
    assert "If you report a comment, we keep your reason" in html


def test_the_privacy_page_names_the_site_and_the_address_to_write_to(db, client, settings):
    settings.CONTACT_EMAIL = "data@ledger.example"

    html = client.get("/privacy/").content.decode()

    assert "<title>How your comment data is processed | The Newsroom Ledger</title>" in html
    assert '<a href="mailto:data@ledger.example">data@ledger.example</a>' in html
