"""A comment's lasting address: it follows the comment to the page of the discussion it is on."""

import datetime

import feedparser
import pytest
from django.utils import timezone

from tests.comments.conftest import approved_comment, held_comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/articles/splash-pads/"


def threads(article, count):
    start = timezone.now() - datetime.timedelta(days=1)
    return [
        approved_comment(
            article,
            body=f"Thread {n}.",
            email=f"t{n}@example.net",
            submitted_at=start + datetime.timedelta(minutes=n),
        )  # fmt: skip
        for n in range(count)
    ]


def test_a_comment_on_a_later_page_is_found_there(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    comments = threads(article, 5)
    reply = approved_comment(article, parent=comments[2], body="A reply on page 2.")

    assert comments[4].get_absolute_url() == f"/comments/{comments[4].pk}/"
    response = client.get(comments[4].get_absolute_url())
    assert (response.status_code, response["Location"]) == (
        302, f"{URL}?cpage=3#comment-{comments[4].pk}"
    )  # fmt: skip
    assert client.get(f"/comments/{reply.pk}/")["Location"] == f"{URL}?cpage=2#comment-{reply.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'id="comment-{comments[4].pk}"' in page
    assert "no-cache" in response["Cache-Control"]  # the page moves as threads come and go


def test_the_address_follows_the_comment_when_threads_before_it_go(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    comments = threads(article, 3)
    assert client.get(f"/comments/{comments[2].pk}/")["Location"].startswith(f"{URL}?cpage=2#")

    comments[0].remove()

    moved = client.get(f"/comments/{comments[2].pk}/")["Location"]
    assert moved == f"{URL}#comment-{comments[2].pk}"


def test_a_comment_readers_cannot_see_is_not_found_and_moderators_see_it_in_the_admin(
    client, admin_client, article
):
    held = held_comment(article, body="Waiting for a moderator.")
    taken_down = approved_comment(article, body="Taken down.")
    taken_down.remove()
    gone = ArticleFactory(slug="withdrawn")
    on_a_draft = approved_comment(gone)
    gone.unpublish()
    reporter = UserFactory(username="reporter", is_staff=True)  # staff, no say over comments

    for comment in (held, taken_down, on_a_draft):
        url = f"/comments/{comment.pk}/"
        # As for an id that was never a comment: ids tell nobody which hidden comments exist.
        assert client.get(url).status_code == 404
        assert client.get(f"/comments/{comment.pk + 1000}/").status_code == 404
        client.force_login(reporter)
        assert client.get(url).status_code == 404
        client.logout()
        staff = admin_client.get(url)
        assert staff["Location"] == f"/admin/comments/comment/{comment.pk}/change/"
        assert admin_client.get(staff["Location"]).status_code == 200
    assert client.post(f"/comments/{held.pk}/").status_code == 405


def test_a_feed_entry_leads_to_the_comment_on_its_page(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    newest = threads(article, 5)[-1]

    entry = feedparser.parse(client.get(f"{URL}comments/atom/").content).entries[0]
    landed = client.get(entry.link.removeprefix("http://testserver"), follow=True)

    assert landed.redirect_chain == [(f"{URL}?cpage=3#comment-{newest.pk}", 302)]
    assert f'id="comment-{newest.pk}"' in landed.content.decode()


def test_the_desk_and_the_admin_lead_to_where_the_comment_is(admin_client, article, settings):
    from django.contrib.contenttypes.models import ContentType

    settings.COMMENTS_PAGE_SIZE = 1
    published = threads(article, 2)[1]
    held_comment(article, body="For the desk.")

    desk = admin_client.get("/admin/comments/comment/desk/").content.decode()
    kind = ContentType.objects.get_for_model(published).pk
    on_site = admin_client.get(f"/admin/r/{kind}/{published.pk}/")

    assert f'href="{URL}#comments"' in desk  # the held comment is not on the page yet
    assert on_site["Location"].endswith(f"/comments/{published.pk}/")
    assert admin_client.get(f"/comments/{published.pk}/")["Location"] == (
        f"{URL}?cpage=2#comment-{published.pk}"
    )


def test_a_feed_entry_keeps_the_id_it_had_before_its_link_moved(client, article, settings):
    comment = approved_comment(article)

    for feed in ("rss", "atom"):
        entry = feedparser.parse(client.get(f"{URL}comments/{feed}/").content).entries[0]
        assert entry.id == f"{settings.SITE_URL.rstrip('/')}{URL}#comment-{comment.pk}"
        assert entry.link.endswith(f"/comments/{comment.pk}/")
