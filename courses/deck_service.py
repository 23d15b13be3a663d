"""Turn an uploaded SlideDeck into Slide rows and files: the glue between the pure conversion
core (courses.conversion) and the ORM and storage. Tasks and commands call ``convert``.

Files are read from and written to the default storage, so nothing assumes a local MEDIA_ROOT;
temporary files live only where a tool needs a path (``courses.storage_files``).
"""

import contextlib
import logging
import secrets
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


def derived_dir(deck: SlideDeck, folder: str | None = None) -> str:
    """Storage folder of one conversion's files (``folder``, by default the one members see).

    Each conversion has its own folder, named after the file's hash, so versions never mix:
    members keep the last good one while the next is made beside it.
    """
    return f"decks/derived/{deck.pk}/{folder or shown_folder(deck)}"


def derived_name(deck: SlideDeck, relative: str) -> str:
    return f"decks/derived/{deck.pk}/{relative}"


def shown_folder(deck: SlideDeck) -> str:
    """The folder of the conversion members see: where its PDF is (stored last). Before the
    first conversion is complete there is none: the file's hash, a name no run uses."""
    prefix = f"decks/derived/{deck.pk}/"
    if deck.pdf and deck.pdf.name.startswith(prefix):
        return deck.pdf.name.removeprefix(prefix).split("/", 1)[0]
    return deck.file_hash[:16]


def new_folder(deck: SlideDeck) -> str:
    """The folder a conversion starting now fills: a fresh name for each run (16 hex digits,
    the shape the serve view and the permission check recognise in a slide image's name).
    Never shared, so a run overtaken by a newer one can drop its own files, and whatever
    members see stays whole until the new slides replace it."""
    return secrets.token_hex(8)


def _store(local: Path, deck: SlideDeck, relative: str, folder: str | None = None) -> str:
    """Save a local file into storage under a conversion's folder; returns its name relative
    to the deck's derived folder (as Slide rows keep it)."""
    saved = store(local, f"{derived_dir(deck, folder)}/{relative}")
    return saved.removeprefix(f"decks/derived/{deck.pk}/")


def delete_derived(deck: SlideDeck, keep: str | None = None) -> None:
    """Remove a deck's derived files: every conversion's, or all but folder ``keep``'s."""
    base = f"decks/derived/{deck.pk}"
    try:
        folders, _files = default_storage.listdir(base)
    except FileNotFoundError:
        return
    for folder in folders:
        if keep and folder == keep:
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


def _store_media(deck: SlideDeck, content: conversion.DeckContent, folder: str) -> dict:
    """Store the audio and video the slides embed; ``{(slide number, name): stored name}``.
    What this conversion stored already (with its text) is not copied again: its folder
    started empty."""
    names = {}
    for slide in content.slides:
        for media in slide.media:
            relative = f"media/{slide.number:04d}-{media.name}"
            if default_storage.exists(f"{derived_dir(deck, folder)}/{relative}"):
                names[slide.number, media.name] = f"{folder}/{relative}"
            else:
                names[slide.number, media.name] = _store(Path(media.path), deck, relative, folder)
    return names


def _media_rows(slides: list[Slide], content: conversion.DeckContent, names: dict) -> list:
    by_number = {slide.number: slide for slide in slides}
    return [
        SlideMedia(
            slide=by_number[slide_content.number],
            name=media.name,
            file=names[slide_content.number, media.name],
            content_type=media.content_type,
            kind=media.kind,
        )
        for slide_content in content.slides
        for media in slide_content.media
    ]


def save_text(
    deck: SlideDeck, content: conversion.DeckContent, media_dir: Path, folder: str | None = None
) -> None:
    """Store a first conversion's text at once so members can read the deck while images
    render (a deck with slides already keeps them until ``publish``)."""
    folder = folder or new_folder(deck)
    media = _store_media(deck, content, folder)
    with transaction.atomic():
        _replace_slides(deck, [_slide_row(deck, s) for s in content.slides], content, media)
        deck.mark(SlideDeck.Status.TEXT_READY, **_sizes(content), text_ready_at=timezone.now())
    reindex_lectures(deck)


