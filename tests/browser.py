"""Headless Chromium for browser tests: Debian's chromium driven by Playwright."""

import shutil
import threading
import time

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium tries to reach Google's services, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Chromium is not installed: install the Debian package 'chromium' (make system-deps)"
        )
    return path


def log_in(page, base_url: str, username: str) -> None:
    """Log in through the site's own form, as a person would."""
    from tests.conftest import PASSWORDS

    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    # Wait for the POST's redirect: a goto() straight after the click can abort the login
    # and leave the test browsing anonymously.
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert "/accounts/login/" not in page.url, f"login as {username} failed: {page.url}"


def log_in_admin(page, base_url: str, username: str) -> None:
    """Log in through Wagtail's admin login form."""
    from tests.conftest import PASSWORDS

    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


class RequestCounter:
    """Wraps the live server's WSGI app to count the requests it is still answering.

    A page closed at the end of a test still sends its last progress report (fetch keepalive
    on page hide). If the live server answers it while the test's teardown empties the
    database, PostgreSQL finds the TRUNCATE and the report's row locks in a deadlock."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last_change = time.monotonic()

    def _count(self, step: int) -> None:
        with self.lock:
            self.in_flight += step
            self.last_change = time.monotonic()

    def __call__(self, environ, start_response):
        self._count(1)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._count(-1)
            raise
        return _Finished(result, lambda: self._count(-1))

    def wait_until_quiet(self, quiet: float = 0.5, timeout: float = 15.0) -> bool:
        """Until no request has been open for ``quiet`` seconds (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.in_flight == 0 and time.monotonic() - self.last_change >= quiet:
                    return True
            time.sleep(0.05)
        return False


class _Finished:
    """A WSGI response that calls ``done`` once the server has closed it."""

    def __init__(self, result, done):
        self.result, self.done = result, done

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.done()
