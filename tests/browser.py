"""Headless Chromium for browser tests: Debian's chromium driven by Playwright."""

import shutil

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
