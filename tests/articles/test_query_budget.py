"""Reader pages run a fixed number of queries, whatever the amount of content they show."""

import pytest

from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    FAQFactory,
    RelatedPickFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

# Navigation sections 1, the front page's articles 1 + their bylines 1.
HOME_QUERIES = 3
# Navigation 1, article 1, related 1, bylines (the article's and the related picks') 1, tags 1,
# FAQs 1, published notes 1; then the comment area (comments/display.py): approved comments 1,
# once per change of the comments.
ARTICLE_PAGE_QUERIES = 7 + 1
# Navigation 1, the subject (section 1 + subsections 1, or author/tag 1), count 1, page 1,
# bylines 1.
SECTION_QUERIES = 6
AUTHOR_QUERIES = 5
TAG_QUERIES = 5


@pytest.fixture(params=[3, 30], ids=["few", "many"])
def newsroom(request):
    """Sections with subsections; ``n`` articles each with several authors, tags and FAQs."""
    n = request.param
    news = SectionFactory(slug="news")
    sections = [news, SectionFactory(parent=news), SectionFactory(), SectionFactory()]
    authors = [AuthorFactory(slug=f"author-{i}") for i in range(max(3, n // 3))]
    tags = [TagFactory(slug=f"tag-{i}") for i in range(max(3, n // 3))]
    articles = [
        ArticleFactory(
            slug=f"story-{i}",
            section=sections[i % len(sections)],
            authors=authors[i % len(authors) :][:3] or authors[:3],
            tags=[tags[0], *tags[i % len(tags) :][:2]],
        )
        for i in range(n)
    ]
    lead = articles[0]
    for _ in range(n):
        FAQFactory(article=lead)
    for other in articles[1 : n // 2 + 1]:
        RelatedPickFactory(article=lead, related=other)
    return lead


def test_home_page_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200


def test_article_page_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        assert client.get(f"/articles/{newsroom.slug}/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/articles/story-0/", "/section/news/", "/tag/tag-0/"])
def test_a_cached_page_runs_no_query(client, newsroom, url, django_assert_num_queries):
    client.get(url)

    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


def test_section_page_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    with django_assert_num_queries(SECTION_QUERIES):
        assert client.get("/section/news/").status_code == 200


def test_author_page_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    with django_assert_num_queries(AUTHOR_QUERIES):
        assert client.get("/author/author-0/").status_code == 200


def test_tag_page_query_count_is_fixed(client, newsroom, django_assert_num_queries):
    with django_assert_num_queries(TAG_QUERIES):
        assert client.get("/tag/tag-0/").status_code == 200
