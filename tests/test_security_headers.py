"""The public site's Content-Security-Policy: no inline scripts may run, and every page works
under it (no violation reported by Chromium)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_public_pages_carry_the_policy(demo):
    answer = Client().get("/")
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "camera=()" in answer["Permissions-Policy"]


def test_the_admin_keeps_wagtails_own_headers(admin_client_demo):
    assert "Content-Security-Policy" not in admin_client_demo.get("/admin/")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy(browser, live_server):
    """Walk the learner's pages as the enrolled member and as a visitor; Chromium reports
    every blocked script, style, image or frame on the console."""
    from courses.demo_content import load_demo
    from courses.models import LecturePage
    from tests.browser import log_in

    objects = load_demo()
    video = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    slides = LecturePage.objects.get(pk=objects["slides_lecture"].pk)
    pages = [
        "/",
        objects["course"].url,
        video.url,
        slides.url,
        slides.url + "slides/2/",
        "/digital-office/practice/records-management/",
        "/search/?q=信息化",
        "/tags/",
        "/learning/",
        "/certificates/",
        "/accounts/profile/",
    ]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: violations.append(f"{page.url}: {exc}"))
    for path in ["/", "/accounts/signup/", "/accounts/login/", objects["course"].url]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    log_in(page, live_server.url, "member")
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert violations == []
    context.close()
