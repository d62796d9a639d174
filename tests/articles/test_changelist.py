"""The admin's lists answer filters they cannot use with a 400 that names the problem."""

import pytest

from articles.models import Article
from comments.models import Comment
from tests.comments.conftest import held_comment
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"
ARTICLES = "/admin/articles/article/"


@pytest.fixture
def held(db):
    return held_comment(ArticleFactory(), ip="203.0.113.5", email="ada@example.net")


@pytest.fixture(params=["superuser", "moderator"])
def queue_client(request, client, admin_user, moderator):
    client.force_login(admin_user if request.param == "superuser" else moderator)
    return client


@pytest.fixture(params=["superuser", "senior_editor"])
def desk_client(request, client, admin_user, senior_editor):
    client.force_login(admin_user if request.param == "superuser" else senior_editor)
    return client


@pytest.mark.parametrize("name", ["email", "name", "url", "akismet", "ip", "status", "reason"])
def test_a_queue_filter_with_a_nul_character_is_refused(queue_client, held, name):
    # PostgreSQL refuses NUL in text: psycopg raised, and the queue answered 500.
    response = queue_client.get(f"{QUEUE}?{name}=ada%00")

    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()


@pytest.mark.parametrize("name", ["title", "status", "comment_policy", "q"])
def test_an_article_list_filter_with_a_nul_character_is_refused(desk_client, name):
    response = desk_client.get(f"{ARTICLES}?{name}=draft%00")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["/admin/comments/rule/?kind=word%00", "/admin/comments/purgelog/?kind=%00"]
)
def test_the_other_moderation_lists_refuse_a_nul_character(admin_client, path):
    assert admin_client.get(path).status_code == 400


def test_the_queues_own_commenter_links_still_filter(queue_client, held):
    for query in ("email=ada%40example.net&status=all", "ip=203.0.113.5&status=all"):
        response = queue_client.get(f"{QUEUE}?{query}")

        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [held]


@pytest.mark.parametrize("value", ["not-an-address", "203.0.113.999", "%C3%A9"])
def test_an_ip_filter_that_is_no_ip_address_is_refused_naming_the_problem(
    queue_client, held, value
):
    # PostgreSQL's inet column could not compare it: a 500 there, silently nothing elsewhere.
    response = queue_client.get(f"{QUEUE}?ip={value}&status=all")

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "The list cannot be shown with these filters: Enter a valid IPv4 or IPv6 address." in html
    )
    assert f'<a href="{QUEUE}">' in html


def test_an_ip_comparison_that_is_no_ip_address_is_refused(queue_client, held):
    assert queue_client.get(f"{QUEUE}?ip__gt=x").status_code == 400


def test_a_filter_longer_than_its_field_is_refused(queue_client, held):
    assert queue_client.get(f"{QUEUE}?email={'a' * 300}").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        f"{ARTICLES}?published_at__year={'9' * 30}",  # the date hierarchy's year
        f"{ARTICLES}?published_at__year=2026&published_at__month=13",
        f"/admin/comments/articlecommentpolicy/?published_at__year={'9' * 30}",
    ],
)
def test_a_year_no_date_can_have_is_refused(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 400
    assert "The list cannot be shown with these filters" in response.content.decode()


def test_a_filter_of_the_wrong_type_gets_a_400_instead_of_a_database_error_page(queue_client, held):
    # Django redirects to ?e=1, a 200 page that blames the database installation.
    response = queue_client.get(f"{QUEUE}?submitted_at__gte=yesterday")

    assert response.status_code == 400
    assert "The list cannot be shown with these filters" in response.content.decode()


def test_an_action_on_ids_no_article_can_have_is_refused_and_changes_nothing(admin_client):
    article = ArticleFactory(draft=True)

    response = admin_client.post(
        ARTICLES, {"action": "publish", "_selected_action": [article.pk, "x"], "index": 0}
    )

    assert response.status_code == 400
    assert "The rows chosen for the action are not rows of this list." in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_an_action_on_ids_no_comment_can_have_is_refused(queue_client, held):
    response = queue_client.post(
        QUEUE, {"action": "approve", "_selected_action": [held.pk, "1%00"], "index": 0}
    )

    assert response.status_code == 400
    assert Comment.objects.get().is_pending()


@pytest.mark.parametrize(
    "path",
    [QUEUE, ARTICLES, "/admin/comments/appeal/", "/admin/auth/user/", "/admin/articles/importrun/"],
)
def test_a_search_longer_than_anyone_types_is_refused_naming_the_limit(admin_client, held, path):
    # SQLite cannot run a LIKE pattern past 50,000 bytes: the list answered 503.
    response = admin_client.get(path, {"q": "x" * 60_000})

    assert response.status_code == 400
    assert "more than 500 characters" in response.content.decode()


def test_a_search_at_the_limit_still_searches(queue_client, held):
    response = queue_client.get(QUEUE, {"q": "ada" + " " * 497})
    assert response.status_code == 200
    assert held.body in response.content.decode()


def test_a_text_filter_longer_than_the_limit_is_refused(admin_client, held):
    response = admin_client.get(QUEUE, {"body__contains": "é" * 30_000})

    assert response.status_code == 400
    assert "more than 500 characters" in response.content.decode()
