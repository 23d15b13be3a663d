"""Lecture video core: probe, poster, storyboard and web-ready MP4 renditions.

Plain Python, no Django: paths in, dataclasses and files out. Every failure caused by the
uploaded file is a :class:`~courses.conversion.errors.ConversionError` subclass whose
``message`` a trainer can read; every ffmpeg run has a timeout and is killed (with its process
group) when it expires.

Why ffmpeg directly rather than moviepy for most of this (see DESIGN.md, "traps"): moviepy's
``write_videofile`` is ~2x slower than the same libx264 settings, writes yuv444 unless told
otherwise and leaves a 0-byte file on odd heights without raising; its frame-by-frame
storyboard took 2.95 s where ffmpeg took 0.12 s; and ``ffmpeg_parse_infos`` runs ``ffmpeg -i``
with no timeout. So we run ``ffmpeg -i`` ourselves (with a timeout and a demuxer whitelist) and
hand its output to moviepy's own parser, complementing it where it is wrong or silent (no
duration in a WebM header, audio codec, rotation, pixel format, container).

The ffmpeg binary is the one bundled by imageio-ffmpeg (GPLv3; see the README's licence notes).
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import (
    ConversionError,
    ConversionTimeout,
    CorruptFile,
    MissingDependency,
    TooLarge,
    gettext_noop,
)
from .sandbox import MEMORY_MESSAGE, limit_prefix, out_of_memory

PROBE_TIMEOUT_S = 30.0
POSTER_TIMEOUT_S = 60.0
STORYBOARD_TIMEOUT_S = 600.0
RENDITION_TIMEOUT_S = 3600.0

# Demuxers ffmpeg may use on an upload. Without a whitelist ffmpeg would happily open an HLS or
# concat playlist disguised as a video and read other local files (or URLs) it names.
FORMAT_WHITELIST = ",".join(
    [
        "mov",
        "mp4",
        "m4a",
        "3gp",
        "3g2",
        "mj2",
        "matroska",
        "webm",
        "avi",
        "ogg",
        "flv",
        "asf",
        "mpegts",
        "mpeg",
        "mxf",
        "dv",
    ]
)
_INPUT_GUARD = ("-protocol_whitelist", "file", "-format_whitelist", FORMAT_WHITELIST)

# Browsers play H.264 only as 8-bit 4:2:0; anything else (yuv444p, 10-bit) must be transcoded.
_WEB_PIX_FMTS = {"yuv420p", "yuvj420p"}
_REMUX_CONTAINERS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}


class NotAVideo(ConversionError):
    """The upload is something else: a picture, a document, text, or sound without pictures."""

    code = "not_video"
    default_message = gettext_noop(
        "This file is not a video. Upload a video file such as MP4, MOV, WebM, MKV or AVI."
    )


class MissingFfmpeg(MissingDependency):
    """The ffmpeg binary bundled by the ``imageio-ffmpeg`` pip package is not available."""

    def __init__(self, detail: str = "") -> None:
        self.program = "ffmpeg"
        self.package = "imageio-ffmpeg"
        ConversionError.__init__(
            self,
            "ffmpeg is not available: install the Python package imageio-ffmpeg "
            "(pip install imageio-ffmpeg)",
            detail=detail or "imageio_ffmpeg.get_ffmpeg_exe() failed",
        )


_TIMEOUT_MESSAGE = gettext_noop(
    "Processing this video took too long and was stopped. Try again later, or upload a "
    "shorter or smaller video."
)
_CORRUPT_MESSAGE = gettext_noop(
    "This video is damaged or incomplete (perhaps the upload was cut short). Play it on your "
    "computer to check it, export or copy it again, and upload the new copy."
)
_EMPTY_MESSAGE = gettext_noop(
    "This file is empty (0 bytes): the upload did not complete. Upload the video again."
)
_PICTURE_MESSAGE = gettext_noop(
    "This file is a picture, not a video. Upload the video itself (MP4, MOV, WebM, MKV or AVI)."
)
_AUDIO_ONLY_MESSAGE = gettext_noop(
    "This file has sound but no pictures. Upload a video, or add the recording to a video "
    "(for example, with your slides) and upload that."
)
_FRAME_MESSAGE = gettext_noop(
    "This video's pictures are too large (more than 8192 pixels wide or high). Export it at "
    "4K (3840 × 2160) or smaller and upload it again."
)
# Larger frames than any camera or screen recorder writes: a decoder would allocate them
# whole (a 60000×60000 header asks for gigabytes per frame), so such files are refused.
MAX_FRAME_SIDE = 8192
# Web renditions are at most 4K (UHD), whatever the source: players and phones choke above.
MAX_WEB_WIDTH, MAX_WEB_HEIGHT = 3840, 2160
_DOCUMENT_MESSAGE = gettext_noop(
    "This file is a document, not a video. Upload presentations as decks; upload videos as "
    "MP4, MOV, WebM, MKV or AVI files."
)
_TEXT_MESSAGE = gettext_noop(
    "This file is text, not a video. Upload the video itself (MP4, MOV, WebM, MKV or AVI); "
    "add captions (.vtt or .srt) on the video's page, under “Captions and chapters”."
)

# Kinds refused from their first bytes, before ffmpeg is asked.
_REFUSED_KINDS = {
    "picture": _PICTURE_MESSAGE,
    "document": _DOCUMENT_MESSAGE,
    "text": _TEXT_MESSAGE,
}


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` learnt about a video file.

    ``width``/``height`` are the stored frame size; ``rotation`` (0, 90, 180, 270, clockwise)
    is the display rotation players apply, so :attr:`display_width`/:attr:`display_height` are
    what viewers see (and what a transcode produces: ffmpeg rotates the pictures upright).
    ``duration_s`` is None only when it could not be found even by reading the whole file.
    """

    duration_s: float | None
    width: int
    height: int
    fps: float | None
    has_audio: bool
    video_codec: str
    audio_codec: str | None
    format_name: str  # ffmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"
    bitrate: int | None  # kbit/s, whole file
    rotation: int = 0
    pix_fmt: str | None = None
    video_profile: str | None = None
    duration_from_header: bool = True  # False: computed by reading the stream (no header value)
    has_alpha: bool = False  # VP8/VP9 WebM with a transparency layer (alpha_mode=1)

    @property
    def container(self) -> str:
        """Short container name: "mp4" (also MOV/3GP), "webm", "matroska", "avi"..."""
        names = self.format_name.split(",")
        if "mp4" in names or "mov" in names:
            return "mp4"
        return names[-1] if "webm" in names else names[0]

    @property
    def display_width(self) -> int:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation in (90, 270) else self.height

    @property
    def web_ready_video(self) -> bool:
        """H.264 8-bit 4:2:0 pictures: browsers play them as they are (any container)."""
        return self.video_codec == "h264" and (self.pix_fmt or "yuv420p") in _WEB_PIX_FMTS

    @property
    def is_web_ready(self) -> bool:
        """H.264 8-bit 4:2:0 with AAC or no sound, in an MP4/MOV: browsers play it as it is."""
        return (
            self.web_ready_video
            and (not self.has_audio or self.audio_codec == "aac")
            and bool(set(self.format_name.split(",")) & _REMUX_CONTAINERS)
        )


