"""Lecture videos as trainers and members meet them: upload and processing, captions, the
player on the lecture page, files served with byte ranges, and the resume position."""

import io
import json
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from imageio_ffmpeg import get_ffmpeg_exe

from courses import video_service
from courses.management.commands.import_video import create_video
from courses.models import LecturePage, LectureVideo, VideoCaption, VideoPosition

pytestmark = pytest.mark.slow  # ffmpeg runs in most of these

SRT = "1\n00:00:00,500 --> 00:00:01,500\nHello 你好\n\n2\n00:00:01,600 --> 00:00:02,400\n<i>Second</i> line\n"


def make_video(
    path: Path, *, codec: str = "libx264", size: str = "320x240", seconds: int = 3
) -> Path:
    """A short test clip with moving colour bars and a tone, made with the bundled ffmpeg."""
    audio = ["-c:a", "aac"] if codec == "libx264" else ["-c:a", "libopus"]
    extra = ["-pix_fmt", "yuv420p"] if codec == "libx264" else ["-b:v", "300k"]
    subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", str(seconds), "-c:v", codec, *extra, *audio, "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


@pytest.fixture
def client(member_client):
    """Lessons open to enrolled members: the demo member takes the demo course."""
    return member_client


@pytest.fixture
def mp4(tmp_path) -> Path:
    return make_video(tmp_path / "talk.mp4")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def post(client, path: Path, **extra):
        data = {
            "title": path.stem,
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "collection": 1,
            "captions-TOTAL_FORMS": "0",
            "captions-INITIAL_FORMS": "0",
            "captions-MIN_NUM_FORMS": "0",
            "captions-MAX_NUM_FORMS": "1000",
            **extra,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/admin/snippets/courses/lecturevideo/add/", data)

    return post


@pytest.fixture
def ready_video(demo, mp4) -> LectureVideo:
    video = video_service.process(create_video(mp4, title="Ready talk"))
    assert video.is_ready, video.error_message
    return video


@pytest.fixture
def video_lecture(demo, ready_video) -> LecturePage:
    VideoCaption.objects.create(
        video=ready_video, language="zh-Hans", label="中文", kind="captions",
        file=SimpleUploadedFile("talk.srt", SRT.encode()),
        vtt="WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello 你好\n",
        cues=[[0.5, 1.5, "Hello 你好"]],
    )  # fmt: skip
    lecture = LecturePage(title="Video lecture", slug="video-lecture", video=ready_video)
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    return lecture


def test_trainer_uploads_a_video_and_it_becomes_web_ready(trainer_client, demo, mp4, upload):
    response = upload(trainer_client, mp4)
    assert response.status_code == 302, response.content.decode()[:3000]
    video = LectureVideo.objects.get(title="talk")
    assert video.status == LectureVideo.Status.READY, video.error_message
    assert video.uploaded_by_user == demo["users"]["trainer"]
    assert (video.width, video.height) == (320, 240) and 2.5 < video.duration < 3.5
    assert video.video_codec == "h264" and video.progress == 100
    (web,) = video.renditions.all()  # 240 px high: no smaller rendition
    assert web.remuxed, "an H.264/AAC MP4 is remuxed, not re-encoded"
    assert video.poster and video.storyboard_vtt
    listing = trainer_client.get("/admin/snippets/courses/lecturevideo/").content.decode()
    assert 'data-video-status="ready"' in listing and "0:03" in listing and "320×240" in listing


def test_a_webm_is_transcoded_with_a_smaller_rendition(demo, tmp_path):
    source = make_video(tmp_path / "talk.webm", codec="libvpx-vp9", size="854x480", seconds=2)
    video = video_service.process(create_video(source))
    assert video.is_ready, video.error_message
    web = video.renditions.get(label="web")
    assert not web.remuxed and web.height == 480
    assert not video.renditions.filter(label="480p").exists()  # already 480 px


def test_a_file_that_is_not_a_video_fails_with_a_reason(trainer_client, demo, tmp_path, upload):
    path = tmp_path / "notes.mp4"
    # Binary, and no container ffmpeg knows: only processing can tell it is not a video.
    path.write_bytes(bytes(range(1, 256)) * 64)
    response = upload(trainer_client, path)
    assert response.status_code == 302
    video = LectureVideo.objects.get(title="notes")
    assert video.status == LectureVideo.Status.FAILED
    assert video.error_message and "Traceback" not in video.error_message
    assert video.file.storage.exists(video.file.name), "the original is kept"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ox-Presentation.potx", "This file is a document, not a video."),
        ("slide.png", "This file is a picture, not a video."),
        ("notes.mp4", "This file is text, not a video."),
        ("captions.webm", "This file is text, not a video."),
    ],
)
def test_a_deck_or_a_picture_is_refused_at_the_form(
    trainer_client, demo, tmp_path, upload, corpus_dir, name, message
):
    """A trainer who picks the deck (or a screenshot) on the video form is told at once, in
    the words processing would use later, and nothing is stored."""
    from PIL import Image

    path = tmp_path / name
    if name.endswith(".png"):
        Image.new("RGB", (64, 36), "white").save(path)
    elif name == "notes.mp4":
        path.write_text("消防安全笔记：每个房间都有两条出口。\n" * 40, encoding="utf-8")
    elif name == "captions.webm":
        path.write_text("\ufeffWEBVTT\n\n00:00.000 --> 00:02.000\nWelcome\n", encoding="utf-8")
    else:
        path.write_bytes((corpus_dir / "pptx" / name).read_bytes())
    response = upload(trainer_client, path)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LectureVideo.objects.filter(title=path.stem).exists()
    trainer_client.cookies["django_language"] = "zh-hans"
    chinese = upload(trainer_client, path).content.decode()
    assert "不是视频" in chinese
    assert not LectureVideo.objects.filter(title=path.stem).exists()


