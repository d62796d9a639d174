"""Tasks a worker claimed and never finished (it was killed) go back to the queue after a lease.

The rows are django-tasks-db's own, claimed with its own ``claim()`` as a worker does; the real
worker killed mid-task is in test_worker.py.
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.tasks import MAX_TASK_CLAIMS, WorkerLost, check_comment, requeue_abandoned_tasks

LEASE = datetime.timedelta(seconds=300)


@pytest.fixture
def database_queue(settings, db):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COMMENTS_TASK_LEASE_SECONDS = int(LEASE.total_seconds())


def claimed(comment_id, worker_id):
    """A check task a worker has taken and is (or was) running."""
    row = DBTaskResult.objects.get(pk=check_comment.enqueue(comment_id).id)
    row.claim(worker_id)
    return row


def test_a_task_running_past_its_lease_is_queued_again_and_one_within_it_is_left_alone(
    database_queue,
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        dead = claimed(1, "killed-worker")
    with time_machine.travel(start + LEASE / 2, tick=False):
        busy = claimed(2, "busy-worker")
    output = io.StringIO()

    with time_machine.travel(start + LEASE + datetime.timedelta(seconds=1), tick=False):
        call_command("recheck_comments", stdout=output)

    dead.refresh_from_db()
    busy.refresh_from_db()
    assert dead.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().get() == dead  # a worker can take it now
    assert busy.status == TaskResultStatus.RUNNING
    assert "Queued again 1 task(s) whose worker stopped." in output.getvalue()


def test_a_task_queued_again_is_queued_once_however_often_cron_runs(database_queue):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        claimed(1, "killed-worker")

    with time_machine.travel(start + LEASE * 2, tick=False):
        counts = [requeue_abandoned_tasks(), requeue_abandoned_tasks()]

    assert counts == [1, 0]
    assert DBTaskResult.objects.ready().count() == 1


def test_a_task_that_keeps_killing_its_worker_is_given_up_as_failed(database_queue):
    start = timezone.now()
    row = claimed(1, "worker-1")
    for attempt in range(2, MAX_TASK_CLAIMS + 1):
        start += LEASE * 2
        with time_machine.travel(start, tick=False):
            assert requeue_abandoned_tasks() == 1
            row.refresh_from_db()
            row.claim(f"worker-{attempt}")

    with time_machine.travel(start + LEASE * 2, tick=False):
        assert requeue_abandoned_tasks() == 0

    result = check_comment.get_result(str(row.pk))
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class is WorkerLost
    assert len(result.worker_ids) == MAX_TASK_CLAIMS
    assert not DBTaskResult.objects.ready().exists()
