import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_rq import RQBackend

from courses.tasks import recover_stuck_work, recovery_interval

logger = logging.getLogger(__name__)


def watch_for_stuck_work(stop: threading.Event, interval: float) -> None:
    """While the worker runs: every ``interval`` seconds, queue again (or fail) what a
    worker that died (killed, out of memory, its machine gone) left half done. Without this
    a stuck conversion waits for the next conversion, a trainer's preview or a cron job."""
    while not stop.wait(interval):
        try:
            recover_stuck_work()
        except Exception:  # a database away for a moment: try again next time
            logger.exception("Looking for stuck conversions failed")
        finally:
            close_old_connections()
    connection.close()


class Command(BaseCommand):
    help = (
        "Start a background task worker for the configured queue (ELEARN_TASK_BACKEND): "
        "db_worker for the database queue, rqworker for RQ on Redis. Serves every queue the "
        "tasks use. Start as many as the machines allow."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true", help="Run the tasks waiting now, then exit."
        )

    def handle(self, *args, burst=False, verbosity=1, **options):
        stop = threading.Event()
        watcher = threading.Thread(
            target=watch_for_stuck_work,
            args=(stop, recovery_interval()),
            name="elearn-recover-stuck-work",
            daemon=True,
        )
        watcher.start()
        try:
            self.run_worker(burst=burst, verbosity=verbosity)
        finally:
            stop.set()

    def run_worker(self, *, burst: bool, verbosity: int) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if isinstance(backend, DatabaseBackend):
            extra = ["--batch", "--no-startup-delay"] if burst else []
            queues = ",".join(settings.ELEARN_TASK_QUEUES)
            call_command(
                "db_worker",
                "--queue-name",
                queues,
                "--interval",
                "0.25",
                *extra,
                verbosity=verbosity,
            )
        elif isinstance(backend, RQBackend):
            # In this order: RQ empties the first queue before it looks at the next. The job
            # class turns an RQ job back into a Django task; the scheduler runs tasks queued
            # for later (xAPI retries use run_after).
            call_command(
                "rqworker",
                *[name for name in settings.ELEARN_TASK_QUEUES if name in backend.queues],
                job_class="django_tasks_rq.Job",
                with_scheduler=True,
                burst=burst,
                verbosity=verbosity,
            )
        else:
            raise CommandError(
                f"ELEARN_TASK_BACKEND={settings.ELEARN_TASK_BACKEND} runs no worker: "
                "tasks run inside the request (immediate) or not at all (dummy)."
            )
