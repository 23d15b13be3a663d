"""Deck → narrated video: slide pictures and their narration as one web-ready MP4.

Plain Python, no Django: paths in, a dataclass and an MP4 out, errors as
:class:`~courses.conversion.errors.ConversionError` subclasses with a message a trainer can
read, a timeout on every ffmpeg run.

How long each slide lasts (:func:`plan_frames`):

* **narration per slide** (audio embedded in the slide, or uploaded for it): the narration's
  length, rounded *up* to the next frame so no word is cut; else its **advance timing**
  (PowerPoint's "After" time); else ``default_seconds`` (5 s). A timing of 0 ("advance at
  once", used for animation-only slides) counts as no timing: a video slide shown for one
  frame is of no use to anyone.
* **one recording for the whole deck** (``deck_audio``): per-slide narration is ignored (the
  recording *is* the narration; a warning says so). Slides with a timing keep it; slides
  without one share the rest of the recording evenly (a trainer who recorded a talk over an
  untimed deck gets the slides spread across it), or get ``default_seconds`` when less than a
  second each would be left. When the recording outlasts the slides, the **last slide is held
  to the recording's end**; when the slides outlast it, the rest of the video is silent.
  Nothing is ever cut from a recording.

A sound file that cannot be read (damaged, or a format ffmpeg does not know, such as MIDI) is
treated differently by origin: a *slide's* narration is **skipped with a warning** (the slide
falls back to its timing) — an old sound effect in a deck must not cost the trainer the whole
video; the *whole-deck* recording was uploaded for this one purpose, so it **fails** with
:class:`UnreadableAudio`.

Why ffmpeg rather than moviepy (which the issue named): a slideshow is a handful of still
pictures, and moviepy composites and pipes every frame through Python as raw RGB (6 MB a 1080p
frame). Measured here on 20 full-HD slides (200 s, half narrated, 1 fps, same x264 settings):
this module 3.7 s, moviepy's ``ImageClip``/``concatenate_videoclips``/``write_videofile`` 8.5 s.
Here ffmpeg's concat demuxer reads each picture once, the ``fps`` filter repeats it at a low
constant frame rate (1 fps by default), ``-tune stillimage`` keeps text sharp, and a keyframe
at every slide start (plus one every 10 s) makes seeking to a chapter instant and lets the
storyboard's keyframe-only pass show the right slide. Sound is decoded once per file to raw
PCM and laid end to end in Python with exact silence between, so the narration starts exactly
where its slide does. ``bench/process_video.py``: 0.15-0.17 s per slide (20 slides, 209 s of
video, about 1 s of work per minute of video) on the shared two cores.

Why a constant frame rate rather than one frame per slide (variable frame rate, ~20x cheaper
still): a frame lasting minutes is legal MP4, but ffmpeg's own ``-ss`` seeking (our poster)
drops it, and some players show black or stall on it. The price is that slide times are whole
frames: 1 s steps at the default ``fps=1``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConversionError, ConversionTimeout, CorruptFile, NoSlides, gettext_noop
from .video import (
    _TIMEOUT_MESSAGE,
    WEB_MP4_OUTPUT,
    _progress_reader,
    _run_ffmpeg,
    _tail,
    probe,
)

logger = logging.getLogger(__name__)

DEFAULT_SLIDE_SECONDS = 5.0
DEFAULT_FPS = 1
KEYFRAME_EVERY_S = 10.0
SAMPLE_RATE = 48_000
AUDIO_TIMEOUT_S = 300.0
ENCODE_TIMEOUT_S = 3600.0
# Slides left without a timing get the rest of a whole-deck recording, unless that is less
# than this each (a recording shorter than the timed slides): then they get the default.
MIN_SHARED_SECONDS = 1.0

# Demuxers a narration may be read with: what PowerPoint embeds (WAV, MP3, WMA in ASF, M4A,
# AIFF, AU) and what a trainer may record on a phone or laptop (M4A, AAC, Ogg/Opus, FLAC,
# WebM, MP4 with pictures). Without a whitelist, a "sound file" that is really an HLS or
# concat playlist would make ffmpeg read other local files or URLs.
AUDIO_FORMAT_WHITELIST = ",".join(
    [
        "wav",
        "w64",
        "mp3",
        "asf",
        "mov",
        "mp4",
        "m4a",
        "3gp",
        "aac",
        "aiff",
        "au",
        "ogg",
        "flac",
        "matroska",
        "webm",
        "wv",
        "amr",
    ]
)
# The pictures are ours (rendered from the deck), read through a concat list we write.
_IMAGE_FORMAT_WHITELIST = "concat,image2,jpeg_pipe,png_pipe,webp_pipe"

_AUDIO_OUT_RE = re.compile(r"Output #0.*?Audio: pcm_s16le[^,]*, (\d+) Hz, ([^,\n]+)", re.DOTALL)

_BAD_DECK_AUDIO_MESSAGE = gettext_noop(
    "The sound recording for the whole deck could not be read: it may be damaged, or in a "
    "format we do not know. Play it on your computer to check it, save it as MP3, M4A or WAV, "
    "and upload it again."
)
_SLIDE_IMAGE_MESSAGE = gettext_noop(
    "The slide pictures could not be read to make the video. Convert the deck again, then try "
    "once more."
)
_ENCODE_MESSAGE = gettext_noop(
    "The video of the slides could not be made. Try again; if it fails again, tell your "
    "administrator."
)


class UnreadableAudio(ConversionError):
    """A sound file (narration) that ffmpeg cannot decode, or that holds no sound."""

    code = "bad_audio"
    default_message = _BAD_DECK_AUDIO_MESSAGE


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NarratedSlide:
    """One slide of the video, in order. ``number`` (the deck's slide number) only names the
    slide in warnings; ``advance_s`` is PowerPoint's "After" time; ``narration`` any sound
    file ffmpeg reads (WAV, MP3, WMA, M4A...)."""

    image: Path
    advance_s: float | None = None
    narration: Path | None = None
    number: int | None = None


@dataclass(frozen=True)
class NarratedVideo:
    """The MP4 written by :func:`build_narrated_video` and where each slide starts in it."""

    path: Path
    width: int
    height: int
    duration_s: float
    starts: list[float]  # chapter start of each slide, seconds, in input order
    durations: list[float]
    timing: list[str]  # per slide: "narration", "advance", "default", "shared" or "held"
    fps: int
    seconds: float  # processing time
    size: int = 0
    skipped_narrations: list[int] = field(default_factory=list)  # input indexes
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pcm:
    """A sound decoded to raw signed 16-bit little-endian PCM at :data:`SAMPLE_RATE`."""

    path: Path
    channels: int

    @property
    def frames(self) -> int:
        return self.path.stat().st_size // (2 * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / SAMPLE_RATE


# --- timing --------------------------------------------------------------------------------


def plan_frames(
    narration_s: Sequence[float | None],
    advance_s: Sequence[float | None],
    *,
    deck_audio_s: float | None = None,
    default_seconds: float = DEFAULT_SLIDE_SECONDS,
    fps: int = DEFAULT_FPS,
) -> tuple[list[int], list[str]]:
    """Frames each slide lasts, and why (see the module docstring for the rules).

    ``narration_s`` and ``advance_s`` are per slide, None where a slide has none; with
    ``deck_audio_s`` the narrations are ignored. Every slide lasts at least one frame.
    """
    if len(narration_s) != len(advance_s):
        raise ValueError("narration_s and advance_s must have one entry per slide")
    if default_seconds <= 0 or fps <= 0:
        raise ValueError("default_seconds and fps must be positive")

    def rounded(seconds: float) -> int:
        return max(1, math.floor(seconds * fps + 0.5))  # half up: 2.5 s is 3 frames at 1 fps

    def covering(seconds: float) -> int:
        # The small tolerance keeps 5.0000001 s of sound from costing a whole extra frame.
        return max(1, math.ceil(seconds * fps - 1e-3))

    timings = [a if a is not None and a > 0 else None for a in advance_s]
    frames: list[int] = []
    why: list[str] = []
    if deck_audio_s is None:
        for narration, advance in zip(narration_s, timings, strict=True):
            if narration is not None and narration > 0:
                frames.append(covering(narration))
                why.append("narration")
            elif advance is not None:
                frames.append(rounded(advance))
                why.append("advance")
            else:
                frames.append(rounded(default_seconds))
                why.append("default")
        return frames, why

    timed_frames = sum(rounded(a) for a in timings if a is not None)
    untimed = sum(1 for a in timings if a is None)
    share = (deck_audio_s - timed_frames / fps) / untimed if untimed else 0.0
    shared = share >= MIN_SHARED_SECONDS
    # Shares are handed out cumulatively so rounding never drifts from the recording.
    given = 0.0
    handed = 0
    for advance in timings:
        if advance is not None:
            frames.append(rounded(advance))
            why.append("advance")
        elif shared:
            given += share
            count = max(1, math.floor(given * fps + 0.5) - handed)
            handed += count
            frames.append(count)
            why.append("shared")
        else:
            frames.append(rounded(default_seconds))
            why.append("default")
    total = sum(frames)
    needed = covering(deck_audio_s)
    if needed > total:
        frames[-1] += needed - total
        why[-1] = "held"
    return frames, why


# --- sound ---------------------------------------------------------------------------------


def decode_audio(
    path: str | Path, out_raw: str | Path, *, timeout: float = AUDIO_TIMEOUT_S
) -> _Pcm:
    """Decode the first sound stream of ``path`` to raw PCM (48 kHz, 16-bit, mono or stereo
    as the source: more channels are mixed down to stereo).

    Raises :class:`UnreadableAudio` when ffmpeg cannot open or decode it or it holds no sound.
    """
    path, out_raw = Path(path), Path(out_raw)
    if not path.is_file() or path.stat().st_size == 0:
        raise UnreadableAudio(detail=f"{path.name}: missing or empty")
    run = _run_ffmpeg(
        [
            "-protocol_whitelist",
            "file",
            "-format_whitelist",
            AUDIO_FORMAT_WHITELIST,
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-vn",
            "-sn",
            "-dn",
            "-af",
            f"aformat=sample_fmts=s16:sample_rates={SAMPLE_RATE}:channel_layouts=mono|stereo",
            "-c:a",
            "pcm_s16le",
            "-f",
            "s16le",
            "-y",
            str(out_raw),
        ],
        timeout,
    )
    match = _AUDIO_OUT_RE.search(run.stderr)
    if run.returncode != 0 or match is None or not out_raw.is_file():
        out_raw.unlink(missing_ok=True)
        raise UnreadableAudio(detail=f"{path.name}: rc={run.returncode}: {_tail(run.stderr, 300)}")
    channels = 1 if match.group(2).strip() == "mono" else 2
    pcm = _Pcm(out_raw, channels)
    if pcm.frames < SAMPLE_RATE // 100:  # under 10 ms: nothing a trainer could have said
        out_raw.unlink(missing_ok=True)
        raise UnreadableAudio(detail=f"{path.name}: no sound decoded")
    return pcm


def _copy_pcm(src: _Pcm, dst, channels: int, max_frames: int) -> int:
    """Append ``src`` to the open file ``dst`` as ``channels`` channels; frames written."""
    import numpy as np  # local: only the mixed mono/stereo case needs it

    written = 0
    chunk_frames = 1 << 18
    with src.path.open("rb") as fh:
        while written < max_frames:
            want = min(chunk_frames, max_frames - written)
            data = fh.read(want * 2 * src.channels)
            if not data:
                break
            if src.channels != channels:  # mono narration in a stereo track: both sides
                samples = np.frombuffer(data, dtype="<i2")
                data = np.repeat(samples, channels).tobytes()
            dst.write(data)
            written += len(data) // (2 * channels)
    return written


def _write_silence(dst, frames: int, channels: int) -> None:
    block = bytes(2 * channels * 65536)
    remaining = frames * 2 * channels
    while remaining > 0:
        step = min(remaining, len(block))
        dst.write(block[:step])
        remaining -= step


# --- video ---------------------------------------------------------------------------------


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _image_header(path: Path) -> tuple[int, int, str]:
    """(width, height, format) from the picture's header."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return (*image.size, image.format or "")
    except (OSError, UnidentifiedImageError) as exc:
        raise CorruptFile(_SLIDE_IMAGE_MESSAGE, detail=f"{path}: {exc}") from exc


def _same_format(images: list[Path], formats: list[str], work: Path) -> list[Path]:
    """The pictures, those not in the first one's format saved again in it.

    The concat demuxer decodes every entry with the first entry's decoder: a JPEG after a PNG
    gives no pictures at all (and ffmpeg still exits 0). Decks are rendered in one format, so
    this costs nothing but where a slide was rendered later in another.
    """
    from PIL import Image

    target = formats[0]
    out = []
    for index, (path, fmt) in enumerate(zip(images, formats, strict=True)):
        if fmt == target:
            out.append(path)
            continue
        copy = work / f"picture{index:04d}.{target.lower()}"
        with Image.open(path) as image:
            image = image.convert("RGB") if target == "JPEG" else image
            image.save(copy, target, quality=95)
        out.append(copy)
    return out


def _concat_line(path: Path) -> str:
    # The concat script quotes with single quotes; a quote inside is written '\''.
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'"


def build_narrated_video(
    slides: Sequence[NarratedSlide],
    out_mp4: str | Path,
    *,
    deck_audio: str | Path | None = None,
    default_seconds: float = DEFAULT_SLIDE_SECONDS,
    width: int | None = None,
    fps: int = DEFAULT_FPS,
    progress: Callable[[float], None] | None = None,
    timeout: float = ENCODE_TIMEOUT_S,
    crf: int = 23,
    preset: str = "veryfast",
    audio_bitrate: str | None = None,
) -> NarratedVideo:
    """Write ``slides`` as a web-ready MP4 (H.264 yuv420p + AAC, ``+faststart``, even size).

    Each slide lasts as :func:`plan_frames` decides (narration, else timing, else
    ``default_seconds``); ``deck_audio`` is one recording laid across the whole deck.
    ``width`` is the video's width (default: the first picture's), the height follows the
    first picture's shape; pictures of another shape are fitted inside with black bars.
    ``progress(fraction)`` goes from 0 to 1. A slide's unreadable narration is skipped with a
    warning; an unreadable ``deck_audio`` raises :class:`UnreadableAudio`. Also raises
    :class:`~.errors.NoSlides`, :class:`~.errors.CorruptFile` (a picture cannot be read),
    :class:`~.errors.ConversionTimeout` and :class:`~.video.MissingFfmpeg`.
    """
    if not slides:
        raise NoSlides()
    out_mp4 = Path(out_mp4)
    out_mp4.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    deadline = time.monotonic() + timeout

    def remaining(step: str) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConversionTimeout(_TIMEOUT_MESSAGE, detail=f"narrated video: {step}")
        return left

    def report(fraction: float) -> None:
        if progress is not None:
            progress(round(min(1.0, max(0.0, fraction)), 3))

    # Pillow reads only the headers (~0.1 ms each): a missing or broken picture is named now
    # rather than as an ffmpeg failure after the sound has been decoded.
    headers = [_image_header(Path(s.image)) for s in slides]
    first_w, first_h, _fmt = headers[0]
    out_w = _even(width or first_w)
    out_h = _even(out_w * first_h / first_w)
    warnings: list[str] = []
    skipped: list[int] = []
    report(0.0)

    with tempfile.TemporaryDirectory(prefix="elearn-narrated-", dir=out_mp4.parent) as tmp:
        work = Path(tmp)
        # 1. Sound: decode every narration (two at a time: one ffmpeg per core).
        deck_pcm: _Pcm | None = None
        pcms: list[_Pcm | None] = [None] * len(slides)
        if deck_audio is not None:
            deck_pcm = decode_audio(deck_audio, work / "deck.raw", timeout=remaining("sound"))
            ignored = [i for i, s in enumerate(slides) if s.narration is not None]
            if ignored:
                warnings.append(
                    "The recording for the whole deck was used; the sound of "
                    f"{len(ignored)} slide(s) was left out."
                )
        else:
            jobs = {i: s.narration for i, s in enumerate(slides) if s.narration is not None}
            with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
                futures = {
                    i: pool.submit(
                        decode_audio, path, work / f"n{i:04d}.raw", timeout=remaining("sound")
                    )
                    for i, path in jobs.items()
                }
                for done, (i, future) in enumerate(futures.items(), start=1):
                    try:
                        pcms[i] = future.result()
                    except UnreadableAudio as exc:
                        skipped.append(i)
                        name = slides[i].number or i + 1
                        # Plain words for the trainer; ffmpeg's reason goes to the log.
                        warnings.append(
                            f"Slide {name}: its sound ({Path(jobs[i]).name}) could not be read "
                            "and was left out; the slide keeps its timing instead."
                        )
                        logger.info("Narration of slide %s skipped: %s", name, exc.detail)
                    report(0.1 * done / len(futures))

        # 2. Timing.
        frames, why = plan_frames(
            [p.seconds if p else None for p in pcms],
            [s.advance_s for s in slides],
            deck_audio_s=deck_pcm.seconds if deck_pcm else None,
            default_seconds=default_seconds,
            fps=fps,
        )
        starts_frames = [sum(frames[:i]) for i in range(len(frames))]
        total_frames = sum(frames)
        total_s = total_frames / fps
        starts = [f / fps for f in starts_frames]

        # 3. One sound track, sample-exact: each narration at its slide's start, silence
        # between. Raw PCM rather than WAV: no 4 GB limit on a long recording.
        sources = [p for p in [deck_pcm, *pcms] if p is not None]
        channels = max((p.channels for p in sources), default=1)
        track = work / "track.raw"
        total_samples = round(total_s * SAMPLE_RATE)
        with track.open("wb") as dst:
            if deck_pcm is not None:
                written = _copy_pcm(deck_pcm, dst, channels, total_samples)
                _write_silence(dst, total_samples - written, channels)
            else:
                for index, pcm in enumerate(pcms):
                    begin = round(starts_frames[index] / fps * SAMPLE_RATE)
                    end = (
                        round(starts_frames[index + 1] / fps * SAMPLE_RATE)
                        if index + 1 < len(pcms)
                        else total_samples
                    )
                    written = _copy_pcm(pcm, dst, channels, end - begin) if pcm else 0
                    _write_silence(dst, end - begin - written, channels)
                    if pcm:
                        pcm.path.unlink(missing_ok=True)  # keep disk use near one copy
        if deck_pcm is not None:
            deck_pcm.path.unlink(missing_ok=True)

        images = _same_format([Path(s.image) for s in slides], [h[2] for h in headers], work)
        # 4. Pictures: a concat script giving each slide's start; the last picture is listed
        # twice because the concat demuxer ignores the duration of the last entry.
        lines = ["ffconcat version 1.0"]
        for image, count in zip(images, frames, strict=True):
            lines += [_concat_line(image), f"duration {count / fps:.6f}"]
        lines.append(_concat_line(images[-1]))
        script = work / "slides.ffconcat"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")

        # Scale each picture once (before fps repeats it), keep its shape inside the frame,
        # and convert with the BT.709 matrix the output is tagged with (players assume 709
        # for HD; the default 601 conversion shifts colours).
        vf = (
            f"scale={out_w}:{out_h}:force_original_aspect_ratio=decrease:force_divisible_by=2"
            ":out_color_matrix=bt709:out_range=tv,"
            f"pad={out_w}:{out_h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p,"
            "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv,"
            f"fps={fps}"
        )
        keyframes = ",".join(f"{s:.3f}" for s in starts)
        bitrate = audio_bitrate or ("128k" if channels == 2 else "96k")
        partial = work / "narrated.mp4"
        args = [
            "-protocol_whitelist",
            "file",
            "-format_whitelist",
            _IMAGE_FORMAT_WHITELIST,
            "-f",
            "concat",
            "-safe",
            "0",  # absolute paths in a script we wrote ourselves
            "-i",
            str(script),
            "-f",
            "s16le",
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            str(channels),
            "-i",
            str(track),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-vf",
            vf,
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-tune",
            "stillimage",
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "high",
            "-g",
            str(max(1, round(KEYFRAME_EVERY_S * fps))),
            "-force_key_frames",
            keyframes,
            "-c:a",
            "aac",
            "-b:a",
            bitrate,
            "-t",
            f"{total_s:.6f}",
            *WEB_MP4_OUTPUT,
            str(partial),
        ]
        run = _run_ffmpeg(
            args,
            remaining("encode"),
            on_progress_line=_progress_reader(
                total_s, lambda percent: report(0.1 + 0.9 * percent / 100)
            ),
        )
        if run.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            # The 0-byte trap: never report success without a real file.
            raise ConversionError(
                _ENCODE_MESSAGE, detail=f"ffmpeg rc={run.returncode}: {_tail(run.stderr)}"
            )
        try:
            info = probe(partial)
        except ConversionError as exc:
            raise ConversionError(_ENCODE_MESSAGE, detail=f"output: {exc.detail}") from exc
        if info.video_codec != "h264" or info.audio_codec != "aac":
            raise ConversionError(
                _ENCODE_MESSAGE, detail=f"output is {info.video_codec}/{info.audio_codec}"
            )
        os.replace(partial, out_mp4)
    report(1.0)
    return NarratedVideo(
        path=out_mp4,
        width=info.display_width,
        height=info.display_height,
        duration_s=info.duration_s or total_s,
        starts=starts,
        durations=[f / fps for f in frames],
        timing=why,
        fps=fps,
        seconds=time.perf_counter() - started,
        size=out_mp4.stat().st_size,
        skipped_narrations=skipped,
        warnings=warnings,
    )


__all__ = [
    "AUDIO_FORMAT_WHITELIST",
    "DEFAULT_FPS",
    "DEFAULT_SLIDE_SECONDS",
    "NarratedSlide",
    "NarratedVideo",
    "UnreadableAudio",
    "build_narrated_video",
    "decode_audio",
    "plan_frames",
]
