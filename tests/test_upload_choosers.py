"""The lecture editor's deck and video choosers, with their upload tabs: an upload there is
the same deck or video as one from "Slide decks" / "Lecture videos", and is chosen at once."""

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from wagtail.models import ModelLogEntry

from courses.models import LectureVideo, SlideDeck
from tests.conversion.conftest import build_feature_deck
from tests.test_videos import make_video

pytestmark = pytest.mark.slow  # LibreOffice and ffmpeg run in most of these

DECK_CHOOSER = "/admin/snippets/choose/courses/slidedeck/"
VIDEO_CHOOSER = "/admin/snippets/choose/courses/lecturevideo/"


@pytest.fixture
def feature_deck(tmp_path) -> Path:
    return build_feature_deck(tmp_path / "fire-safety.pptx")


@pytest.fixture
def choose_upload(django_capture_on_commit_callbacks):
    """Post a file to a chooser's upload tab, as the modal does; the queued conversion or
    processing runs when the upload commits. Returns the modal step and its JSON."""

    def post(client, chooser: str, path: Path, **extra):
        data = {
            "upload-title": path.stem,
            "upload-file": SimpleUploadedFile(path.name, path.read_bytes()),
            "upload-collection": 1,
            **{f"upload-{name}": value for name, value in extra.items()},
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{chooser}create/", data)
        assert response.status_code == 200, response.content.decode()[:2000]
        return response.json()

    return post


def chooser_html(client, chooser: str) -> str:
    response = client.get(chooser)
    assert response.status_code == 200
    return response.json()["html"]


def test_trainers_see_an_upload_tab_in_both_choosers(trainer_client, demo):
    deck_modal = chooser_html(trainer_client, DECK_CHOOSER)
    assert "Upload a deck" in deck_modal and 'enctype="multipart/form-data"' in deck_modal
    assert 'name="upload-password"' in deck_modal and "convert_again" not in deck_modal
    video_modal = chooser_html(trainer_client, VIDEO_CHOOSER)
    assert "Upload a video" in video_modal and 'enctype="multipart/form-data"' in video_modal
    assert "process_again" not in video_modal and "captions" not in video_modal


def test_the_upload_tab_reads_in_chinese(trainer_client, demo):
    trainer_client.cookies["django_language"] = "zh-hans"
    deck_modal = chooser_html(trainer_client, DECK_CHOOSER)
    assert "上传演示文稿" in deck_modal and ">上传<" in deck_modal.replace(" ", "").replace(
        "\n", ""
    )
    assert "搜索" in deck_modal and "选择" in deck_modal
    assert "Search" not in deck_modal and "Choose" not in deck_modal
    assert "上传视频" in chooser_html(trainer_client, VIDEO_CHOOSER)


def test_a_deck_uploaded_in_the_chooser_is_chosen_and_converted(
    trainer_client, demo, feature_deck, choose_upload
):
    answer = choose_upload(trainer_client, DECK_CHOOSER, feature_deck)
    assert answer["step"] == "chosen"
    deck = SlideDeck.objects.get(title="fire-safety")
    assert answer["result"]["id"] == str(deck.pk) and answer["result"]["string"] == "fire-safety"
    assert deck.uploaded_by_user == demo["users"]["trainer"]
    assert deck.file_size == feature_deck.stat().st_size and len(deck.file_hash) == 64
    assert deck.status == SlideDeck.Status.READY, deck.error_message
    assert deck.slide_count == 4 and deck.slides.count() == 4
    entry = ModelLogEntry.objects.for_instance(deck).get()
    assert entry.action == "wagtail.create" and entry.user == demo["users"]["trainer"]


def test_a_protected_deck_converts_with_the_password_typed_in_the_chooser(
    trainer_client, demo, tmp_path, choose_upload
):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = build_feature_deck(tmp_path / "plain.pptx")
    secret = tmp_path / "secret.pptx"
    with plain.open("rb") as src, secret.open("wb") as dst:
        OOXMLFile(src).encrypt("s3cret-pw", dst)
    refused = choose_upload(trainer_client, DECK_CHOOSER, secret, password="wrong")
    assert refused["step"] == "reshow_creation_form"
    assert "The password does not open this presentation" in refused["htmlFragment"]
    answer = choose_upload(trainer_client, DECK_CHOOSER, secret, password="s3cret-pw")
    assert answer["step"] == "chosen"
    deck = SlideDeck.objects.get(pk=answer["result"]["id"])
    assert deck.status == SlideDeck.Status.READY and deck.slide_count == 4, deck.error_message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pptx", b"just some text, not slides", "This file is not a presentation"),
        ("empty.pptx", b"", "The submitted file is empty"),
        ("ox-encrypted_pptx.pptx", None, "This presentation is password-protected. Type its"),
    ],
)
def test_a_bad_deck_is_refused_in_the_chooser_and_nothing_is_made(
    trainer_client, demo, tmp_path, corpus_dir, choose_upload, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content if content is not None else (corpus_dir / "pptx" / name).read_bytes())
    decks = SlideDeck.objects.count()
    answer = choose_upload(trainer_client, DECK_CHOOSER, path)
    assert answer["step"] == "reshow_creation_form"
    assert message in answer["htmlFragment"]
    assert 'id="tab-create"' in answer["htmlFragment"]  # the modal shows it in the upload tab
    assert SlideDeck.objects.count() == decks


