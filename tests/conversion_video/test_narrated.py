"""Deck → narrated video core: timing rules, chapter times, the MP4 it writes, odd pictures
and sound files (made here with Pillow and the bundled ffmpeg)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from courses.conversion.errors import CorruptFile, NoSlides
from courses.conversion.narrated import (
    NarratedSlide,
    UnreadableAudio,
    build_narrated_video,
    decode_audio,
    plan_frames,
)
from courses.conversion.video import _check_mp4_boxes, ffmpeg_exe, probe

from .conftest import ffmpeg

COLOURS = [(220, 40, 40), (40, 160, 60), (40, 60, 200), (230, 200, 30), (150, 40, 160)]


# --- timing rules (no ffmpeg) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("narration", "advance", "fps", "frames", "why"),
    [
        # narration wins, rounded up so no word is cut; else the timing; else the default
        ([3.2, None, None], [10.0, 7.0, None], 1, [4, 7, 5], ["narration", "advance", "default"]),
        ([3.0001, None], [None, 2.5], 1, [3, 3], ["narration", "advance"]),  # half up
        ([3.2, None], [None, 2.2], 2, [7, 4], ["narration", "advance"]),  # half-second frames
        ([None], [0.0], 1, [5], ["default"]),  # advTm=0 ("at once") counts as no timing
        ([0.004], [None], 1, [1], ["narration"]),  # never shorter than one frame
    ],
)
def test_slide_durations_follow_narration_then_timing_then_default(
    narration, advance, fps, frames, why
):
    assert plan_frames(narration, advance, fps=fps) == (frames, why)


def test_default_seconds_is_a_parameter():
    assert plan_frames([None, None], [None, None], default_seconds=8) == ([8, 8], ["default"] * 2)


@pytest.mark.parametrize(
    ("advance", "audio", "frames", "why"),
    [
        # untimed slides share what the timed ones leave of the recording
        ([10.0, None, None], 30.0, [10, 10, 10], ["advance", "shared", "shared"]),
        ([None, None, None], 4.0, [1, 2, 1], ["shared"] * 3),  # cumulative rounding, no drift
        # every slide timed, recording longer: the last slide is held to its end
        ([5.0, 5.0], 14.2, [5, 10], ["advance", "held"]),
        # timings longer than the recording: kept, the rest of the video is silent
        ([20.0, 20.0], 30.0, [20, 20], ["advance", "advance"]),
        # less than a second left for each untimed slide: they get the default
        ([29.5, None, None], 30.0, [30, 5, 5], ["advance", "default", "default"]),
    ],
)
def test_a_whole_deck_recording_runs_across_the_slides(advance, audio, frames, why):
    narrations = [9.0] * len(advance)  # ignored: the deck recording is the narration
    assert plan_frames(narrations, advance, deck_audio_s=audio) == (frames, why)


def test_plan_refuses_mismatched_lists():
    with pytest.raises(ValueError):
        plan_frames([None], [None, None])


# --- files ---------------------------------------------------------------------------------


def make_slide(path: Path, colour, size=(320, 180)) -> Path:
    Image.new("RGB", size, colour).save(path, quality=95)
    return path


def make_sound(path: Path, seconds: float, *args: str) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *args, str(path))
    return path


def frame_colour(video: Path, at: float, tmp: Path) -> tuple[int, int, int]:
    """The colour in the middle of the frame shown at ``at`` seconds."""
    png = tmp / f"frame-{at:.2f}.png"
    ffmpeg("-ss", f"{at:.3f}", "-i", str(video), "-frames:v", "1", str(png))
    with Image.open(png) as image:
        return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(colour, expected, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def sound_spans(video: Path) -> list[tuple[float, float]]:
    """(start, end) of the stretches that are not silent, from ffmpeg's silencedetect."""
    run = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(video), "-vn",
         "-af", "silencedetect=n=-40dB:d=0.2", "-f", "null", "-"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    silences = zip(
        [float(x) for x in _grep(run.stderr, "silence_start: ")],
        [float(x) for x in _grep(run.stderr, "silence_end: ")],
        strict=False,
    )
    spans, begin = [], 0.0
    for silent_from, silent_to in silences:
        if silent_from - begin > 0.05:
            spans.append((begin, silent_from))
        begin = silent_to
    end = probe(video).duration_s
    if end - begin > 0.05:
        spans.append((begin, end))
    return spans


def _grep(text: str, key: str) -> list[str]:
    return [line.split(key, 1)[1].split()[0] for line in text.splitlines() if key in line]


@pytest.fixture
def slides(tmp_path) -> list[Path]:
    return [make_slide(tmp_path / f"slide{i}.jpg", c) for i, c in enumerate(COLOURS[:4])]


