import pytest
from django.db import connection

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def result_titles(client, query):
    page = client.get("/search/", {"q": query}).content.decode()
    return [
        line.split('">', 1)[1].split("</a>")[0]
        for line in page.split('class="card-title"><a href="')[1:]
    ]


def test_empty_query_shows_the_search_form_and_no_results(client):
    ArticleFactory(title="Anything at all")
    page = client.get("/search/").content.decode()
    assert 'name="q"' in page and 'role="search"' in page
    assert "Anything at all" not in page


def test_search_finds_published_articles_by_title_dek_or_body_only(client):
    ArticleFactory(title="Ferry timetable changes")
    ArticleFactory(title="Council news", dek="The ferry landing will be repaired.")
    ArticleFactory(title="Weather", body="Fog delayed the ferry on Tuesday.")
    ArticleFactory(title="Ferry draft", draft=True)
    ArticleFactory(title="Nothing relevant")
    assert set(result_titles(client, "ferry")) == {
        "Ferry timetable changes",
        "Council news",
        "Weather",
    }


def test_search_says_how_many_results_it_found(client):
    ArticleFactory(title="Ferry timetable changes")
    page = client.get("/search/", {"q": "ferry"}).content.decode()
    assert "1 result for “ferry”" in page
    assert "0 results for “nonsense”" in client.get("/search/", {"q": "nonsense"}).content.decode()


def test_search_results_are_paginated_and_keep_the_query(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    ArticleFactory.create_batch(3, title="Ferry story")
    page = client.get("/search/", {"q": "ferry"}).content.decode()
    assert 'href="?q=ferry&amp;page=2"' in page
    assert len(result_titles(client, "ferry")) == 2


def test_search_falls_back_to_substring_matching_off_postgresql(client):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL uses full-text search")
    ArticleFactory(title="Ferryman's tale")
    assert result_titles(client, "erryma") == ["Ferryman&#x27;s tale"]


def test_search_ranks_by_relevance_on_postgresql(client):
    if connection.vendor != "postgresql":
        pytest.skip("full-text ranking needs PostgreSQL")
    ArticleFactory(title="Council meets", body="A passing mention of the ferry.")
    ArticleFactory(title="Ferry fares rise", dek="The ferry costs more.", body="Ferry ferry.")
    ArticleFactory(title="Ferry landing", body="Repairs begin.")
    assert result_titles(client, "ferries") == [
        "Ferry fares rise",
        "Ferry landing",
        "Council meets",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The GIN index is PostgreSQL's.")
def test_full_text_search_uses_the_gin_index_on_the_stored_vector(client):
    from articles.models import Article

    for n in range(30):
        ArticleFactory(title=f"Story {n}", body="Harbour dredging resumes." if n % 3 else "Other.")
    # The search condition alone, so the only index the planner could use is the GIN one.
    query = Article.objects.search("dredging").values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "article_search_idx" in plan
    assert len(query) == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The GIN index is PostgreSQL's.")
def test_new_articles_go_straight_into_the_search_index_not_a_pending_list():
    words = " ".join(f"word{n}" for n in range(400))  # enough entries to fill pending pages
    for n in range(10):
        ArticleFactory(title=f"Indexed at once {n}", body=f"{words} story{n}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('article_search_idx'::regclass)")
        [(pending_pages,)] = cursor.fetchall()

    assert pending_pages == 0  # nothing left waiting, so no search has to read a list


@pytest.mark.parametrize(
    "hostile",
    ["!(&|" * 2000, "-" * 5000 + "ferry", '"' * 999, "ferry <script>", "a" * 100_000],
    ids=["operators", "dashes", "quotes", "markup", "huge"],
)
def test_hostile_search_strings_get_a_page_not_an_error(client, hostile):
    ArticleFactory(title="Ferry timetable changes")

    response = client.get("/search/", {"q": hostile})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_a_search_with_a_nul_character_is_refused_as_unreadable(client):
    # No text on the site can hold one, so the site's 400 page answers before the search runs.
    response = client.get("/search/", {"q": "ferry\x00"})

    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Search syntax is PostgreSQL's.")
def test_search_still_understands_phrases_and_exclusions(client):
    ArticleFactory(title="Ferry timetable changes")
    ArticleFactory(title="Ferry strike ends")

    assert result_titles(client, "ferry -strike") == ["Ferry timetable changes"]
    assert result_titles(client, '"ferry timetable"') == ["Ferry timetable changes"]
