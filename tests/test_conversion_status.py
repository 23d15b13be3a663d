"""The admin's deck and video statuses follow a conversion while the page stays open: the
status endpoint, the fragments the pages draw, and a listing and an edit form in Chromium."""

import pytest
from django.core.files.base import ContentFile

from courses.decks import create_deck
from courses.demo_content import ensure_base_tree, ensure_users
from courses.models import LectureVideo, SlideDeck
from tests.browser import log_in_admin
from tests.conversion.conftest import build_feature_deck

URL = "/admin/conversion-status/"


@pytest.fixture
def deck(db, tmp_path):
    deck = create_deck(build_feature_deck(tmp_path / "Evacuation drill.pptx"))
    deck.mark(SlideDeck.Status.PROCESSING)
    return deck


@pytest.fixture
def video(db):
    video = LectureVideo(title="Fire doors")
    video.file.save("fire-doors.mp4", ContentFile(b"\x00" * 64), save=False)
    video.save()
    video.mark(LectureVideo.Status.PROCESSING, progress=40)
    return video


def test_status_of_each_item_asked_for_as_the_page_drew_it(trainer_client, deck, video):
    response = trainer_client.get(URL, {"cell": f"deck-{deck.pk}", "panel": f"video-{video.pk}"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert set(items) == {f"cell:deck-{deck.pk}", f"panel:video-{video.pk}"}
    cell = items[f"cell:deck-{deck.pk}"]
    assert (cell["status"], cell["done"], cell["progress"]) == ("processing", False, None)
    assert f'data-conversion-live="deck-{deck.pk}"' in cell["html"]
    assert 'data-view="cell"' in cell["html"] and "Converting" in cell["html"]
    panel = items[f"panel:video-{video.pk}"]
    assert (panel["status"], panel["progress"]) == ("processing", 40)
    assert '<progress max="100" value="40">' in panel["html"]

    deck.mark(
        SlideDeck.Status.FAILED, error_code="corrupt", error_message="This file could not be read."
    )
    trainer_client.cookies["django_language"] = "zh-hans"
    cell = trainer_client.get(URL, {"cell": f"deck-{deck.pk}"}).json()["items"][
        f"cell:deck-{deck.pk}"
    ]
    assert cell["done"] is True
    assert "失败" in cell["html"] and "无法读取此文件" in cell["html"], "translated when shown"


def test_the_listing_and_the_edit_form_draw_live_fragments(trainer_client, deck, video):
    listing = trainer_client.get("/admin/snippets/courses/slidedeck/").content.decode()
    assert (
        f'data-conversion-live="deck-{deck.pk}" data-view="cell" data-status="processing"'
        in listing
    )
    assert "admin-conversion-status.js" in listing
    edit = trainer_client.get(
        f"/admin/snippets/courses/lecturevideo/edit/{video.pk}/"
    ).content.decode()
    assert (
        f'data-conversion-live="video-{video.pk}" data-view="panel" data-status="processing" data-progress="40"'
        in edit
    )
    add = trainer_client.get("/admin/snippets/courses/slidedeck/add/").content.decode()
    assert "data-conversion-live" not in add


@pytest.mark.parametrize(
    "query",
    [
        {"cell": "deck-abc"},
        {"cell": "page-1"},
        {"panel": "deck-"},
        {"cell": "deck-1" + "0" * 30},
        {"cell": [f"deck-{n}" for n in range(201)]},
    ],
)
def test_malformed_questions_get_a_json_400(trainer_client, deck, query):
    response = trainer_client.get(URL, query)
    assert response.status_code == 400
    assert response.json()["error"]


def test_only_what_the_user_may_see_and_only_by_get(client, trainer_client, deck, video):
    assert trainer_client.post(URL, {"cell": f"deck-{deck.pk}"}).status_code == 405
    client.force_login(ensure_users()["member"])  # no admin access at all
    response = client.get(URL, {"cell": f"deck-{deck.pk}"})
    assert response.status_code in (302, 403)
    assert b"Evacuation" not in response.content
    # Unknown ids are simply absent, as are deleted items.
    response = trainer_client.get(URL, {"cell": ["deck-999999", f"video-{video.pk}"]})
    assert set(response.json()["items"]) == {f"cell:video-{video.pk}"}


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_listing_and_edit_form_follow_the_conversion_in_chromium(
    browser, live_server, tmp_path, artifacts_dir
):
    ensure_base_tree()  # the root collection, gone after an earlier transactional test
    ensure_users()
    deck = create_deck(build_feature_deck(tmp_path / "Evacuation drill.pptx"))
    deck.mark(SlideDeck.Status.PROCESSING)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/admin/snippets/courses/slidedeck/")
    row = page.locator("tr", has_text="Evacuation drill")
    assert row.locator("[data-deck-status]").text_content().strip() == "Converting"
    deck.mark(SlideDeck.Status.READY, slide_count=4)
    # The listing reloads itself once the deck is ready: status and slide count both current.
    page.locator("tr", has_text="Evacuation drill").locator("[data-deck-status=ready]").wait_for(
        timeout=15_000
    )
    assert "4" in page.locator("tr", has_text="Evacuation drill").inner_text()
    page.screenshot(path=artifacts_dir / "admin-decks-live-status.png")

    video = LectureVideo(title="Fire doors")
    video.file.save("fire-doors.mp4", ContentFile(b"\x00" * 64), save=False)
    video.save()
    video.mark(LectureVideo.Status.PROCESSING, progress=10)
    page.goto(f"{live_server.url}/admin/snippets/courses/lecturevideo/edit/{video.pk}/")
    page.fill("#id_title", "Fire doors, edited before processing ends")
    video.mark(LectureVideo.Status.PROCESSING, progress=70)
    page.locator("[data-conversion-live] progress[value='70']").wait_for(timeout=15_000)
    video.mark(LectureVideo.Status.FAILED, error_message="This file could not be read.")
    page.locator("[data-conversion-live][data-status=failed]").wait_for(timeout=15_000)
    assert page.get_by_text("This file could not be read.").is_visible()
    # Swapping the panel leaves what the trainer typed in the form alone.
    assert page.input_value("#id_title") == "Fire doors, edited before processing ends"
    page.screenshot(path=artifacts_dir / "admin-video-live-status.png", full_page=True)
    context.close()
    assert errors == []
