"""Build handout PDFs for the admin's "Print handouts" and members' downloads: gather the
sources (courses.handout_sources), build with the pure core (courses.handouts), store the file
under the digest of its inputs, and reuse it while the content is unchanged.

Deck PDFs and images are read where they lie on local disk; from object storage they are
downloaded into a temporary folder, and only when the handout has to be built."""

from __future__ import annotations

import copy
import datetime
import logging
import tempfile
from dataclasses import fields, is_dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from .handout_sources import course_parts, handout_options, lecture_parts, printed_notice
from .handouts import (
    DeckSource,
    HandoutError,
    build_course_handout,
    build_handout,
    build_roster,
    inputs_digest,
)
from .models import CoursePage, HandoutBuild, LecturePage
from .names import person_name
from .storage_files import LocalFiles

logger = logging.getLogger(__name__)
PREFIX = "handouts"


def content_date(page) -> datetime.date:
    """The date printed: when the content last changed, so a reprint of the same content is
    the same file (and the cache holds), while an edit dates the new edition."""
    course = page if isinstance(page, CoursePage) else page.course
    scope = course or page
    lessons = scope.get_descendants().live().aggregate(at=Max("last_published_at"))["at"]
    stamps = [
        stamp for stamp in (scope.last_published_at, lessons, page.last_published_at) if stamp
    ]
    return timezone.localdate(max(stamps)) if stamps else timezone.localdate()


def recipient_names(build: HandoutBuild) -> list[str]:
    """The names on the covers of personalised copies, sorted as a roster is."""
    if build.recipients == HandoutBuild.Recipients.ENROLLED:
        course = build.page.specific
        course = course if isinstance(course, CoursePage) else course.course
        users = (
            [e.user for e in course.enrolments.active().select_related("user")] if course else []
        )
    elif build.recipients == HandoutBuild.Recipients.GROUP and build.group is not None:
        users = list(build.group.user_set.filter(is_active=True))
    else:
        return []
    return sorted({person_name(user) for user in users})


def _sources(page, files: LocalFiles, **choices):
    """(parts, options, left out) for a lecture or a course with the admin's choices."""
    left_out = []
    if isinstance(page, LecturePage):
        parts = lecture_parts(page, files=files)
        options = handout_options(page.course, lecture=page, date=content_date(page), **choices)
    else:
        parts = course_parts(page, files=files, left_out=left_out)
        options = handout_options(
            page, date=content_date(page), notice=printed_notice(left_out), **choices
        )
    return parts, options, left_out


def _file_versions(parts, files: LocalFiles) -> list[str]:
    # The digest sees the PDFs' paths; a deck converted again may rewrite the file under the
    # same path, and its modification time tells (cheaper than hashing a large PDF). A copy
    # from object storage is new each time: ask the storage (one HEAD request) instead.
    versions = []
    for part in parts:
        if not isinstance(part, DeckSource) or part.pdf_path is None:
            continue
        name = files.storage_name(part.pdf_path)
        if name is None:
            versions.append(str(Path(part.pdf_path).stat().st_mtime_ns))
        else:
            versions.append(default_storage.get_modified_time(name).isoformat())
    return versions


