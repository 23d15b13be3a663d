"""Draw a handout's own pages with reportlab: covers, contents, headers and footers, frames,
note lines, notes, outlines and articles. Vector slides are not drawn here: each slide's place
is recorded as a :class:`Placement` and :mod:`.impose` puts the deck PDF's page there.

Everything is drawn twice: the first pass counts pages (and finds where each part starts for
the contents), the second prints "page X of Y" and the contents' page numbers with those
counts. Layout never depends on the numbers, so both passes break pages alike.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from ..names import join_names
from . import layouts
from .fonts import FontBook
from .layouts import NOTE_LINE_SPACING, Rect
from .markup import INK, MUTED, RULE, Styles, article_flowables, article_texts
from .sources import (
    SLIDES_PER_PAGE,
    ArticleSource,
    DeckSource,
    HandoutOptions,
    Part,
    SlideSource,
    SourceMissing,
)

# Binary Flate streams: ASCII85 on top only adds 25% and, without reportlab's optional C
# accelerator, a tenth of a second per 200 pages.
rl_config.useA85 = 0

FRAME = colors.HexColor("#8a94a3")
LINE = colors.HexColor("#b8c0cc")


@dataclass(frozen=True)
class Placement:
    """Put page ``slide`` (1-based) of deck ``deck``'s PDF into ``rect`` on output page
    ``page`` (0-based)."""

    page: int
    deck: int
    slide: int
    rect: Rect


@dataclass
class Overlay:
    """The drawn pages (a PDF in memory) and where vector slides go on them."""

    pdf: bytes
    pages: int
    placements: list[Placement] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # first page (1-based) of each part


def document_texts(parts: list[Part], options: HandoutOptions) -> Iterable[str]:
    """Every string the handout may print, so the fonts hold every glyph before drawing."""
    labels = options.labels
    yield from (options.course_title, options.lecture_title, options.organisation)
    yield from (options.recipient, str(options.date), *options.trainers, options.notice)
    yield from (labels.page, labels.contents, labels.trainers, labels.prepared_for)
    yield from (labels.handouts, labels.slide, labels.notes, labels.hidden)
    for part in parts:
        yield part.section
        if isinstance(part, DeckSource):
            yield part.title
            for slide in part.slides:
                yield slide.title
                yield slide.notes
                yield from (text for _level, text in slide.paragraphs)
                yield from (str(c) for table in slide.tables for row in table for c in row)
        else:
            yield from article_texts(part)


class Composer:
    """Draws one pass of the overlay document."""

    def __init__(
        self,
        parts: list[Part],
        options: HandoutOptions,
        fonts: FontBook,
        *,
        total: int | None = None,
        starts: list[int] | None = None,
        slide_sizes: dict[int, tuple[float, float]] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.parts = parts
        self.options = options
        self.fonts = fonts
        self.styles = Styles(fonts)
        self.total = total
        self.known_starts = starts
        self.slide_sizes = slide_sizes or {}
        self.progress = progress
        self.width, self.height = layouts.page_size(options.paper)
        self.box = layouts.content_box(options.paper)
        self.buffer = io.BytesIO()
        # invariant=1: no creation date or random ID, so equal inputs give equal bytes.
        self.canvas = Canvas(
            self.buffer,
            pagesize=(self.width, self.height),
            invariant=1,
            pageCompression=1,
            # reportlab's page preamble otherwise names Helvetica, which is never embedded.
            initialFontName=f"{fonts.latin}-regular",
        )
        self.canvas.setTitle(options.course_title or options.lecture_title)
        self.page = 0  # pages finished
        self.header_right = ""
        self.placements: list[Placement] = []
        self.starts: list[int] = []

    # Page furniture --------------------------------------------------------------------------

    def _text(self, x, y, text, size, *, bold=False, colour=INK, align="left", max_w=None):
        if not text:
            return
        fonts = self.fonts
        if max_w is not None:
            # Long titles in a header shrink, then lose their end, rather than overlap; measured
            # in the fonts of the runs they are drawn in.
            while size > 6.5 and fonts.string_width(text, size, bold) > max_w:
                size -= 0.5
            while len(text) > 1 and fonts.string_width(text, size, bold) > max_w:
                text = text[:-2] + "…"
        self.canvas.setFillColor(colour)
        fonts.draw_string(self.canvas, x, y, text, size, bold, align)

    def start_page(self, furniture: bool = True) -> None:
        if not furniture:
            return
        options, canvas = self.options, self.canvas
        left = self.box.x
        right = self.box.right
        top = self.height - 34
        half = self.box.w / 2 - 8
        self._text(left, top, options.course_title, 9, bold=True, max_w=half)
        self._text(right, top, self.header_right, 9, colour=MUTED, align="right", max_w=half)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, top - 7, right, top - 7)
        canvas.line(left, 38, right, 38)
        footer_left = " · ".join(
            filter(None, [options.organisation, options.date.isoformat() if options.date else ""])
        )
        third = self.box.w / 3 - 8
        self._text(left, 26, footer_left, 8, colour=MUTED, max_w=third)
        if options.recipient:
            self._text(
                self.width / 2, 26, options.recipient, 8, colour=MUTED, align="centre", max_w=third
            )
        number = self.page + 1
        total = self.total if self.total is not None else 0
        label = options.labels.page % {"page": number, "pages": total}
        self._text(right, 26, label, 8, colour=MUTED, align="right", max_w=third)

    def end_page(self) -> None:
        self.canvas.showPage()
        self.page += 1

    def blank_page(self) -> None:
        self.start_page(furniture=False)
        self.end_page()

    def right_hand_start(self) -> None:
        """Duplex: the next page must be odd-numbered (a right-hand page)."""
        if self.options.duplex and self.page % 2 == 1:
            self.blank_page()

    # Flowing text ----------------------------------------------------------------------------

    def flow(self, flowables: list[Flowable], first_frame: Rect | None = None) -> None:
        """Lay flowables out over as many pages as they need; the first page may offer a
        smaller frame (below a slide), later pages the whole content box."""
        queue = list(flowables)
        rect = first_frame or self.box
        if first_frame is None:
            self.start_page()
        frame = self._frame(rect)
        while queue:
            flowable = queue.pop(0)
            if frame.add(flowable, self.canvas):
                continue
            parts = frame.split(flowable, self.canvas)
            if parts and frame.add(parts[0], self.canvas):
                queue[0:0] = parts[1:]
                continue
            if frame._atTop and rect == self.box:
                continue  # taller than a whole page and unsplittable: leave it out, not loop
            queue.insert(0, flowable)
            self.end_page()
            self.start_page()
            rect = self.box
            frame = self._frame(rect)
        self.end_page()

    @staticmethod
    def _frame(rect: Rect) -> Frame:
        return Frame(
            rect.x,
            rect.y,
            rect.w,
            rect.h,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            showBoundary=0,
        )

    # Slides ----------------------------------------------------------------------------------

    def _aspect(self, index: int, deck: DeckSource) -> float:
        width, height = self.slide_sizes.get(index, deck.slide_size)
        return width / height if height else 16 / 9

    def _slide(self, index: int, deck: DeckSource, slide: SlideSource, rect: Rect) -> None:
        canvas = self.canvas
        if deck.pdf_path is not None:
            self.placements.append(Placement(self.page, index, slide.number, rect))
        elif slide.image_path is not None:
            if not slide.image_path.exists():
                raise SourceMissing(
                    f"The image of slide {slide.number} of “{deck.title}” is missing; convert the deck again.",
                    detail=str(slide.image_path),
                )
            canvas.drawImage(str(slide.image_path), rect.x, rect.y, rect.w, rect.h)
        else:
            self._slide_text_box(slide, rect)
        canvas.setStrokeColor(FRAME)
        canvas.setLineWidth(0.5)
        canvas.rect(rect.x, rect.y, rect.w, rect.h)
        label = str(slide.number)
        if slide.hidden:
            label += f" ({self.options.labels.hidden})"
        self._text(rect.x, rect.y - 9, label, 7, colour=MUTED)

    def _slide_text_box(self, slide: SlideSource, rect: Rect) -> None:
        """A deck that was never rendered still prints: its title and text in the frame."""
        scale = rect.w / 720
        pad = 24 * scale
        items: list[Flowable] = []
        title_size = max(5.0, 28 * scale)
        items.append(
            self.styles.paragraph(
                self.styles.get("slide", slide.title).clone(
                    "box-title", fontSize=title_size, leading=title_size * 1.2
                ),
                slide.title,
            )
        )
        body = max(4.0, 16 * scale)
        for level, text in slide.paragraphs:
            style = self.styles.get("body", text, indent=level * 14 * scale).clone(
                "box-body", fontSize=body, leading=body * 1.25, spaceAfter=0
            )
            items.append(self.styles.paragraph(style, text, bulletText="•"))
        frame = Frame(rect.x + pad, rect.y + pad, rect.w - 2 * pad, rect.h - 2 * pad, 0, 0, 0, 0)
        frame.addFromList(items, self.canvas)  # what does not fit is left off, as on a slide

    def _note_lines(self, rect: Rect) -> None:
        canvas = self.canvas
        canvas.setStrokeColor(LINE)
        canvas.setLineWidth(0.5)
        y = rect.top - NOTE_LINE_SPACING
        while y >= rect.y - 0.01:
            canvas.line(rect.x, y, rect.right, y)
            y -= NOTE_LINE_SPACING

    def deck_pages(self, index: int, deck: DeckSource) -> None:
        options = self.options
        slides = deck.selected(options.include_hidden)
        self.header_right = deck.title or options.lecture_title
        aspect = self._aspect(index, deck)
        if options.layout == "outline":
            self.flow(self._outline(deck, slides))
            return
        if options.layout == "notes":
            for slide in slides:
                self._notes_page(index, deck, slide, aspect)
            return
        slots = layouts.grid_slots(options.layout, options.paper, aspect, options.order)
        per_page = SLIDES_PER_PAGE[options.layout]
        chunks = [slides[i : i + per_page] for i in range(0, len(slides), per_page)] or [[]]
        for chunk in chunks:
            self.start_page()
            for slot, slide in zip(slots, chunk, strict=False):
                self._slide(index, deck, slide, slot.slide)
                if slot.lines is not None:
                    self._note_lines(slot.lines)
            self.end_page()
            self._tick()

    def _notes_page(self, index, deck, slide, aspect) -> None:
        slot, notes_rect = layouts.notes_slot(self.options.paper, aspect)
        self.start_page()
        self._slide(index, deck, slide, slot.slide)
        if slide.notes.strip():
            paragraphs = [
                self.styles.para("body", line) for line in slide.notes.splitlines() if line.strip()
            ]
            self.flow(paragraphs, first_frame=notes_rect)
        else:
            self._note_lines(notes_rect)
            self.end_page()
        self._tick()

    def _outline(self, deck: DeckSource, slides: list[SlideSource]) -> list[Flowable]:
        styles = self.styles
        items: list[Flowable] = [styles.para("title", deck.title)]
        for slide in slides:
            title = slide.title or self.options.labels.slide % {"number": slide.number}
            items.append(styles.para("slide", f"{slide.number}. {title}"))
            for level, text in slide.paragraphs:
                style = styles.get("body", text, indent=14 + 16 * level)
                items.append(styles.paragraph(style, text, bulletText="•"))
            for table in slide.tables:
                for row in table:
                    text = " | ".join(str(c) for c in row if c)
                    items.append(styles.para("body", text, indent=14))
        return items

    def _tick(self) -> None:
        if self.progress is not None and self.total:
            self.progress(self.page, self.total)

    # Covers, contents, articles --------------------------------------------------------------

    def cover(self, recipient: str | None = None) -> None:
        options, canvas, labels = self.options, self.canvas, self.options.labels
        recipient = options.recipient if recipient is None else recipient
        self.start_page(furniture=False)
        box = self.box
        self._text(box.x, self.height - 90, options.organisation, 12, bold=True, colour=MUTED)
        canvas.setStrokeColor(colors.HexColor("#0b5cad"))
        canvas.setLineWidth(3)
        canvas.line(box.x, self.height - 104, box.x + 80, self.height - 104)
        title = options.course_title or options.lecture_title
        flowables: list[Flowable] = [
            self.styles.paragraph(
                self.styles.get("title", title).clone("cover-title", fontSize=30, leading=38),
                title,
            ),
            Spacer(1, 8),
            self.styles.para("summary", labels.handouts),
        ]
        if options.trainers:
            trainers = join_names(options.trainers)
            flowables.append(self.styles.para("body", labels.trainers % {"names": trainers}))
        if options.date:
            flowables.append(self.styles.para("body", options.date.isoformat()))
        frame = Frame(box.x, self.height * 0.35, box.w, self.height * 0.5, 0, 0, 0, 0)
        frame.addFromList(flowables, canvas)
        if recipient:
            self._text(box.x, self.height * 0.22, labels.prepared_for, 11, colour=MUTED)
            self._text(box.x, self.height * 0.22 - 26, recipient, 20, bold=True, max_w=box.w)
        if options.notice:
            # Below the recipient's name, above the bottom margin; a notice too long for the
            # space shrinks rather than runs off the page.
            notice = self.styles.para("summary", options.notice)
            height = self.height * 0.22 - 48 - box.y
            frame = Frame(box.x, box.y, box.w, height, 0, 0, 0, 0)
            frame.addFromList([KeepInFrame(box.w, height, [notice], mode="shrink")], canvas)
        self.end_page()

    def contents(self) -> None:
        styles = self.styles
        self.header_right = self.options.labels.contents
        rows = []
        commands = [
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ("FONTNAME", (0, 0), (-1, -1), f"{self.fonts.latin}-regular"),
            ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ]
        section = None
        for number, part in enumerate(self.parts):
            if part.section and part.section != section:
                section = part.section
                commands.append(("TOPPADDING", (0, len(rows)), (-1, len(rows)), 10))
                rows.append([styles.para("h4", section), ""])
            page = self.known_starts[number] if self.known_starts else 0
            indent = 12 if part.section else 0
            rows.append([styles.para("body", part.title, indent=indent), str(page)])
        flowables: list[Flowable] = [styles.para("title", self.options.labels.contents)]
        if rows:
            flowables.append(
                RLTable(
                    rows,
                    colWidths=[self.box.w - 48, 48],
                    style=TableStyle(commands),
                    hAlign="LEFT",
                )
            )
        self.flow(flowables)

    def article_pages(self, article: ArticleSource) -> None:
        self.header_right = article.title
        self.flow(article_flowables(article, self.styles, self.box.w, self.box.h))
        self._tick()

    # The whole document ----------------------------------------------------------------------

    def compose(self, *, cover: bool, contents: bool) -> Overlay:
        if cover:
            self.cover()
        if contents:
            self.right_hand_start()
            self.contents()
        for index, part in enumerate(self.parts):
            if cover or index:
                self.right_hand_start()
            self.starts.append(self.page + 1)
            if isinstance(part, DeckSource):
                self.deck_pages(index, part)
            else:
                self.article_pages(part)
        self.canvas.setAuthor(self.options.organisation)
        self.canvas.setCreator("elearn")
        self.canvas.save()
        return Overlay(self.buffer.getvalue(), self.page, self.placements, self.starts)


def compose_covers(recipients: list[str], options: HandoutOptions, fonts: FontBook) -> bytes:
    """One cover page per recipient, in one document (fonts embedded once)."""
    composer = Composer([], options, fonts)
    for name in recipients:
        composer.cover(recipient=name)
    composer.canvas.save()
    return composer.buffer.getvalue()


def compose(
    parts: list[Part],
    options: HandoutOptions,
    *,
    cover: bool,
    contents: bool,
    slide_sizes: dict[int, tuple[float, float]],
    progress=None,
    extra_texts: Iterable[str] = (),
) -> tuple[Overlay, FontBook]:
    """Both passes: count pages and part starts, then draw with the real numbers."""
    fonts = FontBook.for_texts([*document_texts(parts, options), *extra_texts])
    first = Composer(parts, options, fonts, slide_sizes=slide_sizes).compose(
        cover=cover, contents=contents
    )
    final = Composer(
        parts,
        options,
        fonts,
        total=first.pages,
        starts=first.starts,
        slide_sizes=slide_sizes,
        progress=progress,
    ).compose(cover=cover, contents=contents)
    if final.pages != first.pages:  # pragma: no cover - layout must not depend on numbers
        raise RuntimeError(f"page count changed between passes: {first.pages} → {final.pages}")
    return final, fonts
