"""The demo lecture's video, made with the ffmpeg that imageio-ffmpeg bundles (no downloads):
twelve seconds of moving test pictures and a tone, with English and Chinese captions."""

import subprocess
from pathlib import Path

from imageio_ffmpeg import get_ffmpeg_exe

CAPTIONS = {
    "en": (
        "English",
        [
            (0.5, 3.5, "Welcome to the course."),
            (4.0, 7.5, "This lecture shows how the course works."),
            (8.0, 11.5, "Use the slides below as you listen."),
        ],
    ),
    "zh-Hans": (
        "中文",
        [
            (0.5, 3.5, "欢迎参加本课程。"),
            (4.0, 7.5, "本讲介绍课程的学习方法。"),
            (8.0, 11.5, "请一边听讲一边查看下面的幻灯片。"),
        ],
    ),
}
CHAPTERS = [
    (0.0, 4.0, "Welcome · 欢迎"),
    (4.0, 8.0, "How the course works · 学习方法"),
    (8.0, 12.0, "Slides · 幻灯片"),
]


def build_demo_video(path: str | Path, seconds: int = 12) -> Path:
    """Write an H.264/AAC MP4 to ``path``."""
    path = Path(path)
    subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=330:beep_factor=4",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


def _timestamp(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"00:{int(minutes):02d}:{secs:06.3f}"


def webvtt(cues) -> str:
    """A WebVTT track for (start, end, text) cues."""
    body = "\n\n".join(
        f"{_timestamp(start)} --> {_timestamp(end)}\n{text}" for start, end, text in cues
    )
    return f"WEBVTT\n\n{body}\n"
