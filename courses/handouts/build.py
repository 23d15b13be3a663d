"""Build handout PDFs: one deck, a course set, or personalised copies for a roster."""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from ..conversion.errors import gettext_noop
from . import layouts
from .compose import compose, compose_covers
from .impose import deterministic_bytes, first_page_size, impose
from .sources import DeckSource, HandoutError, HandoutOptions, Part, Progress


@dataclass
class HandoutResult:
    """What was written: the file, its page count, where each part starts (1-based), time."""

    path: Path
    pages: int
    starts: list[int] = field(default_factory=list)
    seconds: float = 0.0


def _date_digits(options: HandoutOptions) -> str:
    return options.date.strftime("%Y%m%d") + "000000"


def _write(path: Path, data: bytes) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _scaled(progress: Progress | None, offset: int, total_factor: int):
    if progress is None:
        return None
    return lambda done, total: progress(offset * total + done, total_factor * total)


def _build(
    parts: list[Part],
    options: HandoutOptions,
    *,
    cover: bool,
    contents: bool,
    progress: Progress | None,
    extra_texts: Sequence[str] = (),
):
    if not parts:
        raise HandoutError(gettext_noop("There is nothing to print: no lectures or articles."))
    slide_sizes = {
        index: first_page_size(part.pdf_path)
        for index, part in enumerate(parts)
        if isinstance(part, DeckSource) and part.pdf_path is not None
    }
    overlay, fonts = compose(
        parts,
        options,
        cover=cover,
        contents=contents,
        slide_sizes=slide_sizes,
        progress=_scaled(progress, 0, 2),
        extra_texts=extra_texts,
    )
    used = {placement.deck for placement in overlay.placements}
    deck_pdfs = {index: parts[index].pdf_path for index in sorted(used)}
    doc = impose(
        overlay, layouts.page_size(options.paper), deck_pdfs, progress=_scaled(progress, 1, 2)
    )
    return doc, overlay, fonts


def build_handout(
    parts: list[Part],
    options: HandoutOptions,
    out_path: str | Path,
    *,
    cover: bool | None = None,
    contents: bool | None = None,
    progress: Progress | None = None,
) -> HandoutResult:
    """Write a handout of ``parts`` (decks and articles, in order) to ``out_path``.

    ``cover`` defaults to ``options.cover``; ``contents`` (a table of contents) to having a
    cover and more than one part. Raises :class:`~.sources.HandoutError` (its ``message`` is
    fit for a trainer) when a source is missing.
    """
    started = time.perf_counter()
    cover = options.cover if cover is None else cover
    contents = (cover and len(parts) > 1) if contents is None else contents
    doc, overlay, _fonts = _build(parts, options, cover=cover, contents=contents, progress=progress)
    try:
        _write(Path(out_path), deterministic_bytes(doc, _date_digits(options)))
    finally:
        doc.close()
    return HandoutResult(
        Path(out_path), overlay.pages, overlay.starts, time.perf_counter() - started
    )


def build_deck_handout(
    deck: DeckSource,
    options: HandoutOptions,
    out_path: str | Path,
    progress: Progress | None = None,
) -> HandoutResult:
    """One lecture's slides in ``options.layout``; no cover unless ``options.cover``."""
    if not options.lecture_title:
        options = dataclasses.replace(options, lecture_title=deck.title)
    return build_handout([deck], options, out_path, progress=progress)


def build_course_handout(
    parts: list[Part],
    options: HandoutOptions,
    out_path: str | Path,
    progress: Progress | None = None,
) -> HandoutResult:
    """A course's handout set: cover, contents with page numbers, then every lesson in
    order (slides in the chosen layout, articles laid out for print), numbered throughout."""
    return build_handout(parts, options, out_path, cover=True, progress=progress)


@dataclass
class RosterResult:
    path: Path
    copies: int
    pages_per_copy: int
    seconds: float = 0.0


def _file_name(name: str, taken: set[str]) -> str:
    """A safe, unique ``<name>.pdf`` inside the ZIP (letters of any script kept)."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .") or "copy"
    cleaned = cleaned[:80]
    candidate, number = cleaned, 2
    while candidate.lower() in taken:
        candidate = f"{cleaned} ({number})"
        number += 1
    taken.add(candidate.lower())
    return f"{candidate}.pdf"


def build_roster(
    parts: list[Part],
    options: HandoutOptions,
    recipients: Sequence[str],
    out_path: str | Path,
    *,
    as_zip: bool = False,
    progress: Progress | None = None,
) -> RosterResult:
    """Personalised copies: each recipient's named cover followed by the same handout.

    ``as_zip=False`` writes one PDF of all copies in order (for a print shop; with
    ``options.duplex`` each copy starts on a right-hand page); ``as_zip=True`` a ZIP of one
    PDF per recipient. The shared pages are stored once in the one-PDF form.
    """
    started = time.perf_counter()
    if not recipients:
        raise HandoutError(
            gettext_noop("There is nobody to print for: the list of members is empty.")
        )
    contents = len(parts) > 1
    handout, overlay, fonts = _build(
        parts,
        options,
        cover=True,
        contents=contents,
        progress=_scaled(progress, 0, 2),
        extra_texts=list(recipients),
    )
    covers = pdfium.PdfDocument(compose_covers(list(recipients), options, fonts))
    # Covers first, then the handout, in one document every copy's pages come from.
    combined = pdfium.PdfDocument.new()
    combined.import_pages(covers)
    count = len(recipients)
    combined.import_pages(handout)
    body = list(range(count + 1, count + len(handout)))  # the handout without its own cover
    per_copy = 1 + len(body)
    padding: list[int] = []
    if options.duplex and per_copy % 2:
        combined.new_page(*layouts.page_size(options.paper))
        padding = [len(combined) - 1]
    handout.close()
    covers.close()
    date = _date_digits(options)
    out_path = Path(out_path)
    try:
        if as_zip:
            stamp = (options.date.year, options.date.month, options.date.day, 0, 0, 0)
            taken: set[str] = set()
            buffer_path = out_path
            with tempfile.TemporaryDirectory() as tmp:
                zip_tmp = Path(tmp) / "roster.zip"
                with zipfile.ZipFile(zip_tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                    for number, name in enumerate(recipients):
                        copy = pdfium.PdfDocument.new()
                        copy.import_pages(combined, [number, *body])
                        info = zipfile.ZipInfo(_file_name(name, taken), date_time=stamp)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        archive.writestr(info, deterministic_bytes(copy, date))
                        copy.close()
                        if progress is not None:
                            progress(count + number + 1, 2 * count)
                _write(buffer_path, zip_tmp.read_bytes())
        else:
            order: list[int] = []
            for number in range(count):
                order += [number, *body, *padding]
            # One import call: pdfium maps shared objects once, so the handout's pages are
            # stored once however many copies there are.
            merged = pdfium.PdfDocument.new()
            merged.import_pages(combined, order)
            _write(out_path, deterministic_bytes(merged, date))
            merged.close()
    finally:
        combined.close()
    if progress is not None:
        progress(1, 1)
    return RosterResult(out_path, count, per_copy + len(padding), time.perf_counter() - started)
