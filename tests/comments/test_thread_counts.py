"""Each article's approved threads, kept by the database's triggers whatever changes a comment."""

import datetime
from collections import Counter

import pytest
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection, transaction
from django.utils import timezone

from comments.models import Comment, ThreadCount
from comments.models.threads import drop_triggers, installed_triggers, settle_counts
from comments.views import comment_url
from tests.comments.conftest import comment_data
from tests.comments.test_concurrency import at_once, poster
from tests.factories import ArticleFactory

START = timezone.now() - datetime.timedelta(days=1)


def kept(article):
    with connection.cursor() as cursor:
        settle_counts(cursor)  # the test's transaction never commits
    return ThreadCount.objects.filter(article=article).values_list("approved", flat=True).first()


def counted(article):
    return Comment.objects.filter(article=article, parent=None, status="approved").count()


def add(article, minutes, status="approved", parent=None):
    comment = Comment.objects.create(
        article=article, parent=parent, name="Ada", email="ada@example.net", body="Hi.",
        submitted_at=START + datetime.timedelta(minutes=minutes),
    )  # fmt: skip
    {"approved": comment.approve, "pending": comment.hold, "spam": comment.mark_spam}[status]()
    return comment


def assert_kept(*articles):
    for article in articles:
        assert (kept(article) or 0) == counted(article), article.slug


@pytest.fixture
def two(db):
    return ArticleFactory(slug="first"), ArticleFactory(slug="second")


def test_every_way_a_comment_changes_keeps_its_articles_count(two):
    first, second = two
    roots = [add(first, minute) for minute in range(4)]
    held = add(first, 5, status="pending")
    reply = add(first, 6, parent=roots[0])
    add(second, 7)
    assert (kept(first), kept(second)) == (4, 1)

    held.approve()  # a held thread published
    assert kept(first) == 5
    roots[1].mark_spam()
    roots[2].remove()
    assert kept(first) == 3
    reply.approve()  # a reply is no thread, whatever its status
    Comment.objects.filter(pk=reply.pk).update(status="spam")
    assert kept(first) == 3
    Comment.objects.filter(pk=reply.pk).update(status="approved", parent=None)  # made a thread
    assert kept(first) == 4
    Comment.objects.filter(pk=roots[3].pk).update(parent=roots[0])  # made a reply
    assert kept(first) == 3
    Comment.objects.filter(pk=held.pk).update(article=second)  # moved
    assert (kept(first), kept(second)) == (2, 2)
    Comment.objects.filter(article=first, status="spam").update(status="approved")  # in bulk
    assert kept(first) == 3
    Comment.objects.get(pk=roots[0].pk).save()  # saved unchanged: counted once still
    assert kept(first) == 3
    with connection.cursor() as cursor:  # behind the ORM's back
        cursor.execute("UPDATE comments_comment SET status = 'pending' WHERE id = %s", [held.pk])
    assert kept(second) == 1
    Comment.objects.filter(pk=roots[0].pk).delete()  # with its replies
    assert_kept(first, second)
    assert kept(first) == 2

    second.delete()
    assert not ThreadCount.objects.filter(article_id=second.pk).exists()
    assert_kept(first)