def test_lecture_page_has_the_player(client, video_lecture):
    html = client.get(video_lecture.url).content.decode()
    assert "data-video-player" in html
    assert '<source src="/videos/' in html and 'type="video/mp4"' in html
    assert 'kind="captions"' in html and 'srclang="zh-Hans"' in html and 'label="中文"' in html
    assert 'value="0.75"' in html and 'value="2"' in html
    assert 'poster="/videos/' in html


def test_captions_in_the_readers_language_show_at_first(client, video_lecture):
    video = video_lecture.video
    VideoCaption.objects.create(
        video=video, language="en", label="English", kind="captions",
        vtt="WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello\n", cues=[[0.5, 1.5, "Hello"]],
    )  # fmt: skip
    english = client.get(video_lecture.url).content.decode()
    assert 'srclang="en" label="English" default>' in english
    assert 'srclang="zh-Hans" label="中文">' in english
    chinese = client.get(video_lecture.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'srclang="zh-Hans" label="中文" default>' in chinese
    assert 'srclang="en" label="English">' in chinese
    # Traditional Chinese listed first is not what a reader of Simplified Chinese gets.
    VideoCaption.objects.create(
        video=video, language="zh-TW", label="繁體", kind="captions",
        vtt="WEBVTT\n\n00:00:00.500 --> 00:00:01.500\n你好\n", cues=[[0.5, 1.5, "你好"]],
    )  # fmt: skip
    chinese = client.get(video_lecture.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'srclang="zh-Hans" label="中文" default>' in chinese
    assert 'srclang="zh-TW" label="繁體">' in chinese
    VideoCaption.objects.filter(video=video, language="zh-TW").delete()
    # No track in the reader's language: the first captions show, never the chapters.
    VideoCaption.objects.filter(video=video, language="en").update(language="fr", kind="chapters")
    english = client.get(video_lecture.url).content.decode()
    assert 'srclang="zh-Hans" label="中文" default>' in english
    assert 'srclang="fr" label="English">' in english


def test_video_files_support_ranges_for_seeking(client, video_lecture):
    url = video_lecture.video.renditions.get().url
    whole = client.get(url)
    size = len(b"".join(whole.streaming_content))
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}"
    assert part["Content-Type"] == "video/mp4" and part["X-Content-Type-Options"] == "nosniff"


def test_captions_are_served_as_webvtt(client, video_lecture):
    caption = video_lecture.video.captions.get()
    response = client.get(caption.url)
    assert response["Content-Type"].startswith("text/vtt")
    assert response.content.decode().startswith("WEBVTT")


def test_video_of_no_live_lecture_is_hidden_from_members(
    member_client, trainer_client, ready_video
):
    url = ready_video.renditions.get().url
    assert member_client.get(url).status_code == 404
    assert trainer_client.get(url).status_code == 200


def test_resume_position_is_kept_on_the_server(member_client, video_lecture):
    url = f"/videos/{video_lecture.video_id}/position/"
    assert member_client.get(url).json() == {"position": 0}
    response = member_client.post(
        url, json.dumps({"position": 1.75}), content_type="application/json"
    )
    assert response.status_code == 200
    assert member_client.get(url).json() == {"position": 1.75}
    assert VideoPosition.objects.get().position == 1.75


def test_the_lecture_page_says_where_to_resume(member_client, demo, video_lecture):
    assert 'data-resume-at="0"' in member_client.get(video_lecture.url).content.decode()
    VideoPosition.objects.create(
        user=demo["users"]["member"], video=video_lecture.video, position=12.5
    )
    assert 'data-resume-at="12.5"' in member_client.get(video_lecture.url).content.decode()
    assert "data-resume-at" not in Client().get(video_lecture.url).content.decode()


@pytest.mark.parametrize(
    "body",
    [
        '{"position": "soon"}',
        '{"position": -1}',
        '{"position": 9999}',
        "not json",
        "[]",
        b"\xff\xfe",
        '{"position": NaN}',
        # Numbers no float holds: 400 digits overflow float(), 5000 are past int()'s limit.
        '{"position": ' + "9" * 400 + "}",
        '{"position": ' + "9" * 5000 + "}",
        '{"position": 1e400}',
        "[" * 3000 + "]" * 3000,  # deeper than the parser recurses
    ],
)
def test_bad_positions_are_refused_in_json(member_client, demo, body):
    # The demo lecture's video (39 s), already made: no ffmpeg run per case.
    url = f"/videos/{demo['video'].pk}/position/"
    response = member_client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert not VideoPosition.objects.exists()


def test_position_refusals_are_json_as_the_progress_apis(demo, member_client):
    """The player reads these with fetch(): a redirect to the login page or an HTML 404
    would be read as the answer."""
    url = f"/videos/{demo['video'].pk}/position/"
    for anonymous in (Client().get(url), Client().post(url, "{}", content_type="application/json")):
        assert anonymous.status_code == 401
        assert anonymous.json() == {"error": "Log in to keep your progress."}
    missing = member_client.get("/videos/999999/position/")
    assert missing.status_code == 404 and missing.json() == {"error": "There is no such video."}


def test_position_needs_csrf(demo, video_lecture):
    url = f"/videos/{video_lecture.video_id}/position/"
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo["users"]["member"])
    assert strict.post(url, '{"position": 1}', content_type="application/json").status_code == 403


