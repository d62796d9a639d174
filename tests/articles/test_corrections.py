"""Corrections and updates in public: on the article, on /corrections/, in feeds and JSON-LD."""

import datetime
import json
import re

import feedparser
import pytest
import time_machine
from django.utils import timezone

from articles.models import ArticleNote
from tests.articles.test_query_budget import ARTICLE_PAGE_QUERIES
from tests.factories import (
    ArticleFactory,
    ArticleNoteFactory,
    FAQFactory,
    RelatedPickFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
# Navigation 1, the page's notes 1, their count 1.
CORRECTIONS_PAGE_QUERIES = 3


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def json_ld(page):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return {data["@type"]: data for data in map(json.loads, blocks)}


def published_note(article, at, **fields):
    with time_machine.travel(at, tick=False):
        return ArticleNoteFactory(article=article, published=True, **fields)


@pytest.fixture
def story():
    """An article published two days before NOW, with a correction, an update and a proposal."""
    with time_machine.travel(NOW - datetime.timedelta(days=2), tick=False):
        article = ArticleFactory(slug="vote", title="Council vote on the bridge",
                                 tags=[TagFactory(name="Bridges")])  # fmt: skip
    FAQFactory(article=article, question="Who pays?")
    published_note(
        article, NOW - datetime.timedelta(days=1),
        body="An earlier version said the vote was 7–2. It was **6–3**.",
    )  # fmt: skip
    published_note(
        article, NOW - datetime.timedelta(hours=3),
        kind=ArticleNote.Kind.UPDATE, body="The mayor has since signed the budget.",
    )  # fmt: skip
    ArticleNoteFactory(article=article, body="A proposal nobody has published yet.")
    return article


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_notes_follow_the_story_in_the_order_they_were_published(client, story):
    page = get(client, "/articles/vote/")

    notes = page.index('id="notes"')
    assert page.index('class="story-body"') < notes < page.index("Topics:")
    assert notes < page.index("Frequently Asked Questions")
    assert page.index("It was <strong>6–3</strong>.") < page.index("signed the budget")
    assert "A proposal nobody has published yet." not in page
    assert re.search(r"<strong>Correction</strong>\s*<time datetime=\"2026-11-19T12:00:00", page)
    assert re.search(r"<strong>Update</strong>\s*<time datetime=\"2026-11-20T09:00:00", page)


def test_the_dateline_shows_the_latest_note_as_the_update_time_and_links_the_notes(client, story):
    page = get(client, "/articles/vote/")

    dateline = re.search(r'<p class="dateline">(.*?)</p>', page, re.DOTALL)[1]
    assert 'Updated <time datetime="2026-11-20T09:00:00+0000">' in dateline
    assert '<a class="notes-link" href="#notes">' in dateline


def test_an_article_without_notes_has_no_notes_section(client):
    ArticleFactory(slug="quiet")

    page = get(client, "/articles/quiet/")

    assert 'id="notes"' not in page and "notes-link" not in page


def test_json_ld_carries_the_correction_and_the_date_modified(client, story):
    data = json_ld(get(client, "/articles/vote/"))["NewsArticle"]

    assert data["dateModified"] == (NOW - datetime.timedelta(hours=3)).isoformat()
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "An earlier version said the vote was 7–2. It was 6–3.",
            "datePublished": (NOW - datetime.timedelta(days=1)).isoformat(),
            "url": f"http://127.0.0.1:8000/articles/vote/#note-{story.notes.earliest('pk').pk}",
        }
    ]


def test_json_ld_has_no_correction_for_updates_alone(client):
    article = ArticleFactory(slug="only-update")
    published_note(article, NOW - datetime.timedelta(hours=1), kind=ArticleNote.Kind.UPDATE)

    data = json_ld(get(client, "/articles/only-update/"))["NewsArticle"]

    assert "correction" not in data
    assert data["dateModified"] == (NOW - datetime.timedelta(hours=1)).isoformat()


def test_the_corrections_page_lists_published_notes_newest_first(client, story):
    hidden = ArticleFactory(slug="pulled", title="A pulled story")
    published_note(hidden, NOW - datetime.timedelta(hours=1), body="Hidden with its story.")
    hidden.unpublish()

    page = get(client, "/corrections/")

    assert page.index("signed the budget") < page.index("It was <strong>6–3</strong>.")
    assert page.count('href="/articles/vote/#note-') == 2
    assert "A proposal nobody has published yet." not in page
    assert "Hidden with its story." not in page
    assert 'href="/corrections/rss/"' in page and 'href="/corrections/atom/"' in page


