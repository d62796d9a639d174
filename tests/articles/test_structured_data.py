import datetime
import json
import re

import pytest
import time_machine
from django.conf import settings

from tests.factories import ArticleFactory, AuthorFactory, FAQFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def json_ld(page):
    """Every JSON-LD block of a page, parsed, by its @type."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return {data["@type"]: data for data in map(json.loads, blocks)}


def meta(page, name):
    return re.search(rf'<meta (?:property|name)="{name}" content="([^"]*)">', page)[1]


@pytest.fixture
def article():
    news = SectionFactory(name="News", slug="news")
    politics = SectionFactory(name="Politics", slug="politics", parent=news)
    authors = [
        AuthorFactory(name="Marta Quill", slug="marta", job_title="Senior News Editor"),
        AuthorFactory(name="Ben Ruiz", slug="ben", job_title="Reporter"),
    ]
    article = ArticleFactory(
        slug="vote",
        title="Council vote on the bridge",
        dek="What the vote means.",
        section=politics,
        authors=authors,
        tags=[TagFactory(name="Bridges")],
        image="articles/2026/bridge.jpg",
        image_alt="The old bridge",
        published_at=NOW - datetime.timedelta(days=2),
    )
    FAQFactory(article=article, question="When does work start?", answer="In **May**.", position=2)
    FAQFactory(article=article, question="Who pays?", answer="The city.", position=1)
    return article


def page_of(client, article):
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/articles/{article.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_news_article_json_ld_names_authors_with_job_titles_and_the_section(client, article):
    data = json_ld(page_of(client, article))["NewsArticle"]
    assert data["headline"] == "Council vote on the bridge"
    assert data["datePublished"] == (NOW - datetime.timedelta(days=2)).isoformat()
    assert data["dateModified"] == data["datePublished"]
    assert data["articleSection"] == "Politics"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Marta Quill",
            "jobTitle": "Senior News Editor",
            "url": f"{settings.SITE_URL}/author/marta/",
        },
        {
            "@type": "Person",
            "name": "Ben Ruiz",
            "jobTitle": "Reporter",
            "url": f"{settings.SITE_URL}/author/ben/",
        },
    ]
    assert data["image"] == [f"{settings.SITE_URL}/media/articles/2026/bridge.jpg"]
    assert data["publisher"]["name"] == settings.SITE_NAME
    assert data["mainEntityOfPage"] == f"{settings.SITE_URL}/articles/vote/"


def test_date_modified_follows_an_update_after_publication(client, article):
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        article.title = "Council vote on the bridge, corrected"
        article.save()
    data = json_ld(page_of(client, article))["NewsArticle"]
    assert data["dateModified"] == (NOW - datetime.timedelta(hours=1)).isoformat()


def test_breadcrumb_list_runs_home_section_subsection(client, article):
    items = json_ld(page_of(client, article))["BreadcrumbList"]["itemListElement"]
    assert [(item["position"], item["name"], item["item"]) for item in items] == [
        (1, "Home", f"{settings.SITE_URL}/"),
        (2, "News", f"{settings.SITE_URL}/section/news/"),
        (3, "Politics", f"{settings.SITE_URL}/section/politics/"),
    ]


def test_faq_page_lists_questions_and_answers_in_editor_order(client, article):
    questions = json_ld(page_of(client, article))["FAQPage"]["mainEntity"]
    assert [q["name"] for q in questions] == ["Who pays?", "When does work start?"]
    assert questions[1]["acceptedAnswer"] == {
        "@type": "Answer",
        "text": "<p>In <strong>May</strong>.</p>",
    }


def test_an_article_without_faqs_has_no_faq_page_data(client):
    article = ArticleFactory(published_at=NOW - datetime.timedelta(days=1))
    assert set(json_ld(page_of(client, article))) == {"NewsArticle", "BreadcrumbList"}


def test_json_ld_cannot_close_its_script_element_early(client):
    title = "Why </script><b>tags</b> & such matter"
    page = page_of(client, ArticleFactory(title=title, published_at=NOW - datetime.timedelta(1)))
    assert "</script><b>" not in page.split("</title>")[1].split("<body")[0]
    assert json_ld(page)["NewsArticle"]["headline"] == title


def test_opengraph_twitter_canonical_and_description(client, article):
    page = page_of(client, article)
    url = f"{settings.SITE_URL}/articles/vote/"
    assert f'<link rel="canonical" href="{url}">' in page
    assert meta(page, "og:url") == url
    assert meta(page, "og:title") == "Council vote on the bridge"
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:image") == f"{settings.SITE_URL}/media/articles/2026/bridge.jpg"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "description") == "What the vote means."


def test_the_meta_description_prefers_the_editors_seo_text(client, article):
    article.meta_description = "Search engines see this."
    article.save()
    page = page_of(client, article)
    assert meta(page, "description") == "Search engines see this."
    assert meta(page, "og:description") == "Search engines see this."
