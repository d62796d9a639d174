"""Listing cards say how many approved comments each article has, at no query per card."""

import re

import pytest

from tests.comments.conftest import approved_comment, held_comment
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

# The listings' own budgets (tests/articles/test_query_budget.py): the counts add no query.
HOME_QUERIES = 3
SECTION_QUERIES = 6
AUTHOR_QUERIES = 5
TAG_QUERIES = 5
LISTINGS = ["/", "/section/news/", "/author/ana/", "/tag/rivers/"]


def counts(html):
    """The comment counts printed on the page's cards, in order."""
    return re.findall(r'<span class="card-comments">([^<]*)</span>', html)


@pytest.fixture(params=[3, 24], ids=["few", "many"])
def listed(request):
    """``n`` articles in one section, by one author, with one tag; article i has i comments."""
    n = request.param
    section = SectionFactory(slug="news")
    author = AuthorFactory(slug="ana")
    tag = TagFactory(slug="rivers")
    articles = [
        ArticleFactory(slug=f"story-{i}", section=section, authors=[author], tags=[tag])
        for i in range(n)
    ]
    for i, article in enumerate(articles):
        for _ in range(i % 4):
            approved_comment(article)
        held_comment(article)  # never counted
    return articles


@pytest.mark.parametrize(
    "url, budget",
    [("/", HOME_QUERIES), ("/section/news/", SECTION_QUERIES), ("/author/ana/", AUTHOR_QUERIES),
     ("/tag/rivers/", TAG_QUERIES)],
)  # fmt: skip
def test_listing_counts_cost_no_query_per_card(
    client, listed, url, budget, django_assert_max_num_queries
):
    with django_assert_max_num_queries(budget):
        response = client.get(url)

    shown = counts(response.content.decode())
    assert shown  # the cards do carry counts
    expected = {"1 comment", "2 comments", "3 comments"}
    assert set(shown) <= expected and set(shown) & {"2 comments", "3 comments"}


def test_every_card_with_comments_says_how_many(client, db):
    section = SectionFactory(slug="news")
    quiet = ArticleFactory(title="Quiet story", section=section)
    one = ArticleFactory(title="One remark", section=section)
    busy = ArticleFactory(title="Busy story", section=section)
    approved_comment(one)
    for _ in range(14):
        approved_comment(busy)
    held_comment(quiet)
    approved_comment(quiet).remove()

    html = client.get("/section/news/").content.decode()

    cards = re.findall(r'<article class="card.*?</article>', html, re.DOTALL)
    by_title = {re.search(r'<a href="/articles/[^"]+">([^<]+)</a>', c)[1]: counts(c) for c in cards}
    assert by_title == {
        "Busy story": ["14 comments"],
        "One remark": ["1 comment"],
        "Quiet story": [],
    }


@pytest.mark.parametrize("url", LISTINGS)
def test_a_count_change_shows_on_the_next_request_of_a_cached_listing(
    client, url, moderator, django_assert_num_queries
):
    article = ArticleFactory(
        section=SectionFactory(slug="news"),
        authors=[AuthorFactory(slug="ana")],
        tags=[TagFactory(slug="rivers")],
    )
    approved_comment(article)
    assert counts(client.get(url).content.decode()) == ["1 comment"]
    with django_assert_num_queries(0):
        client.get(url)  # kept

    second = held_comment(article)
    with django_assert_num_queries(0):
        client.get(url)  # a held comment changes no listing
    second.approve(by=moderator)
    assert counts(client.get(url).content.decode()) == ["2 comments"]
    second.remove(by=moderator)
    assert counts(client.get(url).content.decode()) == ["1 comment"]


def test_listings_carry_the_comments_cache_tag(client, db):
    ArticleFactory(section=SectionFactory(slug="news"))

    for url in ["/", "/section/news/"]:
        assert "comments" in client.get(url)["Cache-Tags"].split()
