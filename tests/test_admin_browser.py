"""The admin screens a trainer works in, in headless Chromium at a phone's width."""

import pytest

from courses.demo_content import load_demo
from tests.browser import log_in_admin

from .reporting import build

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def scroll_region_to_the_end(page, region) -> None:
    """As a keyboard user does: focus the scrolling region and press the right arrow."""
    region.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)  # smooth scrolling


def on_screen(page, locator) -> bool:
    """Whether the element is inside the viewport and on top there, so a tap reaches it."""
    return locator.evaluate(
        """el => {
            const box = el.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + box.height / 2;
            return box.left >= 0 && box.right <= innerWidth && el.contains(document.elementFromPoint(x, y));
        }"""
    )


def test_members_table_scrolls_to_the_remove_buttons_at_390px(phone, live_server, artifacts_dir):
    known = build(load_demo())
    log_in_admin(phone, live_server.url, "admin")
    phone.goto(f"{live_server.url}/admin/courses/{known.course.pk}/members/")
    region = phone.get_by_role("region", name="Table of members")
    remove = region.get_by_role("link", name="Remove").first
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # wider than the phone
    assert not on_screen(phone, remove)
    scroll_region_to_the_end(phone, region)
    assert on_screen(phone, remove)
    assert on_screen(phone, region.get_by_role("columnheader", name="Completed"))
    phone.screenshot(path=artifacts_dir / "admin-members-390.png", full_page=True)
    box = remove.bounding_box()
    with phone.expect_navigation():
        phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "/remove/" in phone.url


def test_progress_report_scrolls_to_the_last_lesson_at_390px(phone, live_server, artifacts_dir):
    known = build(load_demo())
    log_in_admin(phone, live_server.url, "admin")
    phone.goto(f"{live_server.url}/admin/insights/progress/?course={known.course.pk}")
    region = phone.locator("[role=region]", has=phone.locator("table.insights-matrix"))
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") == "Course progress"
    last = region.locator("thead th").last
    assert not on_screen(phone, last)
    scroll_region_to_the_end(phone, region)
    assert on_screen(phone, last)
    phone.screenshot(path=artifacts_dir / "admin-progress-390.png", full_page=True)


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def rgb(page, locator, prop: str) -> tuple[int, ...]:
    value = locator.evaluate(f"el => getComputedStyle(el).{prop}")
    return tuple(int(part) for part in value[value.index("(") + 1 : -1].split(",")[:3])


def test_a_failed_deck_reads_as_an_error_and_notices_show_their_icon(
    desktop, live_server, artifacts_dir
):
    from courses.conversion.errors import EncryptedFile
    from courses.models import SlideDeck

    demo = load_demo()
    failed = demo["deck"]
    SlideDeck.objects.filter(pk=failed.pk).update(
        status="failed", error_message=EncryptedFile.default_message
    )
    log_in_admin(desktop, live_server.url, "admin")
    desktop.goto(f"{live_server.url}/admin/snippets/courses/slidedeck/")
    tag = desktop.locator('[data-deck-status="failed"]')
    red, green, blue = rgb(desktop, tag, "backgroundColor")
    assert red > 150 and green < 100 and blue < 100  # Wagtail's critical red, not teal
    notice = desktop.locator(".help-critical", has_text="password-protected")
    icon = notice.locator("svg.icon")
    assert icon.is_visible()
    box, icon_box = notice.bounding_box(), icon.bounding_box()
    # in the space the notice keeps for it, left of the words
    assert icon_box["width"] > 0 and 0 < icon_box["x"] - box["x"] < 40
    desktop.screenshot(path=artifacts_dir / "admin-decks-failed.png")


def test_video_from_slides_shows_its_recordings_per_slide_as_a_disclosure(
    desktop, live_server, artifacts_dir
):
    demo = load_demo()
    lecture = demo["slides_lecture"]
    log_in_admin(desktop, live_server.url, "admin")
    desktop.goto(f"{live_server.url}/admin/lectures/{lecture.pk}/narrate/")
    summary = desktop.get_by_text("Recordings for single slides (optional)")
    # A disclosure triangle, as a closed <details> shows it when nothing hides its marker.
    assert summary.evaluate("el => getComputedStyle(el).display") == "list-item"
    first_slide = desktop.locator("#id_audio_1")
    assert not first_slide.is_visible()
    summary.click()
    assert first_slide.is_visible()
    desktop.screenshot(path=artifacts_dir / "admin-narrate-open.png", full_page=True)


def test_join_requests_are_ticked_all_at_once_and_approved(desktop, live_server, artifacts_dir):
    from django.contrib.auth import get_user_model

    from courses.enrolments import enrol
    from courses.models import CoursePage, Enrolment

    demo = load_demo()
    course = demo["safety_course"]
    course.enrolment = CoursePage.Enrolment.APPROVAL
    course.save_revision().publish()
    users = [
        get_user_model().objects.create_user(f"branch{n}", f"branch{n}@example.com", "pw-12345678")
        for n in range(3)
    ]
    for user in users:
        enrol(user, CoursePage.objects.get(pk=course.pk))
    log_in_admin(desktop, live_server.url, "admin")
    desktop.goto(f"{live_server.url}/admin/enrolment-requests/")
    approve = desktop.get_by_role("button", name="Approve the ticked requests")
    assert not approve.is_visible(), "nothing ticked: nothing to approve"
    desktop.get_by_label("Tick every request").check()
    approve.wait_for(state="visible")
    desktop.screenshot(path=artifacts_dir / "admin-join-requests-ticked.png")
    with desktop.expect_navigation():
        approve.click()
    assert "3 requests approved" in desktop.locator(".messages").inner_text()
    assert set(Enrolment.objects.filter(user__in=users).values_list("status", flat=True)) == {
        "active"
    }
