"""Captions, subtitles and chapters: WebVTT and SRT in, WebVTT (and plain text) out.

Plain Python, no Django. Trainers upload whatever their tool exported: SRT from a subtitle
editor (often Windows line ends, a byte-order mark, sometimes UTF-16 or Windows-1252, lax
timestamps such as ``00:00:5,000``) or WebVTT. We keep one form, WebVTT, which browsers'
``<track>`` plays, and each cue's plain text for search indexing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ConversionError, gettext_noop

MAX_CAPTION_BYTES = 5 * 1024 * 1024  # a 3-hour film's subtitles are ~200 KB


class BadCaptions(ConversionError):
    """The file is not a WebVTT or SRT captions file, or has no readable cues."""

    code = "bad_captions"
    default_message = gettext_noop(
        "This file is not a captions file we can read. Upload WebVTT (.vtt) or SubRip (.srt) "
        "captions, saved as UTF-8 text."
    )


_NO_CUES_MESSAGE = gettext_noop(
    "This captions file has no cues with times we can read. Each cue needs a line such as "
    "00:00:01.000 --> 00:00:04.000 followed by its text."
)
_TOO_LARGE_MESSAGE = gettext_noop(
    "This captions file is too large (over 5 MB). Check that it is a captions file."
)

# Hours optional and of any width; minutes/seconds of one or two digits; "," (SRT) or "."
# (WebVTT) before the milliseconds, which may have 1-3 digits (as some tools write them).
_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_TIMING_RE = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?P<settings>.*)$")
_TAG_RE = re.compile(r"<[^>]*>")
_ASS_OVERRIDE_RE = re.compile(r"\{\\[^}]*\}")  # {\an8}, {\i1}: SSA codes some SRT files carry
_NON_VTT_TAG_RE = re.compile(r"</?(?!(?:b|i|u|c|v|lang|ruby|rt)\b)[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class Cue:
    """One timed cue. ``text`` keeps WebVTT markup (<b>, <i>, <v Speaker>); see :attr:`plain`."""

    start_s: float
    end_s: float
    text: str
    identifier: str = ""
    settings: str = ""  # WebVTT cue settings, e.g. "line:0 align:start"

    @property
    def plain(self) -> str:
        """The text without tags or SSA codes, entities decoded: for search and transcripts."""
        text = _ASS_OVERRIDE_RE.sub("", self.text)
        text = _TAG_RE.sub("", text)
        return html.unescape(text).replace("\u200e", "").replace("\u200f", "").strip()


def _decode(data: bytes) -> str:
    """Bytes to text: BOMs (UTF-8, UTF-16 LE/BE), BOM-less UTF-16, then UTF-8, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace").lstrip("\ufeff")
    # UTF-16 without a BOM: ASCII-heavy text then has a NUL in every other byte.
    sample = data[:200]
    if sample and sample.count(0) > len(sample) // 4:
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        return data.decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Older Windows subtitle tools write the ANSI code page; cp1252 never fails on Latin.
        return data.decode("cp1252", "replace")


def _read(source: str | bytes | Path) -> str:
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and "-->" not in source
    ):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_CAPTION_BYTES:
                raise BadCaptions(_TOO_LARGE_MESSAGE, detail=f"{path.name}: {size} bytes")
            data = path.read_bytes()
        except OSError as exc:
            raise BadCaptions(detail=f"cannot read {source!r}: {exc}") from exc
        return _decode(data)
    if isinstance(source, bytes):
        if len(source) > MAX_CAPTION_BYTES:
            raise BadCaptions(_TOO_LARGE_MESSAGE, detail=f"{len(source)} bytes")
        return _decode(source)
    return source.lstrip("\ufeff")


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str | None) -> float:
    fraction = int(millis.ljust(3, "0")) / 1000 if millis else 0.0
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + fraction


