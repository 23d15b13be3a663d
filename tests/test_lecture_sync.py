"""Video and slides in step: times typed or marked in the admin, the lecture page showing the
slide being talked about, the slides as the video's chapters, and the same in a browser."""

import json

import pytest

from courses.demo_content import load_demo
from courses.models import LecturePage, SlideTiming
from courses.timecodes import format_clock, parse_clock, slide_at, slide_chapters
from tests.browser import log_in, log_in_admin

# Pure helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("83", 83.0),
        ("1:23", 83.0),
        ("01:02:03", 3723.0),
        ("0:42.5", 42.5),
        ("0:42,5", 42.5),
        (" 2:00 ", 120.0),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_clock_reads_what_people_type(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["abc", "1:75", "1::2", "-3", "1:2:3:4", "1:2.5.6"])
def test_parse_clock_refuses_the_rest(text):
    with pytest.raises(ValueError):
        parse_clock(text)


def test_format_clock_round_trips():
    assert format_clock(0) == "0:00"
    assert format_clock(83.7) == "1:23"
    assert format_clock(3723) == "1:02:03"
    assert format_clock(42.5, precise=True) == "0:42.5"
    assert format_clock(42.0, precise=True) == "0:42"
    for seconds in (0, 5.5, 59.9, 61.2, 3599.9, 7322.4):
        assert parse_clock(format_clock(seconds, precise=True)) == pytest.approx(seconds, abs=0.05)


def test_slide_chapters_run_to_the_next_start_and_the_end():
    chapters = slide_chapters({3: 20.0, 1: 0.0, 2: 8.5}, {1: "Intro", 2: "Why"}, 30.0)
    assert chapters == [(0.0, 8.5, "Intro", 1), (8.5, 20.0, "Why", 2), (20.0, 30.0, "3", 3)]
    assert slide_chapters({}, {}, 30.0) == []
    assert slide_chapters({1: 5.0}, {}, None) == [(5.0, 5.0, "1", 1)]


def test_slide_at_is_the_latest_slide_started():
    timings = [(0.0, 1), (10.0, 2), (25.0, 4)]
    assert slide_at(timings, -1) is None
    assert slide_at(timings, 0) == 1
    assert slide_at(timings, 9.99) == 1
    assert slide_at(timings, 10) == 2
    assert slide_at(timings, 100) == 4


# Admin and lecture page -------------------------------------------------------------------------


@pytest.fixture
def synced_lecture(demo) -> LecturePage:
    return new_lecture_in_step(demo)


def new_lecture_in_step(demo) -> LecturePage:
    """A lecture with the demo deck and the demo video, not timed yet."""
    lecture = LecturePage(title="In step", slug="in-step", deck=demo["deck"], video=demo["video"])
    demo["course"].add_child(instance=lecture)
    lecture.save_revision().publish()
    return lecture


def url(lecture):
    return f"/admin/lectures/{lecture.pk}/slide-times/"


@pytest.mark.django_db
def test_lecture_edit_page_offers_slide_times(trainer_client, synced_lecture, demo):
    html = trainer_client.get(f"/admin/pages/{synced_lecture.pk}/edit/").content.decode()
    assert url(synced_lecture) in html
    article = demo["course"].get_children().not_type(LecturePage).first()
    html = trainer_client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "/slide-times/" not in html


@pytest.mark.django_db
def test_trainer_times_the_slides_and_members_see_them_in_step(
    trainer_client, member_client, synced_lecture
):
    form = trainer_client.get(url(synced_lecture))
    assert form.status_code == 200
    html = form.content.decode()
    assert "This slide starts now" in html
    assert 'name="start-1"' in html and 'name="start-14"' in html

    response = trainer_client.post(
        url(synced_lecture), {"start-1": "0", "start-2": "0:03", "start-3": "6.5", "start-5": "9"}
    )
    assert response.status_code == 302
    assert dict(synced_lecture.slide_timings.values_list("slide_number", "start")) == {
        1: 0.0,
        2: 3.0,
        3: 6.5,
        5: 9.0,
    }
    # The form shows the saved times again, as typed.
    html = trainer_client.get(url(synced_lecture)).content.decode()
    assert 'value="0:06.5"' in html

    page = member_client.get(synced_lecture.url)
    html = page.content.decode()
    assert "data-lecture-sync" in html
    assert 'data-history="off"' in html
    times = json.loads(html.split('id="slide-times" type="application/json">')[1].split("<")[0])
    assert times == [
        {"number": 1, "start": 0.0},
        {"number": 2, "start": 3.0},
        {"number": 3, "start": 6.5},
        {"number": 5, "start": 9.0},
    ]
    # The slide titles are the chapters now, not the chapters track uploaded with the video.
    chapters = page.context["chapters"]
    assert [c["slide"] for c in chapters] == [1, 2, 3, 5]
    assert chapters[1]["title"] == str(synced_lecture.deck.slides.get(number=2).display_title)
    assert chapters[-1]["end"] == pytest.approx(synced_lecture.video.duration)
    assert 'data-seek="6.5" data-chapter-slide="3"' in html


