"""Turn an uploaded SlideDeck into Slide rows and files: the glue between the pure conversion
core (courses.conversion) and the ORM and storage. Tasks and commands call ``convert``.

Files are read from and written to the default storage, so nothing assumes a local MEDIA_ROOT;
temporary files live only where a tool needs a path (``courses.storage_files``).
"""

import logging
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from . import conversion
from .models import Slide, SlideDeck, SlideMedia
from .storage_files import local_copy, local_path_of, store

logger = logging.getLogger(__name__)


def limits() -> conversion.Limits:
    """The conversion limits from settings (ELEARN_DECK_*)."""
    return conversion.Limits(
        max_file_bytes=settings.ELEARN_DECK_MAX_FILE_MB * 1024 * 1024,
        max_slides=settings.ELEARN_DECK_MAX_SLIDES,
        max_uncompressed_bytes=settings.ELEARN_DECK_MAX_UNCOMPRESSED_MB * 1024 * 1024,
        soffice_timeout_s=settings.ELEARN_SOFFICE_TIMEOUT_SECONDS,
        max_memory_mb=settings.ELEARN_CONVERSION_MEMORY_MB,
    )


def derived_dir(deck: SlideDeck) -> str:
    """Storage folder of a deck's derived files; one per file hash, so versions never mix."""
    return f"decks/derived/{deck.pk}/{deck.file_hash[:16]}"


def derived_name(deck: SlideDeck, relative: str) -> str:
    return f"decks/derived/{deck.pk}/{relative}"


def _store(local: Path, deck: SlideDeck, relative: str) -> str:
    """Save a local file into storage under the deck's derived folder; returns the relative name."""
    saved = store(local, f"{derived_dir(deck)}/{relative}")
    return saved.removeprefix(f"decks/derived/{deck.pk}/")


def delete_derived(deck: SlideDeck, keep_hash: str | None = None) -> None:
    """Remove a deck's derived files (all versions, or all but ``keep_hash``'s)."""
    base = f"decks/derived/{deck.pk}"
    try:
        folders, _files = default_storage.listdir(base)
    except FileNotFoundError:
        return
    for folder in folders:
        if keep_hash and folder == keep_hash[:16]:
            continue
        delete_tree(f"{base}/{folder}")


def delete_tree(name: str) -> None:
    """Delete a folder of the default storage with everything in it."""
    try:
        folders, files = default_storage.listdir(name)
    except FileNotFoundError:
        return
    for file in files:
        default_storage.delete(f"{name}/{file}")
    for folder in folders:
        delete_tree(f"{name}/{folder}")
    # Local disk keeps the emptied folders; object stores have no folders to remove.
    folder = local_path_of(name)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _slide_row(deck: SlideDeck, content: conversion.SlideContent) -> Slide:
    return Slide(
        deck=deck,
        number=content.number,
        source_hash=deck.file_hash,
        title=content.title,
        content={
            "paragraphs": [[level, text] for level, text in content.paragraphs],
            "tables": content.tables,
            "links": [{"text": link.text, "url": link.url} for link in content.hyperlinks],
            "alt_texts": content.alt_texts,
        },
        text=content.plain_text(),
        notes=content.notes,
        hidden=content.hidden,
        advance_after_ms=content.advance_after_ms,
    )


def save_text(deck: SlideDeck, content: conversion.DeckContent, media_dir: Path) -> None:
    """Store the slides' text at once so members can read the deck while images render."""
    with transaction.atomic():
        deck.slides.all().delete()
        slides = Slide.objects.bulk_create([_slide_row(deck, s) for s in content.slides])
        by_number = {slide.number: slide for slide in slides}
        for slide_content in content.slides:
            for media in slide_content.media:
                name = _store(
                    Path(media.path), deck, f"media/{slide_content.number:04d}-{media.name}"
                )
                SlideMedia.objects.create(
                    slide=by_number[slide_content.number],
                    name=media.name,
                    file=name,
                    content_type=media.content_type,
                    kind=media.kind,
                )
        deck.mark(
            SlideDeck.Status.TEXT_READY,
            slide_count=content.slide_count,
            slide_width=content.slide_width or None,
            slide_height=content.slide_height or None,
            text_ready_at=timezone.now(),
        )
    reindex_lectures(deck)


def slide_image_name(deck: SlideDeck, number: int, width: int | str, suffix: str) -> str:
    """A slide image's name relative to the deck's derived folder (see the serve view)."""
    return f"{deck.file_hash[:16]}/slides/{number:04d}-{width}{suffix}"


def slide_image_suffix() -> str:
    """The file suffix of the slide images this site makes (ELEARN_SLIDE_IMAGE_FORMAT)."""
    return ".webp" if settings.ELEARN_SLIDE_IMAGE_FORMAT == "webp" else ".jpg"


