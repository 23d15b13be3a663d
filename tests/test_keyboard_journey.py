"""A member who uses only the keyboard takes a whole course in headless Chromium: logs in,
finds the course from the home page, enrols, reads an article and marks it done, steps
through a slide deck, plays a video to its end, and downloads the certificate.

No mouse and no page.click: Tab, Shift+Tab, Enter, Space, arrows, the player's letter keys
and typing, and page.goto only for the first address. Every page is first tabbed round once:
each element that takes focus is reached, shows a visible focus indicator, and lets focus go
on (no keyboard trap). Progress is earned by the lessons' own rules, as a mouse user earns it.
"""

import json

import pypdfium2 as pdfium
import pytest

from courses import video_service
from courses.management.commands.import_video import create_video
from courses.models import (
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LecturePage,
    LessonProgress,
)

from .test_videos import make_video

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element as the test needs it: a stable id (per page load), its accessible name
# (near enough: aria-label, label, text, value), and whether a focus indicator is drawn.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return null; }
    if (!window.__kbdIds) { window.__kbdIds = new WeakMap(); window.__kbdCount = 0; }
    if (!window.__kbdIds.has(el)) { window.__kbdIds.set(el, ++window.__kbdCount); }
    const style = getComputedStyle(el);
    const labelled = el.labels && el.labels.length ? el.labels[0].textContent : "";
    const name = el.getAttribute("aria-label") || labelled || el.textContent || el.value || "";
    const box = el.getBoundingClientRect();
    return {
        id: window.__kbdIds.get(el),
        tag: el.tagName.toLowerCase(),
        name: name.replace(/\\s+/g, " ").trim(),
        html: el.outerHTML.slice(0, 160),
        indicator: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== "none",
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight,
    };
}"""

# Everything on the page a keyboard user should be able to Tab to.
TABBABLE = """() => {
    const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
        + "[tabindex], video[controls], audio[controls]";
    return Array.from(document.querySelectorAll(selector)).filter(el =>
        !el.disabled && el.tabIndex >= 0 && !el.closest("[hidden], [inert]")
        && !(el.closest("details:not([open])") && !el.matches("details > summary"))
        && el.getClientRects().length > 0 && getComputedStyle(el).visibility === "visible"
    ).map(el => el.outerHTML.slice(0, 160));
}"""

# Everything Tab has focused since the page loaded.
VISITED = """() => Array.from(document.querySelectorAll("*"))
    .filter(el => window.__kbdIds && window.__kbdIds.has(el))
    .map(el => el.outerHTML.slice(0, 160))"""

# Native media controls are several focus stops inside the one <video> element.
MOST_STOPS_IN_ONE_ELEMENT = 10


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def assert_focus_visible(info: dict, where: str) -> None:
    assert info["indicator"], f"{where}: no visible focus indicator on {info['html']}"
    assert info["onScreen"], f"{where}: the focused element is off screen: {info['html']}"


def tab_to(page, name: str | None = None, *, tag: str | None = None, backwards=False, limit=80):
    """Press Tab (Shift+Tab backwards) until the focused element has ``name`` (its accessible
    name starts with it) or is a ``tag``; fails after ``limit`` presses, so it also proves the
    focus order reaches the element. Returns what is focused."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        if info is None:
            continue
        if (name is None or info["name"].startswith(name)) and (tag is None or info["tag"] == tag):
            assert_focus_visible(info, f"{page.url} {name or tag}")
            return info
    pytest.fail(f"{key} × {limit} never reached {name or tag} on {page.url}")


def walk(page, label: str, artifacts_dir) -> None:
    """Tab once round a page just loaded, from wherever focus starts (the document, or an
    autofocused field) back to it: every tabbable element is reached and shows its focus, and
    focus never gets stuck (no keyboard trap)."""
    start = focused(page)
    order = [start["id"]] if start else []
    problems = [] if start is None or start["indicator"] else [start["html"]]
    streak, left_the_page = 0, False
    for _ in range(400):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None:  # past the last element: out of the page
            if start is None:
                break
            assert not left_the_page, f"{label}: focus never comes back to {start['html']}"
            left_the_page = True
            continue
        if order and info["id"] == order[0]:
            break  # round to where it started (Chromium may wrap without leaving the page)
        if order and info["id"] == order[-1]:
            streak += 1
            assert streak < MOST_STOPS_IN_ONE_ELEMENT, f"{label}: focus is stuck in {info['html']}"
            continue
        streak = 0
        assert info["id"] not in order, f"{label}: focus cycles back to {info['html']} (a trap)"
        order.append(info["id"])
        if not info["indicator"] or not info["onScreen"]:
            problems.append(info["html"])
    else:
        pytest.fail(f"{label}: 400 Tabs never went round the page")
    assert problems == [], f"{label}: no visible focus indicator on {problems}"
    unreached = set(page.evaluate(TABBABLE)) - set(page.evaluate(VISITED))
    assert unreached == set(), f"{label}: Tab never reaches {unreached}"
    page.screenshot(path=artifacts_dir / f"keyboard-{label}.png")


