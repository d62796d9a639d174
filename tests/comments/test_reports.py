"""Readers report comments: a plain form, limited per address; enough voices send it back."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from comments.models import Comment, Report
from tests.comments.conftest import approved_comment, held_comment


def report(client, comment, ip, reason="abuse", note=""):
    return client.post(
        f"/comments/report/{comment.pk}/", {"reason": reason, "note": note}, REMOTE_ADDR=ip
    )


@pytest.fixture
def published(article):
    return approved_comment(article, body="A comment some readers dislike.")


def test_every_approved_comment_has_a_report_link_to_a_page_with_the_form(client, published):
    html = client.get("/articles/splash-pads/").content.decode()

    assert f'<a href="/comments/report/{published.pk}/" aria-label="Report the comment by' in html
    assert "<form" not in html.split('id="comments"')[1].split('id="respond"')[0]

    page = client.get(f"/comments/report/{published.pk}/")

    assert page.status_code == 200
    assert "private" in page["Cache-Control"]
    body = page.content.decode()
    assert "A comment some readers dislike." in body
    assert f'action="/comments/report/{published.pk}/"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    for reason in ["spam", "abuse", "off_topic", "other"]:
        assert f'name="reason" value="{reason}"' in body


def test_a_report_from_another_site_is_refused_by_its_csrf_token(published):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert report(strict, published, "192.0.2.1").status_code == 403
    assert not Report.objects.exists()


def test_a_refused_report_is_explained_on_the_sites_own_page_without_inline_style(published):
    """Django's own CSRF page carries an inline <style> that the site's CSP blocks."""
    from django.test import Client

    response = report(Client(enforce_csrf_checks=True), published, "192.0.2.1")

    body = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Your form could not be sent</h1>" in body
    assert 'class="masthead"' in body
    assert "<style" not in body and " style=" not in body


def test_a_report_is_stored_thanked_and_recorded(client, published):
    response = report(client, published, "192.0.2.1", "off_topic", "Not about the article.")

    assert response.status_code == 200
    assert "Thank you. A moderator will look at this comment." in response.content.decode()
    stored = Report.objects.get()
    assert (stored.reason, stored.note, stored.ip) == (
        "off_topic",
        "Not about the article.",
        "192.0.2.1",
    )
    event = published.events.get(kind="reported")
    assert event.data == {"reason": "off_topic", "note": "Not about the article."}
    assert Comment.objects.get(pk=published.pk).is_approved()


def test_a_report_needs_a_reason(client, published):
    response = report(client, published, "192.0.2.1", reason="")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Report.objects.exists()


def test_a_note_too_long_is_refused_with_its_own_message_and_kept(client, published):
    response = report(client, published, "192.0.2.1", note="x" * 501)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 500 characters (it has 501)." in html
    assert "x" * 501 in html
    assert 'value="abuse" required checked' in html
    assert not Report.objects.exists()


def test_only_published_comments_can_be_reported(client, article):
    held = held_comment(article)

    assert report(client, held, "192.0.2.1").status_code == 404
    assert client.get(f"/comments/report/{held.pk}/").status_code == 404
    assert client.put(f"/comments/report/{held.pk}/").status_code == 405


def test_one_address_reports_a_comment_once(client, published, settings):
    settings.COMMENTS_REPORT_THRESHOLD = 2

    report(client, published, "192.0.2.1")
    again = report(client, published, "192.0.2.1")

    assert "You have already reported this comment." in again.content.decode()
    assert Report.objects.count() == 1
    assert Comment.objects.get(pk=published.pk).is_approved()


def test_reports_from_enough_addresses_send_the_comment_back_to_the_queue(client, published):
    for ip in ["192.0.2.1", "192.0.2.2"]:
        report(client, published, ip)
    assert Comment.objects.get(pk=published.pk).is_approved()

    report(client, published, "192.0.2.3", "spam")

    comment = Comment.objects.get(pk=published.pk)
    assert comment.is_pending()
    assert comment.reasons == ["reported"]
    assert comment.events.last().kind == "held"
    assert list(Comment.objects.reported()) == [comment]
    assert f'id="comment-{comment.pk}"' not in client.get("/articles/splash-pads/").content.decode()


def test_the_threshold_is_a_setting(client, published, settings):
    settings.COMMENTS_REPORT_THRESHOLD = 1

    report(client, published, "192.0.2.1")

    assert Comment.objects.get(pk=published.pk).is_pending()


def test_reports_are_limited_per_address_and_hour(client, article, settings):
    settings.COMMENTS_REPORTS_PER_HOUR = 2
    comments = [approved_comment(article, email=f"r{n}@example.net") for n in range(4)]

    statuses = [report(client, c, "192.0.2.9").status_code for c in comments[:3]]
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        later = report(client, comments[3], "192.0.2.9").status_code

    assert statuses == [200, 200, 429]
    assert later == 200
    assert Report.objects.count() == 3


def test_reports_after_a_moderator_approved_the_comment_count_afresh(client, published, moderator):
    for ip in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]:
        report(client, published, ip)
    Comment.objects.get(pk=published.pk).approve(by=moderator)

    report(client, published, "192.0.2.4")

    comment = Comment.objects.get(pk=published.pk)
    assert comment.is_approved()
    assert comment.is_reported() and list(Comment.objects.reported()) == [comment]


def test_is_reported_agrees_with_the_reported_queryset(client, article):
    reported = approved_comment(article, email="a@example.net")
    quiet = approved_comment(article, email="b@example.net")
    report(client, reported, "192.0.2.1")

    in_set = set(Comment.objects.reported())

    assert in_set == {c for c in (reported, quiet) if c.is_reported()} == {reported}
