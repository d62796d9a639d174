"""Requests the site cannot read get its 400 page, saying why, before any view runs."""

import io

import pytest

from comments.models import Comment, Report
from tests.comments.conftest import approved_comment, comment_data
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def form_body(data):
    return "&".join(f"{key}={value}" for key, value in data.items()).encode()


def post_raw(client, path, body, content_type=FORM):
    return client.generic("POST", path, body, content_type=content_type)


@pytest.fixture
def article(settings):
    settings.AKISMET_API_KEY = ""  # posting is tested elsewhere: only the refusals matter here
    return ArticleFactory(title="Splash pads reopen early", slug="splash-pads")


@pytest.fixture
def published(article):
    return approved_comment(article, body="A comment some readers dislike.")


@pytest.mark.parametrize("debug", [False, True])
def test_a_comment_declared_as_utf16_is_refused_saying_the_site_reads_utf8(
    client, article, settings, debug
):
    # With DEBUG on, Django's own error page parsed the body again and crashed (a 500).
    settings.DEBUG = debug
    body = form_body(comment_data(article)).decode().encode("utf-16")

    response = post_raw(client, f"/comments/post/{article.pk}/", body, f"{FORM}; charset=utf-16")

    assert response.status_code == 400
    html = response.content.decode()
    assert "This site reads requests in UTF-8 only, and this one was sent as “utf-16”." in html
    assert "it cannot be shown again here" in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize("charset", ["latin-1", "no-such-charset", "utf-16le"])
def test_a_report_declaring_any_charset_but_utf8_is_refused_and_not_stored(
    client, published, charset
):
    response = post_raw(
        client, f"/comments/report/{published.pk}/", b"reason=spam", f"{FORM}; charset={charset}"
    )

    assert response.status_code == 400
    assert "reads requests in UTF-8 only" in response.content.decode()
    assert not Report.objects.exists()


def test_a_comment_that_says_utf8_is_accepted(client, article):
    body = form_body(comment_data(article))

    response = post_raw(client, f"/comments/post/{article.pk}/", body, f"{FORM}; charset=UTF-8")

    assert response.status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "bad", [b"%FF%FE", b"\xff\xfe", b"%ED%A0%80"], ids=["escaped", "raw", "surrogate"]
)
def test_a_comment_with_bytes_that_are_not_utf8_is_refused_not_saved_as_mojibake(
    client, article, bad
):
    # Django would decode them as replacement characters, or the whole body as Latin-1.
    body = form_body(comment_data(article, body="")) + b"&body=Caf" + bad

    response = post_raw(client, f"/comments/post/{article.pk}/", body)

    assert response.status_code == 400
    assert "is not valid UTF-8 text" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("query", ["q=%FF", "q=%ED%A0%80", "page=%C3"])
def test_a_query_string_that_is_not_utf8_is_refused(client, query):
    response = client.get(f"/search/?{query}")

    assert response.status_code == 400
    assert "is not valid UTF-8 text" in response.content.decode()


@pytest.mark.parametrize("path", ["/search/?q=a%00b", "/?page=1%00", "/search/?q%00=a"])
def test_a_nul_character_in_the_address_is_refused_with_the_sites_400_page(client, path):
    response = client.get(path)

    assert response.status_code == 400
    html = response.content.decode()
    assert "The address contains a NUL character" in html
    assert "We couldn’t read that request" in html
    assert response["Content-Security-Policy"]  # the page has every header the site sends


def test_a_report_page_address_with_a_nul_character_is_refused(client, published):
    response = client.get(f"/comments/report/{published.pk}/?from=%00")

    assert response.status_code == 400


def test_a_form_body_too_large_to_read_is_refused_with_a_message(client, article, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = form_body(comment_data(article, body="x" * 2000))

    response = post_raw(client, f"/comments/post/{article.pk}/", body)

    assert response.status_code == 400
    assert "The form data could not be read" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("debug", [False, True])
def test_a_multipart_body_without_a_boundary_is_refused_with_a_message(
    client, article, settings, debug
):
    settings.DEBUG = debug

    response = post_raw(client, f"/comments/post/{article.pk}/", b"x", "multipart/form-data")

    assert response.status_code == 400
    assert "The form data could not be read" in response.content.decode()


def test_a_nul_character_in_a_comment_field_is_refused_by_the_form_with_the_text_back(
    client, article
):
    body = form_body(comment_data(article, body="Before%00after", name="Ada"))

    response = post_raw(client, f"/comments/post/{article.pk}/", body)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Null characters are not allowed." in html
    assert 'value="Ada"' in html
    assert not Comment.objects.exists()


def wsgi_post(content_type):
    """A POST through the site's WSGI handler, as gunicorn sends it. (Built here as
    newsroom.wsgi builds it: importing that module would freeze this process's objects.)"""
    from articles.middleware import ReadableRequestHandler

    application = ReadableRequestHandler()

    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/search/", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b"q=x"), "CONTENT_LENGTH": "3",
        "CONTENT_TYPE": content_type,
    }  # fmt: skip
    started = []
    body = b"".join(application(environ, lambda status, headers: started.append(status)))
    return started[0], body.decode()


@pytest.mark.django_db(transaction=True)  # the WSGI application opens and closes connections
@pytest.mark.parametrize(
    "content_type", ["text/plain; charset*=bogus''x", "text/plain; a=" + "x" * 10_001]
)
def test_a_content_type_header_django_cannot_parse_gets_a_400_not_a_server_error(content_type):
    status, html = wsgi_post(content_type)

    assert status == "400 Bad Request"
    assert "The request’s Content-Type header could not be read." in html


def test_djangos_own_bad_requests_get_the_sites_400_page(admin_client):
    # A lookup the admin does not allow raises SuspiciousOperation, answered by handler400.
    response = admin_client.get("/admin/comments/comment/?article__body__contains=x")

    assert response.status_code == 400
    assert "We couldn’t read that request" in response.content.decode()
