"""Generated hostile requests to the comment, report, appeal and search endpoints and the
admin's lists: every answer is below 500, and a refused request saves nothing.

Parameters are known names (the forms' fields, the lists' filters) or random ones, with text
that includes NUL, lone surrogates, odd digits and huge values; bodies are sent with a declared
charset that may be wrong, and sometimes as raw bytes. Examples are few enough for a minute.
"""

import itertools
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from comments import appeals
from comments.models import Appeal, Comment, Report
from tests.comments.conftest import approved_comment, comment_data
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,  # no example files written into the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip

# Every category, lone surrogates ("Cs") and control characters such as NUL ("Cc") included.
ANY_CHARACTER = st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Co", "Cs"])
NOTABLE = ["", "\x00", "a\x00b", "\ud800", "x" * 200_000, "é" * 30_000, "9" * 40, "-1", "0",
           "1.5", "١٢", "203.0.113.5", "::1", "ada@example.net", "all", "pending", "spam",
           "2026-02-30", "'; SELECT 1; --", "%", "&", "=", "+", "\\", "*", "(", "\"", "a:b", "!",
           "-", "|", "<&>", " ", "\u2028", "\ufeff"]  # fmt: skip
VALUES = st.one_of(st.text(ANY_CHARACTER, max_size=40), st.sampled_from(NOTABLE))
CHARSETS = [None, None, None, "utf-8", "UTF8", "utf-16", "latin-1", "ascii", "bogus", '"', ""]

COMMENT_FIELDS = ["name", "email", "url", "body", "parent", "homepage", "timestamp", "remember"]
QUEUE_FILTERS = ["status", "reason", "email", "name", "url", "akismet", "ip", "q", "o", "p",
                 "article__id__exact", "article__section__id__exact", "submitted_at__gte",
                 "submitted_at__lt", "submitted_at__isnull", "ip__in", "e",
                 "_to_field"]  # fmt: skip
ARTICLE_FILTERS = ["status", "title", "q", "o", "p", "section__id__exact",
                   "authors__id__exact", "published_at__gte", "published_at__lt",
                   "published_at__year", "published_at__month", "published_at__day",
                   "comment_policy", "slug", "e"]  # fmt: skip

_addresses = itertools.count(1)


def parameters(known):
    """Pairs of known or random names with hostile values, at most a few."""
    names = st.one_of(st.sampled_from(known), st.text(ANY_CHARACTER, max_size=12))
    return st.lists(st.tuples(names, VALUES), max_size=4)


def encode(pairs):
    """A query string or urlencoded body; a surrogate's bytes are sent as they are (not UTF-8)."""
    return "&".join(f"{percent(name)}={percent(value)}" for name, value in pairs)


def percent(text):
    return quote(text.encode("utf-8", "surrogatepass"))


def is_utf8_form(body, charset):
    """Whether the body is UTF-8 text, percent-decoded, and says so if it names a charset."""
    try:
        parse_qsl(body.decode(), errors="strict")
    except UnicodeDecodeError:
        return False
    return charset in (None, "utf-8", "UTF8")


def content_type(charset):
    base = "application/x-www-form-urlencoded"
    return base if charset is None else f"{base}; charset={charset}"


def next_ip():
    n = next(_addresses)
    return f"198.51.{n // 250 % 250}.{n % 250 + 1}"


@pytest.fixture
def site(settings):
    settings.AKISMET_API_KEY = ""
    settings.COMMENTS_FLOOD_SECONDS = 0
    article = ArticleFactory(slug="splash-pads")
    return article, approved_comment(article, body="A comment to reply to and to report.")


@pytest.fixture
def any_client(client):
    return client  # raises a view's exception: a 500 fails the test with its traceback


