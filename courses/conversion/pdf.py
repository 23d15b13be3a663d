"""PDF pages → slide images (pypdfium2), and text from PDF uploads.

pdfium is not thread-safe, so parallel rendering uses processes, each opening the PDF itself.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from .content import DeckContent, RenderedPage, SlideContent
from .errors import CorruptFile, EncryptedFile, NoSlides, gettext_noop
from .sandbox import limit_memory, memory_limit_mb

DEFAULT_WIDTHS = (480, 960, 1920)
DEFAULT_THUMB_WIDTH = 240
DEFAULT_MAX_PIXELS = 40_000_000  # ~ 5000×8000: enough for any slide, refuses absurd pages
MAX_SIDE = 16_383  # WebP's limit per side
EMU_PER_POINT = 12_700
_EXT = {"webp": "webp", "jpeg": "jpg"}


def _open(pdf_path: str | Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(pdf_path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedFile(
                gettext_noop(
                    "This PDF is password-protected. Remove the password and upload it again."
                ),
                detail=str(exc),
            ) from exc
        raise CorruptFile(detail=f"pdfium: {exc}") from exc


def pdf_page_count(pdf_path: str | Path) -> int:
    """Number of pages; :class:`CorruptFile`/:class:`EncryptedFile` for unreadable PDFs."""
    pdf = _open(pdf_path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def extract_pdf_slides(pdf_path: str | Path) -> DeckContent:
    """Text of a PDF upload, one slide per page: title = first line, the rest as paragraphs."""
    pdf = _open(pdf_path)
    try:
        if len(pdf) == 0:
            raise NoSlides(gettext_noop("This PDF has no pages."))
        width, height = pdf[0].get_size()
        deck = DeckContent(
            slide_width=round(width * EMU_PER_POINT), slide_height=round(height * EMU_PER_POINT)
        )
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
            except pdfium.PdfiumError:
                text = ""
            finally:
                page.close()
            lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
            lines = [line for line in lines if line]
            deck.slides.append(
                SlideContent(
                    number=index + 1,
                    title=lines[0] if lines else "",
                    paragraphs=[(0, line) for line in lines[1:]],
                )
            )
        return deck
    finally:
        pdf.close()


def page_file_name(number: int, width: int | str, fmt: str) -> str:
    """``slide-0001-960.webp`` / ``slide-0001-thumb.webp``: stable names for a page image."""
    return f"slide-{number:04d}-{width}.{_EXT[fmt]}"


def _save(image: Image.Image, path: Path, fmt: str) -> None:
    if fmt == "webp":
        # method 0: ~2× faster than the default with little size cost on slide content.
        image.save(path, "WEBP", quality=80, method=0)
    else:
        image.save(path, "JPEG", quality=85)


def _render_one(page, number, out_dir, widths, thumb_width, fmt, max_pixels) -> RenderedPage:
    page_w, page_h = page.get_size()
    if page_w <= 0 or page_h <= 0:
        raise CorruptFile(detail=f"page {number} has size {page_w}x{page_h}")
    wanted = sorted({*widths, *([thumb_width] if thumb_width else [])}, reverse=True)
    images: dict[int, Image.Image] = {}
    for width in wanted:
        target_w = width
        if width * (width * page_h / page_w) > max_pixels:
            # A freakish page size (long banner, huge poster) must not eat the worker's memory.
            target_w = max(1, int(math.sqrt(max_pixels * page_w / page_h)))
        if target_w * page_h / page_w > MAX_SIDE:
            target_w = max(1, int(MAX_SIDE * page_w / page_h))
        source = next((img for w, img in images.items() if w % width == 0 and img.width == w), None)
        if source is not None and target_w == width:
            # Integer box reduction of a larger render: a quarter of pdfium's cost, no blur.
            image = source.reduce(source.width // width)
        else:
            image = page.render(scale=target_w / page_w, may_draw_forms=False).to_pil()
        if image.mode != "RGB":
            image = image.convert("RGB")
        images[width] = image
    result = RenderedPage(number=number, width=0, height=0)
    for width in wanted:
        image = images[width]
        is_thumb = width == thumb_width and width not in widths
        path = out_dir / page_file_name(number, "thumb" if is_thumb else width, fmt)
        _save(image, path, fmt)
        if width == thumb_width:
            result.thumbnail = path
        if width in widths:
            result.files[width] = path
    largest = images[max(widths)] if widths else images[wanted[0]]
    result.width, result.height = largest.size
    return result


def render_batch(
    pdf_path: str | Path,
    page_numbers: Sequence[int],
    out_dir: str | Path,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    thumb_width: int | None = DEFAULT_THUMB_WIDTH,
    fmt: str = "webp",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    number_offset: int = 0,
) -> list[RenderedPage]:
    """Render the given 1-based pages in this process; output numbers are page + offset."""
    out_dir = Path(out_dir)
    pdf = _open(pdf_path)
    try:
        rendered = []
        for number in page_numbers:
            page = pdf[number - 1]
            try:
                rendered.append(
                    _render_one(
                        page, number + number_offset, out_dir, widths, thumb_width, fmt, max_pixels
                    )
                )
            finally:
                page.close()
        return rendered
    except pdfium.PdfiumError as exc:
        raise CorruptFile(detail=f"pdfium render: {exc}") from exc
    finally:
        pdf.close()


def make_executor(workers: int | None = None, memory_mb: int | None = None) -> ProcessPoolExecutor:
    """A process pool for rendering; forkserver so a threaded parent is never forked. Each
    process is capped at ``memory_mb`` (None: ``ELEARN_CONVERSION_MEMORY_MB``)."""
    workers = workers or min(2, os.cpu_count() or 1)
    memory_mb = memory_limit_mb() if memory_mb is None else memory_mb
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("forkserver"),
        initializer=limit_memory,
        initargs=(memory_mb,),
    )


def batches(numbers: Sequence[int], parts: int) -> list[list[int]]:
    """Split page numbers into about ``parts`` interleaved-free contiguous batches."""
    parts = max(1, min(parts, len(numbers)))
    size = math.ceil(len(numbers) / parts)
    return [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]


def render_pages(
    pdf_path: str | Path,
    out_dir: str | Path,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    thumb_width: int | None = DEFAULT_THUMB_WIDTH,
    fmt: str = "webp",
    pages: Iterable[int] | None = None,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    workers: int | None = None,
    executor: Executor | None = None,
) -> list[RenderedPage]:
    """Render PDF pages (1-based ``pages``, default all) as images at each width plus a thumbnail.

    ``fmt`` is "webp" (about half the bytes of JPEG) or "jpeg". Work is spread over ``workers``
    processes (default: up to 2) or a given ``executor``. Returns pages in order.
    """
    if fmt not in _EXT:
        raise ValueError(f"fmt must be 'webp' or 'jpeg', not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    numbers = list(pages) if pages is not None else list(range(1, pdf_page_count(pdf_path) + 1))
    workers = workers or min(2, os.cpu_count() or 1)
    args = (out_dir, tuple(widths), thumb_width, fmt, max_pixels)
    if executor is None and (workers <= 1 or len(numbers) < 8):
        return render_batch(pdf_path, numbers, *args)
    own = executor is None
    pool = executor or make_executor(workers)
    try:
        futures = [
            pool.submit(render_batch, str(pdf_path), batch, *args)
            for batch in batches(numbers, workers * 4)
        ]
        return [page for future in futures for page in future.result()]
    finally:
        if own:
            pool.shutdown()
