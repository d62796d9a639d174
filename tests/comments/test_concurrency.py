"""What must happen once happens once, however many readers post at the same moment.

Threads post through the real view with their own database connections, all released at once
by a barrier: on SQLite (the embedded default, a file in WAL mode) and on PostgreSQL.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from comments.models import Comment, Report
from tests.comments.conftest import approved_comment, comment_data

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 24


def at_once(*requests):
    """Run each ``request()`` in its own thread, all starting together; their results."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(n, request):
        try:
            barrier.wait(timeout=10)
            results[n] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, r)) for n, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def poster(article, data, ip):
    def post():
        return Client().post(f"/comments/post/{article.pk}/", data, REMOTE_ADDR=ip).status_code

    return post


def test_simultaneous_identical_comments_are_stored_once(article):
    data = comment_data(article, email="twin@example.net", body="Said once, sent many times.")

    codes = at_once(*(poster(article, data, f"192.0.2.{n + 1}") for n in range(THREADS)))

    assert Counter(codes) == {302: 1, 409: THREADS - 1}
    assert Comment.objects.filter(body="Said once, sent many times.").count() == 1


def test_simultaneous_comments_from_one_address_get_one_through_the_flood_window(article):
    posts = [poster(article, comment_data(article), "198.51.100.7") for _ in range(THREADS)]

    codes = at_once(*posts)

    assert Counter(codes) == {302: 1, 429: THREADS - 1}
    assert Comment.objects.filter(ip="198.51.100.7").count() == 1


def test_simultaneous_comments_from_one_email_get_one_through_the_flood_window(article):
    posts = [
        poster(article, comment_data(article, email="busy@example.net"), f"203.0.113.{n + 1}")
        for n in range(THREADS)
    ]

    assert Counter(at_once(*posts)) == {302: 1, 429: THREADS - 1}
    assert Comment.objects.filter(email="busy@example.net").count() == 1


def test_different_readers_posting_at_once_are_all_stored_without_errors(article):
    posts = [poster(article, comment_data(article), f"192.0.2.{n + 1}") for n in range(THREADS)]

    assert Counter(at_once(*posts)) == {302: THREADS}
    assert Comment.objects.filter(article=article).count() == THREADS


def test_simultaneous_reports_on_different_comments_all_succeed(article):
    comments = [approved_comment(article, body=f"Comment {n}.") for n in range(THREADS)]

    def reporter(comment, n):
        def report():
            data = {"reason": "abuse", "note": ""}
            url = f"/comments/report/{comment.pk}/"
            return Client().post(url, data, REMOTE_ADDR=f"192.0.2.{n + 1}").status_code

        return report

    codes = at_once(*(reporter(c, n) for n, c in enumerate(comments)))

    assert Counter(codes) == {200: THREADS}
    assert Report.objects.count() == THREADS


def test_one_form_replayed_at_once_from_one_address_sends_one_comment(article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    timestamp = comment_data(article)["timestamp"]
    posts = [
        poster(article, comment_data(article, timestamp=timestamp), "198.51.100.9")
        for _ in range(THREADS)
    ]

    assert Counter(at_once(*posts)) == {302: 1, 400: THREADS - 1}
    assert Comment.objects.filter(ip="198.51.100.9").count() == 1


def test_simultaneous_reports_from_one_address_stop_at_the_hourly_quota(article, settings):
    settings.COMMENTS_REPORTS_PER_HOUR = 5
    comments = [approved_comment(article, body=f"Reported {n}.") for n in range(THREADS)]

    def reporter(comment):
        def report():
            data = {"reason": "abuse", "note": ""}
            url = f"/comments/report/{comment.pk}/"
            return Client().post(url, data, REMOTE_ADDR="192.0.2.200").status_code

        return report

    codes = at_once(*(reporter(c) for c in comments))

    assert Counter(codes) == {200: 5, 429: THREADS - 5}
    assert Report.objects.filter(ip="192.0.2.200").count() == 5
