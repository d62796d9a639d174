"""The NewsArticle's discussion, read by extruct: commentCount and the page's Comment items."""

import datetime

import extruct
import pytest
from django.utils import timezone

from comments import structured_data
from tests.comments.conftest import approved_comment, held_comment

SITE = "http://127.0.0.1:8000"  # settings.SITE_URL, which canonical addresses are built on


def news_article(client, article, query=""):
    url = f"/articles/{article.slug}/{query}"
    response = client.get(url)
    assert response.status_code == 200
    data = extruct.extract(
        response.content.decode(), base_url=f"http://testserver{url}", syntaxes=["json-ld"]
    )["json-ld"]
    (found,) = [item for item in data if item["@type"] == "NewsArticle"]
    return found


def comment_id(article, comment, query=""):
    return f"{SITE}/articles/{article.slug}/{query}#comment-{comment.pk}"


@pytest.fixture
def thread(article):
    """A comment, a reply to it and a reply to the reply, approved; one held reply."""
    start = timezone.now() - datetime.timedelta(hours=2)
    root = approved_comment(
        article, name="Ada Root", url="https://ada.example.org", submitted_at=start,
        body="The **first** remark & a question.",
    )  # fmt: skip
    reply = approved_comment(
        article, name="Bo Reply", parent=root, body="An answer.",
        submitted_at=start + datetime.timedelta(minutes=5),
    )  # fmt: skip
    deeper = approved_comment(
        article, name="Cy Deeper", parent=reply, body="And one more.",
        submitted_at=start + datetime.timedelta(minutes=9),
    )  # fmt: skip
    held_comment(article, parent=root, body="Not yet approved.")
    return root, reply, deeper


def test_the_news_article_counts_and_lists_the_approved_comments(client, settings, article, thread):
    settings.SITE_URL = SITE
    root, reply, deeper = thread

    data = news_article(client, article)

    assert data["commentCount"] == 3
    items = data["comment"]
    assert [item["@type"] for item in items] == ["Comment"] * 3
    assert [item["author"]["name"] for item in items] == ["Ada Root", "Bo Reply", "Cy Deeper"]
    first = items[0]
    assert first["@id"] == comment_id(article, root)
    assert first["author"] == {
        "@type": "Person",
        "name": "Ada Root",
        "url": "https://ada.example.org",
    }
    assert first["text"] == "The first remark & a question."
    assert first["dateCreated"] == root.submitted_at.isoformat(timespec="seconds")
    root.refresh_from_db()
    assert first["datePublished"] == root.status_changed_at.isoformat(timespec="seconds")
    assert "Not yet approved." not in str(items)
    assert "earlier@example.net" not in str(data)  # the commenters' e-mail addresses


def test_replies_name_the_comment_they_answer_as_parent_item(client, settings, article, thread):
    settings.SITE_URL = SITE
    root, reply, deeper = thread

    items = {item["@id"]: item for item in news_article(client, article)["comment"]}

    assert "parentItem" not in items[comment_id(article, root)]
    assert items[comment_id(article, reply)]["parentItem"] == {"@id": comment_id(article, root)}
    assert items[comment_id(article, deeper)]["parentItem"] == {"@id": comment_id(article, reply)}
    for item in items.values():
        if "parentItem" in item:
            assert item["parentItem"]["@id"] in items  # every parent is on the page too


def test_a_reply_whose_parent_is_not_shown_names_no_parent(client, article):
    parent = held_comment(article, body="Held.")
    orphan = approved_comment(article, parent=parent, body="Answering a held comment.")

    (item,) = news_article(client, article)["comment"]

    assert item["@id"].endswith(f"#comment-{orphan.pk}")
    assert "parentItem" not in item


def test_without_comments_the_count_is_zero_and_there_are_no_items(client, article):
    held_comment(article)

    data = news_article(client, article)

    assert data["commentCount"] == 0
    assert "comment" not in data


def test_each_comment_page_lists_its_own_comments(client, settings, article):
    settings.SITE_URL = SITE
    settings.COMMENTS_PAGE_SIZE = 2
    comments = [approved_comment(article, body=f"Remark {n}.") for n in range(3)]

    first = news_article(client, article)
    second = news_article(client, article, "?cpage=2")

    assert first["commentCount"] == second["commentCount"] == 3
    assert [item["text"] for item in first["comment"]] == ["Remark 0.", "Remark 1."]
    assert [item["@id"] for item in second["comment"]] == [
        comment_id(article, comments[2], "?cpage=2")
    ]


def test_long_texts_are_trimmed_and_long_pages_list_the_first_comments(client, article):
    long_text = "word " * 200
    for n in range(structured_data.MAX_COMMENTS + 5):
        approved_comment(article, body=long_text if n == 0 else f"Remark {n}.")

    data = news_article(client, article)

    assert data["commentCount"] == structured_data.MAX_COMMENTS + 5
    assert len(data["comment"]) == structured_data.MAX_COMMENTS
    assert len(data["comment"][0]["text"]) <= structured_data.TEXT_LENGTH
    assert data["comment"][0]["text"].endswith("…")
    assert data["comment"][1]["text"] == "Remark 1."


def test_the_structured_data_follows_a_comment_change_on_the_next_request(
    client, article, moderator
):
    comment = held_comment(article, body="Waiting.")
    assert news_article(client, article)["commentCount"] == 0
    assert news_article(client, article)["commentCount"] == 0  # from the cache

    comment.approve(by=moderator)
    data = news_article(client, article)
    assert data["commentCount"] == 1 and data["comment"][0]["text"] == "Waiting."

    comment.remove(by=moderator)
    assert news_article(client, article)["commentCount"] == 0


def test_the_rest_of_the_news_article_is_unchanged(client, article, thread):
    data = news_article(client, article)

    assert data["headline"] == article.title
    assert data["@context"] == "https://schema.org"
    assert data["author"][0]["@type"] == "Person"


def test_a_preview_prints_no_structured_data(client, senior_editor):
    from tests.factories import ArticleFactory

    draft = ArticleFactory(draft=True, authors=[senior_editor.author])
    client.force_login(senior_editor)

    html = client.get(f"/preview/{draft.pk}/").content.decode()

    assert "application/ld+json" not in html