def save_images(deck: SlideDeck, result: conversion.RenderResult) -> None:
    """Store the deck PDF and every slide's images, then mark the deck ready.

    Widths not rendered now (ELEARN_SLIDE_EAGER_WIDTHS) are listed under their future names
    and made on first request by ``render_slide_image``.
    """
    pdf_name = _store(result.pdf_path, deck, "deck.pdf")
    slides = {slide.number: slide for slide in deck.slides.all()}
    for page in result.pages:
        slide = slides.get(page.number)
        if slide is None:
            continue
        suffix = next(iter(page.files.values())).suffix
        slide.images = {
            str(width): _store(path, deck, f"slides/{page.number:04d}-{width}{path.suffix}")
            for width, path in sorted(page.files.items())
        }
        for width in settings.ELEARN_SLIDE_WIDTHS:
            slide.images.setdefault(str(width), slide_image_name(deck, page.number, width, suffix))
        if page.thumbnail:
            slide.thumbnail = _store(
                page.thumbnail, deck, f"slides/{page.number:04d}-thumb{page.thumbnail.suffix}"
            )
        # The size the largest image will have, so the browser reserves the right box.
        scale = max(settings.ELEARN_SLIDE_WIDTHS) / page.width if page.width else 1
        slide.image_width, slide.image_height = (
            round(page.width * scale),
            round(page.height * scale),
        )
    Slide.objects.bulk_update(
        slides.values(), ["images", "thumbnail", "image_width", "image_height"]
    )
    deck.pdf.name = derived_name(deck, pdf_name)
    deck.mark(
        SlideDeck.Status.READY,
        pdf=deck.pdf.name,
        processed_at=timezone.now(),
        converted_hash=deck.file_hash,
        error_code="",
        error_message="",
    )


def fail(deck: SlideDeck, code: str, message: str) -> None:
    """Mark the deck failed with a reason a trainer can act on; drop half-made outputs."""
    deck.slides.all().delete()
    delete_derived(deck)
    deck.mark(
        SlideDeck.Status.FAILED,
        error_code=code,
        error_message=message,
        processed_at=timezone.now(),
        slide_count=None,
        pdf="",
    )
    reindex_lectures(deck)
    from insights.tasks import queue_failure_notice

    queue_failure_notice(deck)


def reindex_lectures(deck: SlideDeck) -> None:
    """Lectures showing this deck index its slide text: refresh them."""
    from wagtail.search import index

    for lecture in deck.lectures.all():
        index.insert_or_update_object(lecture)


def convert(deck: SlideDeck, *, force: bool = False) -> SlideDeck:
    """Convert ``deck`` now (text first, then images). Never raises for bad input: the deck
    ends READY or FAILED with a message. Converting a file already converted is a no-op unless
    ``force``."""
    deck.refresh_from_db()
    if (
        not force
        and deck.status == SlideDeck.Status.READY
        and deck.converted_hash == deck.file_hash
    ):
        return deck
    started = time.perf_counter()
    deck.mark(
        SlideDeck.Status.PROCESSING,
        processing_started_at=timezone.now(),
        attempts=deck.attempts + 1,
        error_code="",
        error_message="",
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="elearn-deck-") as tmp,
            local_copy(deck.conversion_source().name) as source,
        ):
            tmp_path = Path(tmp)
            deck_limits = limits()
            # The zip directory's size is checked before detection parses it in this process.
            conversion.check_package(source, deck_limits)
            deck.mark(deck.status, source_format=conversion.detect_format(source))
            content, result = conversion.convert_deck(
                source,
                tmp_path / "render",
                media_dir=tmp_path / "media",
                limits=deck_limits,
                on_text=lambda content: save_text(deck, content, tmp_path / "media"),
                fmt=settings.ELEARN_SLIDE_IMAGE_FORMAT,
                widths=settings.ELEARN_SLIDE_EAGER_WIDTHS,
            )
            save_images(deck, result)
            delete_derived(deck, keep_hash=deck.file_hash)
    except conversion.ConversionError as exc:
        logger.info("Deck %s failed: %s (%s)", deck.pk, exc.message, getattr(exc, "detail", ""))
        fail(deck, exc.code, exc.message)
    except Exception:
        # A bug, not bad input: keep the traceback in the log, tell the trainer plainly.
        logger.exception("Deck %s: unexpected error during conversion", deck.pk)
        fail(
            deck,
            "internal",
            gettext_noop(
                "The conversion failed unexpectedly. Try converting again; if it fails again, tell your administrator."
            ),
        )
    deck.mark(deck.status, conversion_seconds=time.perf_counter() - started)
    return deck


def render_slide_image(deck: SlideDeck, number: int, width: int) -> str | None:
    """Make a slide image that was left for later, from the deck's kept PDF; returns its
    storage name, or None when the deck has no PDF (yet)."""
    return render_slide_images(deck, [number], width).get(number)


def render_slide_images(deck: SlideDeck, numbers: list[int], width: int) -> dict[int, str]:
    """Make several slide images left for later in one go (one copy of the PDF, both cores);
    returns {slide number: storage name} for those that exist now. Images already stored are
    not made again; slides that cannot be rendered are left out (and logged)."""
    if not deck.pdf or width not in settings.ELEARN_SLIDE_WIDTHS:
        return {}
    fmt = settings.ELEARN_SLIDE_IMAGE_FORMAT
    names = {
        number: derived_name(deck, slide_image_name(deck, number, width, slide_image_suffix()))
        for number in numbers
    }
    missing = [number for number, name in names.items() if not default_storage.exists(name)]
    if not missing:
        return names
    with (
        tempfile.TemporaryDirectory(prefix="elearn-slide-") as tmp,
        local_copy(deck.pdf.name) as local_pdf,
    ):
        try:
            pages = conversion.render_pages(
                local_pdf,
                Path(tmp) / "out",
                widths=(width,),
                thumb_width=None,
                fmt=fmt,
                pages=missing,
                workers=1 if len(missing) == 1 else None,
            )
        except (conversion.ConversionError, ValueError, IndexError):
            logger.warning("Deck %s: could not render slides %s at %s px", deck.pk, missing, width)
            return {n: name for n, name in names.items() if n not in missing}
        for page in pages:
            path = page.files[width]
            name = derived_name(deck, slide_image_name(deck, page.number, width, path.suffix))
            names[page.number] = name
            if not default_storage.exists(name):  # another request may have made it meanwhile
                store(path, name)
    return names
