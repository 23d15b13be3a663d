"""The RQ task backend (``ELEARN_TASK_BACKEND=rq``), with the task priorities elearn relies on.

RQ has no priorities: a worker empties its queues in the order it was given them. django-tasks-rq
therefore refuses tasks that set one, and our conversions do (members should read a new deck
before the search index catches up). This backend sends every task above the default priority
to the ``high`` queue, which ``manage.py run_worker`` lists first; tasks keep their order within
a queue.

Jobs queued inside a transaction reach Redis when it commits, and not at all if it rolls back.
Wagtail and modelsearch queue index tasks from ``post_save``, inside the transaction that saves
the row; the database queue only sees them at commit, but Redis would hand them to a worker at
once, which then found no row (``DoesNotExist``, caught by ``bench/load.py``). Imported only when
RQ is chosen.
"""

import django_rq
from django.db import transaction
from django_tasks.base import (
    DEFAULT_TASK_PRIORITY,
    DEFAULT_TASK_QUEUE_NAME,
    TASK_MAX_PRIORITY,
    TaskResult,
    TaskResultStatus,
)
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq import RQBackend as BaseRQBackend
from django_tasks_rq.backend import Job, failed_callback, success_callback
from rq.job import Callback, JobStatus

HIGH_QUEUE = "high"


class RQBackend(BaseRQBackend):
    supports_priority = True

    def enqueue(self, task, args, kwargs):
        """Queue ``task``; the job's id is known at once, its Redis entry waits for commit.

        Mirrors ``django_tasks_rq.RQBackend.enqueue`` (0.12), with the write to Redis moved to
        ``transaction.on_commit`` (run at once outside a transaction).
        """
        if task.priority > DEFAULT_TASK_PRIORITY and task.queue_name == DEFAULT_TASK_QUEUE_NAME:
            task = task.using(queue_name=HIGH_QUEUE)
        self.validate_task(task)
        result = TaskResult(
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
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        # create_job() builds the job in memory only; enqueue_job() writes it to Redis.
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )

        def send():
            if task.run_after is None:
                sent = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
            else:
                sent = queue.schedule_job(job, task.run_after)
            object.__setattr__(result, "enqueued_at", sent.enqueued_at)
            task_enqueued.send(type(self), task_result=result)

        transaction.on_commit(send, robust=False)
        return result
