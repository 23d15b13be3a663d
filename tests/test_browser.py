"""A visitor's first visit in headless Chromium: home → course → article, at two widths."""

import pytest

from courses.demo_content import load_demo
from tests.browser import log_in
from tests.conftest import PASSWORDS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("label", "width", "height"), [("desktop", 1440, 900), ("phone", 375, 812)]
)
def test_visitor_goes_from_home_to_course_to_article(
    browser, live_server, artifacts_dir, label, width, height
):
    load_demo()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Training courses"
    page.screenshot(path=artifacts_dir / f"home-{label}.png", full_page=True)
    # The layout fits the screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="加强机关信息化建设，提高工作效率").first.click()
    page.wait_for_url("**/digital-office/")
    assert page.get_by_role("heading", name="Lessons").is_visible()
    page.screenshot(path=artifacts_dir / f"course-{label}.png", full_page=True)

    page.get_by_role("link", name="什么是电子政务").click()
    page.wait_for_url("**/what-is-e-government/")
    assert page.locator("h1").inner_text() == "什么是电子政务"
    assert page.locator("table").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=artifacts_dir / f"article-{label}.png", full_page=True)

    # Keyboard users get a skip link first, and it is visible when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0
    assert errors == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_search_and_language_switch_in_the_browser(browser, live_server, artifacts_dir):
    load_demo()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Find a course or article").fill("信息化")
    page.get_by_label("Find a course or article").press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("mark").first.inner_text() == "信息化"
    page.screenshot(path=artifacts_dir / "search-desktop.png", full_page=True)

    # Two languages: the header offers the other one, named in its own language.
    with page.expect_navigation():
        page.get_by_role("button", name="Change language: 简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="课程", exact=True).is_visible()
    assert page.get_by_role("button", name="English").is_visible()
    page.screenshot(path=artifacts_dir / "search-zh-desktop.png", full_page=True)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_member_steps_through_a_deck_with_the_keyboard(browser, live_server, artifacts_dir):
    demo = load_demo()
    lecture_url = live_server.url + demo["slides_lecture"].url
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "member")
    page.goto(lecture_url)
    counter = page.locator("[data-deck-counter]")
    assert counter.inner_text() == "Slide 1 of 13"
    image = page.locator(".deck-stage__image")
    image.wait_for()
    assert page.evaluate("document.querySelector('.deck-stage__image').naturalWidth") > 0
    # The slide and its controls fit the window together (4:3 slides at full width did not).
    # On a laptop's 1280 × 800 the strip of thumbnails fits too (it was 180 px below).
    for width, height in [(1440, 900), (1280, 800)]:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("document.querySelector('.deck-viewer').scrollIntoView()")
        next_button = page.locator("[data-deck-next]").bounding_box()
        assert next_button["y"] + next_button["height"] <= height
        strip = page.locator(".deck-strip").bounding_box()
        assert strip["y"] + strip["height"] <= height, f"{width} × {height}"
    page.set_viewport_size({"width": 1440, "height": 900})

    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/slides/2/")
    assert counter.inner_text() == "Slide 2 of 13"
    assert "Slide 2" in image.get_attribute("alt")
    page.keyboard.press("End")
    page.wait_for_url("**/slides/14/")  # slide 11 is hidden: 13 visible, the last is number 14
    # Its own number, as on its thumbnail and in its address, and where it is among 13.
    assert counter.inner_text() == "Slide 14 (13 of 13)"
    assert "Slide 14" in image.get_attribute("alt")
    page.keyboard.press("Home")
    page.wait_for_url("**/slides/1/")

    page.get_by_role("button", name="Notes").click()
    assert page.locator("[data-deck-notes]").is_visible()
    assert "Introduce yourself" in page.locator("[data-deck-notes]").inner_text()
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**/slides/2/")
    page.locator("[data-deck-thumb='4']").click()
    page.wait_for_url("**/slides/5/")
    assert "公文处理流程" in image.get_attribute("alt")
    page.screenshot(path=artifacts_dir / "deck-viewer-desktop.png")
    page.go_back()
    page.wait_for_url("**/slides/2/")
    assert counter.inner_text() == "Slide 2 of 13"
    assert errors == []

    # Every slide is a real page: opened directly, it shows that slide with its text.
    page.goto(lecture_url + "slides/5/")
    assert counter.inner_text() == "Slide 5 of 13"
    assert page.locator("h1").inner_text().startswith("Slide 5: 公文处理流程")
    phone = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
    log_in(phone, live_server.url, "member")
    for language in ["en", "zh-hans"]:
        phone.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        phone.goto(lecture_url + "slides/12/")  # "Slide 12 (11 of 13)": the longest counter
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        # Previous, where you are and next stay on one row (they wrapped onto three).
        rows = {
            name: phone.locator(selector).bounding_box()
            for name, selector in [
                ("previous", "[data-deck-prev]"),
                ("counter", "[data-deck-counter]"),
                ("next", "[data-deck-next]"),
            ]
        }
        middle = rows["counter"]["y"] + rows["counter"]["height"] / 2
        for name, box in rows.items():
            assert box["y"] <= middle <= box["y"] + box["height"], f"{language}: {name} {rows}"
        phone.screenshot(path=artifacts_dir / f"deck-slide-phone-{language}.png", full_page=True)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_pages_print_without_the_site_around_them(browser, live_server, artifacts_dir):
    """Ctrl+P: no navigation or player on paper; the lecture's text prints a slide a page."""
    demo = load_demo()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "member")
    page.goto(live_server.url + demo["slides_lecture"].url)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-deck-viewer]").is_visible()
    assert page.locator(".slide-text__item").first.is_visible()
    breaks = page.evaluate(
        "Array.from(document.querySelectorAll('.slide-text__item'))"
        ".map(el => getComputedStyle(el).breakBefore)"
    )
    assert breaks[0] == "auto" and set(breaks[1:]) == {"page"}  # the first under the title
    pdf = artifacts_dir / "lecture-printed.pdf"
    page.pdf(path=str(pdf), format="A4")
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    visible = demo["deck"].slides.filter(hidden=False).count()
    assert len(document) >= visible  # a page (or more) per slide
    first = document[0].get_textpage().get_text_bounded()
    assert "Skip to main content" not in first and "Log out" not in first
    document.close()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_members_pages_fit_a_phone(browser, live_server, artifacts_dir):
    """Nothing a member opens scrolls sideways at 375 px: the lecture with its video beside
    the slides used to take the video's own width (1920 px)."""
    demo = load_demo()
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    log_in(page, live_server.url, "member")
    pages = {
        "course": demo["course"].url,
        "video-lecture": demo["video_lecture"].url,
        "slides-lecture": demo["slides_lecture"].url,
        "welcome-lecture": demo["welcome_lecture"].url,
        "my-learning": "/learning/",
    }
    for name, url in pages.items():
        page.goto(live_server.url + url)
        page.screenshot(path=artifacts_dir / f"phone-{name}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} is {width} px wide"
    assert page.locator("video").count() == 0  # My learning; the lecture had one:
    page.goto(live_server.url + demo["video_lecture"].url)
    assert page.locator("video").bounding_box()["width"] <= 375
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_email_settings_checkboxes_sit_beside_their_labels(
    browser, live_server, django_user_model, width
):
    """A checkbox once took the full width of a form field, pushing its label into a narrow
    column that wrapped every few characters ("新课 / 时")."""
    member, _created = django_user_model.objects.get_or_create(username="member")
    member.set_password(PASSWORDS["member"])
    member.save()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "member")
    page.goto(f"{live_server.url}/notifications/")
    boxes = page.locator(".field--checkbox input[type=checkbox]")
    assert boxes.count() >= 4
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        label = boxes.nth(index).locator("xpath=..").bounding_box()
        assert box["width"] < 30, box
        # The words take the rest of the line: one line high, beside the box.
        assert box["x"] - label["x"] < 5 and label["height"] < 40, (box, label)
    context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1024, 375])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_header_of_an_admin_keeps_its_search_and_language_together(
    browser, live_server, django_user_model, width, language
):
    """An admin's header has one more link: at 1280 px the language button wrapped alone onto a
    second row. It fits on one row there; when a row does not hold it all, the search box and
    the language button move down together, at the right."""
    admin, _created = django_user_model.objects.get_or_create(
        username="admin", defaults={"is_superuser": True, "is_staff": True}
    )
    admin.set_password(PASSWORDS["admin"])
    admin.save()
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/learning/")
    search = page.locator(".site-search").bounding_box()
    switcher = page.locator(".language-switcher").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    if width >= 1024:
        assert abs(search["y"] - switcher["y"]) < 5, "search and language share a row"
        if width == 1280:
            assert abs(search["y"] - nav["y"]) < 10, ("one row", search, nav)
        assert switcher["x"] + switcher["width"] > width - 100, "at the right"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