def test_a_video_uploaded_in_the_chooser_is_chosen_and_processed(
    trainer_client, demo, tmp_path, choose_upload
):
    clip = make_video(tmp_path / "welcome.mp4", seconds=2)
    answer = choose_upload(trainer_client, VIDEO_CHOOSER, clip)
    assert answer["step"] == "chosen"
    video = LectureVideo.objects.get(title="welcome")
    assert answer["result"]["id"] == str(video.pk)
    assert video.uploaded_by_user == demo["users"]["trainer"]
    assert video.file_size == clip.stat().st_size and len(video.file_hash) == 64
    assert video.status == LectureVideo.Status.READY, video.error_message
    assert (video.width, video.height) == (320, 240) and video.renditions.exists()
    entry = ModelLogEntry.objects.for_instance(video).get()
    assert entry.action == "wagtail.create" and entry.user == demo["users"]["trainer"]


def test_an_empty_video_is_refused_in_the_chooser(trainer_client, demo, tmp_path, choose_upload):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    answer = choose_upload(trainer_client, VIDEO_CHOOSER, path)
    assert answer["step"] == "reshow_creation_form"
    assert "The submitted file is empty" in answer["htmlFragment"]
    assert not LectureVideo.objects.filter(title="empty").exists()


def test_a_file_that_is_not_a_video_fails_with_a_reason_as_from_the_video_page(
    trainer_client, demo, tmp_path, choose_upload
):
    """As on "Lecture videos", a file that is no known picture, document or text is taken and
    processing says what is wrong (tests/test_videos.py): the chooser judges videos alike."""
    path = tmp_path / "notes.mp4"
    path.write_bytes(bytes(range(1, 256)) * 64)  # binary, in no container ffmpeg knows
    answer = choose_upload(trainer_client, VIDEO_CHOOSER, path)
    video = LectureVideo.objects.get(pk=answer["result"]["id"])
    assert video.status == LectureVideo.Status.FAILED and video.error_code == "not_video"


def test_a_picture_is_refused_in_the_video_chooser_and_nothing_is_made(
    trainer_client, demo, tmp_path, choose_upload
):
    from PIL import Image

    path = tmp_path / "screenshot.png"
    Image.new("RGB", (64, 36), "white").save(path)
    answer = choose_upload(trainer_client, VIDEO_CHOOSER, path)
    assert answer["step"] == "reshow_creation_form"
    assert "This file is a picture, not a video." in answer["htmlFragment"]
    assert not LectureVideo.objects.filter(title="screenshot").exists()
    notes = tmp_path / "notes.mp4"
    notes.write_text("these are my notes, not a video")
    answer = choose_upload(trainer_client, VIDEO_CHOOSER, notes)
    assert answer["step"] == "reshow_creation_form"
    assert "This file is text, not a video." in answer["htmlFragment"]
    assert not LectureVideo.objects.filter(title="notes").exists()


@pytest.fixture
def chooser_only_client(demo):
    """An admin user who may choose and change decks and videos but not add them."""
    group = Group.objects.create(name="Deck choosers")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="courses",
            codename__in=[
                "choose_slidedeck",
                "change_slidedeck",
                "choose_lecturevideo",
                "change_lecturevideo",
            ],
        ),
        Permission.objects.get(codename="access_admin"),
    )
    user = User.objects.create_user("chooser-only", password="x")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("chooser", [DECK_CHOOSER, VIDEO_CHOOSER])
def test_who_may_not_add_gets_no_upload_tab_and_no_upload(
    chooser_only_client, demo, tmp_path, feature_deck, chooser
):
    modal = chooser_html(chooser_only_client, chooser)
    assert "tab-create" not in modal and "upload-file" not in modal
    decks, videos = SlideDeck.objects.count(), LectureVideo.objects.count()
    response = chooser_only_client.post(
        f"{chooser}create/",
        {
            "upload-title": "sneaked in",
            "upload-file": SimpleUploadedFile("deck.pptx", feature_deck.read_bytes()),
            "upload-collection": 1,
        },
    )
    assert response.status_code in (302, 403)  # Wagtail's refusal: back to the dashboard
    assert (SlideDeck.objects.count(), LectureVideo.objects.count()) == (decks, videos)


