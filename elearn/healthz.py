"""``/healthz`` for load balancers and monitors: is the database, the cache and the task queue
reachable from this web process?

Answers JSON ``{"status": "ok"|"error", "checks": {...}}`` with 200 or 503. Every check is one
cheap round trip (no table scans); errors name the exception class only, never a host or a
message that might carry credentials. A queue that is merely behind does not fail the check
(the site still serves pages): monitor ``oldest_waiting_seconds`` for that.
"""

import logging
import time
import uuid
from datetime import UTC

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Min
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

logger = logging.getLogger(__name__)

PATHS = {"/healthz", "/healthz/"}
# A backend this view does not know is reported, not failed.
FINE = {"ok", "not used", "not checked"}


def check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def check_cache() -> dict:
    # A key of its own per probe: two probes at once must not read each other's value.
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    found = cache.get(key)
    cache.delete(key)
    return {"status": "ok" if found == value else "error"}


def check_queue() -> dict:
    from django_tasks.backends.dummy import DummyBackend
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db import DatabaseBackend
    from django_tasks_rq import RQBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, DatabaseBackend):
        return _database_queue()
    if isinstance(backend, RQBackend):
        return _rq_queue(backend)
    if isinstance(backend, ImmediateBackend | DummyBackend):
        return {"status": "not used"}
    return {"status": "not checked", "backend": type(backend).__name__}


def _database_queue() -> dict:
    from django_tasks_db.models import DBTaskResult

    # READY rows have a partial index of their own: this stays cheap however many finished
    # results the table keeps.
    waiting = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
    return {
        "status": "ok",
        "backend": "database",
        "waiting": waiting["count"],
        "oldest_waiting_seconds": _age(waiting["oldest"]),
    }


def _rq_queue(backend) -> dict:
    import django_rq
    from rq import Worker

    queues = {}
    for name in sorted(backend.queues):  # every connection is checked: queues may differ
        queue = django_rq.get_queue(name)
        queue.connection.ping()
        oldest = None
        first = queue.get_job_ids(0, 1)
        if first:
            job = queue.fetch_job(first[0])
            oldest = job.enqueued_at if job is not None else None
        queues[name] = {
            "waiting": queue.count,
            "oldest_waiting_seconds": _age(oldest),
            "workers": Worker.count(queue=queue),
        }
    return {"status": "ok", "backend": "rq", "queues": queues}


def _age(moment) -> float | None:
    if moment is None:
        return None
    if timezone.is_naive(moment):  # RQ stores UTC without a zone
        moment = moment.replace(tzinfo=UTC)
    return round(max((timezone.now() - moment).total_seconds(), 0), 1)


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    checks = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 — any failure is an answer, never a 500
            logger.warning("Health check %s failed", name, exc_info=True)
            result = {"status": "error", "error": type(exc).__name__}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        checks[name] = result
    healthy = all(result["status"] in FINE for result in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answers ``/healthz`` before any other middleware runs.

    Load balancers probe by IP address over plain HTTP: the host check (ALLOWED_HOSTS) and the
    HTTPS redirect would turn every probe into a 400 or a 301, and sessions or locale have
    nothing to add. The answer holds nothing a stranger could use.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS:
            return healthz(request)
        return self.get_response(request)