@FUZZ
@given(
    replaced=st.lists(st.tuples(st.sampled_from(COMMENT_FIELDS), VALUES), max_size=3),
    extra=parameters(COMMENT_FIELDS),
    charset=st.sampled_from(CHARSETS),
    raw_tail=st.one_of(st.none(), st.binary(max_size=20)),
)
def test_comment_posts_never_fail_and_unreadable_or_refused_ones_save_nothing(
    any_client, site, replaced, extra, charset, raw_tail
):
    article, parent = site
    data = comment_data(article, parent=str(parent.pk)) | dict(replaced)
    body = encode([*data.items(), *extra]).encode()
    if raw_tail is not None:
        body += b"&body=" + raw_tail
    before = Comment.objects.count()

    response = any_client.generic(
        "POST", f"/comments/post/{article.pk}/", body,
        content_type=content_type(charset), REMOTE_ADDR=next_ip(),
    )  # fmt: skip

    assert response.status_code < 500
    if not is_utf8_form(body, charset):
        assert response.status_code == 400  # not read with a guessed encoding and saved
    if response.status_code != 302:
        assert Comment.objects.count() == before


@FUZZ
@given(
    query=parameters(["from", "page", "reason"]),
    fields=parameters(["reason", "note"]),
    charset=st.sampled_from(CHARSETS),
)
def test_the_report_page_never_fails_and_unreadable_or_refused_reports_save_nothing(
    any_client, site, query, fields, charset
):
    _article, comment = site
    url = f"/comments/report/{comment.pk}/?{encode(query)}"
    assert any_client.get(url).status_code < 500
    before = Report.objects.count()

    body = encode(fields).encode()
    response = any_client.generic(
        "POST", url, body, content_type=content_type(charset), REMOTE_ADDR=next_ip()
    )

    assert response.status_code < 500
    if not is_utf8_form(body, charset):
        assert response.status_code == 400
    if response.status_code >= 400:
        assert Report.objects.count() == before


@FUZZ
@given(
    token=st.one_of(st.none(), VALUES.filter(lambda t: t and "/" not in t)),
    fields=parameters(["note"]),
    charset=st.sampled_from(CHARSETS),
)
def test_the_appeal_page_never_fails_and_refused_appeals_save_nothing(
    any_client, site, moderator, token, fields, charset
):
    _article, comment = site
    if not comment.is_removed():
        comment.remove(by=moderator, reason="abuse")
    Appeal.objects.all().delete()
    # The take-down itself: an earlier example's appeal recorded an event after it.
    decision = appeals.latest_decision(comment)
    url = f"/comments/appeal/{percent(token or appeals.appeal_token(decision))}/"
    assert any_client.get(url).status_code < 500

    body = encode(fields).encode()
    response = any_client.generic("POST", url, body, content_type=content_type(charset))

    assert response.status_code < 500
    if not is_utf8_form(body, charset):
        assert response.status_code == 400
    if response.status_code >= 400:
        assert not Appeal.objects.exists()


@FUZZ
@given(q=VALUES, extra=parameters(["q", "page"]))
def test_search_never_fails_and_refuses_what_it_cannot_read(any_client, site, q, extra):
    query = encode([("q", q), *extra])

    response = any_client.get(f"/search/?{query}")

    assert response.status_code < 500
    if not is_utf8_form(query.encode(), None) or "%00" in query:
        assert response.status_code == 400


@pytest.fixture(params=["superuser", "moderator", "senior_editor"])
def staff_client(request, any_client, admin_user, moderator, senior_editor):
    staff = {"superuser": admin_user, "moderator": moderator, "senior_editor": senior_editor}
    any_client.force_login(staff[request.param])
    return any_client


@FUZZ
@given(
    path_and_filters=st.one_of(
        st.tuples(st.just("/admin/comments/comment/"), parameters(QUEUE_FILTERS)),
        st.tuples(st.just("/admin/articles/article/"), parameters(ARTICLE_FILTERS)),
        st.tuples(st.just("/admin/comments/appeal/"), parameters(["status", "o", "p", "e"])),
    )
)
def test_the_admin_lists_never_fail_whatever_they_are_filtered_by(
    staff_client, site, path_and_filters
):
    path, filters = path_and_filters

    response = staff_client.get(f"{path}?{encode(filters)}")

    assert response.status_code < 500
