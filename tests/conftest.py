"""Shared fixtures: the demo site as the page tree, and a logged-in client per role."""

import os
from pathlib import Path

import pytest
from django.test import Client

from courses.demo_content import DEMO_USERS, load_demo

PROJECT_DIR = Path(__file__).resolve().parent.parent
CORPUS_DIR = PROJECT_DIR.parent / "shared" / "corpus"
ARTIFACTS_DIR = PROJECT_DIR / "test-artifacts"
ROLES = ["visitor", "member", "trainer", "admin"]
# RQ tests use a Redis database number of their own, emptied before and after each test.
# Each pytest-xdist worker gets a Redis database of its own (15, 14, …): a worker process
# started by one test would otherwise take the jobs another test queued, and each test
# flushes its database.
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get(
    "ELEARN_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _XDIST_WORKER % 8}"
)
PASSWORDS = {username: password for username, password, *_ in DEMO_USERS}


@pytest.fixture
def corpus_dir() -> Path:
    """The shared corpus of real decks and videos; tests skip when it is absent."""
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS_DIR}")
    return CORPUS_DIR


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the demo site once per test database; each test runs in a transaction on top.

    Transactional tests (worker, browser) empty the tables afterwards, so pytest-django runs
    them last and they load the demo again themselves.
    """
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def redis_db():
    """A Redis client on the tests' own database; skips when no Redis answers (fails in CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        reason = f"no Redis answers at {REDIS_URL} (start redis-server; .ci/run does)"
        if os.environ.get("ELEARN_REQUIRE_REDIS"):
            pytest.fail(reason)
        pytest.skip(reason)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def rq_tasks(redis_db, settings):
    """Tasks go to RQ queues on the tests' Redis database; nothing runs them but a worker."""
    settings.TASKS = {
        "default": {"BACKEND": "elearn.rq_backend.RQBackend", "QUEUES": settings.ELEARN_TASK_QUEUES}
    }
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL} for name in settings.ELEARN_TASK_QUEUES}
    return redis_db


def forget_process_memory() -> None:
    from courses import lesson_rules, page_routes

    lesson_rules._kept.clear()
    lesson_rules._course_of.clear()
    page_routes.forget()  # and courses.page_memory


@pytest.fixture
def shared(settings):
    """One process standing for all web processes: the tests' cache is this process's own
    memory, so what lessons, reports and pages keep per process is kept (and dropped when the
    lessons' version moves), as with Redis."""
    settings.ELEARN_CACHE_SHARED = True
    forget_process_memory()
    yield
    forget_process_memory()


@pytest.fixture
def demo(db):
    """The demo site: catalogue, courses with sections and lessons, library, demo users."""
    return load_demo()  # finds what is there; creates it again after a transactional test


def client_for(role: str, demo) -> Client:
    client = Client()
    if role != "visitor":
        client.force_login(demo["users"][role])
    return client


@pytest.fixture(params=ROLES)
def role_client(request, demo):
    """A client for each role in turn: visitor, member, trainer, admin."""
    return request.param, client_for(request.param, demo)


@pytest.fixture
def member_client(demo):
    return client_for("member", demo)


@pytest.fixture
def trainer_client(demo):
    return client_for("trainer", demo)


@pytest.fixture
def admin_client_demo(demo):
    return client_for("admin", demo)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        # Playwright's wait_for_function evaluates its predicate with eval(), which the site's
        # Content-Security-Policy forbids; tests see the pages under the policy only where
        # they ask to (bypass_csp=False, as tests/test_security_headers.py does).
        new_context = instance.new_context

        def context_for_tests(**options):
            options.setdefault("bypass_csp", True)
            return new_context(**options)

        instance.new_context = context_for_tests
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _live_server_quiet_before_teardown(request):
    """Browser tests: the database is emptied only once the live server has answered the
    last requests of the pages the test closed (see tests.browser.RequestCounter)."""
    if not request.node.get_closest_marker("browser") or "live_server" not in request.fixturenames:
        yield
        return
    from tests.browser import RequestCounter

    request.getfixturevalue("_django_db_helper")  # so this fixture's teardown runs first
    httpd = request.getfixturevalue("live_server").thread.httpd
    counter = httpd.get_app()
    if not isinstance(counter, RequestCounter):
        counter = RequestCounter(counter)
        httpd.set_app(counter)
    yield
    counter.wait_until_quiet()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


# Playwright's sync API runs an event loop in the test's thread; Django then refuses ORM calls
# made from that thread unless told it is safe (it is: the test drives one browser at a time).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling counts and cached fragments must not leak from one test into the next."""
    from django.core.cache import cache

    from courses import lesson_rules

    cache.clear()
    lesson_rules._kept.clear()  # lessons a shared-cache test kept in this process's memory
    lesson_rules._course_of.clear()


def pytest_collection_modifyitems(config, items):
    """Browser tests play real video: run them one after another on one worker (with
    ``--dist loadgroup``) so two Chromiums do not starve each other's playback timers."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_sessionstart(session):
    """The controlling process (not an xdist worker) forgets earlier fuzz cases."""
    if not hasattr(session.config, "workerinput"):
        from tests.fuzz.harness import start_report

        start_report()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After a run with fuzz cases: test-artifacts/fuzz-report.json and the counts."""
    from tests.fuzz.harness import REPORT, write_report

    report = write_report()
    if report is None:
        return
    terminalreporter.section("fuzz cases")
    for name, entry in report["categories"].items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(entry["outcomes"].items()))
        terminalreporter.write_line(
            f"{name:16} {entry['cases']:4} cases  {entry['seconds']:7.1f} s  ({outcomes})"
        )
    terminalreporter.write_line(
        f"{'total':16} {report['total_cases']:4} cases, {report['failed_cases']} failed "
        f"(seed {report['seed']}, scale {report['scale']:g}); {REPORT}"
    )
