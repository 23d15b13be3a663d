"""The dashboard and the reports in headless Chromium, as an admin and a trainer see them;
screenshots are kept in test-artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.demo_content import load_demo
from courses.models import ArticlePage
from insights.models import PageViewDay
from tests.browser import log_in_admin

from .reporting import build

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reported():
    demo = load_demo()
    known = build(demo)
    today = timezone.localdate()
    policy = ArticlePage.objects.get(slug="data-protection-policy")
    for days_ago, count in [(0, 12), (1, 7), (2, 9), (4, 3), (9, 5)]:
        PageViewDay.objects.create(page=policy, day=today - timedelta(days=days_ago), views=count)
    PageViewDay.objects.create(page=known.lessons["L2"], day=today, views=6)
    return known


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_admin_dashboard_and_reports(browser, live_server, artifacts_dir, reported):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    page = context.new_page()
    errors = watch_errors(page)
    log_in_admin(page, live_server.url, "admin")

    panel = page.locator("#insights-statistics-section")
    panel.wait_for()
    assert panel.locator("[data-views-this-week]").inner_text() == "37"  # 12+7+9+3+6
    assert panel.locator("svg.insights-chart").is_visible()
    assert "Data protection policy" in panel.inner_text()
    courses = page.locator("#insights-courses-section")
    assert "Known answers" in courses.inner_text()
    page.screenshot(path=artifacts_dir / "insights-dashboard-admin.png", full_page=True)

    course = reported.course.pk
    page.goto(f"{live_server.url}/admin/insights/progress/?course={course}")
    matrix = page.locator("table.insights-matrix")
    matrix.wait_for()
    row = matrix.locator("tr", has_text="Cat Three")
    assert row.locator(".insights-state--done").count() == 1
    assert "50%" in row.locator(".insights-state--in_progress").inner_text()
    assert "▶ 50%" in row.inner_text()
    page.screenshot(path=artifacts_dir / "insights-course-progress.png", full_page=True)

    page.goto(f"{live_server.url}/admin/insights/summary/?course={course}")
    page.locator("svg.insights-chart--lines").wait_for()
    summary = page.locator("table.listing", has_text="Known answers")
    assert "33%" in summary.inner_text() and "7.0" in summary.inner_text()
    page.screenshot(path=artifacts_dir / "insights-course-summary.png", full_page=True)

    page.goto(f"{live_server.url}/admin/insights/drop-off/?course={course}")
    funnel = page.locator("svg.insights-chart--bars")
    funnel.wait_for()
    assert funnel.locator("rect").count() == 6  # enrolled, started, 3 required, completed
    page.screenshot(path=artifacts_dir / "insights-drop-off.png", full_page=True)

    page.get_by_role("link", name="Video audience").first.click()
    page.locator("svg.insights-chart--retention").wait_for()
    page.screenshot(path=artifacts_dir / "insights-video-audience.png", full_page=True)

    page.goto(f"{live_server.url}/admin/insights/groups/?course={course}")
    page.locator("svg.insights-chart--bars").wait_for()
    page.screenshot(path=artifacts_dir / "insights-groups.png", full_page=True)
    assert errors == []
    context.close()


def test_trainer_dashboard_shows_their_courses(browser, live_server, artifacts_dir, reported):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors = watch_errors(page)
    log_in_admin(page, live_server.url, "trainer")
    panel = page.locator("#insights-statistics-section")
    panel.wait_for()
    assert panel.locator("[data-views-this-week]").inner_text() == "6"  # their lesson only
    assert "Someone else's course" not in page.locator("#insights-courses-section").inner_text()
    page.screenshot(path=artifacts_dir / "insights-dashboard-trainer.png", full_page=True)
    assert errors == []
    context.close()