@dataclass(frozen=True)
class Storyboard:
    """Thumbnail sprites and the WebVTT track that points into them (``sprite.jpg#xywh=...``)."""

    sprites: list[Path]
    vtt: Path
    tile_width: int
    tile_height: int
    columns: int
    rows: int  # rows of a full sprite; the last sprite may have fewer tiles
    count: int  # thumbnails in all
    interval_s: float
    times: list[float] = field(default_factory=list)  # start of each thumbnail's cue


@dataclass(frozen=True)
class Rendition:
    """A web-ready MP4 written by :func:`web_rendition`."""

    path: Path
    width: int
    height: int
    remuxed: bool  # True: all the source's streams copied, nothing re-encoded
    seconds: float
    video_copied: bool = False  # the H.264 pictures were copied (sound may be re-encoded)
    has_audio: bool = True
    audio_dropped: bool = False  # the source had sound that could not be decoded
    warnings: list[str] = field(default_factory=list)
    size: int = 0


# --- ffmpeg --------------------------------------------------------------------------------


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled by imageio-ffmpeg (:class:`MissingFfmpeg` if none)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise MissingFfmpeg(detail=f"import imageio_ffmpeg: {exc}") from exc
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (RuntimeError, OSError) as exc:
        raise MissingFfmpeg(detail=str(exc)) from exc
    if not exe or not os.access(exe, os.X_OK):
        raise MissingFfmpeg(detail=f"{exe!r} is not executable")
    return exe


@dataclass
class _Run:
    returncode: int
    stderr: str
    seconds: float