def test_a_change_rolled_back_leaves_the_count(two):
    first, _ = two
    add(first, 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        add(first, 1)
        assert kept(first) == 2
        raise RuntimeError
    assert kept(first) == 1


def test_missing_triggers_are_put_back_after_migrate_and_the_threads_recounted(two):
    first, second = two
    add(first, 0)
    assert kept(first) == 1
    with connection.cursor() as cursor:  # as SQLite does when a migration rebuilds the table
        drop_triggers(cursor, connection.vendor)
    add(first, 1)
    add(second, 2)
    assert (kept(first), kept(second)) == (1, None)

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # as migrate does

    assert (kept(first), kept(second)) == (2, 1)
    add(second, 3)
    assert kept(second) == 2
    with connection.cursor() as cursor:
        assert installed_triggers(cursor, connection.vendor)


def test_where_a_thread_shows_follows_the_kept_count(two, settings):
    first, _ = two
    settings.COMMENTS_PAGE_SIZE = 2
    threads = [add(first, minute) for minute in range(5)]
    reply = add(first, 9, parent=threads[1])

    assert [comment_url(c).split("#")[0][-1] for c in threads] == ["1", "1", "2", "2", "3"]
    assert comment_url(reply).endswith(f"?cpage=1#comment-{reply.pk}")
    threads[0].mark_spam()  # every later thread moves up a place
    assert [comment_url(c).split("#")[0][-1] for c in threads[1:]] == ["1", "1", "2", "2"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_are_each_counted_once(settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False  # published at once
    article = ArticleFactory(slug="busy")
    posts = [poster(article, comment_data(article), f"192.0.2.{n + 1}") for n in range(16)]

    codes = at_once(*posts)

    assert Counter(codes) == {302: 16}
    assert kept(article) == counted(article) == 16


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's.")
def test_truncating_the_comments_empties_the_counts(two):
    first, second = two
    add(first, 0)
    add(second, 1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending foreign-key checks
        cursor.execute("TRUNCATE comments_comment CASCADE")
    assert not ThreadCount.objects.exists()
    add(first, 2)
    assert kept(first) == 1


def test_migrate_drops_the_sqlite_triggers_first_and_puts_them_back(two):
    first, _ = two
    add(first, 0)
    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.cursor() as cursor:
        assert bool(installed_triggers(cursor, connection.vendor)) == (
            connection.vendor != "sqlite"
        )
    add(first, 1)  # not counted on SQLite until migrate ends

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert kept(first) == 2
    add(first, 2)
    assert kept(first) == 3


def test_the_triggers_count_the_status_the_model_calls_approved():
    from comments.models import threads

    assert threads.APPROVED == Comment.Status.APPROVED


def test_where_a_comment_shows_is_the_same_counted_as_kept(two, settings, monkeypatch):
    # A database without the triggers counts the threads each time: the same pages.
    from comments import views

    first, _ = two
    settings.COMMENTS_PAGE_SIZE = 2
    threads = [add(first, minute, status="pending" if minute == 2 else "approved")
               for minute in range(7)]  # fmt: skip
    replies = [add(first, 20, parent=threads[4]), add(first, 21, parent=threads[2])]
    kept_urls = [comment_url(c) for c in [*threads, *replies]]

    monkeypatch.setattr(views, "kept_by_triggers", lambda: False)
    sql, _params = views.thread_position_query(threads[0])
    assert "comments_threadcount" not in sql

    assert [comment_url(c) for c in [*threads, *replies]] == kept_urls
    assert kept_urls[6].endswith(f"?cpage=3#comment-{threads[6].pk}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trigger is PostgreSQL's.")
def test_a_disabled_trigger_is_missing_and_migrate_turns_it_on_and_recounts(two):
    first, _ = two
    add(first, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for none pending
        cursor.execute("ALTER TABLE comments_comment DISABLE TRIGGER comments_count_threads")
        assert "comments_count_threads" not in installed_triggers(cursor, connection.vendor)
    add(first, 1)
    assert kept(first) == 1

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert kept(first) == 2
    add(first, 2)
    assert kept(first) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="search_path is PostgreSQL's.")
def test_the_count_holds_for_a_session_with_another_search_path(two):
    first, _ = two
    add(first, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO pg_catalog")  # a maintenance session's
        cursor.execute(
            "UPDATE public.comments_comment SET status = 'removed' WHERE article_id = %s",
            [first.pk],
        )
        # The count changes now, in this session (it would wait for the commit otherwise).
        cursor.execute("SET CONSTRAINTS public.comments_count_threads IMMEDIATE")
        cursor.execute("RESET search_path")
    assert kept(first) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The deferred count is PostgreSQL's.")
@pytest.mark.django_db(transaction=True)
def test_a_post_still_in_its_transaction_holds_up_no_other_post_on_its_article():
    # A post's transaction goes on after its comment's INSERT (its events, the confirmation's
    # rate limit in Redis, the cache's bumps): the article's count is not locked meanwhile.
    import threading

    from django.db import connections

    article = ArticleFactory(slug="breaking")
    outcome = {}

    def other_post():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                add(article, 1)
            outcome["committed"] = True
        except Exception as error:  # the lock timeout, were the count locked
            outcome["error"] = error
        finally:
            connections.close_all()

    with transaction.atomic():
        add(article, 0)  # this post's transaction is still open
        other = threading.Thread(target=other_post)
        other.start()
        other.join(10)
        assert outcome == {"committed": True}
    assert kept(article) == counted(article) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The deferred count is PostgreSQL's.")
def test_a_read_inside_a_transaction_settles_its_changes_and_the_rest_waits_for_the_commit(two):
    first, _ = two

    def stored():  # the row as it is, nothing settled
        return ThreadCount.objects.filter(article=first).values_list("approved", flat=True).first()

    add(first, 0)
    assert stored() is None  # waiting for the commit
    assert kept(first) == 1  # settled by the read
    add(first, 1)
    assert stored() == 1  # deferred again: this one waits, and locks nothing meanwhile
    assert kept(first) == 2


def test_an_article_deleted_after_a_thread_came_to_it_in_one_transaction(two):
    first, second = two
    thread = add(first, 0)
    add(second, 1)
    gone = second.pk
    with transaction.atomic():
        thread.article = second
        thread.save()
        second.delete()  # its comments with it
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # what the commit checks, checked now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert (kept(first) or 0) == 0
    assert not ThreadCount.objects.filter(article_id=gone).exists()
