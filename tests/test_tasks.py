"""Background tasks: a real `db_worker` process picks up work queued in the database."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from courses.demo_content import load_demo
from courses.models import ArticlePage


def database_url() -> str:
    """A DATABASE_URL for the test database, so a child process uses the same data."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_indexes_a_published_page(settings_override=None):
    from django.test import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        demo = load_demo()
        DBTaskResult.objects.all().delete()
        article = ArticlePage(title="职业道德规范", slug="ethics", summary="培训师的职业道德")
        demo["library"].add_child(instance=article)
        article.save_revision().publish()

        queued = DBTaskResult.objects.filter(status="READY")
        assert queued.filter(task_path__contains="insert_or_update_object_task").exists()
        # Nothing is indexed until a worker runs: exactly the trap `make run` avoids.
        assert not Page.objects.live().search("职业 业道", operator="and").count()

        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "elearn.settings.test",
            "ELEARN_TASK_BACKEND": "database",
            "TASKS_LOG_LEVEL": "INFO",
        }
        worker = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert worker.returncode == 0, worker.stderr
        assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(), worker.stderr
        assert "insert_or_update_object_task state=SUCCESSFUL" in worker.stdout + worker.stderr
        assert list(Page.objects.live().search("职业 业道", operator="and")) == [article.page_ptr]
