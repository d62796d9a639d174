"""A task queued in the same database commits with the change it is for (comments.tasks
.enqueue_on_commit); any other queue is given it once the change has committed."""

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from comments import tasks
from comments.models import Comment
from tests.comments.conftest import comment_data


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.AKISMET_API_KEY = "a-key-no-check-will-use"  # the check waits in the queue


def queued_checks():
    return list(DBTaskResult.objects.filter(task_path__endswith=".check_comment")
                .values_list("args_kwargs__args", flat=True))  # fmt: skip


def unchecked_comment(article):
    return Comment.objects.create(article=article, name="Ada", email="ada@example.net",
                                  body="Hello.", akismet=Comment.Akismet.UNCHECKED)  # fmt: skip


def test_a_post_and_its_spam_check_are_stored_by_one_commit(transactional_db, client, article,
                                                            database_queue):  # fmt: skip
    response = client.post(f"/comments/post/{article.pk}/", comment_data(article))

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert comment.is_awaiting_spam_check()
    assert queued_checks() == [[comment.pk]]
    if connection.vendor == "postgresql":  # the transaction that wrote each row
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text FROM comments_comment WHERE id = %s", [comment.pk])
            comment_xid = cursor.fetchone()[0]
            cursor.execute("SELECT xmin::text FROM django_tasks_database_dbtaskresult")
            assert cursor.fetchall() == [(comment_xid,)]


def test_a_change_rolled_back_leaves_no_task_behind(transactional_db, article, database_queue):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        comment = unchecked_comment(article)
        tasks.after_posting(comment)
        assert queued_checks() == [[comment.pk]]  # inside: queued with the comment
        raise Refused

    assert Comment.objects.count() == 0
    assert queued_checks() == []


def test_another_queue_is_given_the_task_only_once_the_change_commits(
    article, settings, dummy_tasks, django_capture_on_commit_callbacks
):
    settings.AKISMET_API_KEY = "a-key-no-check-will-use"
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        comment = unchecked_comment(article)
        tasks.after_posting(comment)
        assert dummy_tasks.results == []  # not before the commit

    assert [r.args for r in dummy_tasks.results] == [[comment.pk]]


def test_a_task_the_queue_refuses_leaves_the_post_stored_for_the_recheck(
    transactional_db, client, article, settings, caplog
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["elsewhere"]}}  # fmt: skip
    settings.AKISMET_API_KEY = "a-key-no-check-will-use"

    response = client.post(f"/comments/post/{article.pk}/", comment_data(article))

    assert response.status_code == 302
    assert Comment.objects.get().is_awaiting_spam_check()  # recheck_comments finds it
    assert queued_checks() == []
    assert "the periodic re-check will" in caplog.text
