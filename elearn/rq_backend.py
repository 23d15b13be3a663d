"""The RQ task backend (``ELEARN_TASK_BACKEND=rq``), with the task priorities elearn relies on.

RQ has no priorities: a worker empties its queues in the order it was given them. django-tasks-rq
therefore refuses tasks that set one, and our conversions do (members should read a new deck
before the search index catches up). This backend sends every task above the default priority
to the ``high`` queue, which ``manage.py run_worker`` lists first; tasks keep their order within
a queue. Imported only when RQ is chosen.
"""

from django_tasks.base import DEFAULT_TASK_PRIORITY, DEFAULT_TASK_QUEUE_NAME
from django_tasks_rq import RQBackend as BaseRQBackend

HIGH_QUEUE = "high"


class RQBackend(BaseRQBackend):
    supports_priority = True

    def enqueue(self, task, args, kwargs):
        if task.priority > DEFAULT_TASK_PRIORITY and task.queue_name == DEFAULT_TASK_QUEUE_NAME:
            task = task.using(queue_name=HIGH_QUEUE)
        return super().enqueue(task, args, kwargs)
