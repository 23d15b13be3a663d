"""Accessibility: axe-core (from npm, see package.json) over every learner page in headless
Chromium, in English and Chinese, as a visitor and as an enrolled member. No serious or
critical violation of WCAG 2.2 A/AA (colour contrast included) is allowed."""

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def audit(page) -> list[str]:
    """axe's moderate, serious and critical findings (WCAG and best practice, which has the
    landmark and heading-order rules) on the current page, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("moderate", "serious", "critical"):
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    # Text in the very colour of its background is invisible, yet axe files it as "needs
    # review" rather than as a contrast violation.
    for review in result["incomplete"]:
        if review["id"] != "color-contrast":
            continue
        for node in review["nodes"]:
            if any(
                (check.get("data") or {}).get("messageKey") == "equalRatio" for check in node["any"]
            ):
                found.append(f"invisible text (colour of its background): {node['target']}")
    return found


@pytest.fixture
def site(live_server):
    from courses.demo_content import load_demo
    from courses.models import LecturePage

    objects = load_demo()
    video = LecturePage.objects.get(pk=objects["video_lecture"].pk)
    slides = LecturePage.objects.get(pk=objects["slides_lecture"].pk)
    public = [
        "/",
        objects["course"].url,
        objects["safety_course"].url,
        "/digital-office/basics/what-is-e-government/",
        "/digital-office/practice/records-management/",  # locked for visitors
        "/search/?q=信息化",
        "/tags/",
        "/accounts/login/",
        "/accounts/signup/",
        "/certificates/",
    ]
    member = [
        objects["course"].url,  # enrolled: progress, Continue, Leave the course
        video.url,
        slides.url,
        slides.url + "slides/2/",
        "/digital-office/practice/records-management/",
        "/learning/",
        "/accounts/profile/",
    ]
    # A question with an answer: the thread page and the course's question search.
    from discussion.models import Post, Thread

    users = objects["users"]
    thread = Thread.objects.create(
        lesson=slides,
        course=objects["course"],
        author=users["member"],
        title="为什么要用日期命名？ Why dates first?",
        body="See https://example.org/naming",
        slide_number=2,
    )
    answer = Post.objects.create(thread=thread, author=users["trainer"], body="They sort.")
    thread.accepted_post = answer
    thread.save()
    member += [f"/discussion/{thread.pk}/", f"/discussion/course/{objects['course'].pk}/?q=日期"]
    return live_server.url, public, member


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_learner_pages_have_no_serious_accessibility_violations(browser, site, language):
    from tests.browser import log_in

    if not AXE.exists():
        pytest.fail("axe-core is missing: run make node-deps (npm ci)")
    base, public, member = site
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="zh-CN" if language == "zh-hans" else "en-GB",
        extra_http_headers={"Accept-Language": "zh-Hans" if language == "zh-hans" else "en"},
    )
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for path in public:
        page.goto(base + path)
        assert page.get_attribute("html", "lang") == language  # the language under test
        if found := audit(page):
            problems[f"visitor {path}"] = found
    log_in(page, base, "member")
    for path in member:
        page.goto(base + path)
        if found := audit(page):
            problems[f"member {path}"] = found
        if path == member[1]:  # the video lecture
            # The video is named, and its seek bar says where it is as a time, not "5".
            assert page.get_attribute("video", "aria-label")
            page.wait_for_function("document.querySelector('video').readyState >= 1")
            page.evaluate("document.querySelector('video').currentTime = 5")
            page.wait_for_function(
                "document.querySelector('[data-video-seek]').getAttribute('aria-valuetext')"
                ".startsWith('0:05')"
            )
            said = page.get_attribute("[data-video-seek]", "aria-valuetext")
            pattern = r"0:05 of \d+:\d\d" if language == "en" else r"0:05 / \d+:\d\d"
            assert re.fullmatch(pattern, said), said
    context.close()
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
