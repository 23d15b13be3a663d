"""What a handout is made from: plain dataclasses the ORM layer fills, and the options.

Nothing here touches Django or the database, so a task, a command, a benchmark and the tests
build handouts the same way, and equal inputs give byte-equal PDFs (a content hash of the
inputs can key a cache of outputs).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

from ..conversion.errors import gettext_noop

LAYOUTS = ("1", "2", "3", "4", "6", "9", "notes", "outline")
"""PowerPoint's handout layouts: slides per page, notes pages, or an outline of the text."""

SLIDES_PER_PAGE = {"1": 1, "2": 2, "3": 3, "4": 4, "6": 6, "9": 9, "notes": 1}
PAPERS = ("A4", "letter")
ORDERS = ("horizontal", "vertical")

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as pages are laid out and slides placed."""


class HandoutError(Exception):
    """A handout cannot be built from these sources; ``message`` is fit for a trainer."""

    code = "handout_error"

    def __init__(self, message: str, *, detail: str = "") -> None:
        self.message = message
        self.detail = detail
        super().__init__(message)


class SourceMissing(HandoutError):
    """A deck's PDF or slide image is not where the source says (not converted, or deleted)."""

    code = "source_missing"


@dataclass
class SlideSource:
    """One slide: ``number`` is 1-based in PowerPoint's order and is also the page of the deck
    PDF that shows it (LibreOffice exports hidden slides too, so the two always agree)."""

    number: int
    title: str = ""
    paragraphs: list[tuple[int, str]] = field(default_factory=list)  # (level, text)
    tables: list[list[list[str]]] = field(default_factory=list)
    notes: str = ""
    hidden: bool = False
    image_path: Path | None = None  # used only when the deck has no PDF


@dataclass
class DeckSource:
    """A lecture's deck. With ``pdf_path`` slides are placed as vector pages; without it, each
    slide's ``image_path`` is drawn, or, failing that, a box with its text."""

    title: str  # the lecture's title, printed in the header
    slides: list[SlideSource]
    pdf_path: Path | None = None
    slide_size: tuple[float, float] = (720.0, 405.0)  # points; the PDF's own size wins
    section: str = ""  # the course section, shown in the table of contents

    def selected(self, include_hidden: bool) -> list[SlideSource]:
        return [s for s in self.slides if include_hidden or not s.hidden]


@dataclass
class Heading:
    text: str
    level: int = 2  # 2, 3 or 4, as in the article's HTML


@dataclass
class RichText:
    """A paragraph block: HTML with p, b/strong, i/em, a, br, sup, ul/ol/li, hr, h2–h4."""

    html: str


@dataclass
class Picture:
    path: Path
    alt: str = ""
    caption: str = ""


@dataclass
class Table:
    rows: list[list[str]]
    header_row: bool = True
    header_col: bool = False
    caption: str = ""


@dataclass
class Quote:
    text: str
    attribution: str = ""


Block = Heading | RichText | Picture | Table | Quote


@dataclass
class ArticleSource:
    """A theory article (or a lecture's written part) laid out for print."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    summary: str = ""
    section: str = ""


Part = DeckSource | ArticleSource


@dataclass
class Labels:
    """Every word the core prints itself, so the Django layer can pass translated ones.
    ``page`` is formatted with ``%(page)s`` and ``%(pages)s``, ``trainers`` with ``%(names)s``
    (the colon is the language's: Chinese writes a full-width one with no space)."""

    page: str = gettext_noop("Page %(page)s of %(pages)s")
    contents: str = gettext_noop("Contents")
    trainers: str = gettext_noop("Trainers: %(names)s")
    prepared_for: str = gettext_noop("Prepared for")
    handouts: str = gettext_noop("Handouts")
    slide: str = gettext_noop("Slide %(number)s")
    notes: str = gettext_noop("Notes")
    hidden: str = gettext_noop("hidden")


@dataclass
class HandoutOptions:
    """How to print: layout, paper, order, what to include, and the header and footer text.

    ``date`` is printed and written into the PDF's metadata; it defaults to today, so pass it
    explicitly when output must be reproducible (a cache keyed on the inputs)."""

    layout: str = "6"
    paper: str = "A4"
    order: str = "horizontal"  # 4, 6 and 9 per page: across then down, or down then across
    include_hidden: bool = False
    duplex: bool = False  # start each lecture on a right-hand (odd) page
    course_title: str = ""
    lecture_title: str = ""  # header of a single deck's handout; course sets use each part's
    organisation: str = ""
    date: datetime.date | None = None
    recipient: str = ""  # a member's or branch's name on the cover
    trainers: list[str] = field(default_factory=list)
    cover: bool = False  # a cover page (course sets and roster copies always have one)
    # A sentence for the foot of the cover, e.g. which lectures the set leaves out and why:
    # paper passed on without the admin page that said so still tells its reader.
    notice: str = ""
    labels: Labels = field(default_factory=Labels)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {self.layout!r}")
        if self.paper.lower() not in {p.lower() for p in PAPERS}:
            raise ValueError(f"paper must be A4 or letter, not {self.paper!r}")
        if self.order not in ORDERS:
            raise ValueError(f"order must be horizontal or vertical, not {self.order!r}")
        if self.date is None:
            self.date = datetime.date.today()


def _jsonable(value):
    if is_dataclass(value):
        return {"type": type(value).__name__, **_jsonable(asdict(value))}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def inputs_digest(parts: list[Part], options: HandoutOptions, extra: object = None) -> str:
    """SHA-256 over the sources and options (not file contents: the caller adds the deck and
    image hashes it already stores, via ``extra``). Equal digests give byte-equal PDFs."""
    payload = json.dumps(
        {"parts": _jsonable(parts), "options": _jsonable(options), "extra": _jsonable(extra)},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
