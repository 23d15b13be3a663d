"""Page geometry of the handout layouts, in PDF points (1/72 in), origin bottom left."""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER

PAPER_SIZES = {"a4": A4, "letter": LETTER}

MARGIN_X = 40.0
HEADER_BAND = 52.0  # from the top edge to the content
FOOTER_BAND = 50.0  # from the bottom edge to the content
LABEL_GAP = 12.0  # below each slide: its number
NOTE_LINE_SPACING = 20.0

# (columns, rows) of the slots on a page; layout 3 has one column of slides and note lines.
GRIDS = {"1": (1, 1), "2": (1, 2), "3": (1, 3), "4": (2, 2), "6": (2, 3), "9": (3, 3)}
GAPS = {"1": 0.0, "2": 30.0, "3": 24.0, "4": 22.0, "6": 18.0, "9": 14.0}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.y + self.h

    @property
    def right(self) -> float:
        return self.x + self.w

    def fit(self, width: float, height: float, valign: str = "middle") -> Rect:
        """The largest box of this aspect inside the rect, centred across, placed vertically."""
        scale = min(self.w / width, self.h / height)
        w, h = width * scale, height * scale
        x = self.x + (self.w - w) / 2
        y = {"top": self.top - h, "middle": self.y + (self.h - h) / 2, "bottom": self.y}[valign]
        return Rect(x, y, w, h)


def page_size(paper: str) -> tuple[float, float]:
    return PAPER_SIZES[paper.lower()]


def content_box(paper: str) -> Rect:
    width, height = page_size(paper)
    return Rect(MARGIN_X, FOOTER_BAND, width - 2 * MARGIN_X, height - HEADER_BAND - FOOTER_BAND)


@dataclass(frozen=True)
class Slot:
    """Where one slide goes on a page, and (layout 3) the note lines beside it."""

    slide: Rect
    lines: Rect | None = None


def grid_slots(layout: str, paper: str, aspect: float, order: str = "horizontal") -> list[Slot]:
    """The slots of a slides-per-page layout in reading order (``order`` matters for 4, 6, 9:
    across then down, or down each column first, as PowerPoint offers)."""
    box = content_box(paper)
    columns, rows = GRIDS[layout]
    gap = GAPS[layout]
    cell_h = (box.h - gap * (rows - 1)) / rows
    cells: list[Rect] = []
    if layout == "3":
        # PowerPoint's three-slide handout: slides on the left, lines for notes on the right.
        width = box.w * 0.5
        for row in range(rows):
            y = box.top - (row + 1) * cell_h - row * gap
            cells.append(Rect(box.x, y + LABEL_GAP, width, cell_h - LABEL_GAP))
        slots = []
        for cell in cells:
            slide = cell.fit(aspect, 1.0, "top")
            lines = Rect(box.x + width + 18, slide.y, box.w - width - 18, slide.h)
            slots.append(Slot(Rect(box.x, slide.y, slide.w, slide.h), lines))
        return slots
    cell_w = (box.w - gap * (columns - 1)) / columns
    positions = [(c, r) for r in range(rows) for c in range(columns)]
    if order == "vertical":
        positions = [(c, r) for c in range(columns) for r in range(rows)]
    for column, row in positions:
        x = box.x + column * (cell_w + gap)
        y = box.top - (row + 1) * cell_h - row * gap
        cell = Rect(x, y + LABEL_GAP, cell_w, cell_h - LABEL_GAP)
        cells.append(cell)
    return [Slot(cell.fit(aspect, 1.0, "middle")) for cell in cells]


def notes_slot(paper: str, aspect: float) -> tuple[Slot, Rect]:
    """A notes page: the slide across the top, then the notes frame below it."""
    box = content_box(paper)
    area = Rect(box.x + box.w * 0.08, box.top - box.h * 0.46, box.w * 0.84, box.h * 0.46)
    slide = area.fit(aspect, 1.0, "top")
    notes = Rect(box.x, box.y, box.w, slide.y - LABEL_GAP - 18 - box.y)
    return Slot(slide), notes


def pages_needed(count: int, layout: str) -> int:
    """Pages a grid layout takes for ``count`` slides: ceil(n/k)."""
    columns, rows = GRIDS[layout]
    return max(1, math.ceil(count / (columns * rows)))
