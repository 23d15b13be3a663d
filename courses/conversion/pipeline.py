"""The conversion as the task runs it, in two phases so a deck's text is ready first.

    prepared = prepare(upload, workdir, password)          # detect, limits, decrypt, normalise
    deck = extract_text(prepared, media_dir)               # python-pptx, ~ms per slide: save it
    result = render(prepared, images_dir)                  # LibreOffice → PDF (kept) → images

``convert_deck`` does that, calling back with the text before rendering. Text comes first
rather than beside LibreOffice: two LibreOffice processes already fill both cores, and measured
here the 200-slide deck's text took 3.5 s when extracted alongside them, 1.2 s before them,
while the whole conversion only grows by that 1.2 s. ``start_render`` runs :func:`render` in a
thread for callers that want to overlap anyway.

Only :class:`~.errors.ConversionError` subclasses escape for bad input; outputs are built in a
temporary directory and moved into place on success.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pypdfium2 as pdfium
from lxml import etree

from .content import DeckContent, Prepared, RenderedPage, RenderResult
from .decrypt import decrypt
from .detect import OOXML_FORMATS, Detected, detect
from .errors import (
    ConversionError,
    CorruptFile,
    EncryptedFile,
    NoSlides,
    TooLarge,
    TooManySlides,
    gettext_noop,
)
from .limits import Limits, check_members, check_package
from .normalise import rewrite_as_pptx, to_transitional_pptx, unlink_odf
from .pdf import (
    DEFAULT_THUMB_WIDTH,
    DEFAULT_WIDTHS,
    batches,
    extract_pdf_slides,
    make_executor,
    pdf_page_count,
    render_batch,
)
from .pptx import extract_deck
from .quicktext import quick_text
from .sandbox import MEMORY_MESSAGE
from .sandbox import call as sandboxed
from .soffice import convert_to_pdf

SPLIT_THRESHOLD = 24  # slides; below this a second LibreOffice start-up costs more than it saves
_SUFFIX = {
    "pptx": ".pptx",
    "ppsx": ".ppsx",
    "potx": ".potx",
    "pptm": ".pptm",
    "ppsm": ".ppsm",
    "potm": ".potm",
    "ppt": ".ppt",
    "odp": ".odp",
    "pdf": ".pdf",
}


def prepare(
    src: str | Path,
    workdir: str | Path,
    password: str | None = None,
    limits: Limits | None = None,
    *,
    decrypted: bool = False,
) -> Prepared:
    """Check and normalise an upload into ``workdir`` (created; the caller removes it).

    Detects the format by content, applies ``limits`` before unpacking, decrypts with
    ``password`` (used once, never stored) and makes a .pptx python-pptx can read. Legacy .ppt,
    .odp and Strict OOXML decks take one LibreOffice run here. ``decrypted`` says ``src`` is
    a password-free copy made earlier (the admin form decrypts while the trainer is there),
    so a failure is explained as one of a decrypted file.

    The parsing runs in a child process within ``limits.max_memory_mb`` (see ``sandbox``).
    """
    limits = limits or Limits()
    src = Path(src)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    return sandboxed(
        _prepare_checked,
        src,
        workdir,
        password,
        limits,
        decrypted,
        memory_mb=limits.max_memory_mb,
        timeout=_sandbox_timeout(limits),
    )


def _sandbox_timeout(limits: Limits) -> float:
    # Room for one LibreOffice run (.ppt, .odp, Strict OOXML) and the parsing around it.
    return limits.soffice_timeout_s + 120


def _prepare_checked(src: Path, workdir: Path, password, limits: Limits, decrypted) -> Prepared:
    started = time.perf_counter()
    try:
        return _prepare(src, workdir, password, limits, started, decrypted)
    except (ConversionError, MemoryError):  # MemoryError: the sandbox reports it
        raise
    except Exception as exc:  # noqa: BLE001 - a parser tripping on hostile input is bad input
        raise CorruptFile(detail=f"prepare: {type(exc).__name__}: {exc}") from exc


def _prepare(
    src: Path, workdir: Path, password, limits: Limits, started: float, decrypted: bool
) -> Prepared:
    check_package(src, limits)
    check_members(src, limits)
    original = src
    try:
        detected = detect(src)
    except EncryptedFile:
        if not password:
            raise
        plain = workdir / "decrypted.bin"
        decrypt(src, password, plain)
        decrypted = True
        src = plain
        check_package(src, limits)
        check_members(src, limits)
        detected = detect(src)
    # LibreOffice picks its import filter partly by extension: give it the true one.
    source = workdir / ("input" + _SUFFIX[detected.format])
    source.unlink(missing_ok=True)
    os.symlink(src.resolve(), source)
    prepared = Prepared(
        source=original,
        format=detected.format,
        workdir=workdir,
        strict=detected.strict,
        decrypted=decrypted,
    )
    if detected.format == "pdf":
        if pdf_page_count(source) == 0:
            raise NoSlides(gettext_noop("This PDF has no pages."))
        prepared.pdf_path = source
    elif detected.format in OOXML_FORMATS and not detected.strict:
        if detected.format != "pptx":
            prepared.pptx_path = rewrite_as_pptx(source, detected, workdir / "normalised.pptx")
        else:
            prepared.pptx_path = source
        prepared.render_source = prepared.pptx_path
    else:
        if detected.format == "odp":
            # LibreOffice would load what the deck links to: local files, or URLs.
            source = unlink_odf(source, workdir / "unlinked.odp")
        prepared.pptx_path = _via_libreoffice(source, detected, workdir, limits, decrypted)
        # LibreOffice reads the original more faithfully than our .pptx (for an .odp: the
        # original without its external links).
        prepared.render_source = source
    if prepared.pptx_path is not None:
        prepared.slide_count = count_slides(prepared.pptx_path)
    prepared.seconds = time.perf_counter() - started
    return prepared


def _via_libreoffice(source: Path, detected: Detected, workdir: Path, limits, decrypted) -> Path:
    try:
        pptx = to_transitional_pptx(
            source, workdir / "lo", timeout=limits.soffice_timeout_s, memory_mb=limits.max_memory_mb
        )
    except CorruptFile as exc:
        if decrypted and detected.format == "ppt":
            raise EncryptedFile(
                gettext_noop(
                    "This password-protected PowerPoint 97-2003 file cannot be opened here "
                    "even with its password. Open it in PowerPoint, remove the password (or "
                    "save it as .pptx), and upload it again."
                ),
                detail=exc.detail,
            ) from exc
        raise
    # LibreOffice's copy is read by python-pptx next: it gets the same size limits.
    check_package(pptx, limits)
    return pptx


def extract_text(
    prepared: Prepared, media_dir: str | Path | None = None, limits: Limits | None = None
) -> DeckContent:
    """Text and structure of every slide (python-pptx, or pdfium for PDF uploads); fast.

    Embedded audio/video are copied into ``media_dir``. Raises :class:`NoSlides` for an
    empty deck and :class:`TooManySlides` past ``limits.max_slides``. Runs in a child process
    within ``limits.max_memory_mb``.
    """
    limits = limits or Limits()
    return sandboxed(
        _extract_checked,
        prepared,
        media_dir,
        limits,
        memory_mb=limits.max_memory_mb,
        timeout=_sandbox_timeout(limits),
    )


def _extract_checked(prepared: Prepared, media_dir, limits: Limits) -> DeckContent:
    try:
        if prepared.pdf_path is not None:
            deck = extract_pdf_slides(prepared.pdf_path)
            if deck.slide_count > limits.max_slides:
                raise TooManySlides(detail=f"{deck.slide_count} pages")
            return deck
        return extract_deck(prepared.pptx_path, media_dir, limits)
    except (ConversionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise CorruptFile(detail=f"extract: {type(exc).__name__}: {exc}") from exc


def count_slides(pptx_path: str | Path) -> int:
    """Slides listed in presentation.xml (hidden ones included), without loading the deck."""
    with zipfile.ZipFile(pptx_path) as zf:
        rels = etree.fromstring(zf.read("_rels/.rels"))
        main = next(
            r.get("Target").lstrip("/")
            for r in rels
            if r.get("Type", "").endswith("/officeDocument")
        )
        with zf.open(main) as fh:
            root = etree.parse(fh, etree.XMLParser(resolve_entities=False, no_network=True))
    # Only the presentation's own list: section extensions (p14:sldIdLst) repeat every slide.
    return len(root.xpath("/*/*[local-name()='sldIdLst']/*[local-name()='sldId']"))


def render(
    prepared: Prepared,
    out_dir: str | Path,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    thumb_width: int | None = DEFAULT_THUMB_WIDTH,
    fmt: str = "webp",
    limits: Limits | None = None,
    *,
    workers: int | None = None,
    split_threshold: int = SPLIT_THRESHOLD,
) -> RenderResult:
    """Render the deck: LibreOffice → ``out_dir/deck.pdf`` (kept) → images of every slide.

    Long decks are exported by two LibreOffice processes (each its half of the pages) and
    rasterised in a process pool as each half arrives, so both cores stay busy. The PDF must
    have one page per slide, hidden slides included, or :class:`CorruptFile` is raised.
    ``out_dir`` is replaced atomically: on failure nothing is left there.
    """
    limits = limits or Limits()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        result = _render_into(
            prepared, tmp, widths, thumb_width, fmt, limits, workers, split_threshold
        )
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, ConversionError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, (MemoryError, BrokenProcessPool)):
            # A rasterising process ran out of memory (or was killed for it).
            raise TooLarge(MEMORY_MESSAGE, detail=f"render: {type(exc).__name__}") from exc
        raise CorruptFile(detail=f"render: {type(exc).__name__}: {exc}") from exc
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return _relocate(result, tmp, out_dir)


def _relocate(result: RenderResult, old: Path, new: Path) -> RenderResult:
    def move(path: Path | None) -> Path | None:
        return None if path is None else new / path.relative_to(old)

    result.pdf_path = move(result.pdf_path)
    for page in result.pages:
        page.files = {w: move(p) for w, p in page.files.items()}
        page.thumbnail = move(page.thumbnail)
    return result


def _render_into(prepared, tmp: Path, widths, thumb_width, fmt, limits, workers, split_threshold):
    started = time.perf_counter()
    deck_pdf = tmp / "deck.pdf"
    workers = workers or min(2, os.cpu_count() or 1)
    raster_args = (tmp, tuple(widths), thumb_width, fmt, limits.max_page_pixels)
    memory_mb = limits.max_memory_mb
    pool = None  # started on first use: for a few pages its start-up costs more than it saves
    futures = []
    raster_started = []

    def submit(pdf: Path, numbers: list[int], offset: int) -> None:
        nonlocal pool
        raster_started.append(time.perf_counter())
        if pool is None and workers > 1 and len(numbers) >= 8:
            pool = make_executor(workers, memory_mb=memory_mb)
        if pool is None:
            # pdfium reads uploaded PDFs too: always in a process with a memory ceiling.
            pages = sandboxed(
                render_batch,
                str(pdf),
                numbers,
                *raster_args,
                number_offset=offset,
                memory_mb=memory_mb,
                timeout=limits.soffice_timeout_s,
            )
            futures.append(_done(pages))
            return
        for batch in batches(numbers, workers * 3):
            futures.append(
                pool.submit(render_batch, str(pdf), batch, *raster_args, number_offset=offset)
            )

    def reset() -> None:
        for future in futures:
            future.cancel()
        for future in futures:
            if not future.cancelled():
                _wait_quietly(future)  # a running batch must not write over the redone images
        futures.clear()
        raster_started.clear()

    try:
        if prepared.pdf_path is not None:
            shutil.copyfile(prepared.pdf_path, deck_pdf)
            expected = pdf_page_count(deck_pdf)
            if expected > limits.max_slides:
                raise TooManySlides(detail=f"{expected} pages")
            soffice_s = 0.0
            submit(deck_pdf, list(range(1, expected + 1)), 0)
        else:
            expected = prepared.slide_count
            if expected is None:
                expected = count_slides(prepared.pptx_path)
            if expected == 0:
                raise NoSlides()
            if expected > limits.max_slides:
                raise TooManySlides(detail=f"{expected} slides")
            soffice_s = _export_pdf(
                prepared, tmp, deck_pdf, expected, workers, split_threshold, limits, submit, reset
            )
        pages: list[RenderedPage] = [p for f in futures for p in f.result()]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    got = pdf_page_count(deck_pdf)
    if got != expected or len(pages) != expected:
        raise CorruptFile(detail=f"PDF has {got} pages, rendered {len(pages)}, deck {expected}")
    pages.sort(key=lambda p: p.number)
    raster_s = time.perf_counter() - (raster_started[0] if raster_started else started)
    return RenderResult(
        pdf_path=deck_pdf,
        pages=pages,
        fmt=fmt,
        soffice_seconds=soffice_s,
        raster_seconds=raster_s,
        seconds=time.perf_counter() - started,
    )


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _export_pdf(prepared, tmp, deck_pdf, expected, workers, split_threshold, limits, submit, reset):
    started = time.perf_counter()
    timeout = limits.soffice_timeout_s
    if workers < 2 or expected < split_threshold:
        pdf = convert_to_pdf(
            prepared.render_source, tmp / "lo", timeout=timeout, memory_mb=limits.max_memory_mb
        )
        pdf.rename(deck_pdf)
        elapsed = time.perf_counter() - started
        submit(deck_pdf, list(range(1, expected + 1)), 0)
        return elapsed
    half = expected // 2
    ranges = [(1, half), (half + 1, expected)]
    parts: list[Path | None] = [None, None]
    lock = threading.Lock()

    def export(index: int) -> None:
        first, last = ranges[index]
        # Each process opens its own link to the deck, so each has its own lock file.
        own_dir = tmp / f"lo{index}"
        own_dir.mkdir()
        link = own_dir / f"part{index}{Path(prepared.render_source).suffix}"
        os.symlink(Path(prepared.render_source).resolve(), link)
        pdf = convert_to_pdf(
            link,
            own_dir / "pdf",
            timeout=timeout,
            page_range=(first, last),
            memory_mb=limits.max_memory_mb,
        )
        if pdf_page_count(pdf) != last - first + 1:
            raise CorruptFile(detail=f"pages {first}-{last}: got {pdf_page_count(pdf)}")
        parts[index] = pdf
        with lock:  # rasterise this half while the other LibreOffice is still exporting
            submit(pdf, list(range(1, last - first + 2)), first - 1)

    try:
        with ThreadPoolExecutor(max_workers=2) as threads:
            for future in [threads.submit(export, i) for i in range(2)]:
                future.result()
    except CorruptFile:
        # A half LibreOffice could not export (or exported short): one full export settles
        # whether the deck itself is at fault; the images of the other half are redone.
        reset()
        return _export_pdf(
            prepared, tmp, deck_pdf, expected, 1, split_threshold, limits, submit, reset
        )
    elapsed = time.perf_counter() - started
    merged = pdfium.PdfDocument.new()
    try:
        for part in parts:
            source = pdfium.PdfDocument(str(part))
            merged.import_pages(source)
            source.close()
        merged.save(str(deck_pdf))
    finally:
        merged.close()
    return elapsed


def start_render(prepared: Prepared, out_dir: str | Path, **kwargs) -> Future:
    """Run :func:`render` in a background thread; LibreOffice works while the caller extracts
    and saves the text. The future's ``result()`` re-raises any ConversionError."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elearn-render")
    future = executor.submit(render, prepared, out_dir, **kwargs)
    executor.shutdown(wait=False)
    return future