def _replace_slides(deck: SlideDeck, rows: list[Slide], content, media) -> None:
    """The deck's slide rows (and their media) give way to ``rows``; inside a transaction."""
    deck.slides.all().delete()
    slides = Slide.objects.bulk_create(rows)
    SlideMedia.objects.bulk_create(_media_rows(slides, content, media))


def _sizes(content: conversion.DeckContent) -> dict:
    return {
        "slide_count": content.slide_count,
        "slide_width": content.slide_width or None,
        "slide_height": content.slide_height or None,
    }


def _image_name(folder: str, number: int, width: int | str, suffix: str) -> str:
    return f"{folder}/slides/{number:04d}-{width}{suffix}"


def slide_image_name(deck: SlideDeck, number: int, width: int | str, suffix: str) -> str:
    """A slide image's name relative to the deck's derived folder, in the conversion members
    see (see the serve view)."""
    return _image_name(shown_folder(deck), number, width, suffix)


def slide_image_suffix() -> str:
    """The file suffix of the slide images this site makes (ELEARN_SLIDE_IMAGE_FORMAT)."""
    return ".webp" if settings.ELEARN_SLIDE_IMAGE_FORMAT == "webp" else ".jpg"


def _add_images(deck: SlideDeck, slide: Slide, page: conversion.RenderedPage, folder: str):
    """Store a slide's rendered images and note them on its (unsaved) row.

    Widths not rendered now (ELEARN_SLIDE_EAGER_WIDTHS) are listed under their future names
    and made on first request by ``render_slide_image``.
    """
    suffix = next(iter(page.files.values())).suffix
    slide.images = {
        str(width): _store(path, deck, f"slides/{page.number:04d}-{width}{path.suffix}", folder)
        for width, path in sorted(page.files.items())
    }
    for width in settings.ELEARN_SLIDE_WIDTHS:
        slide.images.setdefault(str(width), _image_name(folder, page.number, width, suffix))
    if page.thumbnail:
        slide.thumbnail = _store(
            page.thumbnail, deck, f"slides/{page.number:04d}-thumb{page.thumbnail.suffix}", folder
        )
    # The size the largest image will have, so the browser reserves the right box.
    scale = max(settings.ELEARN_SLIDE_WIDTHS) / page.width if page.width else 1
    slide.image_width, slide.image_height = (round(page.width * scale), round(page.height * scale))


def _superseded(deck: SlideDeck, run) -> bool:
    """Whether a conversion of ``deck`` started after the one that began at ``run`` (a new
    file, or "Convert again", while this one worked): then the newer one's result decides.
    Locks the deck's row until the transaction ends, so no newer run publishes meanwhile."""
    if run is None:
        return False
    latest = (
        SlideDeck.objects.select_for_update()
        .filter(pk=deck.pk)
        .values_list("processing_started_at", flat=True)
        .first()
    )
    return latest != run


def publish(
    deck: SlideDeck,
    content: conversion.DeckContent,
    result: conversion.RenderResult,
    folder: str,
    run=None,
) -> bool:
    """Put a finished conversion in place of what members saw, and mark the deck ready.

    Every file is stored (in the conversion's own folder) before the rows change; then the
    old slides give way to the new in one transaction, so members see the old slides or the
    new ones, never a mix and never none. The old files go once that is committed.
    Returns False, changing nothing, when a newer conversion started since ``run`` (its
    start time); that one removes this one's files when it ends.
    """
    pdf_name = _store(result.pdf_path, deck, "deck.pdf", folder)
    media = _store_media(deck, content, folder)
    pages = {page.number: page for page in result.pages}
    rows = []
    for slide_content in content.slides:
        row = _slide_row(deck, slide_content)
        if slide_content.number in pages:
            _add_images(deck, row, pages[slide_content.number], folder)
        rows.append(row)
    with transaction.atomic():
        if _superseded(deck, run):
            return False
        first_text_at = deck.text_ready_at if deck.status == SlideDeck.Status.TEXT_READY else None
        _replace_slides(deck, rows, content, media)
        deck.mark(
            SlideDeck.Status.READY,
            **_sizes(content),
            text_ready_at=first_text_at or timezone.now(),
            pdf=derived_name(deck, pdf_name),
            processed_at=timezone.now(),
            converted_hash=deck.file_hash,
            error_code="",
            error_message="",
        )
    reindex_lectures(deck)
    # After commit: a rolled-back swap must find the slides it would have gone back to.
    transaction.on_commit(lambda: delete_derived(deck, keep=folder))
    return True