def _run_ffmpeg(
    args: list[str],
    timeout: float,
    *,
    on_progress_line: Callable[[str], None] | None = None,
    keep_lines: int = 400,
    line_filter: Callable[[str], bool] | None = None,
) -> _Run:
    """Run ``ffmpeg <args>`` in its own process group, killed after ``timeout`` seconds.

    stderr is read by a thread (a full pipe would stall ffmpeg); we keep its last
    ``keep_lines`` lines plus every line ``line_filter`` accepts. With ``on_progress_line``,
    stdout (``-progress pipe:1``) is passed to it line by line as ffmpeg writes it.
    """
    # The memory ceiling of every conversion (ELEARN_CONVERSION_MEMORY_MB): a hostile file
    # makes ffmpeg fail, not the machine swap.
    cmd = [*limit_prefix(), ffmpeg_exe(), "-nostdin", "-hide_banner", *args]
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if on_progress_line else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # own group: the timeout kills ffmpeg and any child
        )
    except OSError as exc:
        raise MissingFfmpeg(detail=f"cannot run ffmpeg: {exc}") from exc

    tail: collections.deque[str] = collections.deque(maxlen=keep_lines)
    kept: list[str] = []

    def read_stderr() -> None:
        for raw in proc.stderr or ():
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line_filter is not None and line_filter(line):
                kept.append(line)
            else:
                tail.append(line)

    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        _kill_group(proc)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    watchdog = threading.Timer(timeout, kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        if on_progress_line is not None and proc.stdout is not None:
            for raw in proc.stdout:
                on_progress_line(raw.decode("utf-8", "replace").strip())
        proc.wait()
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        watchdog.cancel()
        reader.join(timeout=5)
    # The clock decides, not only the watchdog: on a loaded machine the timer thread may not
    # run before a short job ends, and a job over its time limit is over it either way.
    if timed_out.is_set() or time.perf_counter() - started > timeout:
        raise ConversionTimeout(
            _TIMEOUT_MESSAGE, detail=f"ffmpeg exceeded {timeout:g} s: {' '.join(args[:12])}"
        )
    stderr = "\n".join([*kept, *tail]) if line_filter is None else "\n".join([*tail, *kept])
    return _Run(proc.returncode, stderr, time.perf_counter() - started)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _tail(text: str, chars: int = 600) -> str:
    return text.strip()[-chars:]


# --- probe ---------------------------------------------------------------------------------

_STREAM_RE = re.compile(r"^\s*Stream #(\d+):(\d+)(?:\[[^\]]*\])?(?:\(([^)]*)\))?: (\w+): (.*)$")
_INPUT_RE = re.compile(r"^Input #0, ([^ ]+), from ")
_DURATION_RE = re.compile(r"Duration: (N/A|(\d+):(\d\d):(\d\d(?:\.\d+)?))")
_BITRATE_RE = re.compile(r"bitrate: (\d+) kb/s")
_SIZE_RE = re.compile(r"(?:^|[ ,])(\d{2,5})x(\d{2,5})(?=[ ,\]]|$)")
_FPS_RE = re.compile(r"([\d.]+k?) (fps|tbr)")
_ROTATION_RE = re.compile(r"(?:rotation of (-?[\d.]+) degrees|^\s*rotate\s*:\s*(-?\d+))")
_TIME_RE = re.compile(r"time=\s*(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def _sniff(path: Path) -> str:
    """Coarse kind of a file from its first bytes (:func:`kind_of`).

    Used to word the error when ffmpeg cannot open the file: a damaged MP4 is "corrupt", a
    text file renamed .mp4 is "not a video".
    """
    with path.open("rb") as fh:
        return kind_of(fh.read(SNIFF_BYTES))


SNIFF_BYTES = 512


def refused_by_kind(head: bytes) -> str | None:
    """The (untranslated) message for a file whose first bytes already say it is a picture or
    a document, or None: processing refuses these before ffmpeg looks, so the upload form can
    tell the trainer at once, in the same words."""
    return _REFUSED_KINDS.get(kind_of(head))


def kind_of(head: bytes) -> str:
    """Coarse kind from a file's first bytes: "video", "picture", "audio", "document",
    "text", "unknown"."""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "audio" if head[8:11] in (b"M4A", b"M4B") else "video"
    if head.startswith(
        (
            b"\x1a\x45\xdf\xa3",  # EBML: Matroska / WebM
            b"FLV",
            b"OggS",
            b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",  # ASF / WMV
            b"\x00\x00\x01\xba",  # MPEG programme stream
            b"\x00\x00\x01\xb3",
            b"\x06\x0e\x2b\x34",  # MXF
        )
    ):
        return "video"
    if head.startswith(b"RIFF"):
        return (
            "video" if head[8:12] == b"AVI " else ("audio" if head[8:12] == b"WAVE" else "unknown")
        )
    if len(head) > 188 and head[0] == head[188] == 0x47:
        return "video"  # MPEG-TS: a sync byte every 188 bytes
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return "picture"
    if head.startswith((b"ID3", b"fLaC", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return "audio"
    if head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        return "document"
    if _is_text(head):
        return "text"
    return "unknown"


def _is_text(head: bytes) -> bool:
    """Whether the bytes read as UTF-8 text: notes, captions or a playlist renamed .mp4. Every
    video container has binary bytes in its first few hundred (sizes, ids, NULs)."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Cut off mid-character by the sniff length: the bytes before still count.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    # Spaces of every kind (U+3000 indents Chinese text) and format marks count as text too.
    return all(
        ch.isprintable() or ch in "\t\n\r\f" or unicodedata.category(ch) in ("Zs", "Cf")
        for ch in text
    )


def _check_mp4_boxes(path: Path) -> str | None:
    """Walk an MP4/MOV's top-level boxes; a reason string when the file is cut short.

    ffmpeg happily probes a "fast start" MP4 whose media data was truncated (the index is at
    the front), so a cut-off upload would only fail, or play short, much later.
    """
    size = path.stat().st_size
    offset = 0
    seen: set[bytes] = set()
    with path.open("rb") as fh:
        while offset < size:
            fh.seek(offset)
            header = fh.read(16)
            if len(header) < 8:
                return f"{size - offset} stray bytes at the end"
            box_size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if box_size == 1 and len(header) >= 16:
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # runs to the end of the file
                box_size = size - offset
            if box_size < 8:
                return f"invalid box size {box_size} at {offset}"
            seen.add(kind)
            if offset + box_size > size:
                return f"box {kind!r} at {offset} needs {box_size} bytes, file has {size - offset}"
            offset += box_size
    if b"moov" not in seen:
        return "no moov box"
    return None


def _parse_time(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _parse_fps(text: str) -> float:
    return float(text[:-1]) * 1000 if text.endswith("k") else float(text)


def _parse_ffmpeg_info(stderr: str, path: Path) -> dict:
    """Parse ``ffmpeg -i`` output: moviepy's parser first, our regexes where it is silent."""
    info: dict = {
        "format_name": None,
        "duration": None,
        "bitrate": None,
        "video": None,  # first real video stream's description
        "audio": None,
        "rotation": 0,
        "has_alpha": False,
    }
    in_video_stream = False
    for line in stderr.splitlines():
        if match := _INPUT_RE.match(line):
            info["format_name"] = match.group(1).rstrip(",")
            continue
        if "Duration:" in line and info["format_name"] and info["duration"] is None:
            match = _DURATION_RE.search(line)
            if match and match.group(1) != "N/A":
                info["duration"] = _parse_time(match.group(2), match.group(3), match.group(4))
            if bitrate := _BITRATE_RE.search(line):
                info["bitrate"] = int(bitrate.group(1))
            continue
        if match := _STREAM_RE.match(line):
            kind, desc = match.group(4), match.group(5)
            in_video_stream = False
            if kind == "Video" and "(attached pic)" not in desc and info["video"] is None:
                info["video"] = desc
                in_video_stream = True
            elif kind == "Audio" and info["audio"] is None:
                info["audio"] = desc
            continue
        if in_video_stream and re.match(r"^\s*alpha_mode\s*:\s*1", line):
            info["has_alpha"] = True
        if in_video_stream and (match := _ROTATION_RE.search(line)):
            degrees = float(match.group(1) or match.group(2))
            # ffmpeg's display matrix reports counter-clockwise degrees (-90 = turn right).
            rotation = -degrees if match.group(1) else degrees
            info["rotation"] = int(round(rotation)) % 360
    if info["video"]:
        desc = info["video"]
        info["video_codec"] = desc.split(None, 1)[0].rstrip(",")
        profile = re.match(r"\w+ \(([^)]*)\)", desc)
        info["video_profile"] = profile.group(1) if profile else None
        # pixel format is the second comma-separated field, e.g. "yuv420p(tv, bt709)"
        parts = [p.strip() for p in re.split(r",(?![^(]*\))", desc)]
        info["pix_fmt"] = parts[1].split("(")[0] if len(parts) > 1 else None
        size = _SIZE_RE.search(desc)
        info["width"], info["height"] = (int(size.group(1)), int(size.group(2))) if size else (0, 0)
        fps = {unit: value for value, unit in _FPS_RE.findall(desc)}
        info["fps"] = _parse_fps(fps["fps"]) if "fps" in fps else None
        if info["fps"] is None and "tbr" in fps:
            info["fps"] = _parse_fps(fps["tbr"])
    if info["audio"]:
        info["audio_codec"] = info["audio"].split(None, 1)[0].rstrip(",")

    # moviepy's parser (as DESIGN.md chose) for size/fps/duration; it raises on a missing
    # duration unless told not to check, and knows nothing of audio codecs or rotation.
    with contextlib.suppress(Exception):  # noqa: BLE001 - a parse failure just means "use ours"
        from moviepy.video.io.ffmpeg_reader import FFmpegInfosParser

        parsed = FFmpegInfosParser(stderr, str(path), check_duration=False).parse()
        if parsed.get("video_found") and info["video"]:
            if parsed.get("video_size"):
                info["width"], info["height"] = parsed["video_size"]
            if parsed.get("video_fps"):
                info["fps"] = float(parsed["video_fps"])
            if parsed.get("duration") and info["duration"] is None:
                info["duration"] = float(parsed["duration"])
    return info


def _measure_duration(path: Path, timeout: float) -> float | None:
    """Duration by reading every packet (``-c copy -f null``): no decoding, ~30 ms for 5 s.

    For WebM recorded by browsers (MediaRecorder), which write no duration in the header.
    """
    run = _run_ffmpeg(
        [*_INPUT_GUARD, "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"],
        timeout,
    )
    matches = _TIME_RE.findall(run.stderr)
    if not matches:
        return None
    return _parse_time(*matches[-1])


def probe(path: str | Path, *, timeout: float = PROBE_TIMEOUT_S) -> VideoInfo:
    """Describe a video file; refuse anything that is not one.

    Raises :class:`NotAVideo` for pictures, documents, text and sound-only files,
    :class:`~.errors.CorruptFile` for empty, truncated or unreadable video files,
    :class:`~.errors.TooLarge` for frames over :data:`MAX_FRAME_SIDE` pixels,
    :class:`~.errors.ConversionTimeout` and :class:`MissingFfmpeg`.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptFile(_CORRUPT_MESSAGE, detail=f"cannot read {path}: {exc}") from exc
    if size == 0:
        raise CorruptFile(_EMPTY_MESSAGE, detail=f"{path.name} is empty")
    kind = _sniff(path)
    if kind in _REFUSED_KINDS:
        raise NotAVideo(_REFUSED_KINDS[kind], detail=f"{path.name}: {kind} signature")

    run = _run_ffmpeg([*_INPUT_GUARD, "-i", str(path)], timeout)
    info = _parse_ffmpeg_info(run.stderr, path)
    if run.returncode != 0 and out_of_memory(run.stderr, run.returncode):
        raise TooLarge(MEMORY_MESSAGE, detail=f"probe: {_tail(run.stderr)}")
    if info["format_name"] is None:
        # ffmpeg could not open it: damaged if it looks like a video container, else not one.
        if kind == "video":
            raise CorruptFile(_CORRUPT_MESSAGE, detail=_tail(run.stderr))
        if kind == "audio":
            raise NotAVideo(_AUDIO_ONLY_MESSAGE, detail=_tail(run.stderr))
        raise NotAVideo(detail=f"{path.name}: {_tail(run.stderr, 300)}")
    if not info["video"]:
        if info["audio"]:
            raise NotAVideo(_AUDIO_ONLY_MESSAGE, detail=f"{path.name}: audio streams only")
        raise NotAVideo(detail=f"{path.name}: no video stream ({info['format_name']})")
    if not info.get("width") or not info.get("height"):
        raise CorruptFile(_CORRUPT_MESSAGE, detail=f"no frame size: {info['video']}")
    if max(info["width"], info["height"]) > MAX_FRAME_SIDE:
        raise TooLarge(_FRAME_MESSAGE, detail=f"frame {info['width']}x{info['height']}")

    names = set(info["format_name"].split(","))
    if names & _REMUX_CONTAINERS and (reason := _check_mp4_boxes(path)):
        raise CorruptFile(_CORRUPT_MESSAGE, detail=f"{path.name}: {reason}")

    duration = info["duration"]
    from_header = duration is not None
    if duration is None:
        duration = _measure_duration(path, timeout)
    if duration is not None and duration <= 0:
        raise CorruptFile(_CORRUPT_MESSAGE, detail=f"{path.name}: duration {duration}")

    return VideoInfo(
        duration_s=duration,
        width=info["width"],
        height=info["height"],
        fps=info.get("fps"),
        has_audio=bool(info["audio"]),
        video_codec=info["video_codec"],
        audio_codec=info.get("audio_codec"),
        format_name=info["format_name"],
        bitrate=info["bitrate"],
        rotation=info["rotation"],
        pix_fmt=info.get("pix_fmt"),
        video_profile=info.get("video_profile"),
        duration_from_header=from_header,
        has_alpha=info["has_alpha"] and info["video_codec"] in ("vp8", "vp9"),
    )


def _video_input(path: Path, info: VideoInfo, vf: str, *, before_input: tuple = ()) -> list[str]:
    """Input and picture filter arguments, flattening transparent WebM onto white.

    ffmpeg's own VP8/VP9 decoders ignore the alpha layer, so transparent parts come out as
    whatever the colour planes hold (black in the corpus): a black poster and a black
    background in the MP4. libvpx decodes the alpha, and we lay the pictures on white, as the
    page behind the player would have shown them.
    """
    if not info.has_alpha:
        return [*before_input, *_INPUT_GUARD, "-i", str(path), "-map", "0:v:0", "-vf", vf]
    decoder = "libvpx-vp9" if info.video_codec == "vp9" else "libvpx"
    rate = f"{info.fps:g}" if info.fps else "25"
    graph = (
        f"color=c=white:s={info.width}x{info.height}:r={rate}[bg];"
        f"[bg][0:v:0]overlay=shortest=1:format=auto,format=yuv420p,{vf}[v]"
    )
    return [
        *before_input,
        "-c:v",
        decoder,
        *_INPUT_GUARD,
        "-i",
        str(path),
        "-filter_complex",
        graph,
        "-map",
        "[v]",
    ]


# --- poster --------------------------------------------------------------------------------


def _frame_content_score(jpg: Path) -> tuple[float, float]:
    """(mean, standard deviation) of a frame's luminance, on a small copy."""
    from PIL import Image, ImageStat

    with Image.open(jpg) as image:
        small = image.convert("L")
        small.thumbnail((160, 160))
        stat = ImageStat.Stat(small)
    return stat.mean[0], stat.stddev[0]


def make_poster(
    path: str | Path,
    out_jpg: str | Path,
    info: VideoInfo,
    width: int = 1280,
    *,
    timeout: float = POSTER_TIMEOUT_S,
    fractions: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75),
    first_at: float | None = None,
) -> Path:
    """Write a JPEG poster frame that shows something (not a black or blank frame).

    Tries the frame at ``first_at`` seconds when given (where the video's first chapter
    opens: a deck's title slide, kept unless it is one flat colour), then each fraction of the duration in turn (fast ``-ss``
    input seeking), and keeps the first frame whose luminance mean and spread show content; if
    none does, the frame with the most spread. The poster is ``width`` px wide at most (never
    enlarged), even height.
    """
    path, out_jpg = Path(path), Path(out_jpg)
    out_jpg.parent.mkdir(parents=True, exist_ok=True)
    duration = info.duration_s or 0.0
    width = min(width, info.display_width)
    times = [round(duration * f, 3) for f in fractions] if duration > 0 else []
    if first_at is not None and 0 <= first_at < max(duration, 0.001):
        first_at = round(first_at, 3)
        times.insert(0, first_at)
    times.append(0.0)  # the first frame always exists, even where seeking overshoots
    deadline = time.monotonic() + timeout
    best: tuple[float, Path] | None = None
    with tempfile.TemporaryDirectory(prefix="elearn-poster-", dir=out_jpg.parent) as tmp:
        for index, at in enumerate(dict.fromkeys(times)):
            candidate = Path(tmp) / f"frame{index}.jpg"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConversionTimeout(_TIMEOUT_MESSAGE, detail="poster frames")
            run = _run_ffmpeg(
                [
                    *_video_input(
                        path, info, f"scale={width}:-2", before_input=("-ss", f"{at:.3f}")
                    ),
                    "-frames:v",
                    "1",
                    "-q:v",
                    "3",
                    "-y",
                    str(candidate),
                ],
                remaining,
            )
            if run.returncode != 0 or not candidate.is_file() or candidate.stat().st_size == 0:
                continue
            mean, spread = _frame_content_score(candidate)
            # Black, white or flat frames (fades, title-card gaps) have little spread. A
            # chapter's opening frame only needs to show anything at all: a title slide is
            # mostly white, and its few words spread little.
            if (16 <= mean <= 240 and spread >= 12) or (at == first_at and spread >= 4):
                best = (math.inf, candidate)
                break
            if best is None or spread > best[0]:
                best = (spread, candidate)
        if best is None:
            raise CorruptFile(_CORRUPT_MESSAGE, detail=f"no frame could be decoded from {path}")
        os.replace(best[1], out_jpg)
    return out_jpg


# --- storyboard ----------------------------------------------------------------------------

_NICE_INTERVALS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600)
_SHOWINFO_RE = re.compile(r"\bn:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:\s*(-?[\d.]+)")


def storyboard_interval(duration_s: float | None, max_tiles: int = 200) -> float:
    """The shortest "round" interval (1, 2, 5, 10, 15 s...) giving at most ``max_tiles``."""
    duration = duration_s or 0.0
    for interval in _NICE_INTERVALS:
        if duration / interval <= max_tiles:
            return float(interval)
    return math.ceil(duration / max_tiles)


def _vtt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def make_storyboard(
    path: str | Path,
    out_dir: str | Path,
    info: VideoInfo,
    tile_width: int = 160,
    interval_s: float | None = None,
    *,
    columns: int = 10,
    per_sprite: int = 100,
    max_tiles: int = 200,
    keyframes_only: bool | None = None,
    timeout: float = STORYBOARD_TIMEOUT_S,
    name: str = "storyboard",
) -> Storyboard:
    """Thumbnail sprites (``<name>_001.jpg``...) and ``<name>.vtt`` for the player's scrubber.

    One ffmpeg pass: fps filter (one frame per ``interval_s``) → scale → showinfo (which tells
    us each thumbnail's exact time) → tile. ``interval_s`` defaults to the shortest round
    interval giving at most ``max_tiles``. ``keyframes_only`` (default: when the interval is
    10 s or more) decodes only keyframes: ~20x faster on long videos, and with tiles that far
    apart the nearest keyframe is a fair picture of the moment.
    """
    path, out_dir = Path(path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    interval = float(interval_s) if interval_s else storyboard_interval(info.duration_s, max_tiles)
    if keyframes_only is None:
        keyframes_only = interval >= 10
    tile_width = min(tile_width, info.display_width) // 2 * 2
    tile_height = max(2, round(tile_width * info.display_height / info.display_width / 2) * 2)
    expected = max(1, math.ceil((info.duration_s or interval) / interval))
    columns = max(1, min(columns, expected))
    rows = max(1, math.ceil(min(expected, per_sprite) / columns))
    per_sprite = columns * rows
    for old in out_dir.glob(f"{name}_*.jpg"):
        old.unlink()
    pattern = out_dir / f"{name}_%03d.jpg"
    run = _run_ffmpeg(
        [
            *_video_input(
                path,
                info,
                f"fps=1/{interval:g},scale={tile_width}:{tile_height},showinfo,"
                f"tile={columns}x{rows}",
                before_input=("-skip_frame", "nokey") if keyframes_only else (),
            ),
            "-an",
            "-sn",
            "-q:v",
            "4",
            "-fps_mode",
            "passthrough",
            "-y",
            str(pattern),
        ],
        timeout,
        line_filter=lambda line: "Parsed_showinfo" in line and " n:" in line,
    )
    times = [float(t) for _n, t in _SHOWINFO_RE.findall(run.stderr)]
    sprites = sorted(out_dir.glob(f"{name}_*.jpg"))
    if run.returncode != 0 or not sprites or not times:
        raise CorruptFile(_CORRUPT_MESSAGE, detail=f"storyboard: {_tail(run.stderr)}")
    count = len(times)
    # The last thumbnail lasts to the end of the video (not a whole interval past it).
    end = info.duration_s if (info.duration_s or 0) > times[-1] else times[-1] + interval
    lines = ["WEBVTT", ""]
    for index, start in enumerate(times):
        stop = times[index + 1] if index + 1 < count else end
        sprite = sprites[min(index // per_sprite, len(sprites) - 1)].name
        cell = index % per_sprite
        x, y = (cell % columns) * tile_width, (cell // columns) * tile_height
        lines += [
            f"{_vtt_time(start)} --> {_vtt_time(stop)}",
            f"{sprite}#xywh={x},{y},{tile_width},{tile_height}",
            "",
        ]
    vtt = out_dir / f"{name}.vtt"
    vtt.write_text("\n".join(lines), encoding="utf-8")
    return Storyboard(
        sprites=sprites,
        vtt=vtt,
        tile_width=tile_width,
        tile_height=tile_height,
        columns=columns,
        rows=rows,
        count=count,
        interval_s=interval,
        times=times,
    )


# --- web rendition -------------------------------------------------------------------------

# ffmpeg carries on past undecodable packets and exits 0; say so rather than hide it.
_DECODE_ERROR_RE = re.compile(r"Error while decoding stream|Invalid data found when processing")


def _progress_reader(
    duration: float | None, progress: Callable[[float], None] | None
) -> Callable[[str], None]:
    """Turn ``-progress pipe:1`` lines into percentages (0-100, increasing) for ``progress``."""
    last = [-1.0]

    def on_line(line: str) -> None:
        if progress is None:
            return
        key, _, value = line.partition("=")
        percent = None
        if key == "out_time_us" and duration and value.strip().lstrip("-").isdigit():
            percent = min(99.9, max(0.0, int(value) / 1e6 / duration * 100))
        elif key == "progress" and value == "end":
            percent = 100.0
        if percent is not None and percent > last[0]:
            last[0] = percent
            progress(round(percent, 1))

    return on_line


def _over_4k(info: VideoInfo) -> bool:
    long_side, short_side = sorted((info.display_width, info.display_height), reverse=True)
    return long_side > MAX_WEB_WIDTH or short_side > MAX_WEB_HEIGHT


def _scale_filter(info: VideoInfo, max_height: int | None) -> str:
    # Even dimensions: libx264 with yuv420p refuses odd ones (and moviepy then leaves a 0-byte
    # file). Never enlarge; -2 keeps the aspect ratio with an even width. (ffmpeg rotates the
    # pictures upright before our filters, so these are display sizes.)
    width, height = info.display_width, info.display_height
    box_w, box_h = (
        (MAX_WEB_WIDTH, MAX_WEB_HEIGHT) if width >= height else (MAX_WEB_HEIGHT, MAX_WEB_WIDTH)
    )
    scale = min(1.0, box_w / width, box_h / height)
    if max_height and height > max_height:
        scale = min(scale, max_height / height)
    if scale >= 1.0:
        return "scale=trunc(iw/2)*2:trunc(ih/2)*2"
    if not _over_4k(info):
        return f"scale=-2:{max_height // 2 * 2}"
    return f"scale={max(2, int(width * scale) // 2 * 2)}:{max(2, int(height * scale) // 2 * 2)}"


# How every web MP4 is written: no metadata (no recording location or device names in what
# members download), moov atom first so playback starts before the download ends, progress
# lines on stdout for the admin's percentage; the output path follows.
WEB_MP4_OUTPUT = (
    "-map_metadata", "-1", "-movflags", "+faststart",
    "-progress", "pipe:1", "-nostats", "-f", "mp4", "-y",
)  # fmt: skip


def web_rendition(
    path: str | Path,
    out_mp4: str | Path,
    info: VideoInfo,
    *,
    max_height: int | None = None,
    progress: Callable[[float], None] | None = None,
    timeout: float = RENDITION_TIMEOUT_S,
    crf: int = 23,
    preset: str = "veryfast",
    audio_bitrate: str = "128k",
) -> Rendition:
    """Write a web-ready MP4 (H.264 + AAC, ``+faststart``) of ``path``.

    Already web-ready sources (:attr:`VideoInfo.is_web_ready`) that need no scaling are
    remuxed: streams copied, index moved to the front (0.09 s for 60 s of 720p). H.264 pictures
    with other sound (mp3) or in another container keep their pictures and get AAC sound
    (``video_copied``). Everything else is transcoded: libx264 ``preset``/``crf``, yuv420p, even dimensions, at most
    ``max_height`` px high (e.g. 480 for a rendition for slow links) and never over 4K
    (3840 × 2160, :data:`MAX_WEB_WIDTH`); AAC sound is copied,
    other sound re-encoded to AAC. ``progress(percent)`` is called as ffmpeg advances, ending
    with 100. Sound that cannot be decoded is dropped (``audio_dropped`` and a warning on the
    result) rather than failing the whole video.
    """
    path, out_mp4 = Path(path), Path(out_mp4)
    out_mp4.parent.mkdir(parents=True, exist_ok=True)
    needs_scaling = bool(max_height and info.display_height > max_height) or _over_4k(info)
    remux = info.is_web_ready and not needs_scaling
    # H.264 pictures with other sound (mp3 in MP4, H.264 in MKV): copy the pictures, which is
    # lossless and ~100x faster than encoding them again, and re-encode only the sound.
    copy_video = info.web_ready_video and not needs_scaling
    partial = out_mp4.with_name(f".{out_mp4.stem}.partial.mp4")
    warnings: list[str] = []
    started = time.perf_counter()
    deadline = time.monotonic() + timeout

    def attempt(with_audio: bool) -> _Run:
        partial.unlink(missing_ok=True)
        if copy_video:
            args = [*_INPUT_GUARD, "-i", str(path), "-map", "0:v:0", "-c:v", "copy"]
        else:
            args = [
                *_video_input(path, info, _scale_filter(info, max_height)),
                "-c:v",
                "libx264",
                "-preset",
                preset,
                "-crf",
                str(crf),
                "-pix_fmt",
                "yuv420p",  # moviepy/ffmpeg default to yuv444 for RGB sources: browsers balk
                "-profile:v",
                "high",
            ]
        if with_audio and info.has_audio:
            args += ["-map", "0:a:0"]
            if info.audio_codec == "aac":
                args += ["-c:a", "copy"]
            else:
                args += ["-c:a", "aac", "-b:a", audio_bitrate]
        if not (with_audio and info.has_audio):
            args += ["-an"]
        args += ["-sn", "-dn", *WEB_MP4_OUTPUT, str(partial)]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ConversionTimeout(_TIMEOUT_MESSAGE, detail="web rendition")
        return _run_ffmpeg(
            args, remaining, on_progress_line=_progress_reader(info.duration_s, progress)
        )

    try:
        run = attempt(with_audio=True)
        has_audio = info.has_audio
        audio_dropped = False
        if (run.returncode != 0 or not _nonempty(partial)) and info.has_audio:
            # A broken sound track should not cost the trainer the whole video: try without.
            retry = attempt(with_audio=False)
            if retry.returncode == 0 and _nonempty(partial):
                warnings.append(
                    "The sound could not be read and was left out: " + _tail(run.stderr, 200)
                )
                run, has_audio, audio_dropped = retry, False, True
        if run.returncode != 0 and out_of_memory(run.stderr, run.returncode):
            raise TooLarge(MEMORY_MESSAGE, detail=f"ffmpeg: {_tail(run.stderr)}")
        if run.returncode != 0 or not _nonempty(partial):
            # The 0-byte trap: never report success without a real file.
            raise CorruptFile(
                _CORRUPT_MESSAGE, detail=f"ffmpeg rc={run.returncode}: {_tail(run.stderr)}"
            )
        if _DECODE_ERROR_RE.search(run.stderr):
            warnings.append("Parts of the video could not be decoded and may be missing or silent.")
        out = probe(partial)
        os.replace(partial, out_mp4)
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None:
        progress(100.0)
    return Rendition(
        path=out_mp4,
        width=out.display_width,
        height=out.display_height,
        remuxed=remux and not audio_dropped,
        seconds=time.perf_counter() - started,
        video_copied=copy_video,
        has_audio=has_audio and out.has_audio,
        audio_dropped=audio_dropped,
        warnings=warnings,
        size=out_mp4.stat().st_size,
    )


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


__all__ = [
    "MissingFfmpeg",
    "NotAVideo",
    "Rendition",
    "Storyboard",
    "VideoInfo",
    "ffmpeg_exe",
    "make_poster",
    "make_storyboard",
    "probe",
    "storyboard_interval",
    "web_rendition",
]
