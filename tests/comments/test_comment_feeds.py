"""Comment feeds, read by feedparser: approved comments only, erased ones as erased, cached."""

import datetime

import feedparser
import pytest
from django.utils import timezone

from comments import retention
from tests.comments.conftest import approved_comment, held_comment
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SITE_FEEDS = ["/comments/feeds/rss/", "/comments/feeds/atom/"]


def article_feeds(article):
    return [f"/articles/{article.slug}/comments/rss/", f"/articles/{article.slug}/comments/atom/"]


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def texts(feed):
    return [entry.summary for entry in feed.entries]


@pytest.fixture
def discussion(article):
    """One comment in every state on the article, and one on an article taken down."""
    shown = approved_comment(article, name="Ada Approved", body="Shown on the page.")
    held_comment(article, body="Still in the queue.")
    held_comment(article, body="Spam text.").mark_spam()
    approved_comment(article, body="Taken down.").remove()
    gone = ArticleFactory(slug="withdrawn")
    approved_comment(gone, body="On an unpublished article.")
    gone.unpublish()
    return shown


@pytest.mark.parametrize("kind", [0, 1], ids=["rss", "atom"])
def test_the_article_feed_holds_its_approved_comments_only(client, article, discussion, kind):
    other = ArticleFactory()
    approved_comment(other, body="On another article.")

    feed = read(client, article_feeds(article)[kind])

    assert texts(feed) == ["<p>Shown on the page.</p>"]
    entry = feed.entries[0]
    assert entry.author == "Ada Approved"
    assert entry.link == f"http://testserver/comments/{discussion.pk}/"
    assert entry.published_parsed[:6] == discussion.submitted_at.utctimetuple()[:6]
    assert article.title in feed.feed.title


@pytest.mark.parametrize("url", SITE_FEEDS, ids=["rss", "atom"])
def test_the_site_feed_holds_approved_comments_on_published_articles_only(
    client, article, discussion, url
):
    other = ArticleFactory(title="Another story")
    later = approved_comment(
        other, body="Newest remark.", submitted_at=timezone.now() + datetime.timedelta(minutes=1)
    )

    feed = read(client, url)

    assert texts(feed) == ["<p>Newest remark.</p>", "<p>Shown on the page.</p>"]
    assert "Another story" in feed.entries[0].title
    assert feed.entries[0].link == f"http://testserver/comments/{later.pk}/"


@pytest.mark.parametrize("url", [*SITE_FEEDS, "/articles/splash-pads/comments/rss/"])
def test_an_erased_commenter_shows_as_anonymous_with_nothing_of_theirs(client, article, url):
    comment = approved_comment(
        article, name="Rosalind Private", email="rosalind@example.net",
        url="https://rosalind.example.net", body="My private remark.",
    )  # fmt: skip
    retention.erase_commenter("rosalind@example.net", keep_text=False)

    response = client.get(url)
    feed = read(client, url)

    assert [entry.author for entry in feed.entries] == ["Anonymous"]
    assert "erased at its author" in feed.entries[0].summary
    assert feed.entries[0].link.endswith(f"/comments/{comment.pk}/")
    for personal in (b"Rosalind", b"rosalind@example.net", b"rosalind.example.net", b"private"):
        assert personal not in response.content


def test_an_e_mail_address_is_never_in_a_feed(client, article):
    approved_comment(article, email="hidden.address@example.net", url="https://site.example.org")

    for url in [*SITE_FEEDS, *article_feeds(article)]:
        content = client.get(url).content
        assert b"hidden.address" not in content
        if "atom" in url:  # Atom names the author's website, as the page links it
            assert feedparser.parse(content).entries[0].author_detail.href == (
                "https://site.example.org"
            )


def test_the_feed_of_an_unknown_or_unpublished_article_is_a_404(client):
    ArticleFactory(slug="draft", draft=True)

    assert client.get("/articles/nope/comments/rss/").status_code == 404
    assert client.get("/articles/draft/comments/atom/").status_code == 404


def test_feeds_show_the_newest_twenty(client, article):
    start = timezone.now() - datetime.timedelta(hours=1)
    for n in range(22):
        approved_comment(
            article, body=f"Remark {n}.", submitted_at=start + datetime.timedelta(minutes=n)
        )

    for url in [SITE_FEEDS[0], article_feeds(article)[0]]:
        shown = texts(read(client, url))
        assert shown[0] == "<p>Remark 21.</p>" and shown[-1] == "<p>Remark 2.</p>"
        assert len(shown) == 20


@pytest.mark.parametrize("count", [3, 20])
def test_a_feed_costs_the_same_queries_however_many_comments(
    client, count, django_assert_max_num_queries
):
    for n in range(count):
        approved_comment(ArticleFactory(), body=f"Remark {n}.")
    article = ArticleFactory(slug="busy")
    for n in range(count):
        approved_comment(article, body=f"Busy remark {n}.")

    # Site feed: the comments with their articles 1. Article feed: the article 1, comments 1.
    with django_assert_max_num_queries(1):
        client.get(SITE_FEEDS[0])
    with django_assert_max_num_queries(2):
        client.get(article_feeds(article)[1])


@pytest.mark.parametrize("which", ["site", "article"])
def test_feeds_are_shared_and_kept_until_a_comment_changes(
    client, article, which, moderator, django_assert_num_queries
):
    url = SITE_FEEDS[0] if which == "site" else article_feeds(article)[0]
    comment = approved_comment(article, body="First remark.")
    first = client.get(url)
    assert "public" in first["Cache-Control"] and "s-maxage" in first["Cache-Control"]
    assert "Set-Cookie" not in first
    tags = first["Cache-Tags"].split()
    assert ("comments" if which == "site" else f"article-{article.pk}") in tags

    with django_assert_num_queries(0):
        assert client.get(url).content == first.content

    held = held_comment(article, body="Second remark.")
    assert client.get(url).content == first.content  # a held comment changes nothing
    held.approve(by=moderator)
    assert "Second remark." in texts(read(client, url))[0]
    comment.remove(by=moderator)
    assert texts(read(client, url)) == ["<p>Second remark.</p>"]


def test_the_article_page_and_every_page_link_the_comment_feeds(client, article):
    html = client.get(f"/articles/{article.slug}/").content.decode()
    home = client.get("/").content.decode()

    for url in article_feeds(article):
        assert 'rel="alternate" type="application/' in html
        assert f'href="{url}"' in html
    for page in (html, home):
        assert '<link rel="alternate" type="application/rss+xml"' in page
        assert 'href="/comments/feeds/rss/"' in page and 'href="/comments/feeds/atom/"' in page
