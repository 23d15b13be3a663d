"""A deck or video whose conversion failed, as trainers and admins meet it: marked in the
lecture editor's choosers, refused when the lecture is published (a draft may be saved), and
left out of the course's handouts, which print the rest and say what is missing."""

import pypdfium2 as pdfium
import pytest
from django.core.files.storage import default_storage
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from courses import deck_service, video_service
from courses.decks import create_deck
from courses.models import HandoutBuild, LecturePage, LectureVideo, SlideDeck
from tests.conversion.conftest import build_feature_deck
from tests.test_upload_choosers import DECK_CHOOSER, VIDEO_CHOOSER

pytestmark = pytest.mark.slow  # real conversions (LibreOffice, ffmpeg) fail and succeed here


@pytest.fixture
def failed_deck(demo, tmp_path) -> SlideDeck:
    """A deck cut off halfway, as an interrupted copy leaves it: conversion fails on it."""
    whole = build_feature_deck(tmp_path / "fire-safety.pptx")
    broken = tmp_path / "Fire safety (cut off).pptx"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    deck = deck_service.convert(create_deck(broken, title="Fire safety (cut off)"))
    assert deck.status == SlideDeck.Status.FAILED and deck.error_message
    return deck


@pytest.fixture
def failed_video(demo, tmp_path) -> LectureVideo:
    """Notes saved under a video's name: processing fails, saying it is not a video."""
    path = tmp_path / "notes.mp4"
    path.write_text("these are my notes, not a video")
    video = video_service.process(video_service.create_video(path, title="Welcome (notes)"))
    assert video.status == LectureVideo.Status.FAILED and video.error_message
    return video


def results(client, chooser: str) -> str:
    response = client.get(f"{chooser}results/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_deck_chooser_shows_each_decks_state_and_marks_a_failed_one(
    trainer_client, demo, failed_deck
):
    html = trainer_client.get(DECK_CHOOSER).json()["html"]
    for page in (html, results(trainer_client, DECK_CHOOSER)):
        assert "Status" in page and "Slides" in page
        assert 'data-deck-status="failed"' in page  # the badge the deck list shows
        assert 'data-deck-status="ready"' in page  # the demo deck, listed alike
        assert failed_deck.error_message in page
        assert 'data-deck-status="ready">Ready</span>' in page


def test_the_video_chooser_shows_each_videos_state_and_duration(
    trainer_client, demo, failed_video, tmp_path
):
    from tests.test_videos import make_video

    ready = video_service.process(
        video_service.create_video(make_video(tmp_path / "talk.mp4", seconds=2), title="Talk")
    )
    page = results(trainer_client, VIDEO_CHOOSER)
    assert "Duration" in page and ready.duration_display in page
    assert 'data-video-status="failed"' in page and 'data-video-status="ready"' in page
    assert "Welcome (notes)" in page  # failed, still listed


def lecture_form(lecture: LecturePage, action: str = "", **fields) -> dict:
    """The lecture editor's form as the browser posts it, with ``action`` pressed."""
    data = nested_form_data(
        {
            "title": lecture.title,
            "slug": lecture.slug,
            "intro": lecture.intro,
            "deck": lecture.deck_id or "",
            "video": lecture.video_id or "",
            "handout_layout": lecture.handout_layout,
            "body": streamfield([]),
            "completion_rule": lecture.completion_rule,
            "completion_threshold": lecture.completion_threshold,
            "comments": inline_formset([]),
            **fields,
        }
    )
    if action:
        data[action] = "1"
    return data


def edit(client, lecture, data):
    return client.post(f"/admin/pages/{lecture.pk}/edit/", data)


@pytest.mark.parametrize("action", ["action-publish", "action-submit"])
def test_a_lecture_with_a_failed_deck_is_not_published(
    admin_client_demo, demo, failed_deck, action
):
    lecture = demo["slides_lecture"]
    published_deck = lecture.deck_id
    response = edit(admin_client_demo, lecture, lecture_form(lecture, action, deck=failed_deck.pk))
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "This slide deck could not be converted, so the lecture cannot be published" in html
    assert failed_deck.error_message in html and "Or choose another deck" in html
    lecture = LecturePage.objects.get(pk=lecture.pk)
    assert lecture.deck_id == published_deck and not lecture.has_unpublished_changes
    assert lecture.current_workflow_state is None  # not submitted for review either

    # A draft is kept, to be fixed later; the live lecture is unchanged.
    saved = edit(admin_client_demo, lecture, lecture_form(lecture, deck=failed_deck.pk))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    lecture = LecturePage.objects.get(pk=lecture.pk)
    assert lecture.deck_id == published_deck and lecture.has_unpublished_changes
    assert lecture.get_latest_revision_as_object().deck_id == failed_deck.pk


