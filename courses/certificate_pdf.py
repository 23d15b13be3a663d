"""A certificate of completion as a one-page PDF: pure drawing, no database.

The caller passes every string already translated; the page embeds Carlito and a subset of
Noto Sans CJK SC (the handouts' FontBook), so Chinese names and course titles print on any
printer, and a QR code leads to the public verification page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from .handouts.fonts import FontBook

INK = HexColor("#1f2933")
ACCENT = HexColor("#1d4e89")
MUTED = HexColor("#52606d")


@dataclass(frozen=True)
class CertificateText:
    """Everything the certificate prints, in the reader's language."""

    heading: str  # "Certificate of completion"
    lead: str  # "This certifies that"
    name: str
    completed: str  # "has completed the course"
    course: str
    date_label: str
    date: str
    trainers_label: str
    trainers: str
    organisation: str
    code_label: str
    code: str
    verify_url: str
    title: str  # PDF metadata title

    def strings(self) -> list[str]:
        return [str(value) for value in self.__dict__.values()]


# Every width is measured as FontBook.draw_string sets the line: Latin runs in Carlito, CJK
# runs in Noto Sans CJK (FontBook.runs), so a line measured to fit is drawn to fit.


def _fit(fonts: FontBook, text: str, bold: bool, size: float, width: float, minimum: float):
    while size > minimum and fonts.string_width(text, size, bold) > width:
        size -= 0.5
    return size


def _split(fonts: FontBook, text: str, bold: bool, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width``: at spaces for Latin text, anywhere for
    Chinese, and inside a word only when the word alone is wider than a line."""
    lines, line = [], ""
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for token in tokens:
        candidate = f"{line}{joiner}{token}" if line else token
        if fonts.string_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in token:
            if line and fonts.string_width(line + char, size, bold) > width:
                lines.append(line)
                line = ""
            line += char
    lines.append(line)
    return lines


def _fitted(fonts, text, bold, size, width, *, lines: int, minimum: float):
    """(lines, size): ``text`` in at most ``lines`` lines of ``width`` at the largest size
    from ``size`` down to ``minimum``. At the minimum it takes the lines it needs: a
    certificate never drops part of a name or a title."""
    while True:
        broken = _split(fonts, text, bold, size, width)
        if len(broken) <= lines or size <= minimum:
            return broken, size
        size -= 0.5


def _centred(canvas, fonts, text, y, size, *, bold=False, colour=INK, width=640, minimum=12):
    size = _fit(fonts, text, bold, size, width, minimum)
    canvas.setFillColor(colour)
    fonts.draw_string(canvas, canvas._pagesize[0] / 2, y, text, size, bold, align="centre")
    return size


def render_certificate(text: CertificateText) -> bytes:
    """The certificate as PDF bytes (A4 landscape)."""
    buffer = io.BytesIO()
    page_w, page_h = landscape(A4)
    canvas = Canvas(buffer, pagesize=(page_w, page_h), invariant=True)
    canvas.setTitle(text.title)
    canvas.setAuthor(text.organisation or "elearn")
    canvas.setSubject(text.code)
    fonts = FontBook.for_texts(text.strings())

    # A double frame: reads as a certificate on screen and survives a printer's margins.
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(28, 28, page_w - 56, page_h - 56)
    canvas.setLineWidth(0.8)
    canvas.rect(38, 38, page_w - 76, page_h - 76)

    if text.organisation:
        _centred(canvas, fonts, text.organisation, page_h - 95, 15, colour=MUTED)
    _centred(canvas, fonts, text.heading, page_h - 150, 34, bold=True, colour=ACCENT)
    _centred(canvas, fonts, text.lead, page_h - 200, 14, colour=MUTED)
    # A long name shrinks, then wraps upwards from the line it is written on.
    lines, size = _fitted(fonts, text.name, True, 32, 640, lines=1, minimum=20)
    if len(lines) > 1:
        lines, size = _fitted(fonts, text.name, True, 20, 640, lines=3, minimum=8)
    for index, line in enumerate(lines):
        y = page_h - 248 + (len(lines) - 1 - index) * size * 1.2
        _centred(canvas, fonts, line, y, size, bold=True)
    name_w = max(fonts.string_width(line, size, bold=True) for line in lines)
    rule = max(name_w, 260) / 2 + 20
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.6)
    canvas.line(page_w / 2 - rule, page_h - 260, page_w / 2 + rule, page_h - 260)
    _centred(canvas, fonts, text.completed, page_h - 292, 14, colour=MUTED)

    # A long course title wraps onto two lines before it shrinks, then onto a third.
    lines, size = _fitted(fonts, text.course, True, 24, 640, lines=2, minimum=14)
    if len(lines) > 2:
        lines, size = _fitted(fonts, text.course, True, 14, 640, lines=3, minimum=7)
    y = page_h - 332
    for line in lines:
        _centred(canvas, fonts, line, y, size, bold=True, minimum=size)
        y -= size * 1.25

    # Footer: date and trainers on the left, the code and its QR code on the right.
    left = 80
    canvas.setFillColor(MUTED)
    for label, value, base in (
        (text.date_label, text.date, 130),
        (text.trainers_label, text.trainers, 88),
    ):
        if not value:
            continue
        fonts.draw_string(canvas, left, base + 16, label, 10)
        # Many trainers take a second line (below, towards the frame), not the QR code's room.
        lines, size = _fitted(fonts, value, True, 13, 360, lines=1, minimum=9)
        if len(lines) > 1:
            lines, size = _fitted(fonts, value, True, 9, 360, lines=3, minimum=5)
        canvas.setFillColor(INK)
        for index, line in enumerate(lines):
            fonts.draw_string(canvas, left, base - index * size * 1.15, line, size, bold=True)
        canvas.setFillColor(MUTED)

    qr_size = 92
    widget = QrCodeWidget(text.verify_url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    qr_x = page_w - 80 - qr_size
    renderPDF.draw(drawing, canvas, qr_x, 92)
    right = qr_x - 14
    fonts.draw_string(canvas, right, 146, text.code_label, 10, align="right")
    canvas.setFillColor(INK)
    fonts.draw_string(canvas, right, 128, text.code, 14, bold=True, align="right")
    canvas.setFillColor(MUTED)
    url_size = _fit(fonts, text.verify_url, False, 9, 300, 6)
    fonts.draw_string(canvas, right, 110, text.verify_url, url_size, align="right")
    canvas.linkURL(text.verify_url, (qr_x, 92, qr_x + qr_size, 92 + qr_size))

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