@pytest.mark.django_db
def test_bad_times_are_refused_and_nothing_changes(trainer_client, synced_lecture):
    SlideTiming.objects.create(lecture=synced_lecture, slide_number=1, start=0)
    response = trainer_client.post(
        url(synced_lecture),
        {"start-1": "0", "start-2": "soon", "start-3": "9:00", "start-4": "0:00"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Type a time such as 1:05" in html
    assert "The video is only 0:12 long." in html
    assert "Slide 1 starts at the same moment." in html
    assert 'value="soon"' in html  # what the trainer typed stays for correcting
    assert list(synced_lecture.slide_timings.values_list("slide_number", "start")) == [(1, 0.0)]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["9" * 400 + ":00:00", "9" * 400, "9" * 400 + ".5"])
def test_times_beyond_any_number_are_refused_like_other_typos(
    trainer_client, synced_lecture, typed
):
    """Hours of 400 digits overflowed the float of seconds: a server error, not a form error."""
    response = trainer_client.post(url(synced_lecture), {"start-1": typed, "start-2": "0:05"})
    assert response.status_code == 400
    assert "Type a time such as 1:05" in response.content.decode()
    assert not synced_lecture.slide_timings.exists()


@pytest.mark.django_db
def test_clearing_the_times_returns_the_page_to_deck_and_video(
    trainer_client, member_client, synced_lecture
):
    SlideTiming.objects.create(lecture=synced_lecture, slide_number=1, start=0)
    assert trainer_client.post(url(synced_lecture), {"start-1": ""}).status_code == 302
    assert not synced_lecture.slide_timings.exists()
    html = member_client.get(synced_lecture.url).content.decode()
    assert "data-lecture-sync" not in html
    assert 'data-history="on"' in html


@pytest.mark.django_db
def test_a_lecture_without_video_explains_what_is_missing(trainer_client, demo):
    lecture = demo["slides_lecture"]
    lecture.video = None
    lecture.save_revision().publish()
    response = trainer_client.get(url(lecture))
    assert response.status_code == 200
    assert "Choose a video for this lecture" in response.content.decode()
    trainer_client.post(url(lecture), {"start-1": "0:05"})
    assert not lecture.slide_timings.exists()


@pytest.mark.django_db
def test_only_editors_may_time_slides(member_client, client, synced_lecture):
    assert member_client.get(url(synced_lecture)).status_code in (302, 403)
    assert client.get(url(synced_lecture)).status_code == 302  # to the admin login
    member_client.post(url(synced_lecture), {"start-1": "0"})
    assert not synced_lecture.slide_timings.exists()


@pytest.mark.django_db
def test_hidden_slides_times_are_not_chapters_for_members(member_client, synced_lecture):
    hidden = synced_lecture.deck.slides.filter(hidden=True).first()
    SlideTiming.objects.create(lecture=synced_lecture, slide_number=1, start=0)
    SlideTiming.objects.create(lecture=synced_lecture, slide_number=hidden.number, start=4)
    response = member_client.get(synced_lecture.url)
    assert [c["slide"] for c in response.context["chapters"]] == [1]


# Browser ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_slides_follow_the_video_and_a_slide_seeks_it(browser, live_server, artifacts_dir):
    demo = load_demo()
    lecture = new_lecture_in_step(demo)
    for number, start in [(1, 0), (2, 3), (3, 6), (4, 9)]:
        SlideTiming.objects.create(lecture=lecture, slide_number=number, start=start)

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "member")
    page.goto(live_server.url + lecture.url)
    counter = page.locator("[data-deck-counter]")
    page.wait_for_function("document.querySelector('[data-video]').readyState >= 1")

    # Playback moves the slide; the address stays the lecture's.
    page.evaluate("document.querySelector('[data-video]').currentTime = 7")
    page.wait_for_function(
        "document.querySelector('[data-deck-counter]').textContent.includes('Slide 3 ')"
    )
    assert page.url.endswith(lecture.url)
    assert page.locator(".video-chapters [aria-current]").get_attribute("data-chapter-slide") == "3"

    # Choosing a slide seeks the video to where it starts.
    page.locator("[data-deck-thumb='1']").click()
    page.wait_for_function("Math.abs(document.querySelector('[data-video]').currentTime - 3) < 0.2")
    assert counter.inner_text() == "Slide 2 of 13"
    assert page.url.endswith(lecture.url)

    # Real playback keeps them in step.
    page.evaluate("document.querySelector('[data-video]').currentTime = 8.5")
    page.evaluate("document.querySelector('[data-video]').muted = true")
    page.evaluate("document.querySelector('[data-video]').play()")
    page.wait_for_function(
        "document.querySelector('[data-deck-counter]').textContent.includes('Slide 4 ')",
        timeout=30000,
    )

    # The seek bar shows chapter marks and the storyboard frame under the pointer.
    page.evaluate("document.querySelector('[data-video]').pause()")
    marks = page.locator("[data-video-marks] span")
    assert marks.count() == 3
    seek = page.locator("[data-video-seek]")
    box = seek.bounding_box()
    page.wait_for_timeout(300)  # the storyboard track is fetched after load
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    preview = page.locator("[data-video-preview]")
    preview.wait_for(state="visible")
    assert "url(" in page.locator("[data-video-preview-thumb]").evaluate(
        "node => node.style.backgroundImage"
    )
    assert page.locator("[data-video-preview-time]").inner_text() == "0:07"
    page.wait_for_timeout(600)  # the thumbnail strip scrolls smoothly to the current slide
    strip = page.locator(".deck-strip").bounding_box()
    thumb = page.locator("[data-deck-thumb='3']").bounding_box()
    assert strip["x"] <= thumb["x"] and thumb["x"] + thumb["width"] <= strip["x"] + strip["width"]
    page.screenshot(path=artifacts_dir / "lecture-in-step.png")
    assert errors == []
    context.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_trainer_marks_slides_while_the_video_plays(browser, live_server, artifacts_dir):
    demo = load_demo()
    lecture = new_lecture_in_step(demo)

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in_admin(page, live_server.url, "trainer")
    page.goto(f"{live_server.url}{url(lecture)}")
    # The video opens on slide 1: it starts at 0:00 already, and the first press is for slide 2.
    assert page.locator("#start-1").input_value() == "0:00"
    assert page.locator("[data-timing-armed-label]").inner_text() == "Next: slide 2"

    video = "document.querySelector('[data-timing-video]')"
    page.wait_for_function(f"{video}.readyState >= 1")
    page.evaluate(f"{video}.currentTime = 1.5")
    page.wait_for_function(f"Math.abs({video}.currentTime - 1.5) < 0.05")
    page.get_by_role("button", name="This slide starts now").click()
    assert page.locator("#start-1").input_value() == "0:00"
    assert page.locator("#start-2").input_value() == "0:01.5"
    page.get_by_role("button", name="Clear all").click()  # start again
    assert page.locator("#start-1").input_value() == page.locator("#start-2").input_value() == ""
    page.evaluate(f"{video}.currentTime = 4.2")
    page.wait_for_function(f"Math.abs({video}.currentTime - 4.2) < 0.05")
    # slide 2 at 0:04.2 again, and slide 1 back at 0:00, not at the press
    page.get_by_role("button", name="This slide starts now").click()
    assert page.locator("#start-1").input_value() == "0:00"
    assert page.locator("#start-2").input_value() == "0:04.2"
    assert page.locator("[data-timing-armed-label]").inner_text() == "Next: slide 3"
    page.fill("#start-5", "0:10")  # typed by hand
    page.screenshot(path=artifacts_dir / "admin-slide-times.png")
    with page.expect_navigation():
        page.get_by_role("button", name="Save times").click()
    assert "Saved the start times of 3 slides" in page.content()
    assert dict(lecture.slide_timings.values_list("slide_number", "start")) == {
        1: 0.0,
        2: 4.2,
        5: 10.0,
    }
    assert errors == []
    context.close()