def _portable(value, files: LocalFiles):
    """``value`` (parts) with paths in the temporary work folder replaced by their storage
    names, so downloads digest the same every time; paths on local disk stay as they are,
    so local digests (and the handouts stored under them) are unchanged."""
    if isinstance(value, Path):
        name = files.storage_name(value)
        return Path(name) if name is not None else value
    if isinstance(value, list):
        return [_portable(item, files) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        value = copy.copy(value)
        for field in fields(value):
            setattr(value, field.name, _portable(getattr(value, field.name), files))
    return value


def produce(page, *, names=(), as_zip=False, progress=None, **choices) -> dict:
    """Build (or find already built) the handout of ``page`` with ``choices`` (HandoutOptions
    fields); with ``names``, personalised copies. Returns the storage name, digest, pages,
    size, whether it was reused and the lectures left out (as dicts). Raises HandoutError for
    content that cannot be printed."""
    with tempfile.TemporaryDirectory(prefix="elearn-handout-") as tmp:
        files = LocalFiles(Path(tmp) / "sources", lazy=True)
        parts, options, left_out = _sources(page, files, **choices)
        left = [item.as_dict() for item in left_out]
        digest = inputs_digest(
            _portable(parts, files),
            options,
            extra={"files": _file_versions(parts, files), "names": list(names), "zip": as_zip},
        )
        name = f"{PREFIX}/{digest[:32]}.{'zip' if as_zip else 'pdf'}"
        if default_storage.exists(name):
            return {"file": name, "digest": digest, "pages": _previous_pages(digest, name),
                    "size": default_storage.size(name), "reused": True,
                    "left_out": left}  # fmt: skip
        files.fetch()
        out = Path(tmp) / Path(name).name
        if names:
            result = build_roster(
                parts, options, list(names), out, as_zip=as_zip, progress=progress
            )
            pages = result.copies * result.pages_per_copy
        elif isinstance(page, CoursePage):
            pages = build_course_handout(parts, options, out, progress=progress).pages
        else:
            pages = build_handout(parts, options, out, progress=progress).pages
        with out.open("rb") as fh:
            stored = default_storage.save(name, File(fh))
    return {"file": stored, "digest": digest, "pages": pages,
            "size": default_storage.size(stored), "reused": False, "left_out": left}  # fmt: skip


def build(handout: HandoutBuild) -> HandoutBuild:
    """Carry out a "Print handouts" request, in the language of the person who asked. Never
    raises for bad content: a missing or unconverted deck, or nobody to print for, ends in
    FAILED with a reason for the person (a course's set is READY without lectures whose slides
    cannot be printed, which it lists)."""
    with translation.override(handout.language or settings.LANGUAGE_CODE):
        return _build(handout)


def _build(handout: HandoutBuild) -> HandoutBuild:
    handout.mark(
        HandoutBuild.Status.BUILDING,
        progress=0,
        error_message="",
        left_out=[],
        processing_started_at=timezone.now(),
        attempts=handout.attempts + 1,
    )
    page = handout.page.specific

    def progress(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 0
        if percent >= handout.progress + 5:
            handout.mark(HandoutBuild.Status.BUILDING, progress=min(99, percent))

    try:
        names = recipient_names(handout)
        roster = handout.recipients in (
            HandoutBuild.Recipients.ENROLLED,
            HandoutBuild.Recipients.GROUP,
        )
        if roster and not names:
            raise HandoutError(gettext_noop("Nobody to print for: the list of people is empty."))
        made = produce(
            page,
            names=names,
            as_zip=roster and handout.as_zip,
            progress=progress,
            layout=handout.layout,
            paper=handout.paper,
            order=handout.order,
            include_hidden=handout.include_hidden,
            duplex=handout.duplex,
            recipient=handout.recipient_name
            if handout.recipients == HandoutBuild.Recipients.NAME
            else "",
            cover=isinstance(page, CoursePage) or handout.recipients != "none",
        )
        handout.mark(HandoutBuild.Status.READY, progress=100, finished_at=timezone.now(), **made)
    except HandoutError as exc:
        handout.mark(
            HandoutBuild.Status.FAILED,
            error_message=exc.message,
            finished_at=timezone.now(),
            left_out=[item.as_dict() for item in getattr(exc, "left_out", [])],
        )
    except Exception:
        logger.exception("Handout %s failed unexpectedly", handout.pk)
        handout.mark(
            HandoutBuild.Status.FAILED,
            error_message=gettext_noop(
                "Building the handout failed unexpectedly. Try again; if it fails again, tell "
                "your administrator."
            ),
            finished_at=timezone.now(),
        )
    return handout


def _previous_pages(digest: str, name: str) -> int | None:
    """Pages of an already built file: from an earlier request, or (when its rows are gone
    but the file is kept) counted in the PDF itself. None for a ZIP nobody counted."""
    earlier = HandoutBuild.objects.filter(digest=digest, pages__isnull=False).first()
    if earlier is not None:
        return earlier.pages
    if not name.endswith(".pdf"):
        return None
    import pypdfium2 as pdfium

    with default_storage.open(name, "rb") as fh:
        pdf = pdfium.PdfDocument(fh.read())
    try:
        return len(pdf)
    finally:
        pdf.close()


def member_handout(lecture: LecturePage) -> str:
    """Storage name of the lecture's handout in the layout its trainer offers members, built
    on the first ask and reused until the lecture changes. Raises HandoutError."""
    return produce(lecture, layout=lecture.handout_layout)["file"]
