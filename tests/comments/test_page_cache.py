"""Reader pages come from the shared cache, carry headers a CDN can use, and change at once.

These run against whichever cache the settings give: local memory on the SQLite pass, Redis on
the PostgreSQL pass (CI sets REDIS_URL).
"""

import datetime
import os
import re
import socket
import time

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import caching
from articles.models import Author, Section
from comments import retention
from comments.models import Comment
from tests.comments.conftest import act, approved_comment, comment_data, held_comment
from tests.factories import ArticleFactory, AuthorFactory, FAQFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/articles/splash-pads/"
READER_PAGES = [URL, "/", "/section/news/", "/author/ada-writer/", "/tag/parks/"]


@pytest.fixture
def article(db):
    section = SectionFactory(name="News", slug="news")
    author = AuthorFactory(name="Ada Writer", slug="ada-writer")
    return ArticleFactory(
        title="Splash pads reopen early",
        slug="splash-pads",
        section=section,
        authors=[author],
        tags=[TagFactory(name="Parks", slug="parks")],
    )


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    response.queries = len(captured.captured_queries)
    return response


def test_the_cache_is_redis_when_redis_url_is_set(settings):

    backend = type(caches["default"]).__name__
    assert backend == ("RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache")


@pytest.mark.skipif("not os.environ.get('REDIS_URL')", reason="needs Redis (REDIS_URL)")
def test_redis_cache_operations_share_one_client_per_connection_pool():
    cache = caches["default"]
    client = cache._cache.get_client(write=True)

    cache.set("pooled-client-check", 1, 30)
    cache.incr("pooled-client-check")
    assert cache.get("pooled-client-check") == 2
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads share the pool and client
    cache.delete("pooled-client-check")


def test_a_change_moves_each_tag_on_one_generation_and_starts_a_lost_one_from_the_clock(
    monkeypatch,
):
    cache = caches["default"]
    if os.environ.get("REDIS_URL"):  # one script (SET NX + INCR), not incr() key by key
        monkeypatch.setattr(cache, "incr", lambda *args, **kwargs: pytest.fail("incr() used"))
    kept, lost = caching._gen_key("bump-check-kept"), caching._gen_key("bump-check-lost")
    cache.set(kept, 41, None)
    cache.delete(lost)
    before = time.time_ns()

    caching._bump(["bump-check-kept", "bump-check-lost"])

    assert cache.get(kept) == 42
    # Never 1: a generation lost to eviction must not meet entries cached under an old one.
    assert cache.get(lost) >= before
    if os.environ.get("REDIS_URL"):  # a restarted Redis has forgotten the script: sent again
        cache._cache.get_client(write=True).script_flush()
        caching._bump(["bump-check-kept"])
        assert cache.get(kept) == 43
    cache.delete_many([kept, lost])


@pytest.mark.parametrize("url", READER_PAGES)
def test_anonymous_reader_pages_are_shareable_and_say_so(client, article, url):
    response = client.get(url)

    assert response.status_code == 200
    control = set(response["Cache-Control"].split(", "))
    assert {"public", "max-age=0", "s-maxage=300", "stale-while-revalidate=30"} == control
    assert response["Vary"] == "Accept-Encoding"
    assert response["ETag"].startswith('"')
    assert "site" in response["Cache-Tags"].split()
    assert not response.cookies
    assert b"csrfmiddlewaretoken" not in response.content


@pytest.mark.parametrize("url", READER_PAGES)
def test_a_second_anonymous_request_comes_from_the_cache_without_queries(client, article, url):
    first = queries(client, url)
    second = queries(client, url)

    assert first.queries > 0
    assert second.queries == 0
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_the_article_page_names_the_article_in_its_cache_tags(client, article):
    assert client.get(URL)["Cache-Tags"].split() == [f"article-{article.pk}", "site"]