def detect_format(text: str) -> str:
    """ "vtt" or "srt" from the content (never from the file name)."""
    first = text.lstrip("\ufeff").lstrip(" \t").split("\n", 1)[0]
    if first.startswith("WEBVTT") and (len(first) == 6 or first[6] in " \t"):
        return "vtt"
    if "-->" in text:
        return "srt"
    raise BadCaptions(detail="no WEBVTT header and no '-->' timing lines")


def parse_captions(source: str | bytes | Path) -> list[Cue]:
    """Parse WebVTT or SRT (captions, subtitles, descriptions or chapters) into cues.

    ``source`` is a path (``Path``, or a one-line ``str``), the file's bytes, or its text.
    The format is recognised from the content. Cues whose times cannot be read, or that end
    before they start, are skipped; a file with none left raises :class:`BadCaptions`.
    """
    text = _read(source)
    if "\x00" in text:
        raise BadCaptions(detail="binary data (NUL bytes)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind = detect_format(text)
    blocks = re.split(r"\n[ \t]*\n", text.strip("\n"))
    if kind == "vtt":
        blocks = blocks[1:]  # the WEBVTT header block, with any header lines under it
    cues: list[Cue] = []
    for block in blocks:
        lines = block.split("\n")
        if kind == "vtt" and lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing_at is None or timing_at > 1:
            continue  # stray text between cues: SRT files from the wild have some
        match = _TIMING_RE.match(lines[timing_at])
        if not match:
            continue
        groups = match.groups()
        start = _seconds(*groups[0:4])
        end = _seconds(*groups[4:8])
        if end < start:
            continue
        payload = "\n".join(line.rstrip() for line in lines[timing_at + 1 :]).strip("\n")
        identifier = lines[0].strip() if timing_at == 1 else ""
        settings = match.group("settings").strip() if kind == "vtt" else ""
        cues.append(Cue(start, end, payload, identifier, settings))
    if not cues:
        raise BadCaptions(_NO_CUES_MESSAGE, detail=f"{kind}: {len(blocks)} blocks, no cues")
    return cues


def format_timestamp(seconds: float) -> str:
    """WebVTT timestamp ``HH:MM:SS.mmm``."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _vtt_payload(text: str) -> str:
    # SRT carries <font color=...> and {\an8}: not WebVTT; a blank line or "-->" inside a cue
    # would end it early or start a bogus one.
    text = _ASS_OVERRIDE_RE.sub("", text)
    text = _NON_VTT_TAG_RE.sub("", text)
    text = text.replace("-->", "--&gt;")
    lines = [line for line in text.split("\n") if line.strip()]
    return "\n".join(lines)


def to_webvtt(cues: list[Cue]) -> str:
    """Serialise cues as a WebVTT file (identifiers and cue settings kept)."""
    parts = ["WEBVTT", ""]
    for cue in cues:
        if cue.identifier and "-->" not in cue.identifier:
            parts.append(cue.identifier)
        timing = f"{format_timestamp(cue.start_s)} --> {format_timestamp(cue.end_s)}"
        parts.append(f"{timing} {cue.settings}".rstrip())
        payload = _vtt_payload(cue.text)
        if payload:
            parts.append(payload)
        parts.append("")
    return "\n".join(parts)


def srt_to_vtt(text: str | bytes) -> str:
    """Convert SubRip text (or bytes, any of the encodings above) to WebVTT."""
    return to_webvtt(parse_captions(text if isinstance(text, bytes) else _as_text(text)))


def _as_text(text: str) -> str:
    # A one-line string would be taken for a path by parse_captions; SRT text always has "-->".
    if "-->" not in text:
        raise BadCaptions(_NO_CUES_MESSAGE, detail="no '-->' timing lines")
    return text


def cues_as_rows(cues: list[Cue]) -> list[list]:
    """``[[start, end, plain text], ...]``: the JSON form stored beside a caption track."""
    return [[round(c.start_s, 3), round(c.end_s, 3), c.plain] for c in cues]


__all__ = [
    "BadCaptions",
    "Cue",
    "cues_as_rows",
    "detect_format",
    "format_timestamp",
    "parse_captions",
    "srt_to_vtt",
    "to_webvtt",
]