def test_the_modal_answers_in_json_for_the_modal_workflow(trainer_client, demo):
    """The modal replaces its upload tab with what the view answers: never a whole page."""
    response = trainer_client.post(f"{DECK_CHOOSER}create/", {"upload-title": "no file"})
    answer = json.loads(response.content)
    assert answer["step"] == "reshow_creation_form"
    assert "This field is required" in answer["htmlFragment"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_trainer_uploads_the_lectures_deck_from_its_editor(
    browser, live_server, artifacts_dir, tmp_path, language
):
    """On the lecture's edit page: open the deck chooser, upload a wrong file (told why, in
    the modal), then the deck, which the field then shows as the lecture's deck."""
    from courses.demo_content import load_demo
    from tests.browser import log_in_admin

    lecture = load_demo()["slides_lecture"]
    deck_file = build_feature_deck(tmp_path / "evacuation-drill.pptx")
    not_a_deck = tmp_path / "notes.pptx"
    not_a_deck.write_text("just some text, not slides")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "trainer")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/pages/{lecture.pk}/edit/")

    field = page.locator("#id_deck-chooser")
    field.locator(".w-dropdown__toggle").click()  # the lecture has a deck: "Change" is here
    field.locator("[data-chooser-action-choose]:visible").click()
    modal = page.locator(".modal-content")
    upload_tab = modal.locator("#tab-label-create")
    label = "Upload a deck" if language == "en" else "上传演示文稿"
    assert upload_tab.inner_text().strip().startswith(label)
    upload_tab.click()
    form = modal.locator("#tab-create form")
    form.locator("#id_upload-title").fill("Evacuation drill")
    form.locator("#id_upload-file").set_input_files(not_a_deck)
    page.screenshot(path=artifacts_dir / f"chooser-upload-tab-{language}.png")
    form.locator("[type=submit]").click()

    refusal = modal.locator("#tab-create .error-message")
    refusal.first.wait_for()
    assert (
        "not a presentation" if language == "en" else "不是演示文稿"
    ) in refusal.first.inner_text()
    page.screenshot(path=artifacts_dir / f"chooser-upload-refused-{language}.png")
    assert not SlideDeck.objects.filter(title="Evacuation drill").exists()

    form = modal.locator("#tab-create form")  # the modal put the answered form in its place
    form.locator("#id_upload-title").fill("Evacuation drill")
    form.locator("#id_upload-file").set_input_files(deck_file)
    form.locator("[type=submit]").click()
    page.locator("#id_deck-title", has_text="Evacuation drill").wait_for(timeout=60000)
    deck = SlideDeck.objects.get(title="Evacuation drill")
    assert page.locator("#id_deck").input_value() == str(deck.pk)
    assert deck.uploaded_by_user.username == "trainer" and deck.slide_count == 4
    page.screenshot(path=artifacts_dir / f"chooser-upload-chosen-{language}.png")
    assert errors == []
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_video_uploads_from_the_lecture_editor_with_its_progress(
    browser, live_server, artifacts_dir, tmp_path
):
    """A slow link, as on "Lecture videos": the modal shows the percentage climb, then the
    video is the lecture's."""
    from courses.demo_content import load_demo
    from tests.browser import log_in_admin

    lecture = load_demo()["slides_lecture"]
    clip = make_video(tmp_path / "welcome.mp4", size="640x480", seconds=8)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "trainer")
    page.goto(f"{live_server.url}/admin/pages/{lecture.pk}/edit/")

    page.locator("#id_video-chooser [data-chooser-action-choose]:visible").click()
    modal = page.locator(".modal-content")
    modal.locator("#tab-label-create").click()
    form = modal.locator("#tab-create form")
    form.locator("#id_upload-title").fill("Welcome")
    form.locator("#id_upload-file").set_input_files(clip)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    rate = clip.stat().st_size // 2  # about 2 s of upload
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": rate},
    )
    form.locator("[type=submit]").click()
    page.wait_for_function(
        "(document.querySelector('.modal-content .upload-progress progress') || {}).value > 0"
    )
    status = modal.locator(".upload-progress span").inner_text()
    assert "Uploading" in status and "%" in status
    page.screenshot(path=artifacts_dir / "chooser-video-upload-progress.png")
    page.locator("#id_video-title", has_text="Welcome").wait_for(timeout=60000)
    video = LectureVideo.objects.get(title="Welcome")
    assert page.locator("#id_video").input_value() == str(video.pk)
    assert video.file_size == clip.stat().st_size and video.uploaded_by_user.username == "trainer"
    assert errors == []
    context.close()
