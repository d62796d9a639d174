import re
import xml.etree.ElementTree as ET

import pytest

from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def stories():
    news = SectionFactory(slug="news")
    return {
        "news": ArticleFactory(slug="news-story", title="News story", section=news),
        "city": ArticleFactory(
            slug="city-story", title="City story", section=SectionFactory(parent=news)
        ),
        "other": ArticleFactory(slug="other-story", title="Other story"),
        "draft": ArticleFactory(slug="draft-story", title="Draft story", draft=True),
    }


def rss_titles(response):
    assert response["Content-Type"].startswith("application/rss+xml")
    return {item.findtext("title") for item in ET.fromstring(response.content).iter("item")}


def atom_titles(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return {entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")}


def test_site_rss_feed_lists_published_articles_only(client, stories):
    assert rss_titles(client.get("/feeds/rss/")) == {"News story", "City story", "Other story"}


def test_site_atom_feed_lists_published_articles_only(client, stories):
    assert atom_titles(client.get("/feeds/atom/")) == {"News story", "City story", "Other story"}


def test_section_feeds_hold_the_section_and_its_subsections(client, stories):
    assert rss_titles(client.get("/section/news/rss/")) == {"News story", "City story"}
    assert atom_titles(client.get("/section/news/atom/")) == {"News story", "City story"}


def test_feed_of_an_unknown_section_is_a_404(client):
    assert client.get("/section/nope/rss/").status_code == 404


def test_rss_items_carry_link_author_and_categories(client):
    ArticleFactory(
        slug="story",
        authors=[AuthorFactory(name="Ana Alder")],
        tags=[TagFactory(name="Rivers")],
    )
    item = next(ET.fromstring(client.get("/feeds/rss/").content).iter("item"))
    assert item.findtext("link") == "http://testserver/articles/story/"
    assert "Ana Alder" in ET.tostring(item, encoding="unicode")
    assert "Rivers" in {category.text for category in item.iter("category")}


def test_sitemap_lists_published_articles_only_with_lastmod(client, stories):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    entries = {url.findtext(f"{SITEMAP}loc"): url for url in root.iter(f"{SITEMAP}url")}
    articles = {loc for loc in entries if "/articles/" in loc}
    assert articles == {
        f"http://testserver/articles/{slug}/"
        for slug in ("news-story", "city-story", "other-story")
    }
    assert entries["http://testserver/articles/news-story/"].findtext(f"{SITEMAP}lastmod")
    assert "http://testserver/" in entries
    assert "http://testserver/section/news/" in entries


def test_sitemap_lists_authors_and_tags_with_published_articles_only(client):
    ArticleFactory(authors=[AuthorFactory(slug="seen")], tags=[TagFactory(slug="seen-tag")])
    ArticleFactory(
        draft=True, authors=[AuthorFactory(slug="unseen")], tags=[TagFactory(slug="unseen-tag")]
    )
    body = client.get("/sitemap.xml").content.decode()
    locations = set(re.findall(r"<loc>([^<]+)</loc>", body))
    assert {"http://testserver/author/seen/", "http://testserver/tag/seen-tag/"} <= locations
    assert "http://testserver/author/unseen/" not in locations
    assert "http://testserver/tag/unseen-tag/" not in locations


def test_pages_advertise_the_site_and_section_feeds(client, stories):
    page = client.get("/section/news/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/section/news/rss/"' in page and 'href="/feeds/atom/"' in page