def test_a_lecture_with_a_failed_video_is_not_published(admin_client_demo, demo, failed_video):
    lecture = demo["slides_lecture"]
    response = edit(
        admin_client_demo,
        lecture,
        lecture_form(lecture, "action-publish", video=failed_video.pk),
    )
    assert response.status_code == 200
    assert "This video could not be processed, so the lecture" in response.content.decode()
    assert LecturePage.objects.get(pk=lecture.pk).video_id != failed_video.pk


def test_a_lecture_with_a_deck_still_converting_is_published(admin_client_demo, demo, tmp_path):
    converting = create_deck(build_feature_deck(tmp_path / "drill.pptx"), title="Drill")
    SlideDeck.objects.filter(pk=converting.pk).update(status=SlideDeck.Status.PROCESSING)
    lecture = demo["slides_lecture"]
    response = edit(
        admin_client_demo, lecture, lecture_form(lecture, "action-publish", deck=converting.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert LecturePage.objects.get(pk=lecture.pk).deck_id == converting.pk


def test_the_failed_message_reads_in_chinese(admin_client_demo, demo, failed_deck):
    admin_client_demo.cookies["django_language"] = "zh-hans"
    lecture = demo["slides_lecture"]
    response = edit(
        admin_client_demo,
        lecture,
        lecture_form(lecture, "action-publish", deck=failed_deck.pk),
    )
    assert "此演示文稿未能转换" in response.content.decode()


def pdf_text(name: str, pages: slice = slice(None)) -> str:
    with default_storage.open(name, "rb") as fh:
        pdf = pdfium.PdfDocument(fh.read())
    try:
        return "".join(page.get_textpage().get_text_bounded() for page in list(pdf)[pages])
    finally:
        pdf.close()


def unwrapped(text: str) -> str:
    """PDF text with its line breaks joined back into running text."""
    return " ".join(text.split())


def test_course_handouts_print_the_rest_and_name_the_lecture_with_a_failed_deck(
    admin_client_demo, demo, failed_deck, django_capture_on_commit_callbacks
):
    """Published before its deck was converted again and failed: the set is printed without
    it, and the admin is told which lecture, why, and where to fix it (or to wait, for a deck
    still converting)."""
    course = demo["course"]
    course.add_child(instance=LecturePage(title="Fire safety", slug="fire", deck=failed_deck))
    # A deck still converting is left out too, said as such: printing again later adds it.
    converting = SlideDeck.objects.create(
        title="Drill", file="decks/drill.pptx", status=SlideDeck.Status.PROCESSING
    )
    course.add_child(instance=LecturePage(title="Evacuation", slug="drill", deck=converting))
    form = admin_client_demo.get(f"/admin/handouts/print/{course.pk}/").content.decode()
    assert "the set leaves them out" in form and "Fire safety (cut off)" in form

    data = {"layout": "6", "paper": "A4", "order": "horizontal", "recipients": "none"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_demo.post(f"/admin/handouts/print/{course.pk}/", data)
    assert response.status_code == 302
    handout = HandoutBuild.objects.latest("pk")
    assert handout.status == HandoutBuild.Status.READY, handout.error_message
    assert "公文处理流程" in pdf_text(handout.file)  # the demo deck's lecture is printed
    # The paper says so too, on its cover: it may reach readers who never see this admin.
    cover = unwrapped(pdf_text(handout.file, slice(0, 1)))
    assert (
        "Not in this set, as their slides cannot be printed yet: “Fire safety”, “Evacuation”."
        in cover
    )

    for html in (
        admin_client_demo.get(f"/admin/handouts/{handout.pk}/").content.decode(),
        admin_client_demo.get(f"/admin/handouts/{handout.pk}/?format=json").json()["left_out"],
    ):
        assert "Left out of this handout" in html
        assert "“Fire safety”: its slide deck" in html and "could not be converted" in html
        assert f'href="/admin/snippets/courses/slidedeck/edit/{failed_deck.pk}/"' in html
        assert "“Evacuation”: its slide deck" in html
        assert (
            "is not converted yet (Converting)" in html and "Print again once it is ready" in html
        )
    assert admin_client_demo.get(f"/admin/handouts/{handout.pk}/download/").status_code == 200


def test_a_lecture_handout_with_a_failed_deck_says_it_failed(
    admin_client_demo, demo, failed_deck, django_capture_on_commit_callbacks
):
    course = demo["course"]
    lecture = course.add_child(
        instance=LecturePage(title="Fire safety", slug="fire", deck=failed_deck)
    )
    data = {"layout": "6", "paper": "A4", "order": "horizontal", "recipients": "none"}
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_demo.post(f"/admin/handouts/print/{lecture.pk}/", data)
    handout = HandoutBuild.objects.latest("pk")
    assert handout.status == HandoutBuild.Status.FAILED
    assert "could not be converted" in handout.error_message
    assert "not converted yet" not in handout.error_message
    page = admin_client_demo.get(f"/admin/handouts/{handout.pk}/").content.decode()
    assert f'href="/admin/snippets/courses/slidedeck/edit/{failed_deck.pk}/"' in page


def test_a_course_whose_every_deck_failed_fails_with_the_list(
    admin_client_demo, demo, failed_deck, django_capture_on_commit_callbacks
):
    """Nothing but the failed lecture to print: no empty set, a reason."""
    for lesson in demo["course"].get_lessons():
        lesson.unpublish()
    course = demo["course"]
    course.add_child(instance=LecturePage(title="Fire safety", slug="fire", deck=failed_deck))
    data = {"layout": "6", "paper": "A4", "order": "horizontal", "recipients": "none"}
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_demo.post(f"/admin/handouts/print/{course.pk}/", data)
    handout = HandoutBuild.objects.latest("pk")
    assert handout.status == HandoutBuild.Status.FAILED
    assert "could not be converted: “Fire safety”" in handout.error_message


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_trainer_meets_a_failed_deck_in_the_editor_and_an_admin_in_the_handouts(
    browser, live_server, artifacts_dir, tmp_path
):
    """The chooser marks the failed deck; chosen anyway, publishing is refused at the field;
    the course's handout prints the rest and names it."""
    from courses.demo_content import load_demo
    from tests.browser import log_in_admin

    demo = load_demo()
    lecture = demo["slides_lecture"]
    whole = build_feature_deck(tmp_path / "fire-safety.pptx")
    broken = tmp_path / "fire-safety-cut.pptx"
    broken.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    failed = deck_service.convert(create_deck(broken, title="Fire safety (cut off)"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/pages/{lecture.pk}/edit/")

    field = page.locator("#id_deck-chooser")
    field.locator(".w-dropdown__toggle").click()
    field.locator("[data-chooser-action-choose]:visible").click()
    modal = page.locator(".modal-content")
    row = modal.locator("tr", has_text="Fire safety (cut off)")
    row.locator('[data-deck-status="failed"]').wait_for()
    assert "damaged or incomplete" in row.inner_text()
    assert modal.locator('[data-deck-status="ready"]').count() >= 1
    # A failed deck is no error of the search form: its tab shows no error count.
    assert modal.locator(".w-tabs__errors [data-w-count-target=total]").all_inner_texts() in (
        [],
        [""],
        ["", ""],
    )
    page.screenshot(path=artifacts_dir / "failed-chooser-deck.png")
    row.locator("a[data-chooser-modal-choice]").click()
    page.locator("#id_deck-title", has_text="Fire safety (cut off)").wait_for()

    # "Publish" is in the footer's menu of actions.
    with page.expect_navigation():
        page.evaluate("document.querySelector('button[name=action-publish]').click()")
    error = page.locator(".error-message", has_text="This slide deck could not be converted")
    error.first.wait_for()
    error.first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "failed-publish-refused.png")
    assert LecturePage.objects.get(pk=lecture.pk).deck_id != failed.pk

    course = demo["course"]
    course.add_child(instance=LecturePage(title="Fire safety", slug="fire", deck=failed))
    page.goto(f"{live_server.url}/admin/handouts/print/{course.pk}/")
    page.screenshot(path=artifacts_dir / "failed-handout-form.png", full_page=True)
    page.get_by_role("button", name="Build the handout").click()
    page.wait_for_url("**/admin/handouts/*/")
    page.locator("[data-handout-ready]").wait_for(state="visible", timeout=60000)
    notice = page.locator("[data-handout-left-out]")
    notice.get_by_role("link", name="Fire safety (cut off)").wait_for()
    page.screenshot(path=artifacts_dir / "failed-handout-left-out.png")
    assert errors == []
    context.close()
