"""Dataclasses the conversion core hands back: plain data, no ORM, safe to pickle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Placeholder types (p:ph type) of a slide's furniture: the slide number, the date and the
# footer. PowerPoint leaves them out of its outline; as slide text they read "7", "Page 3"
# or the organisation's name on every slide, for screen readers and search alike.
FURNITURE_PLACEHOLDERS = frozenset({"sldNum", "dt", "ftr"})


@dataclass
class MediaFile:
    """An audio or video file embedded in a slide, copied out to ``path``."""

    name: str
    path: Path
    content_type: str
    kind: str  # "audio" or "video"
    size: int = 0


@dataclass
class Hyperlink:
    """A link found on a slide; recorded only, never fetched."""

    text: str
    url: str


@dataclass
class SlideContent:
    """What a slide says, in reading order; ``number`` is 1-based in PowerPoint's order."""

    number: int
    title: str = ""
    paragraphs: list[tuple[int, str]] = field(default_factory=list)  # (level, text)
    tables: list[list[list[str]]] = field(default_factory=list)  # table → rows → cell texts
    hyperlinks: list[Hyperlink] = field(default_factory=list)
    alt_texts: list[str] = field(default_factory=list)
    notes: str = ""
    hidden: bool = False
    advance_after_ms: int | None = None
    media: list[MediaFile] = field(default_factory=list)

    def plain_text(self) -> str:
        """Everything a learner could search for on this slide, one item per line."""
        lines = [self.title] if self.title else []
        lines += [text for _level, text in self.paragraphs]
        lines += [" ".join(c for c in row if c) for table in self.tables for row in table]
        lines += self.alt_texts
        if self.notes:
            lines.append(self.notes)
        return "\n".join(line for line in lines if line.strip())


@dataclass
class DeckContent:
    """A deck's text and structure; slide sizes in EMU (914400 per inch, 12700 per PDF point)."""

    slide_width: int
    slide_height: int
    slides: list[SlideContent] = field(default_factory=list)
    title: str = ""

    @property
    def slide_count(self) -> int:
        return len(self.slides)

    @property
    def media(self) -> list[MediaFile]:
        return [m for s in self.slides for m in s.media]


@dataclass
class RenderedPage:
    """One slide image set: ``files`` maps width in px to an image file."""

    number: int
    width: int  # px of the largest image
    height: int
    files: dict[int, Path] = field(default_factory=dict)
    thumbnail: Path | None = None


@dataclass
class Prepared:
    """A checked, decrypted, normalised input ready for :func:`extract_text` and :func:`render`.

    ``format`` is the detected format of the upload; ``pptx_path`` is a transitional .pptx
    python-pptx can read (None for PDF input); ``render_source`` is what LibreOffice converts
    (the original for .ppt/.odp/Strict decks, which it reads more faithfully than our copy);
    ``pdf_path`` is set for PDF uploads.
    """

    source: Path
    format: str
    workdir: Path
    pptx_path: Path | None = None
    render_source: Path | None = None
    pdf_path: Path | None = None
    strict: bool = False
    decrypted: bool = False
    seconds: float = 0.0
    slide_count: int | None = None  # slides listed in pptx_path, counted while it was checked


@dataclass
class RenderResult:
    """The deck PDF (kept for handouts) and the slide images made from it."""

    pdf_path: Path
    pages: list[RenderedPage]
    fmt: str
    soffice_seconds: float = 0.0
    raster_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def page_count(self) -> int:
        return len(self.pages)