def test_import_video_prints_one_line_per_file(demo, mp4, tmp_path):
    bad = tmp_path / "bad.mov"
    bad.write_bytes(b"\0" * 100)
    stdout = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_video", str(mp4), str(bad), stdout=stdout)
    first, second = stdout.getvalue().splitlines()
    assert first.startswith(f"OK {mp4} 3.0s 320x240 ")
    assert second.startswith(f"FAILED {bad}: ")


def test_caption_text_is_searchable_and_links_to_its_moment(client, demo):
    response = client.get("/search/", {"q": "学习方法"})  # said at 0:04 in the demo video
    html = response.content.decode()
    assert "Welcome lecture" in [hit.page.title for hit in response.context["hits"]]
    assert '<a href="/digital-office/basics/welcome-lecture/#t=4">Video at 0:04</a>' in html
    assert "<mark>学习方法</mark>" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_upload_shows_progress_then_saves(browser, live_server, artifacts_dir, tmp_path):
    """A slow link: the trainer sees the percentage climb, then lands on the saved video, told
    it was created."""
    from courses.demo_content import load_demo
    from tests.browser import log_in_admin

    load_demo()
    clip = make_video(tmp_path / "slow-upload.mp4", size="640x480", seconds=8)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "trainer")
    page.goto(f"{live_server.url}/admin/snippets/courses/lecturevideo/add/")
    assert page.locator("#id_process_again").count() == 0  # a new video is processed anyway
    page.set_input_files("#id_file", str(clip))
    # The title left empty takes the file's name, as in Wagtail's image and document uploads.
    assert page.locator("#id_title").input_value() == "slow upload"
    # About 2 s of upload for this clip: long enough to see progress.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    rate = clip.stat().st_size // 2
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": rate},
    )
    page.locator("#w-editor-form [type=submit]").first.click()
    status = page.locator(".upload-progress span")
    page.wait_for_function("(document.querySelector('.upload-progress progress') || {}).value > 0")
    assert "Uploading" in status.inner_text() and "%" in status.inner_text()
    page.screenshot(path=artifacts_dir / "admin-upload-progress.png")
    page.wait_for_url(lambda url: "/lecturevideo/" in url and "/add/" not in url, timeout=30000)
    page.wait_for_load_state()
    video = LectureVideo.objects.get(title="slow upload")
    assert video.file_size == clip.stat().st_size
    # Wagtail's "created" message, which fetching the redirect in the background used up.
    assert "Lecture video 'slow upload' created." in page.locator(".messages").inner_text()
    assert errors == []
    context.close()