def test_a_matching_validator_gets_304_without_a_body(client, article):
    etag = client.get(URL)["ETag"]

    again = client.get(URL, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""


def test_a_compressed_page_revalidates_with_its_weak_validator(client, article):
    first = client.get(URL, headers={"Accept-Encoding": "br"})
    assert first["ETag"].startswith('W/"')

    again = client.get(URL, headers={"Accept-Encoding": "br", "If-None-Match": first["ETag"]})

    assert again.status_code == 304


def test_approving_a_comment_shows_on_the_very_next_request(client, article):
    held = held_comment(article, body="Worth the wait.")
    assert "Worth the wait." not in client.get(URL).content.decode()

    held.approve()

    assert "Worth the wait." in client.get(URL).content.decode()


@pytest.mark.parametrize("verb", ["remove", "mark_spam", "unapprove"])
def test_a_comment_taken_down_goes_on_the_very_next_request(client, article, verb):
    comment = approved_comment(article, body="Soon gone from the page.")
    assert "Soon gone from the page." in client.get(URL).content.decode()

    getattr(comment, verb)()

    assert "Soon gone from the page." not in client.get(URL).content.decode()


def test_a_moderators_edit_and_an_erasure_show_on_the_very_next_request(client, article):
    comment = approved_comment(article, name="Erin Example", email="erin@example.net")
    client.get(URL)

    comment.edit(body="Corrected by a moderator.")
    assert "Corrected by a moderator." in client.get(URL).content.decode()

    retention.erase_commenter("erin@example.net")
    html = client.get(URL).content.decode()
    assert "Erin Example" not in html
    assert "Anonymous" in html


def test_purging_a_removed_parent_moves_its_reply_up_on_the_very_next_request(
    client, article, settings
):
    parent = approved_comment(article, body="Parent text.")
    reply = approved_comment(article, parent=parent, body="Reply text.")
    parent.remove()
    Comment.objects.filter(pk=parent.pk).update(
        status_changed_at=parent.status_changed_at - datetime.timedelta(days=60)
    )
    client.get(URL)

    retention.purge()

    assert not Comment.objects.filter(pk=parent.pk).exists()
    assert Comment.objects.get(pk=reply.pk).parent_id is None
    html = client.get(URL).content.decode()
    assert f'<li id="comment-{reply.pk}" class="comment depth-1"' in html


def test_bookkeeping_on_a_held_comment_leaves_the_cached_page_alone(client, article):
    held = held_comment(article)
    client.get(URL)

    held.record_notified(["mo@example.org"])
    held.hold("link_limit")

    assert queries(client, URL).queries == 0


def test_editorial_changes_show_on_every_page_at_once(client, article):
    for url in READER_PAGES:
        client.get(url)

    article.title = "Splash pads reopen a week early"
    article.save()

    for url in READER_PAGES:
        assert "Splash pads reopen a week early" in client.get(url).content.decode(), url


def rename(model, slug, name):
    row = model.objects.get(slug=slug)
    row.name = name
    row.save()


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda a: FAQFactory(article=a, question="Are the pads free?"), "Are the pads free?"),
        (lambda a: rename(Author, "ada-writer", "Ada W. Writer"), "Ada W. Writer"),
        (lambda a: rename(Section, "news", "Local News"), "Local News"),
        (lambda a: a.tags.add(TagFactory(name="Summer", slug="summer")), "Summer"),
    ],
    ids=["faq", "author", "section", "tagging"],
)
def test_changes_to_what_an_article_shows_appear_on_the_very_next_request(
    client, article, change, shown
):
    assert shown not in client.get(URL).content.decode()

    change(article)

    assert shown in client.get(URL).content.decode()


def navigation_of(page):
    return page.content.decode().split('class="site-nav"')[1].split("</nav>")[0]


def test_the_kept_page_chrome_marks_only_the_page_being_read(client, article):
    SectionFactory(name="Arts", slug="arts")
    current = {"/": "/", "/section/news/": "/section/news/", URL: None,
               "/section/arts/": "/section/arts/", "/author/ada-writer/": None}  # fmt: skip
    for _ in range(2):  # built, then from the kept fragments
        for url, marked in current.items():
            nav = navigation_of(client.get(url))
            found = re.findall(r'href="([^"]+)" aria-current="page"', nav)
            assert found == ([marked] if marked else []), url


