"""Running elearn: /healthz, JSON logs, Redis and RQ settings, the worker command, gunicorn."""

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections
from django.test import Client, override_settings

from courses.tasks import convert_slide_deck_task
from elearn.logformat import JSONFormatter
from tests.test_settings import PRODUCTION_ENV, manage
from tests.test_tasks import database_url

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1},
    }
}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def healthz(client=None, **headers):
    response = (client or Client()).get("/healthz", **headers)
    return response, json.loads(response.content)


# /healthz


def test_healthz_is_ok_when_everything_answers(db):
    response, body = healthz()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["queue"]["status"] == "not used"  # tests run tasks at once
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response  # no session started for a probe


def test_healthz_counts_what_waits_in_the_database_queue(db):
    with override_settings(TASKS=DATABASE_TASKS):
        convert_slide_deck_task.enqueue(0)
        response, body = healthz()
    assert response.status_code == 200
    queue = body["checks"]["queue"]
    assert queue["status"] == "ok" and queue["backend"] == "database"
    assert queue["waiting"] == 1 and queue["oldest_waiting_seconds"] >= 0


def test_healthz_reports_the_rq_queues(db, rq_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # jobs reach Redis at commit
        convert_slide_deck_task.enqueue(0)
    response, body = healthz()
    assert response.status_code == 200
    queue = body["checks"]["queue"]
    assert queue["status"] == "ok" and queue["backend"] == "rq"
    assert queue["queues"]["high"]["waiting"] == 1
    assert queue["queues"]["high"]["oldest_waiting_seconds"] >= 0
    assert queue["queues"]["default"] == {
        "waiting": 0,
        "oldest_waiting_seconds": None,
        "workers": 0,
    }


def test_healthz_fails_when_the_cache_is_unreachable(db):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response, body = healthz()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["cache"] == {
        "status": "error",
        "error": "ConnectionError",
        "ms": body["checks"]["cache"]["ms"],
    }
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.content.decode()  # no addresses for strangers


def test_healthz_fails_when_the_database_is_unreachable(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch, override_settings(TASKS=DATABASE_TASKS):
        patch.setattr(connections["default"], "cursor", refuse)
        response, body = healthz()
    assert response.status_code == 503
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert body["checks"]["queue"]["status"] == "error"  # the queue is in the database too
    assert body["checks"]["cache"]["status"] == "ok"


@override_settings(ALLOWED_HOSTS=["training.example.org"], SECURE_SSL_REDIRECT=True)
def test_healthz_answers_a_load_balancer_probing_by_address_over_http(db):
    response, body = healthz(HTTP_HOST="10.0.0.7")
    assert response.status_code == 200 and body["status"] == "ok"
    # Everywhere else the host check and the HTTPS redirect still hold.
    assert Client().get("/", HTTP_HOST="10.0.0.7").status_code == 400
    assert Client().get("/", HTTP_HOST="training.example.org").status_code == 301


def test_healthz_only_answers_get_and_head(db):
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz/").status_code == 405


# Structured logs


def make_record(message, exc_info=None, **extra):
    record = logging.LogRecord("courses.tasks", logging.ERROR, __file__, 1, message, (), exc_info)
    record.__dict__.update(extra)
    return record


def test_json_log_lines_keep_chinese_text_and_the_exception():
    try:
        raise ValueError("幻灯片转换失败")
    except ValueError:
        record = make_record("课件 %s 转换失败", exc_info=sys.exc_info())
    record.args = ("消防安全",)
    line = JSONFormatter().format(record)
    assert "\n" not in line  # one object per line, the traceback included
    entry = json.loads(line)
    assert entry["message"] == "课件 消防安全 转换失败"
    assert entry["level"] == "ERROR" and entry["logger"] == "courses.tasks"
    assert entry["timestamp"].endswith("+00:00")
    assert "ValueError: 幻灯片转换失败" in entry["exception"]
    assert "幻灯片" in line  # readable, not \u escapes


def test_json_log_lines_carry_the_request_from_djangos_request_logger(rf):
    request = rf.post("/progress/7/")
    record = make_record("Internal Server Error: %s", request=request, status_code=500)
    record.args = (request.path,)
    entry = json.loads(JSONFormatter().format(record))
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/progress/7/", 500)


def test_json_log_lines_take_gunicorns_access_fields():
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        (
            {
                "h": "10.0.0.7",
                "r": "GET /healthz HTTP/1.1",
                "s": "200",
                "m": "GET",
                "U": "/healthz",
                "D": 1520,
                "B": "-",
            },
        ),
        None,
    )
    entry = json.loads(JSONFormatter().format(record))
    assert entry["message"] == '10.0.0.7 "GET /healthz HTTP/1.1" 200'
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/healthz", 200)
    assert entry["duration_us"] == 1520 and entry["remote_addr"] == "10.0.0.7"
    assert "bytes" not in entry


def test_log_format_json_switches_every_line_to_json():
    code = "import logging; logging.getLogger('courses').warning('课件已就绪')"
    result = manage("shell", "-c", code, env={**PRODUCTION_ENV, "ELEARN_LOG_FORMAT": "json"})
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "课件已就绪" and entry["level"] == "WARNING"
    plain = manage("shell", "-c", code, env=PRODUCTION_ENV)
    assert plain.stderr.strip().splitlines()[-1].endswith("WARNING courses: 课件已就绪")


# Settings: Redis and RQ from the environment


SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps(["
    "s.CACHES['default']['BACKEND'], s.CACHES['default'].get('LOCATION'),"
    "s.CACHES['default'].get('KEY_PREFIX'), s.SESSION_ENGINE, s.TASKS['default']['BACKEND'],"
    "'django_rq' in s.INSTALLED_APPS, s.RQ_QUEUES['high']['URL']]))"
)


def show_settings(**env) -> list:
    result = manage("shell", "-c", SHOW, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_the_defaults_need_no_server():
    assert show_settings() == [
        "django.core.cache.backends.locmem.LocMemCache",
        None,
        None,
        "django.contrib.sessions.backends.db",
        "django_tasks_db.DatabaseBackend",
        False,
        "redis://127.0.0.1:6379/0",
    ]


def test_redis_url_moves_cache_sessions_and_the_rq_queue_to_redis():
    assert show_settings(REDIS_URL="redis://cache.internal:6379/2", ELEARN_TASK_BACKEND="rq") == [
        "elearn.cache.KeptClientRedisCache",
        "redis://cache.internal:6379/2",
        "elearn",
        "django.contrib.sessions.backends.cached_db",
        "elearn.rq_backend.RQBackend",
        True,
        "redis://cache.internal:6379/2",
    ]


def test_check_deploy_is_clean_with_redis_rq_and_json_logs():
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "ELEARN_TASK_BACKEND": "rq",
        "ELEARN_LOG_FORMAT": "json",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# Worker


def test_run_worker_says_when_the_backend_has_no_worker():
    with pytest.raises(CommandError, match="runs no worker"):
        call_command("run_worker")


@pytest.mark.parametrize(
    ("backend", "burst", "expected"),
    [
        (
            "django_tasks_db.DatabaseBackend",
            False,
            (("db_worker", "--queue-name", "high,default", "--interval", "0.25"), {}),
        ),
        (
            "django_tasks_db.DatabaseBackend",
            True,
            (
                (
                    "db_worker",
                    "--queue-name",
                    "high,default",
                    "--interval",
                    "0.25",
                    "--batch",
                    "--no-startup-delay",
                ),
                {},
            ),
        ),
        (
            "elearn.rq_backend.RQBackend",
            True,
            (
                ("rqworker", "high", "default"),
                {"job_class": "django_tasks_rq.Job", "with_scheduler": True, "burst": True},
            ),
        ),
    ],
)
def test_run_worker_starts_the_worker_of_the_configured_backend(
    backend, burst, expected, monkeypatch
):
    from courses.management.commands import run_worker

    calls = []
    monkeypatch.setattr(run_worker, "call_command", lambda *a, **kw: calls.append((a, kw)))
    with override_settings(TASKS={"default": {"BACKEND": backend, "QUEUES": ["high", "default"]}}):
        call_command("run_worker", *(["--burst"] if burst else []))
    args, kwargs = calls[0]
    kwargs.pop("verbosity")
    assert (args, kwargs) == expected


def test_rq_sends_prioritised_tasks_to_the_high_queue(
    db, rq_tasks, django_capture_on_commit_callbacks
):
    import django_rq

    from courses.tasks import forward_xapi_task

    with django_capture_on_commit_callbacks(execute=True):  # jobs reach Redis at commit
        convert_slide_deck_task.enqueue(0)  # priority 10
        forward_xapi_task.enqueue(0)  # default priority
    assert django_rq.get_queue("high").count == 1
    assert django_rq.get_queue("default").count == 1


# gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_healthz_with_production_settings_and_json_access_logs(db, tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        PRODUCTION_ENV,
        DATABASE_URL=database_url(),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        ELEARN_LOG_FORMAT="json",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    (tmp_path / "static").mkdir()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    out, err = (tmp_path / "out.log").open("w+"), (tmp_path / "err.log").open("w+")
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "elearn.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=out,
        stderr=err,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:  # noqa: S310
                    body = json.loads(r.read())
            except OSError:
                assert server.poll() is None, (tmp_path / "err.log").read_text()
                time.sleep(0.3)
        assert body is not None and body["status"] == "ok", (tmp_path / "err.log").read_text()
        assert body["checks"]["queue"]["backend"] == "database"  # production's default
    finally:
        server.terminate()
        server.wait(timeout=30)
    access = [json.loads(line) for line in (tmp_path / "out.log").read_text().splitlines()]
    hit = [entry for entry in access if entry.get("path") == "/healthz"]
    assert hit and hit[-1]["status"] == 200 and hit[-1]["logger"] == "gunicorn.access"
    for line in (tmp_path / "err.log").read_text().splitlines():
        assert json.loads(line)["logger"]  # gunicorn's own lines are JSON too