# --- deck → narrated video -----------------------------------------------------------------


def make_sound(path: Path, seconds: float, *args: str) -> Path:
    subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency=330:duration={seconds}", *args, str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def build_narrated_deck(path: Path, narration: Path) -> Path:
    """Four slides: a recorded narration, a 3 s timing, a hidden one, and one with neither."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)  # 16:9
    titles = ["Welcome", "Exits", "Trainer only", "Questions"]
    slides = []
    for title in titles:
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = title
        slides.append(slide)
    # PowerPoint's "Record" embeds the voice as a sound on the slide.
    slides[0].shapes.add_movie(
        str(narration), Inches(9), Inches(6.5), Inches(0.5), Inches(0.5), mime_type="audio/wav"
    )
    transition = slides[1]._element.makeelement(
        "{http://schemas.openxmlformats.org/presentationml/2006/main}transition", {"advTm": "3000"}
    )
    slides[1]._element.insert(2, transition)
    slides[2]._element.set("show", "0")
    prs.save(path)
    return path


def test_a_deck_becomes_a_narrated_lecture_video(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    from courses import deck_service
    from courses.decks import create_deck

    voice = make_sound(tmp_path / "voice.wav", 2.4, "-ac", "1")
    deck = create_deck(build_narrated_deck(tmp_path / "exits.pptx", voice), title="Exits")
    deck = deck_service.convert(deck)
    assert deck.is_ready, deck.error_message
    assert deck.slides.get(number=1).media.get().kind == "audio"

    with django_capture_on_commit_callbacks(execute=True):
        made = video_service.narrate_deck(deck, default_seconds=2)

    # narration 2.4 s → 3 s; timing 3 s; the hidden slide is left out; the default 2 s
    assert made.starts == {1: 0.0, 2: 3.0, 4: 6.0} and made.warnings == []
    video = LectureVideo.objects.get(pk=made.video.pk)
    assert video.status == LectureVideo.Status.READY, video.error_message
    assert video.title == "Exits (video)" and video.collection_id == deck.collection_id
    assert (video.width, video.height) == (1920, 1080) and abs(video.duration - 8) <= 0.5
    assert (video.video_codec, video.audio_codec) == ("h264", "aac")
    assert video.renditions.get(label="web").remuxed, "already web-ready: only remuxed"
    assert video.renditions.filter(label="480p").exists() and video.poster
    chapters = video.captions.get(kind="chapters")
    assert chapters.cues == [[0.0, 3.0, "Welcome"], [3.0, 6.0, "Exits"], [6.0, 8.0, "Questions"]]
    assert chapters.vtt.startswith("WEBVTT")
    assert deck.slides.get(number=1).images["1920"], "the full-HD pictures were made for it"


def test_a_narrated_decks_poster_is_its_title_slide(
    demo, tmp_path, django_capture_on_commit_callbacks
):
    """Not the slide a tenth of the way in (slide 2 of 12 here, slide 3 of the demo's), as
    for a camera video: the poster is where the first chapter opens."""
    from PIL import Image, ImageStat
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    from courses import deck_service
    from courses.decks import create_deck

    colours = [(200, 30, 30), *[(30, 60, 200)] * 11]  # the title slide red, the rest blue
    prs = Presentation()
    for number, colour in enumerate(colours, 1):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = RGBColor(*colour)
        text = slide.shapes.add_textbox(Inches(1), Inches(3), Inches(8), Inches(1)).text_frame
        text.text = f"Slide {number}"
        text.paragraphs[0].runs[0].font.size = Pt(48)
        text.paragraphs[0].runs[0].font.color.rgb = RGBColor(255, 255, 255)
    prs.save(tmp_path / "colours.pptx")
    deck = deck_service.convert(create_deck(tmp_path / "colours.pptx", title="Colours"))
    assert deck.is_ready, deck.error_message

    with django_capture_on_commit_callbacks(execute=True):
        made = video_service.narrate_deck(deck, default_seconds=2)

    video = LectureVideo.objects.get(pk=made.video.pk)
    assert video.status == LectureVideo.Status.READY and abs(video.duration - 24) <= 0.5
    poster_name = f"{video_service.derived_prefix(video)}/{video.poster}"
    with default_storage.open(poster_name) as fh, Image.open(fh) as poster:
        red, _green, blue = ImageStat.Stat(poster.convert("RGB")).mean
    assert red > 120 and blue < 100, (red, blue)


def test_a_whole_deck_recording_is_laid_across_the_demo_deck(demo, tmp_path):
    deck = demo["deck"]
    visible = deck.slides.filter(hidden=False).count()
    recording = make_sound(tmp_path / "talk.mp3", visible * 2 + 0.5, "-c:a", "libmp3lame")
    upload = SimpleUploadedFile("talk.mp3", recording.read_bytes(), content_type="audio/mpeg")
    made = video_service.narrate_deck(deck, deck_audio=upload, title="Recorded talk")
    assert made.video.title == "Recorded talk" and len(made.starts) == visible
    assert made.video.status == LectureVideo.Status.PENDING  # processing is queued on commit
    assert made.video.captions.get(kind="chapters").cues[-1][1] >= visible * 2


def test_a_bad_recording_or_an_unconverted_deck_is_refused(demo, tmp_path):
    from courses.conversion.errors import ConversionError
    from courses.decks import create_deck

    bad = tmp_path / "talk.wav"
    bad.write_bytes(b"not a recording at all")
    with pytest.raises(ConversionError) as caught:
        video_service.narrate_deck(demo["deck"], deck_audio=bad)
    assert caught.value.code == "bad_audio"
    pending = create_deck(make_sound(tmp_path / "x.wav", 1), title="Not converted")
    with pytest.raises(video_service.DeckNotReady):
        video_service.narrate_deck(pending)
    assert not LectureVideo.objects.filter(title__endswith="(video)").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_plays_seeks_changes_speed_captions_and_resumes(browser, live_server, artifacts_dir):
    """The player journey with real playback in Chromium, resuming after a reload."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    demo = load_demo()
    url = live_server.url + demo["welcome_lecture"].url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "member")
    page.goto(url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")

    # Play (muted: headless Chromium has no sound card) and let real time pass.
    page.evaluate(f"{video}.muted = true; {video}.play()")
    page.wait_for_function(f"{video}.currentTime > 1")

    # Speed from the menu and from the keyboard.
    page.select_option("[data-video-speed]", "1.5")
    assert page.evaluate(f"{video}.playbackRate") == 1.5
    page.focus("[data-video]")
    page.keyboard.press(">")
    assert page.evaluate(f"{video}.playbackRate") == 1.75

    # Captions on and off with C.
    showing = f"Array.from({video}.textTracks).filter(t => t.mode === 'showing').length"
    assert page.evaluate(showing) == 1  # the first track, by default
    page.keyboard.press("c")
    assert page.evaluate(showing) == 0
    page.keyboard.press("c")
    assert page.evaluate(showing) == 1

    # Seek: a chapter, then five seconds on with →.
    page.evaluate(f"{video}.pause()")
    page.locator(".video-chapters [data-seek]").nth(1).click()
    start = float(page.locator(".video-chapters [data-seek]").nth(1).get_attribute("data-seek"))
    assert start >= 2  # so resuming there is not the same as starting afresh
    # The chapter starts playing: on a slow machine it may be a little past its start.
    page.wait_for_function(
        f"{video}.currentTime >= {start} - 0.1 && {video}.currentTime < {start} + 3"
    )
    page.evaluate(f"{video}.pause()")
    at = page.evaluate(f"{video}.currentTime")  # not near the end: that would start afresh
    page.focus("[data-video]")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{video}.currentTime >= {at + 4.7}")
    page.evaluate(f"{video}.pause()")
    # Paused with no seek under way: a busy machine may still be seeking when pause() returns,
    # and the time read then is not where the next key starts from.
    page.wait_for_function(f"{video}.paused && !{video}.seeking")
    ahead = page.evaluate(f"{video}.currentTime")  # wherever a busy machine let it get to
    page.focus("[data-video]")
    page.keyboard.press("ArrowLeft")
    # Five seconds back from there.
    page.wait_for_function(
        f"{video}.currentTime <= {ahead - 4} && {video}.currentTime >= {ahead - 5.5}"
    )
    page.evaluate(f"{video}.pause()")

    # In a lesson the position rides with the progress reports (pausing sends it, see
    # test_journey), with no request of its own: leaving the page after seeking while paused
    # sends it too. Somewhere else, far enough from the end (12 s) to be resumed.
    own_requests = []
    page.on("request", lambda r: "/position/" in r.url and own_requests.append(r.method))

    def reported_position(response) -> bool:
        return "/progress/" in response.url and '"position"' in (response.request.post_data or "")

    at = 5.0 if abs(page.evaluate(f"{video}.currentTime") - 5.0) >= 1 else 3.0
    page.evaluate(f"{video}.currentTime = {at}")
    page.wait_for_function(f"!{video}.seeking")
    with page.expect_response(reported_position) as reported:
        page.evaluate("window.dispatchEvent(new Event('pagehide'))")
    assert json.loads(reported.value.request.post_data)["position"] == pytest.approx(at, abs=0.01)
    assert reported.value.ok
    asked = []
    page.on("request", lambda r: "/position/" in r.url and r.method == "GET" and asked.append(1))
    page.reload()
    page.wait_for_function(f"{video}.readyState >= 1")
    page.wait_for_function(f"Math.abs({video}.currentTime - {at}) < 1.0")
    # The seek bar under the video shows it too.
    bar = "document.querySelector('[data-video-seek]')"
    page.wait_for_function(f"Math.abs(Number({bar}.value) - {at}) < 1.0", timeout=5000)
    assert asked == []  # the lecture page said where to resume: no request for it
    assert own_requests == []
    page.screenshot(path=artifacts_dir / "video-player-resumed.png")
    assert errors == []
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_player_starts_with_the_rendition_that_fills_it(browser, live_server):
    """The video beside the slides is ~600 px wide: its 480p rendition (made for slow links)
    is enough, not the 1440p source; a quality the member picks is kept for the next time."""
    from courses.demo_content import load_demo
    from tests.browser import log_in

    demo = load_demo()
    url = live_server.url + demo["video_lecture"].url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "member")
    page.goto(url)
    video = "document.querySelector('[data-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    chosen = "(s => s.options[s.selectedIndex].dataset.height)"
    quality = page.locator("[data-video-quality]")
    assert quality.evaluate(chosen) == "480"
    assert page.evaluate(f"{video}.currentSrc") == live_server.url + quality.input_value()
    assert page.evaluate(f"{video}.videoHeight") == 480
    # Beside the video, the deck's buttons keep to one row ("Full screen" wrapped at 1280 px,
    # then at 1024 px, the narrowest width with the two side by side).
    page.wait_for_selector(".lecture-sync [data-deck-fullscreen]:not([hidden])")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        tops = page.evaluate(
            "Array.from(document.querySelectorAll('.lecture-sync .deck-controls .button'))"
            ".filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert len(tops) == 4 and len(set(tops)) == 1, (width, tops)  # ←, →, notes, full screen
        beside = page.evaluate(
            "['.lecture-sync .video-player', '.lecture-sync .deck-viewer']"
            ".map(s => Math.round(document.querySelector(s).getBoundingClientRect().top))"
        )
        assert beside[0] == beside[1], (width, beside)  # side by side, not stacked
    page.set_viewport_size({"width": 1280, "height": 900})

    page.select_option("[data-video-quality]", label="1440p")
    page.wait_for_function(f"{video}.videoHeight === 1440")
    page.reload()
    page.wait_for_function(f"{video}.readyState >= 1")
    assert quality.evaluate(chosen) == "1440"
    assert page.evaluate(f"{video}.videoHeight") == 1440
    context.close()


def test_the_add_forms_have_no_redo_box_and_the_edit_forms_do(admin_client_demo, demo):
    for kind, box, item in [
        ("slidedeck", "id_convert_again", demo["deck"]),
        ("lecturevideo", "id_process_again", demo["video"]),
    ]:
        add = admin_client_demo.get(f"/admin/snippets/courses/{kind}/add/").content.decode()
        edit = admin_client_demo.get(f"/admin/snippets/courses/{kind}/edit/{item.pk}/")
        assert f'id="{box}"' not in add and f'id="{box}"' in edit.content.decode()


def test_a_background_upload_is_told_where_to_go_and_the_message_waits_there(
    trainer_client, demo, mp4, django_capture_on_commit_callbacks
):
    """The upload script's POST gets the next page's address, not a redirect its
    XMLHttpRequest would follow (using up the "created" message on a page nobody sees)."""

    def post(title, **headers):
        data = {
            "title": title,
            "file": SimpleUploadedFile(mp4.name, mp4.read_bytes()),
            "collection": 1,
            "captions-TOTAL_FORMS": "0",
            "captions-INITIAL_FORMS": "0",
        }
        with django_capture_on_commit_callbacks(execute=True):
            return trainer_client.post(
                "/admin/snippets/courses/lecturevideo/add/", data, headers=headers
            )

    response = post("In the background", X_REQUESTED_WITH="upload-progress")
    assert response.status_code == 204
    listing = trainer_client.get(response["X-Upload-Location"]).content.decode()
    assert "Lecture video &#x27;In the background&#x27; created." in listing
    assert post("Without the script").status_code == 302