def test_a_renamed_section_shows_in_the_navigation_of_every_page_at_once(client, article):
    for url in READER_PAGES:
        client.get(url)

    rename(Section, "news", "Local News")

    for url in READER_PAGES:
        assert ">Local News</a>" in navigation_of(client.get(url)), url


def test_an_unpublished_article_is_gone_on_the_very_next_request(client, article):
    assert client.get(URL).status_code == 200

    article.unpublish()

    assert client.get(URL).status_code == 404
    assert "Splash pads reopen early" not in client.get("/").content.decode()


def test_a_reader_with_their_own_held_comment_gets_a_private_page_and_no_one_else_sees_it(
    client, article, post
):
    shared = Client().get(URL)
    comment = post(article, body="Mine, awaiting a moderator.").comment
    assert comment.is_pending()

    mine = client.get(URL)
    theirs = Client().get(URL)

    assert "private" in mine["Cache-Control"] and "no-store" in mine["Cache-Control"]
    assert "Mine, awaiting a moderator." in mine.content.decode()
    assert "Mine, awaiting a moderator." not in theirs.content.decode()
    assert theirs.content == shared.content


def test_a_remembered_reader_gets_their_name_filled_in_on_a_private_page(client, article, post):
    post(article, name="Remembered Rae", remember="on")
    client.cookies.pop("comments_pending")

    mine = client.get(URL)
    theirs = Client().get(URL)

    assert 'value="Remembered Rae"' in mine.content.decode()
    assert "private" in mine["Cache-Control"]
    assert "Remembered Rae" not in theirs.content.decode()


def test_staff_get_private_pages_that_never_reach_the_shared_cache(client, article, moderator):
    client.force_login(moderator)
    staff = client.get(URL)
    anonymous = Client().get(URL)

    assert "private" in staff["Cache-Control"]
    assert "public" in anonymous["Cache-Control"]
    assert queries(Client(), URL).queries == 0  # the anonymous copy, not the staff one


def test_previews_are_never_cached(client, article, senior_editor):
    client.force_login(senior_editor)

    response = client.get(f"/preview/{article.pk}/")

    assert "no-store" in response["Cache-Control"]