def fail(deck: SlideDeck, code: str, message: str, run=None) -> bool:
    """Mark the deck failed with a reason a trainer can act on; drop half-made outputs.

    A deck with a complete earlier conversion keeps it: members go on seeing those slides
    (the admin says so) until a file converts. Returns False, changing nothing, when the
    deck is gone or a newer conversion started since ``run`` (see ``publish``).
    """
    try:
        # What is committed, not what a publish that failed midway set on this instance.
        deck.refresh_from_db(
            fields=["status", "converted_hash", "pdf", "file_hash", "processing_started_at"]
        )
    except SlideDeck.DoesNotExist:
        return False  # deleted while it converted: nothing left to fail
    if run is not None and deck.processing_started_at != run:
        return False
    if deck.is_converted:
        delete_derived(deck, keep=shown_folder(deck))
        deck.mark(
            SlideDeck.Status.FAILED,
            error_code=code,
            error_message=message,
            processed_at=timezone.now(),
        )
    else:
        deck.slides.all().delete()
        delete_derived(deck)
        deck.mark(
            SlideDeck.Status.FAILED,
            error_code=code,
            error_message=message,
            processed_at=timezone.now(),
            slide_count=None,
            pdf="",
            converted_hash="",
        )
    reindex_lectures(deck)
    from insights.tasks import queue_failure_notice

    queue_failure_notice(deck)
    return True


def reindex_lectures(deck: SlideDeck) -> None:
    """Lectures showing this deck index its slide text: refresh them."""
    from wagtail.search import index

    for lecture in deck.lectures.all():
        index.insert_or_update_object(lecture)


def convert(deck: SlideDeck, *, force: bool = False) -> SlideDeck:
    """Convert ``deck`` now. Never raises for bad input: the deck ends READY or FAILED with a
    message. Converting a file already converted is a no-op unless ``force``.

    A first conversion shows the text at once and the images when they are made. A deck that
    has slides keeps them, images and all, until the new ones are complete (``publish``), and
    keeps them if the new file fails.
    """
    deck.refresh_from_db()
    if (
        not force
        and deck.status == SlideDeck.Status.READY
        and deck.converted_hash == deck.file_hash
    ):
        return deck
    started = time.perf_counter()
    folder = new_folder(deck)
    run = timezone.now()  # this conversion's mark: a later one replaces it (see publish)
    deck.mark(
        SlideDeck.Status.PROCESSING,
        processing_started_at=run,
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
                on_text=None
                if deck.is_converted
                else lambda content: save_text(deck, content, tmp_path / "media", folder),
                # The admin form removed the password: failures are explained as such.
                decrypted=bool(deck.decrypted_file),
                fmt=settings.ELEARN_SLIDE_IMAGE_FORMAT,
                widths=settings.ELEARN_SLIDE_EAGER_WIDTHS,
            )
            current = publish(deck, content, result, folder, run=run)
    except conversion.ConversionError as exc:
        logger.info("Deck %s failed: %s (%s)", deck.pk, exc.message, getattr(exc, "detail", ""))
        current = fail(deck, exc.code, exc.message, run=run)
    except Exception:
        # A bug, not bad input: keep the traceback in the log, tell the trainer plainly.
        logger.exception("Deck %s: unexpected error during conversion", deck.pk)
        current = fail(
            deck,
            "internal",
            gettext_noop(
                "The conversion failed unexpectedly. Try converting again; if it fails again, tell your administrator."
            ),
            run=run,
        )
    if not current:
        logger.info("Deck %s: deleted, or a newer conversion started meanwhile", deck.pk)
        delete_tree(derived_dir(deck, folder))  # this run's own folder: nobody else's
        with contextlib.suppress(SlideDeck.DoesNotExist):
            deck.refresh_from_db()
        return deck
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
