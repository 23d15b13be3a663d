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


def _fit(canvas, text: str, font: str, size: float, width: float, minimum: float) -> float:
    while size > minimum and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _split(canvas, text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than ``width``: at spaces for Latin text, anywhere for
    Chinese, and inside a word only when the word alone is wider than a line."""
    lines, line = [], ""
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for token in tokens:
        candidate = f"{line}{joiner}{token}" if line else token
        if canvas.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in token:
            if line and canvas.stringWidth(line + char, font, size) > width:
                lines.append(line)
                line = ""
            line += char
    lines.append(line)
    return lines


def _fitted(canvas, text, font, size, width, *, lines: int, minimum: float):
    """(lines, size): ``text`` in at most ``lines`` lines of ``width`` at the largest size
    from ``size`` down to ``minimum``. At the minimum it takes the lines it needs: a
    certificate never drops part of a name or a title."""
    while True:
        broken = _split(canvas, text, font, size, width)
        if len(broken) <= lines or size <= minimum:
            return broken, size
        size -= 0.5


def _centred(canvas, fonts, text, y, size, *, bold=False, colour=INK, width=640, minimum=12):
    font = fonts.font(text, bold)
    size = _fit(canvas, text, font, size, width, minimum)
    canvas.setFont(font, size)
    canvas.setFillColor(colour)
    canvas.drawCentredString(canvas._pagesize[0] / 2, y, text)
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
    name_font = fonts.font(text.name, True)
    lines, size = _fitted(canvas, text.name, name_font, 32, 640, lines=1, minimum=20)
    if len(lines) > 1:
        lines, size = _fitted(canvas, text.name, name_font, 20, 640, lines=3, minimum=8)
    for index, line in enumerate(lines):
        y = page_h - 248 + (len(lines) - 1 - index) * size * 1.2
        _centred(canvas, fonts, line, y, size, bold=True)
    name_w = max(canvas.stringWidth(line, name_font, size) for line in lines)
    rule = max(name_w, 260) / 2 + 20
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.6)
    canvas.line(page_w / 2 - rule, page_h - 260, page_w / 2 + rule, page_h - 260)
    _centred(canvas, fonts, text.completed, page_h - 292, 14, colour=MUTED)

    # A long course title wraps onto two lines before it shrinks, then onto a third.
    course_font = fonts.font(text.course, True)
    lines, size = _fitted(canvas, text.course, course_font, 24, 640, lines=2, minimum=14)
    if len(lines) > 2:
        lines, size = _fitted(canvas, text.course, course_font, 14, 640, lines=3, minimum=7)
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
        canvas.setFont(fonts.font(label), 10)
        canvas.drawString(left, base + 16, label)
        value_font = fonts.font(value, True)
        # Many trainers take a second line (below, towards the frame), not the QR code's room.
        lines, size = _fitted(canvas, value, value_font, 13, 360, lines=1, minimum=9)
        if len(lines) > 1:
            lines, size = _fitted(canvas, value, value_font, 9, 360, lines=3, minimum=5)
        canvas.setFont(value_font, size)
        canvas.setFillColor(INK)
        for index, line in enumerate(lines):
            canvas.drawString(left, base - index * size * 1.15, line)
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
    canvas.setFont(fonts.font(text.code_label), 10)
    canvas.drawRightString(right, 146, text.code_label)
    canvas.setFillColor(INK)
    canvas.setFont(fonts.font(text.code, True), 14)
    canvas.drawRightString(right, 128, text.code)
    canvas.setFillColor(MUTED)
    url_font = fonts.font(text.verify_url)
    canvas.setFont(url_font, _fit(canvas, text.verify_url, url_font, 9, 300, 6))
    canvas.drawRightString(right, 110, text.verify_url)
    canvas.linkURL(text.verify_url, (qr_x, 92, qr_x + qr_size, 92 + qr_size))

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