def convert_deck(
    src: str | Path,
    out_dir: str | Path,
    media_dir: str | Path | None = None,
    password: str | None = None,
    limits: Limits | None = None,
    on_text: Callable[[DeckContent], None] | None = None,
    *,
    decrypted: bool = False,
    **render_kwargs,
) -> tuple[DeckContent, RenderResult]:
    """Everything at once: prepare, extract the text and hand it to ``on_text`` (so it can be
    saved before the images exist), then render. ``decrypted``: as for :func:`prepare`."""
    limits = limits or Limits()
    with tempfile.TemporaryDirectory(prefix="elearn-conv-") as workdir:
        if on_text is not None and (early := _early_text(src, limits)) is not None:
            on_text(early)  # replaced by the full text below, once LibreOffice has run
        prepared = prepare(src, workdir, password=password, limits=limits, decrypted=decrypted)
        deck = extract_text(prepared, media_dir, limits)
        if on_text is not None:
            on_text(deck)
        result = render(prepared, out_dir, limits=limits, **render_kwargs)
        if result.page_count != deck.slide_count:
            raise CorruptFile(detail=f"{result.page_count} pages for {deck.slide_count} slides")
        return deck, result


def _early_text(src: str | Path, limits: Limits) -> DeckContent | None:
    """Text for formats whose full text needs LibreOffice first (.odp, Strict OOXML, .ppt),
    read directly so members can read the deck within seconds; None for the others, and for
    anything odd (``prepare`` then reports it properly)."""
    try:
        return sandboxed(
            _early_text_checked,
            Path(src),
            limits,
            memory_mb=limits.max_memory_mb,
            timeout=_sandbox_timeout(limits),
        )
    except ConversionError:
        return None


def _early_text_checked(src: Path, limits: Limits) -> DeckContent | None:
    try:
        check_package(src, limits)
        detected = detect(src)
    except ConversionError:
        return None
    if detected.format not in ("odp", "ppt") and not detected.strict:
        return None
    return quick_text(src, detected.format, detected.strict)


def _wait_quietly(future: Future) -> None:
    try:
        future.result()
    except Exception:  # noqa: BLE001, S110 - the first error is the one reported
        pass