def test_the_page_cache_can_be_switched_off_leaving_headers_for_the_http_cache(
    client, article, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(URL)

    again = queries(client, URL)

    assert again.queries > 0
    assert "public" in again["Cache-Control"]


# Fragments are kept in the process too: a page made of them costs one round trip per read of
# generations, and nothing else.

CACHE_CALLS = ["get", "get_many", "set", "add", "set_many", "delete", "delete_many", "incr"]


def cache_calls(monkeypatch):
    """Every call the process makes to the cache from now on, by method name (not the calls a
    backend makes to itself: local memory's ``get_many`` calls ``get``)."""
    cache, calls, inside = caches["default"], [], []

    def counted(name, real):
        def call(*args, **kwargs):
            if not inside:
                calls.append(name)
            inside.append(name)
            try:
                return real(*args, **kwargs)
            finally:
                inside.pop()

        return call

    for name in CACHE_CALLS:
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    return calls


@pytest.mark.parametrize(
    ("url", "round_trips"),
    [(URL, 2), ("/", 1), ("/section/news/", 1), ("/author/ada-writer/", 1), ("/tag/parks/", 1)],
)
def test_a_page_built_from_kept_fragments_only_reads_generations(
    client, article, settings, monkeypatch, url, round_trips
):
    # The site's tag and a listing's comment counts in one round trip; an article's own
    # comments need its primary key, so a second.
    approved_comment(article, body="Counted on every card.")
    settings.PAGE_CACHE_SECONDS = 0
    client.get(url)
    calls = cache_calls(monkeypatch)

    response = client.get(url)

    assert response.status_code == 200
    assert calls == ["get_many"] * round_trips


def counting_build():
    """A fragment's ``build``: the number of times it has been called."""
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    return build


def test_a_kept_fragment_is_served_by_the_process_without_the_cache(settings):
    build = counting_build()
    tags = caching.generations(["fragment-check"])

    first = caching.fragment("check", tags, build)
    caches["default"].clear()  # the shared copy gone: this process still has its own

    assert caching.fragment("check", tags, build) == first == 1
    assert caching.fragment("check", caching.generations(["fragment-check"]), build) == 2


def test_a_kept_fragment_lasts_as_long_as_its_timeout_in_the_process_too():
    build = counting_build()
    tags = caching.generations(["fragment-timeout-check"])

    assert caching.fragment("timed", tags, build, timeout=1) == 1
    assert caching.fragment("timed", tags, build, timeout=1) == 1
    time.sleep(1.1)

    assert caching.fragment("timed", tags, build, timeout=1) == 2


def test_a_process_that_gets_a_fragment_late_keeps_it_only_as_long_as_the_shared_cache():
    build = counting_build()
    tags = caching.generations(["fragment-late-check"])

    assert caching.fragment("late", tags, build, timeout=2) == 1  # built and shared
    time.sleep(1)
    caching.forget_process_state()  # another process, which reads it from the shared cache
    assert caching.fragment("late", tags, build, timeout=2) == 1
    time.sleep(1.1)  # the shared copy's two seconds are over, though this process got it at 1

    assert caching.fragment("late", tags, build, timeout=2) == 2


def test_the_process_keeps_the_fragments_it_used_last(monkeypatch):
    monkeypatch.setattr(caching._LocalFragments, "size", 2)
    store = caching._LocalFragments()
    store.put("a", "A", 60)
    store.put("b", "B", 60)
    assert store.get("a") == "A"  # used since "b" was kept

    store.put("c", "C", 60)

    assert (store.get("a"), store.get("b"), store.get("c")) == ("A", None, "C")


def test_every_process_sees_a_change_at_once_though_it_keeps_fragments(client, article):
    held = held_comment(article, body="Seen by every worker.")
    client.get(URL)  # kept in this process
    caching.forget_process_state()
    client.get(URL)  # and in "another" (the same fragments, read back from the shared cache)

    held.approve()

    assert "Seen by every worker." in client.get(URL).content.decode()


def test_a_page_changed_while_it_was_built_is_served_but_not_kept(client, article):
    from articles import caching

    real = caching.generations
    calls = []

    def changing(tags):
        calls.append(tags)
        if len(calls) == 3:  # after the view read the data, before the page is stored
            caching.invalidate_now([caching.article_tag(article.pk)])
        return real(tags)

    caching.generations = changing
    try:
        response = client.get(URL)
    finally:
        caching.generations = real

    assert "private" in response["Cache-Control"]
    assert queries(client, URL).queries > 0


# The comment form on a shared page: no token in it; the origin says who sent it.


def post_from(client, article, headers):
    data = comment_data(article)
    response = client.post(f"/comments/post/{article.pk}/", data, headers=headers)
    return response, Comment.objects.filter(body=data["body"]).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "same-origin"},
    ],
    ids=["both", "origin", "fetch-site"],
)
def test_a_same_site_post_from_a_cached_page_is_accepted(article, headers):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(URL)
    assert "public" in page["Cache-Control"]

    response, stored = post_from(browser, article, headers)

    assert response.status_code == 302
    assert stored


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "http://testserver.elsewhere.example", "Sec-Fetch-Site": "same-site"},
    ],
    ids=["both", "origin", "fetch-site", "null-origin", "same-site"],
)
def test_a_cross_site_post_is_refused_with_403(article, headers):
    response, stored = post_from(Client(enforce_csrf_checks=True), article, headers)

    assert response.status_code == 403
    assert not stored


def test_a_trusted_origin_may_post(article, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]

    response, stored = post_from(
        Client(enforce_csrf_checks=True),
        article,
        {"Origin": "https://www.example.org", "Sec-Fetch-Site": "same-site"},
    )

    assert response.status_code == 302
    assert stored


def test_the_shared_page_holds_no_token_cookie_or_name(client, article, post):
    post(article, name="Private Person", remember="on")

    html = Client().get(URL).content.decode()

    assert "csrf" not in html.lower()
    assert "Private Person" not in html
    assert not re.search(r'name="name"[^>]*value=', html)