# Deck → video ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_has_a_video_lecture_in_step_with_its_deck(member_client, demo):
    lecture = LecturePage.objects.get(pk=demo["video_lecture"].pk)
    assert lecture.video.is_ready and lecture.deck_id == demo["deck"].pk
    visible = list(lecture.deck.slides.filter(hidden=False).values_list("number", flat=True))
    starts = dict(lecture.slide_timings.values_list("slide_number", "start"))
    assert sorted(starts) == visible
    assert [starts[n] for n in visible] == [3.0 * i for i in range(len(visible))]
    assert lecture.video.duration == pytest.approx(3 * len(visible), abs=0.5)
    html = member_client.get(lecture.url).content.decode()
    assert "data-lecture-sync" in html
    # Before it plays, the video shows the slide the viewer beside it shows (slide 1), not
    # its own poster, a frame from further on.
    first = lecture.deck.slides.get(number=1)
    assert f'poster="{first.src}"' in html
    assert f'poster="{lecture.video.poster_url}"' not in html


@pytest.mark.slow
@pytest.mark.django_db
def test_trainer_makes_a_video_from_the_slides(
    trainer_client, synced_lecture, django_capture_on_commit_callbacks
):
    url = f"/admin/lectures/{synced_lecture.pk}/narrate/"
    page = trainer_client.get(url).content.decode()
    assert "will be replaced" in page  # the lecture already has a video
    assert trainer_client.post(url, {"seconds": "0"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(url, {"seconds": "2"})
    assert response.status_code == 302
    lecture = LecturePage.objects.get(pk=synced_lecture.pk)
    assert lecture.video_id != synced_lecture.video_id  # published with the new video
    assert lecture.video.title == lecture.title
    starts = sorted(lecture.slide_timings.values_list("start", flat=True))
    assert starts[:3] == [0.0, 2.0, 4.0]


@pytest.mark.django_db
def test_video_from_slides_warns_that_it_replaces_the_slide_times(trainer_client, synced_lecture):
    url = f"/admin/lectures/{synced_lecture.pk}/narrate/"
    assert "replaces the slide times" not in trainer_client.get(url).content.decode()
    for number, start in [(1, 0.0), (2, 7.5), (3, 12.0)]:
        SlideTiming.objects.create(lecture=synced_lecture, slide_number=number, start=start)
    html = trainer_client.get(url).content.decode()
    assert "Making the video replaces the slide times you set (3 slides)" in html
    chinese = trainer_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "3 张幻灯片" in chinese and "replaces the slide times" not in chinese


@pytest.mark.django_db
def test_video_from_slides_needs_a_converted_deck(trainer_client, demo):
    lecture = demo["welcome_lecture"]  # a video, no deck
    response = trainer_client.get(f"/admin/lectures/{lecture.pk}/narrate/")
    assert "Choose a slide deck for this lecture first." in response.content.decode()
    trainer_client.post(f"/admin/lectures/{lecture.pk}/narrate/", {"seconds": "3"})
    assert LecturePage.objects.get(pk=lecture.pk).video_id == lecture.video_id


@pytest.mark.slow
@pytest.mark.django_db
def test_a_recording_uploaded_for_one_slide_sets_its_length(
    trainer_client, synced_lecture, django_capture_on_commit_callbacks, tmp_path
):
    import subprocess

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from imageio_ffmpeg import get_ffmpeg_exe

    wav = tmp_path / "slide2.wav"
    subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=4",
         str(wav)],
        check=True, timeout=60,
    )  # fmt: skip
    url = f"/admin/lectures/{synced_lecture.pk}/narrate/"
    with django_capture_on_commit_callbacks(execute=True):
        trainer_client.post(
            url,
            {"seconds": "2", "audio-2": SimpleUploadedFile("slide2.wav", wav.read_bytes())},
        )
    starts = dict(
        LecturePage.objects.get(pk=synced_lecture.pk).slide_timings.values_list(
            "slide_number", "start"
        )
    )
    assert (starts[1], starts[2], starts[3]) == (0.0, 2.0, 6.0)  # slide 2 lasts its 4 s
    if default_storage.exists("narration"):
        for folder in default_storage.listdir("narration")[0]:
            assert default_storage.listdir(f"narration/{folder}")[1] == []  # removed once used
