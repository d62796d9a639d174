"""A task backend whose queue is down: every enqueue fails."""

from django.tasks.backends.base import BaseTaskBackend


class BrokenBackend(BaseTaskBackend):
    supports_defer = True

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("The task queue is down.")
