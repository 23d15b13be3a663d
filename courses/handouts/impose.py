"""Put deck PDF pages onto handout pages as vector form XObjects, with pdfium (pypdfium2).

Why this shape: LibreOffice's PDF lists every image of a deck in every page's resources, so
anything that copies pages one at a time (``page_as_xobject``, pypdf's merge) copies all images
once per page: a 0.8 MB deck became 32 MB. pdfium's ``FPDF_ImportNPagesToOne`` copies a whole
document in one go with one object map, so each image is written once. We call it with a
1 × 2 grid on a page twice a slide's height, which yields every slide as a form XObject at
scale 1 (a 1 × 1 grid is a plain page copy, without forms), then move those form objects onto
the handout pages, scaled into their slots, under the reportlab overlay made as forms the same
way. Each form keeps its slide's bounding box, so viewers clip whatever lies off the slide.
Measured: 200 slides 6-up in ~0.3 s, at the size of the source PDF.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..conversion.errors import gettext_noop
from .compose import Overlay
from .sources import SourceMissing


def open_pdf(path: Path) -> pdfium.PdfDocument:
    if not Path(path).exists():
        raise SourceMissing(
            gettext_noop("A deck's PDF is missing; convert the deck again."),
            detail=f"no file {path}",
        )
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise SourceMissing(
            gettext_noop("A deck's PDF cannot be read; convert the deck again."),
            detail=f"{path}: {exc}",
        ) from exc


def first_page_size(path: Path) -> tuple[float, float]:
    pdf = open_pdf(path)
    try:
        return pdf.get_page_size(0)
    finally:
        pdf.close()


def _as_forms(doc: pdfium.PdfDocument, width: float, height: float) -> pdfium.PdfDocument:
    """Every page of ``doc`` as a form XObject, two per page, resources shared (see above)."""
    raw = pdfium_c.FPDF_ImportNPagesToOne(
        doc.raw, ctypes.c_float(width), ctypes.c_float(2 * height), 1, 2
    )
    if not raw:
        raise SourceMissing(
            gettext_noop("A deck's PDF could not be imposed; convert the deck again."),
            detail="FPDF_ImportNPagesToOne",
        )
    return pdfium.PdfDocument(raw)


def _take_forms(out: pdfium.PdfDocument, first: int, count: int, height: float):
    """Detach the form objects of pages ``first…first+count-1`` (as made by :func:`_as_forms`),
    each with the matrix that maps its source page onto the box (0, 0, width, height)."""
    forms = []
    for index in range(first, first + count):
        page = out[index]
        for slot, obj in enumerate(list(page.get_objects(max_depth=1))):
            page.remove_obj(obj)
            # pdfium put the top slot at y = height; shift both down onto the unit box.
            offset = height if slot == 0 else 0.0
            forms.append((obj, obj.get_matrix().translate(0, -offset)))
    return forms


def impose(
    overlay: Overlay,
    page_size: tuple[float, float],
    deck_pdfs: dict[int, Path],
    progress: Callable[[int, int], None] | None = None,
) -> pdfium.PdfDocument:
    """The handout as a pdfium document: overlay pages with the slides placed under them."""
    width, height = page_size
    out = pdfium.PdfDocument.new()
    overlay_doc = pdfium.PdfDocument(overlay.pdf)
    staged = [(overlay_doc, _as_forms(overlay_doc, width, height), height)]
    slide_boxes: dict[int, tuple[float, float]] = {}
    # Decks printed more than once (one deck in two lectures) share one import, its pages
    # repeated, so their pictures are stored once; each use still gets its own form objects.
    users: dict[Path, list[int]] = {}
    for deck, path in sorted(deck_pdfs.items()):
        users.setdefault(Path(path), []).append(deck)
    for path, decks in users.items():
        source = open_pdf(path)
        slide_w, slide_h = source.get_page_size(0)
        if len(decks) > 1:
            repeated = pdfium.PdfDocument.new()
            repeated.import_pages(source, list(range(len(source))) * len(decks))
            source.close()
            source = repeated
        for deck in decks:
            slide_boxes[deck] = (slide_w, slide_h)
        staged.append((source, _as_forms(source, slide_w, slide_h), slide_h))
    starts = []
    for _source, forms_doc, _height in staged:
        starts.append(len(out))
        out.import_pages(forms_doc)
        forms_doc.close()
    starts.append(len(out))
    taken = [
        _take_forms(out, starts[i], starts[i + 1] - starts[i], staged[i][2])
        for i in range(len(staged))
    ]
    overlay_forms = taken[0]
    deck_forms = {}
    for forms, decks in zip(taken[1:], users.values(), strict=True):
        per_deck = len(forms) // len(decks)
        for use, deck in enumerate(decks):
            deck_forms[deck] = forms[use * per_deck : (use + 1) * per_deck]
    for source, _forms, _height in staged:
        source.close()

    by_page: dict[int, list] = {}
    for placement in overlay.placements:
        by_page.setdefault(placement.page, []).append(placement)
    # The staging pages go before any handout page is made: pdfium's content generation
    # takes time in proportion to the pages in the document (6.6 ms a page with 100 staging
    # pages present, 1.2 ms without). The detached form objects live on without their pages.
    for _ in range(len(out)):
        out.del_page(0)
    for number in range(overlay.pages):
        page = out.new_page(width, height)
        for placement in by_page.get(number, []):
            form, matrix = deck_forms[placement.deck][placement.slide - 1]
            slide_w, slide_h = slide_boxes[placement.deck]
            rect = placement.rect
            scale = min(rect.w / slide_w, rect.h / slide_h)
            dx = rect.x + (rect.w - slide_w * scale) / 2
            dy = rect.y + (rect.h - slide_h * scale) / 2
            form.set_matrix(matrix.scale(scale, scale).translate(dx, dy))
            page.insert_obj(form)
        form, matrix = overlay_forms[number]
        form.set_matrix(matrix)
        page.insert_obj(form)  # last: frames and labels lie on top of the slides
        page.gen_content()
        page.close()
        if progress is not None:
            progress(number + 1, overlay.pages)
    return out


_DATE = re.compile(rb"/CreationDate\s*\(D:(\d{14})")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def deterministic_bytes(doc: pdfium.PdfDocument, date_digits: str) -> bytes:
    """Save the document so equal inputs give equal bytes: pdfium stamps the current time and
    a random file ID, which are overwritten here in place (same length, so the
    cross-reference offsets stay right), the ID becoming a digest of the content."""
    buffer = io.BytesIO()
    doc.save(buffer)
    data = bytearray(buffer.getvalue())
    match = _DATE.search(data)
    if match:
        data[match.start(1) : match.end(1)] = date_digits.encode()[:14].ljust(14, b"0")
    match = _ID.search(data)
    if match:
        zeroed = bytes(data[: match.start()]) + bytes(data[match.end() :])
        digest = hashlib.md5(zeroed, usedforsecurity=False).hexdigest().upper().encode()
        for group in (2, 1):  # right to left, so the first span's offsets still hold
            start, end = match.span(group)
            data[start:end] = digest[: end - start].ljust(end - start, b"0")
    return bytes(data)