def wait_for_position(page, seconds: float) -> None:
    """Wait for the paused video to have sought to ``seconds``."""
    video = "document.querySelector('[data-video]')"
    for _ in range(50):
        now, seeking = page.evaluate(f"[{video}.currentTime, {video}.seeking]")
        if abs(now - seconds) < 0.5 and not seeking:
            return
        page.wait_for_timeout(200)
    pytest.fail(f"the video is at {now} s, not {seconds} s; focus on {focused(page)}")


def press_and_wait_for_page(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


@pytest.fixture
def keyboard_course(tmp_path, settings):
    """An open course of three lessons, each complete by its own rule: an article (marked
    done), the demo deck (every visible slide seen) and a 12-second video (watched)."""
    from courses.demo_content import load_demo

    # A slide counts as seen after 0.3 s on screen rather than 2 s: the rule is the same.
    settings.ELEARN_SLIDE_SECONDS = 0.3
    demo = load_demo()
    video = video_service.process(
        create_video(make_video(tmp_path / "tour.mp4", seconds=12), title="Campus tour")
    )
    assert video.is_ready, video.error_message
    course = CoursePage(
        title="键盘课程 · Keyboard course",
        slug="keyboard-course",
        summary="A short course taken without a mouse.",
        enrolment="open",
    )
    CourseIndexPage.objects.first().add_child(instance=course)
    course.save_revision().publish()
    lessons = [
        ArticlePage(
            title="Before you start 开始之前",
            slug="before-you-start",
            kind=ArticlePage.Kind.THEORY,
            summary="What the course covers.",
            body=json.dumps(
                [{"type": "paragraph", "value": "<p>Three lessons: this, slides, a video.</p>"}]
            ),
        ),
        LecturePage(title="Office slides 幻灯片", slug="office-slides", deck=demo["deck"]),
        LecturePage(title="Campus tour video", slug="campus-tour", video=video),
    ]
    for lesson in lessons:
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    return course, lessons


def test_a_member_takes_a_whole_course_with_the_keyboard_only(
    browser, live_server, keyboard_course, artifacts_dir, tmp_path
):
    course, (article, slides, video_lecture) = keyboard_course
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The home page, as a visitor, and its Log in link.
    page.goto(live_server.url + "/")
    walk(page, "1-home-visitor", artifacts_dir)
    tab_to(page, "Log in")
    press_and_wait_for_page(page)
    walk(page, "2-login", artifacts_dir)
    tab_to(page, "Username")
    page.keyboard.type("member")
    page.keyboard.press("Tab")
    assert focused(page)["name"].startswith("Password")
    page.keyboard.type("elearn-member")
    press_and_wait_for_page(page)  # Enter in the form submits it
    assert "/accounts/login/" not in page.url, "the keyboard login failed"

    # Home → the course: the skip link passes the header, then Tab reaches the course's card.
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["name"] == "Skip to main content"
    assert_focus_visible(skip, "the skip link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, course.title)
    press_and_wait_for_page(page)
    assert page.url == live_server.url + course.url
    walk(page, "3-course", artifacts_dir)
    tab_to(page, "Enrol")
    press_and_wait_for_page(page)
    assert page.get_by_text("You are enrolled in this course.").is_visible()
    assert Enrolment.objects.get(user__username="member", course=course).status == "active"

    # The article: read to its end and marked done.
    tab_to(page, article.title)
    press_and_wait_for_page(page)
    walk(page, "4-article", artifacts_dir)  # tabbing to the end scrolls the end into view
    state = page.locator("[data-progress-state]")
    tab_to(page, "Mark as done")
    with page.expect_response(lambda r: "/progress/" in r.url and r.ok):
        page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('[data-progress-state]').dataset.state === 'done'"
    )
    assert state.inner_text() == "Done ✓"
    page.screenshot(path=artifacts_dir / "keyboard-5-article-done.png")

    # The deck: Next → with Enter keeps focus on Next, then the arrow keys; each slide stays
    # on screen long enough to count as seen.
    tab_to(page, "Next lesson")
    press_and_wait_for_page(page)
    assert page.url == live_server.url + slides.url
    walk(page, "6-slides", artifacts_dir)
    counter = page.locator("[data-deck-counter]")
    numbers = list(
        slides.deck.slides.filter(hidden=False).order_by("number").values_list("number", flat=True)
    )
    total = len(numbers)

    def says(place: int) -> str:
        """The counter at the place-th visible slide: its own number, and its place when a
        hidden slide before it makes the two differ."""
        number = numbers[place - 1]
        return (
            f"Slide {place} of {total}"
            if number == place
            else f"Slide {number} ({place} of {total})"
        )

    assert counter.inner_text() == says(1)
    dwell = 800  # ms, well over ELEARN_SLIDE_SECONDS (a busy machine runs timers late)
    page.wait_for_timeout(dwell)
    tab_to(page, "Next →")
    for number in (2, 3):
        page.keyboard.press("Enter")
        assert counter.inner_text() == says(number)
        info = focused(page)
        assert info is not None and info["name"] == "Next →", f"focus lost after Next: {info}"
        assert_focus_visible(info, "Next → after Enter")
        page.wait_for_timeout(dwell)
    for number in range(4, total + 1):
        page.keyboard.press("ArrowRight")
        assert counter.inner_text() == says(number)
        page.wait_for_timeout(dwell)
    # At the last slide Next is disabled, and focus stays on it rather than being lost.
    info = focused(page)
    assert info is not None and info["name"] == "Next →", f"focus lost at the end: {info}"
    assert_focus_visible(info, "Next → at the last slide")
    page.screenshot(path=artifacts_dir / "keyboard-7-last-slide.png")
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == says(total - 1)
    page.keyboard.press("End")
    assert counter.inner_text() == says(total)
    # Seen slides are reported within 10 s; the page says when the lesson is done.
    page.wait_for_function(
        "document.querySelector('[data-progress-state]').dataset.state === 'done'",
        timeout=20_000,
    )
    progress = LessonProgress.objects.get(user__username="member", page=slides)
    # Done by the lesson's rule (90% of the slides): the last report may still be on its way.
    assert progress.completed_at is not None
    assert progress.slides_coverage >= slides.completion_threshold / 100

    # The video: k plays and pauses, → and ← seek, > speeds up; watched to the end.
    tab_to(page, "Next lesson")
    press_and_wait_for_page(page)
    assert page.url == live_server.url + video_lecture.url
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    walk(page, "8-video", artifacts_dir)
    tab_to(page, tag="video")
    page.keyboard.press("k")
    page.wait_for_function(f"!{video}.paused && {video}.currentTime > 2")
    with page.expect_response(lambda r: "/progress/" in r.url and r.ok):
        page.keyboard.press("k")
    assert page.evaluate(f"{video}.paused")
    at = page.evaluate(f"{video}.currentTime")
    page.keyboard.press("ArrowRight")
    wait_for_position(page, at + 5)
    page.keyboard.press("ArrowLeft")
    wait_for_position(page, at)
    for _ in range(4):
        page.keyboard.press(">")
    assert page.evaluate(f"{video}.playbackRate") == 2
    page.screenshot(path=artifacts_dir / "keyboard-9-video-focused.png")
    # ~17 s of video at 2×; a machine busy with other work plays it slower than real time,
    # and the report that completes the course also issues the certificate.
    with page.expect_response(
        lambda r: "/progress/" in r.url and '"done"' in r.text(), timeout=90_000
    ):
        page.keyboard.press(" ")  # Space plays as k does
        page.wait_for_function(f"{video}.ended", timeout=80_000)
    assert page.locator("[data-progress-state]").inner_text() == "Done ✓"
    enrolment = Enrolment.objects.get(user__username="member", course=course)
    assert enrolment.completed_at is not None, "the course is not complete"

    # Back up to the site's navigation with Shift+Tab, to My learning and the certificate.
    tab_to(page, "My learning", backwards=True, limit=120)
    press_and_wait_for_page(page)
    walk(page, "10-my-learning", artifacts_dir)
    tab_to(page, "Download your certificate")
    page.screenshot(path=artifacts_dir / "keyboard-11-certificate-link.png")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    pdf = pdfium.PdfDocument(str(saved))
    text = pdf[0].get_textpage().get_text_bounded()
    pdf.close()
    assert "李明" in text and course.title in text and enrolment.certificate.code in text
    assert errors == []
    context.close()