def test_the_corrections_page_is_paged(client):
    article = ArticleFactory(slug="long-running", published_at=NOW - datetime.timedelta(days=2))
    for hour in range(21):
        published_note(article, NOW - datetime.timedelta(hours=hour + 1), body=f"Note {hour}.")

    first, second = get(client, "/corrections/"), get(client, "/corrections/?page=2")

    assert "Note 0." in first and "Note 19." in first and "Note 20." not in first
    assert "Note 20." in second and "Note 0." not in second
    assert 'rel="next" href="?page=2"' in first
    assert client.get("/corrections/?page=9").status_code == 404


def test_an_empty_corrections_page_says_so(client):
    assert "No corrections or updates yet." in get(client, "/corrections/")


@pytest.mark.parametrize("count", [2, 25])
def test_the_corrections_page_query_count_is_fixed(client, count, django_assert_num_queries):
    articles = [ArticleFactory(published_at=NOW - datetime.timedelta(days=3)) for _ in range(3)]
    for n in range(count):
        published_note(articles[n % 3], NOW - datetime.timedelta(hours=n + 1))

    with django_assert_num_queries(CORRECTIONS_PAGE_QUERIES):
        get(client, "/corrections/")


def test_the_article_page_with_notes_keeps_its_query_budget(client, django_assert_num_queries):
    article = ArticleFactory(
        slug="budget", tags=[TagFactory()], published_at=NOW - datetime.timedelta(days=1)
    )
    FAQFactory(article=article)
    RelatedPickFactory(article=article)
    for minute in range(5):
        published_note(article, NOW - datetime.timedelta(minutes=minute + 1))

    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        get(client, "/articles/budget/")


def test_the_rss_feed_lists_published_notes_newest_first(client, story):
    feed = feedparser.parse(get(client, "/corrections/rss/"))

    assert feed.bozo == 0
    assert feed.feed.title.startswith("Corrections and updates")
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Update: Council vote on the bridge",
        "Correction: Council vote on the bridge",
    ]
    update, correction = feed.entries
    assert update.link.startswith("http://testserver/articles/vote/#note-")
    assert "<strong>6–3</strong>" in correction.description
    assert correction.published_parsed[:4] == (2026, 11, 19, 12)


def test_the_atom_feed_carries_the_amendment_time(client, story):
    note = story.notes.earliest("pk")
    note.body = "An earlier version said the vote was 7–2. It was 6–3, with one absent."
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        note.amend()

    feed = feedparser.parse(get(client, "/corrections/atom/"))

    assert feed.bozo == 0
    amended = next(entry for entry in feed.entries if entry.title.startswith("Correction"))
    assert amended.updated_parsed[:4] == (2026, 11, 20, 11)
    assert "one absent" in amended.summary


def test_publishing_a_note_refreshes_the_cached_article_and_listings(client):
    article = ArticleFactory(slug="cached", title="A cached story")
    note = ArticleNoteFactory(article=article, body="The vote was on Thursday.")
    assert "Thursday" not in get(client, "/articles/cached/")
    assert "Thursday" not in get(client, "/corrections/")
    get(client, f"/section/{article.section.slug}/")
    assert "Updated <time" not in get(client, "/articles/cached/")  # from the page cache

    with time_machine.travel(NOW - datetime.timedelta(minutes=5), tick=False):
        note.publish(by=None)

    page = get(client, "/articles/cached/")
    assert "Thursday" in page and 'Updated <time datetime="2026-11-20T11:55' in page
    assert "Thursday" in get(client, "/corrections/")


def test_amending_a_note_refreshes_the_cached_article_and_listings(client):
    article = ArticleFactory(slug="amended")
    note = published_note(article, NOW - datetime.timedelta(hours=2), body="First wording.")
    assert "First wording." in get(client, "/articles/amended/")
    assert "First wording." in get(client, "/corrections/")

    note.body = "Second wording."
    with time_machine.travel(NOW - datetime.timedelta(minutes=1), tick=False):
        note.amend()

    page = get(client, "/articles/amended/")
    assert "Second wording." in page and "First wording." not in page
    assert "Second wording." in get(client, "/corrections/")
    data = json_ld(page)["NewsArticle"]
    assert data["dateModified"] == (NOW - datetime.timedelta(minutes=1)).isoformat()


def test_a_cached_corrections_page_runs_no_query(client, story, django_assert_num_queries):
    get(client, "/corrections/")

    with django_assert_num_queries(0):
        get(client, "/corrections/")


def test_every_page_links_the_corrections_page(client):
    assert 'href="/corrections/">Corrections</a>' in get(client, "/")


def test_a_notes_time_never_moves_the_article_back(client):
    article = ArticleFactory(slug="late")
    published_note(article, NOW - datetime.timedelta(hours=1))
    article.refresh_from_db()
    assert article.updated_at == NOW - datetime.timedelta(hours=1)
    assert article.display_date == article.updated_at
    assert timezone.is_aware(article.updated_at)