def test_pages_that_may_hold_a_secret_get_padded_gzip_never_brotli(client, article, moderator):
    client.force_login(moderator)  # a private page: its forms carry CSRF tokens

    page = client.get("/admin/", headers={"Accept-Encoding": "gzip, br"})
    shared = Client().get(URL, headers={"Accept-Encoding": "gzip, br"})

    assert page["Content-Encoding"] == "gzip"
    assert shared["Content-Encoding"] == "br"


# The cache down: readers get pages from the database, and changes still reach them.

DEAD_REDIS = {"default": {"BACKEND": "newsroom.cache.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip


@pytest.mark.parametrize("url", READER_PAGES)
def test_with_the_cache_down_reader_pages_come_from_the_database(client, article, url, settings):
    settings.CACHES = DEAD_REDIS

    first, second = queries(client, url), queries(client, url)

    assert first.status_code == second.status_code == 200
    assert "Splash pads reopen early" in second.content.decode()
    assert second.queries == first.queries > 0  # built every time: nothing could be kept


def test_with_the_cache_down_a_comment_approved_in_the_admin_shows_at_once(
    client, article, moderator, settings
):
    held = held_comment(article, body="Approved while Redis was away.")
    settings.CACHES = DEAD_REDIS
    desk = Client()
    desk.force_login(moderator)

    response = act(desk, "approve_selected", held)  # the sessions live in the database

    assert response.status_code == 200
    held.refresh_from_db()
    assert held.is_approved()
    assert "Approved while Redis was away." in client.get(URL).content.decode()


@pytest.mark.parametrize("url", READER_PAGES)
def test_with_no_cache_configured_reader_pages_are_built_every_time(client, article, url, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    first, second = queries(client, url), queries(client, url)

    assert first.status_code == second.status_code == 200
    assert "Splash pads reopen early" in second.content.decode()
    assert second.queries == first.queries > 0


def test_a_change_made_while_the_cache_was_out_of_reach_shows_once_it_is_back(
    client, article, settings
):
    held = held_comment(article, body="Approved during the outage.")
    assert "Approved during the outage." not in client.get(URL).content.decode()  # now cached
    reachable = settings.CACHES

    settings.CACHES = DEAD_REDIS
    held.approve()  # the generations cannot be moved now: this process owes the bump
    settings.CACHES = reachable  # the same cache, still holding the page from before

    assert "Approved during the outage." in client.get(URL).content.decode()


def test_a_redis_that_stops_answering_costs_readers_its_timeout_not_an_error(
    client, article, settings
):
    # It accepts connections (the kernel does, for a listening socket) and never answers.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        settings.CACHES = {"default": {
            "BACKEND": "newsroom.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_timeout": 0.1, "socket_connect_timeout": 0.1},
        }}  # fmt: skip
        response = client.get(URL)

    assert response.status_code == 200
    assert "Splash pads reopen early" in response.content.decode()


@pytest.mark.skipif("not os.environ.get('REDIS_URL')", reason="needs Redis (REDIS_URL)")
def test_the_redis_cache_waits_at_most_its_timeout_for_an_answer():
    options = caches["default"]._cache._pool_options

    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5


def test_after_a_failure_the_cache_is_left_alone_for_a_few_seconds(client, article, settings):
    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:
        port = silent.getsockname()[1]
        settings.CACHES = {"default": {
            "BACKEND": "newsroom.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_timeout": 0.1, "socket_connect_timeout": 0.1},
        }}  # fmt: skip
        assert client.get(URL).status_code == 200
        tried = connections_waiting(silent)

        again = client.get(URL)
        retried = connections_waiting(silent)

    assert tried >= 1
    assert again.status_code == 200
    assert retried == 0  # within CACHE_RETRY_SECONDS: not asked at all, so no timeout to wait
    assert "Splash pads reopen early" in again.content.decode()


def connections_waiting(server):
    """Connections made to ``server`` since last asked (accepted now, and closed)."""
    server.settimeout(0)
    count = 0
    while True:
        try:
            connection, _address = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1
