"""The RQ task backend (``ELEARN_TASK_BACKEND=rq``), with the task priorities elearn relies on.

RQ has no priorities: a worker empties its queues in the order it was given them. django-tasks-rq
therefore refuses tasks that set one, and our conversions do (members should read a new deck
before the search index catches up). This backend sends every task above the default priority
to the ``high`` queue, which ``manage.py run_worker`` lists first; tasks keep their order within
a queue. Imported only when RQ is chosen.
"""

from django.db import connection, transaction
from django_tasks.base import (
    DEFAULT_TASK_PRIORITY,
    DEFAULT_TASK_QUEUE_NAME,
    TaskResult,
    TaskResultStatus,
)
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend as BaseRQBackend

HIGH_QUEUE = "high"


class RQBackend(BaseRQBackend):
    supports_priority = True

    def enqueue(self, task, args, kwargs):
        if task.priority > DEFAULT_TASK_PRIORITY and task.queue_name == DEFAULT_TASK_QUEUE_NAME:
            task = task.using(queue_name=HIGH_QUEUE)
        if not connection.in_atomic_block:
            return super().enqueue(task, args, kwargs)
        # Wagtail and modelsearch queue index tasks from post_save, inside the transaction
        # that saves the row. The database queue only sees them at commit; Redis would hand
        # them to a worker at once, which then finds no row (bench/load.py caught this). So
        # the job goes to Redis when the transaction commits, and not at all on rollback. The
        # result returned here is a placeholder: nothing in elearn reads a task's result.
        transaction.on_commit(lambda: super(RQBackend, self).enqueue(task, args, kwargs))
        return TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
