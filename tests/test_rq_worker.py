"""Background tasks on RQ: a deck queued here is converted by a real ``run_worker`` process that
reads the queue from Redis and writes to the same database (the journey CI runs with RQ)."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import transaction
from wagtail.models import Collection

from courses.decks import create_deck
from courses.models import SlideDeck
from courses.tasks import queue_conversion
from tests.conftest import REDIS_URL
from tests.conversion.conftest import build_feature_deck
from tests.test_tasks import database_url


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_process_converts_an_uploaded_deck(rq_tasks, tmp_path):
    import django_rq

    if not Collection.get_first_root_node():  # emptied by an earlier transactional test
        Collection.add_root(name="Root")
    deck = create_deck(build_feature_deck(tmp_path / "fire-safety.pptx"))
    with transaction.atomic():  # as the admin's form does: queued once the row is committed
        queue_conversion(deck)

    # In Redis and not run: the conversion takes the "high" queue, ahead of routine work
    # (the search index updates of the new row wait in "default").
    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.PENDING
    high, default = django_rq.get_queue("high"), django_rq.get_queue("default")
    assert high.count == 1 and default.count >= 1

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "elearn.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ELEARN_TASK_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
    }
    started = time.monotonic()
    worker = subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--burst"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = worker.stdout + worker.stderr
    assert worker.returncode == 0, output
    assert time.monotonic() - started < 60, output

    deck.refresh_from_db()
    assert deck.status == SlideDeck.Status.READY, (deck.error_message, output)
    slides = list(deck.slides.all())
    assert [slide.number for slide in slides] == [1, 2, 3, 4]
    assert slides[0].title == "Fire safety basics"
    assert all(slide.thumbnail and "960" in slide.images for slide in slides)
    assert deck.pdf.storage.exists(deck.pdf.name)
    # Done and gone from the queues; nothing failed.
    assert (high.count, default.count) == (0, 0)
    assert high.failed_job_registry.count == default.failed_job_registry.count == 0, output


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_inside_a_transaction_reaches_redis_at_commit(rq_tasks):
    """Index tasks queued from post_save must not reach a worker before their row exists."""
    import django_rq

    from courses.tasks import forward_xapi_task

    queue = django_rq.get_queue("default")
    with transaction.atomic():
        result = forward_xapi_task.enqueue(123)
        assert queue.count == 0  # not yet: the row it is about is not committed
    assert queue.job_ids == [result.id]  # the id handed out is the job's
    assert forward_xapi_task.get_backend().get_result(result.id).args == [123]
    try:
        with transaction.atomic():
            forward_xapi_task.enqueue(456)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert queue.count == 1  # a rolled-back save queues nothing
    forward_xapi_task.enqueue(789)  # outside a transaction: at once
    assert queue.count == 2