@pytest.mark.slow
def test_narrated_video_is_web_ready_with_chapters_at_each_slide(slides, tmp_path):
    wav = make_sound(tmp_path / "one.wav", 2.2, "-ar", "44100", "-ac", "1")
    mp3 = make_sound(tmp_path / "two.mp3", 1.4, "-ac", "2", "-c:a", "libmp3lame")
    fractions: list[float] = []
    result = build_narrated_video(
        [
            NarratedSlide(slides[0], narration=wav, advance_s=9),  # narration wins: 3 s
            NarratedSlide(slides[1], advance_s=2),
            NarratedSlide(slides[2], narration=mp3),  # 2 s
            NarratedSlide(slides[3]),  # default
        ],
        tmp_path / "out" / "deck.mp4",
        default_seconds=3,
        progress=fractions.append,
    )
    assert result.starts == [0, 3, 5, 7] and result.durations == [3, 2, 2, 3]
    assert result.timing == ["narration", "advance", "narration", "default"]
    assert result.warnings == [] and result.skipped_narrations == []

    info = probe(result.path)
    assert info.video_codec == "h264" and info.audio_codec == "aac" and info.is_web_ready
    assert info.pix_fmt == "yuv420p" and (info.width, info.height) == (320, 180)
    assert abs(info.duration_s - 10) <= 0.5 and abs(result.duration_s - 10) <= 0.5
    assert _check_mp4_boxes(result.path) is None
    head = result.path.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and (
        head.find(b"mdat") == -1 or head.find(b"moov") < head.find(b"mdat")
    ), "+faststart"
    for start, colour in zip(result.starts, COLOURS, strict=False):
        assert near(frame_colour(result.path, start, tmp_path), colour), start
    # each narration sounds at its own slide's start
    spans = sound_spans(result.path)
    assert len(spans) == 2
    assert abs(spans[0][0] - 0) < 0.15 and abs(spans[0][1] - 2.2) < 0.25
    assert abs(spans[1][0] - 5) < 0.15 and abs(spans[1][1] - 6.4) < 0.25
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)


@pytest.mark.slow
def test_odd_sized_pictures_give_an_even_sized_video(tmp_path):
    odd = make_slide(tmp_path / "odd.png", COLOURS[0], size=(641, 361))
    tall = make_slide(tmp_path / "tall.jpg", COLOURS[1], size=(200, 400))  # another shape
    result = build_narrated_video(
        [NarratedSlide(odd, advance_s=1), NarratedSlide(tall, advance_s=1)],
        tmp_path / "odd.mp4",
    )
    info = probe(result.path)
    assert (info.width, info.height) == (640, 360) and info.is_web_ready
    # the tall picture is fitted inside with black bars, not stretched
    assert near(frame_colour(result.path, 1, tmp_path), COLOURS[1])
    with Image.open(tmp_path / "frame-1.00.png") as frame:
        assert near(frame.convert("RGB").getpixel((20, 180)), (0, 0, 0))


@pytest.mark.slow
def test_width_scales_the_video(slides, tmp_path):
    result = build_narrated_video([NarratedSlide(slides[0])], tmp_path / "w.mp4", width=161)
    assert (result.width, result.height) == (160, 90)


@pytest.mark.slow
def test_a_broken_slide_narration_is_skipped_with_a_warning(slides, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\xff" * 64)
    good = make_sound(tmp_path / "ok.wav", 1.5)
    result = build_narrated_video(
        [
            NarratedSlide(slides[0], narration=broken, advance_s=2, number=7),
            NarratedSlide(slides[1], narration=good),
        ],
        tmp_path / "b.mp4",
    )
    assert result.skipped_narrations == [0]
    assert result.timing == ["advance", "narration"] and result.durations == [2, 2]
    assert len(result.warnings) == 1 and result.warnings[0].startswith("Slide 7: its sound")
    assert probe(result.path).audio_codec == "aac"


@pytest.mark.slow
def test_a_broken_deck_recording_is_a_clear_error(slides, tmp_path):
    broken = tmp_path / "talk.mp3"
    broken.write_bytes(b"this is not a recording")
    with pytest.raises(UnreadableAudio) as caught:
        build_narrated_video([NarratedSlide(slides[0])], tmp_path / "x.mp4", deck_audio=broken)
    assert caught.value.code == "bad_audio" and "could not be read" in caught.value.message
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.slow
def test_a_deck_recording_runs_across_and_holds_the_last_slide(slides, tmp_path):
    talk = make_sound(tmp_path / "talk.m4a", 7.5, "-c:a", "aac")
    narration = make_sound(tmp_path / "slide.wav", 1)
    result = build_narrated_video(
        [
            NarratedSlide(slides[0], advance_s=2, narration=narration),
            NarratedSlide(slides[1], advance_s=3),
        ],
        tmp_path / "deck-audio.mp4",
        deck_audio=talk,
    )
    assert result.starts == [0, 2] and result.durations == [2, 6]
    assert result.timing == ["advance", "held"]
    assert "whole deck" in result.warnings[0]
    assert abs(probe(result.path).duration_s - 8) <= 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "args", "channels"),
    [
        ("n.wav", ("-ar", "22050", "-ac", "1"), 1),
        ("n.mp3", ("-ac", "2", "-c:a", "libmp3lame"), 2),
        ("n.m4a", ("-ac", "1", "-c:a", "aac"), 1),
        ("n.wma", ("-ac", "2", "-c:a", "wmav2"), 2),  # what older PowerPoint embeds
        ("n.ogg", ("-ac", "1", "-c:a", "libopus"), 1),
        (
            "n.aiff",
            (
                "-ac",
                "6",
            ),
            2,
        ),  # 5.1 is mixed down to stereo
    ],
)
def test_sound_formats_decode_to_pcm(tmp_path, name, args, channels):
    pcm = decode_audio(make_sound(tmp_path / name, 1.25, *args), tmp_path / "out.raw")
    assert pcm.channels == channels
    assert abs(pcm.seconds - 1.25) < 0.1


@pytest.mark.slow
def test_a_missing_picture_is_named(slides, tmp_path):
    with pytest.raises(CorruptFile):
        build_narrated_video(
            [NarratedSlide(slides[0]), NarratedSlide(tmp_path / "gone.jpg")], tmp_path / "m.mp4"
        )


def test_no_slides_is_refused(tmp_path):
    with pytest.raises(NoSlides):
        build_narrated_video([], tmp_path / "none.mp4")
