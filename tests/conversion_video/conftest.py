"""Fixtures for the video core: the shared corpus, and small videos made with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

VIDEO_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "video"


def corpus_video(name: str) -> Path:
    """A file of the shared corpus; the test skips (saying where it looked) when it is absent."""
    path = VIDEO_CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file {name} not found (expected the shared corpus at {VIDEO_CORPUS})")
    return path


def ffmpeg(*args: str, timeout: float = 60) -> None:
    """Run the bundled ffmpeg to make a test input; fail the test loudly if it cannot."""
    from courses.conversion.video import ffmpeg_exe

    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", *args, "-y"],
        check=True,
        timeout=timeout,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def gen_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("videos")


def _testsrc(size: str, seconds: float, rate: int = 25) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _sine(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]


@pytest.fixture(scope="session")
def h264_aac(gen_dir) -> Path:
    """3 s 640x360 H.264 + AAC MP4 with its index at the end (no faststart), as cameras write."""
    out = gen_dir / "h264_aac.mp4"
    if not out.exists():
        ffmpeg(
            *_testsrc("640x360", 3),
            *_sine(3),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(out),
        )
    return out


@pytest.fixture(scope="session")
def h264_faststart(gen_dir) -> Path:
    out = gen_dir / "h264_faststart.mp4"
    if not out.exists():
        ffmpeg(
            *_testsrc("640x360", 3),
            *_sine(3),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-movflags",
            "+faststart",
            str(out),
        )
    return out


@pytest.fixture(scope="session")
def vp9_opus(gen_dir) -> Path:
    """2 s 320x180 VP9 + Opus WebM."""
    out = gen_dir / "vp9_opus.webm"
    if not out.exists():
        ffmpeg(
            *_testsrc("320x180", 2),
            *_sine(2),
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "300k",
            "-c:a",
            "libopus",
            "-shortest",
            str(out),
        )
    return out


@pytest.fixture(scope="session")
def odd_height(gen_dir) -> Path:
    """640x361, H.264 4:4:4 in Matroska: odd height and a pixel format browsers refuse."""
    out = gen_dir / "odd_height.mkv"
    if not out.exists():
        # testsrc2 rounds sizes to even; testsrc (RGB) keeps 361.
        ffmpeg(
            *("-f", "lavfi", "-i", "testsrc=size=640x361:rate=25:duration=1"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p",
            str(out),
        )
    return out


@pytest.fixture(scope="session")
def black_then_content(gen_dir) -> Path:
    """4 s: 2 s of black, then a test pattern; a poster at 10% or 25% would be black."""
    out = gen_dir / "black_then_content.mp4"
    if not out.exists():
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "color=c=black:size=320x180:rate=25:duration=2",
            *_testsrc("320x180", 2),
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1:a=0[v]",
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(out),
        )
    return out


@pytest.fixture(scope="session")
def audio_only(gen_dir) -> Path:
    out = gen_dir / "lecture_audio.m4a"
    if not out.exists():
        ffmpeg(*_sine(1), "-c:a", "aac", str(out))
    return out
