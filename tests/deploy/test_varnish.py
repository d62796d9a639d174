"""deploy/varnish.vcl in a real varnishd, in front of the app (pytest-django's live server)."""

import pytest
from django.core.signals import request_started

from comments.models import Comment
from tests.comments.conftest import comment_data, held_comment
from tests.deploy.conftest import approve, log_in
from tests.factories import ArticleFactory

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture(autouse=True)
def _comment_settings(settings):
    settings.AKISMET_API_KEY = ""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.COMMENTS_HOLD_FIRST_TIME = True


@pytest.fixture
def article(transactional_db):
    return ArticleFactory(title="Flood barriers go up overnight")


@pytest.fixture
def reached_app():
    """The paths of the requests that reached the app, in order."""
    paths = []

    def note(sender, environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    request_started.connect(note)
    yield paths
    request_started.disconnect(note)


def test_a_second_anonymous_read_is_served_by_varnish(varnish, article, reached_app):
    url = article.get_absolute_url()
    with varnish.client() as reader:
        first = reader.get(url)
        second = reader.get(url)

    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert "Age" in second.headers
    assert second.text == first.text
    assert reached_app == [url]
    assert "s-maxage=300" in second.headers["Cache-Control"]
    assert "Cache-Tags" not in second.headers


def test_approving_a_comment_in_the_admin_bans_the_article_from_varnish(
    varnish, article, moderator
):
    url = article.get_absolute_url()
    comment = held_comment(article, body="The barriers held.")
    with varnish.client() as reader:
        reader.get(url)
        assert reader.get(url).headers["X-Cache"] == "HIT"

        with varnish.client() as staff:
            log_in(staff, moderator.username)
            approve(staff, comment)

        after = reader.get(url)

    comment.refresh_from_db()
    assert comment.is_approved()
    assert after.headers["X-Cache"] == "MISS"
    assert "The barriers held." in after.text


def test_a_ban_for_another_article_leaves_this_one_cached(varnish, article):
    other = ArticleFactory()
    url = article.get_absolute_url()
    with varnish.client() as reader:
        reader.get(url)
        held_comment(other).approve()
        assert reader.get(url).headers["X-Cache"] == "HIT"


def test_the_comment_form_posts_through_varnish_from_the_same_site_only(varnish, article):
    post_url = f"/comments/post/{article.pk}/"
    with varnish.client() as reader:
        forged = reader.post(
            post_url,
            data=comment_data(article, body="Forged."),
            headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
        )
        sent = reader.post(
            post_url,
            data=comment_data(article, body="Sent from the page."),
            headers={"Origin": varnish.url, **SAME_SITE},
        )

    assert forged.status_code == 403
    assert sent.status_code == 302
    assert [c.body for c in Comment.objects.all()] == ["Sent from the page."]


def test_a_reader_sees_their_held_comment_and_others_still_get_the_shared_page(varnish, article):
    url = article.get_absolute_url()
    with varnish.client() as others:
        others.get(url)
        with varnish.client() as writer:
            writer.post(
                f"/comments/post/{article.pk}/",
                data=comment_data(article, body="Waiting for a moderator."),
                headers={"Origin": varnish.url, **SAME_SITE},
            )
            assert "comments_pending" in writer.cookies
            own = [writer.get(url), writer.get(url)]
        shared = others.get(url)

    assert [r.headers["X-Cache"] for r in own] == ["MISS", "MISS"]
    assert all("private" in r.headers["Cache-Control"] for r in own)
    assert all("Waiting for a moderator." in r.text for r in own)
    assert shared.headers["X-Cache"] == "HIT"
    assert "public" in shared.headers["Cache-Control"]
    assert "Waiting for a moderator." not in shared.text


def test_staff_pages_pass_through_varnish_and_leave_the_shared_page_alone(
    varnish, article, moderator
):
    url = article.get_absolute_url()
    with varnish.client() as reader, varnish.client() as staff:
        before = reader.get(url)
        log_in(staff, moderator.username)
        seen = [staff.get(url), staff.get(url)]
        after = reader.get(url)

    assert [r.headers["X-Cache"] for r in seen] == ["MISS", "MISS"]
    assert all("private" in r.headers["Cache-Control"] for r in seen)
    assert after.headers["X-Cache"] == "HIT"
    assert "public" in after.headers["Cache-Control"]
    assert after.text == before.text
    assert "sessionid" not in after.headers.get("Set-Cookie", "")


def test_the_admin_is_never_cached(varnish, transactional_db):
    with varnish.client() as visitor:
        responses = [visitor.get("/admin/login/"), visitor.get("/admin/login/")]

    assert [r.headers["X-Cache"] for r in responses] == ["MISS", "MISS"]


def test_behind_varnish_a_commenter_is_known_by_the_address_varnish_saw(varnish, article, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # Varnish appends the address it saw to X-Forwarded-For
    with varnish.client() as reader:
        reader.post(
            f"/comments/post/{article.pk}/",
            data=comment_data(article),
            headers={"Origin": varnish.url, **SAME_SITE, "X-Forwarded-For": "203.0.113.9"},
        )

    assert Comment.objects.get().ip == "127.0.0.1"
