"""Turn lectures, articles and courses into the plain sources ``courses.handouts`` prints.

The thin ORM edge of the handout builder: the admin action, the background task and the
``print_handouts`` command all go through here, so they print the same lessons in the same
order, leave out the same hidden slides, and fail with the same messages.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from wagtail.models import Site

from .deck_service import derived_name
from .handouts import (
    ArticleSource,
    Block,
    DeckSource,
    HandoutError,
    HandoutOptions,
    Heading,
    Labels,
    Part,
    Picture,
    Quote,
    RichText,
    SlideSource,
    Table,
)
from .models import ArticlePage, CoursePage, CourseSectionPage, LecturePage, OrganisationSettings
from .models.slides import SlideDeck
from .names import join_list, person_name
from .storage_files import LocalFiles, local_path_of


@dataclass
class LeftOut:
    """A lecture whose slides cannot be printed, and why: kept with the handout (as a dict) to
    tell the admin what the set lacks and link to the deck to fix."""

    lecture: str
    deck_id: int
    deck: str
    status: str  # SlideDeck.Status
    reason: str = ""  # the deck's error, an English message id as conversion stored it

    @property
    def failed(self) -> bool:
        return self.status == SlideDeck.Status.FAILED

    def as_dict(self) -> dict:
        return asdict(self)


class DeckNotReady(HandoutError):
    """A lecture's deck has not been converted (yet, or ever), so there is nothing to place;
    ``left_out`` names the lectures in question."""

    code = "deck_not_ready"

    def __init__(self, message: str, *, left_out: list[LeftOut] = (), **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.left_out = list(left_out)


def unprintable(lecture: LecturePage) -> LeftOut | None:
    """Why the lecture's deck cannot be printed now, or None when it can (or has no deck)."""
    deck = lecture.deck
    # A deck converting a new file, or failed to, still has its last good slides to print.
    if deck is None or (deck.is_converted and deck.slide_count):
        return None
    return LeftOut(
        lecture=lecture.title,
        deck_id=deck.pk,
        deck=deck.title,
        status=deck.status,
        reason=deck.error_message if deck.status == SlideDeck.Status.FAILED else "",
    )


def _titles(items: list[LeftOut]) -> str:
    return join_list(f"“{item.lecture}”" for item in items)


def printed_notice(left_out: list[LeftOut]) -> str:
    """The cover's sentence naming the lectures a printed set leaves out ("" for none): the
    paper reaches readers who never see the admin page that warned about them."""
    if not left_out:
        return ""
    return _("Not in this set, as their slides cannot be printed yet: %(titles)s.") % {
        "titles": _titles(left_out)
    }


def left_out_message(left_out: list[LeftOut]) -> str:
    """One sentence for the failed decks, one for those still converting: they call for
    different things (upload again; wait)."""

    failed = [item for item in left_out if item.failed]
    waiting = [item for item in left_out if not item.failed]
    sentences = []
    if failed:
        sentences.append(
            _("These lectures' slide decks could not be converted: %(titles)s.")
            % {"titles": _titles(failed)}
        )
    if waiting:
        sentences.append(
            _("These lectures' slide decks are not converted yet: %(titles)s.")
            % {"titles": _titles(waiting)}
        )
    return " ".join(sentences)


def local_path(name: str, files: LocalFiles | None) -> Path:
    """A local file for a storage name: the file itself on local disk, else a copy made by
    ``files`` (S3-like storages have no paths; without ``files`` that is an error)."""
    if files is None:
        path = local_path_of(name)
        if path is None:
            raise NotImplementedError("a storage without local paths needs a LocalFiles")
        return path
    return files.path(name)


def _largest_image(deck: SlideDeck, slide) -> str | None:
    """Storage name of the slide's largest image that exists (the largest width is made only
    on first request, from the PDF this deck lacks)."""
    for _width, relative in sorted(slide.images.items(), key=lambda item: -int(item[0])):
        name = derived_name(deck, relative)
        if default_storage.exists(name):
            return name
    return None


def translated_labels() -> Labels:
    """The core's printed words in the active language."""
    labels = Labels()
    for field in fields(Labels):
        setattr(labels, field.name, _(getattr(labels, field.name)))
    return labels


def deck_source(
    lecture: LecturePage, *, section: str = "", files: LocalFiles | None = None
) -> DeckSource:
    """The lecture's deck with every slide (hidden ones flagged; the options decide).

    Raises :class:`DeckNotReady` when the lecture has no deck, or it is not converted (yet,
    or ever: waiting will not help a failed one, so that is said)."""
    deck = lecture.deck
    if deck is None:
        raise DeckNotReady(
            _("The lecture “%(title)s” has no slide deck.") % {"title": lecture.title}
        )
    problem = unprintable(lecture)
    if problem is not None and problem.failed:
        raise DeckNotReady(
            _(
                "The slide deck of “%(title)s” could not be converted, so it cannot be "
                "printed. %(reason)s Or choose another deck for the lecture, then print."
            )
            % {
                "title": lecture.title,
                "reason": _(deck.error_message) if deck.error_message else "",
            },
            left_out=[problem],
        )
    if problem is not None:
        raise DeckNotReady(
            _(
                "The slide deck of “%(title)s” is not converted yet (status: %(status)s). "
                "Wait for the conversion, or convert it again, then print."
            )
            % {"title": lecture.title, "status": deck.get_status_display()},
            left_out=[problem],
        )
    pdf_path = local_path(deck.pdf.name, files) if deck.pdf else None
    slides = []
    for slide in deck.slides.all():
        image = None
        if pdf_path is None and slide.images:
            largest = _largest_image(deck, slide)
            image = local_path(largest, files) if largest else None
        slides.append(
            SlideSource(
                number=slide.number,
                title=slide.title,
                paragraphs=[(level, text) for level, text in slide.content.get("paragraphs", [])],
                tables=slide.content.get("tables", []),
                notes=slide.notes,
                hidden=slide.hidden,
                image_path=image,
            )
        )
    width, height = deck.slide_width or 16, deck.slide_height or 9
    return DeckSource(
        title=lecture.title,
        slides=slides,
        pdf_path=pdf_path,
        slide_size=(720.0, 720.0 * height / width),
        section=section,
    )


def body_blocks(stream, files: LocalFiles | None = None) -> list[Block]:
    """A StreamField body (``courses.blocks.BodyBlock``) as printable blocks."""
    blocks: list[Block] = []
    for child in stream:
        kind, value = child.block_type, child.value
        if kind == "heading":
            blocks.append(Heading(value["text"], int(str(value["level"]).lstrip("h") or 2)))
        elif kind == "paragraph":
            blocks.append(RichText(value.source))
        elif kind == "image" and value is not None:
            rendition = value.get_rendition("max-1600x1600|format-jpeg|jpegquality-85")
            alt = getattr(value, "contextual_alt_text", "") or value.title
            decorative = getattr(value, "decorative", False)
            blocks.append(
                Picture(
                    local_path(rendition.file.name, files),
                    alt=alt,
                    caption="" if decorative else alt,
                )
            )
        elif kind == "table" and value:
            blocks.append(
                Table(
                    rows=[[cell or "" for cell in row] for row in value.get("data") or []],
                    header_row=bool(value.get("first_row_is_table_header")),
                    header_col=bool(value.get("first_col_is_header")),
                    caption=value.get("table_caption") or "",
                )
            )
        elif kind == "quote":
            blocks.append(Quote(value["text"], value.get("attribution") or ""))
        elif kind == "document" and value.get("document") is not None:
            text = value["document"].title
            if value.get("description"):
                text = f"{text}: {value['description']}"
            blocks.append(RichText(f"<p>{_escape(text)}</p>"))
        elif kind == "embed" and value is not None:
            blocks.append(RichText(f"<p>{_escape(getattr(value, 'url', str(value)))}</p>"))
    return blocks


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def article_source(
    page: ArticlePage | LecturePage, *, section: str = "", files: LocalFiles | None = None
) -> ArticleSource:
    """An article (or a lecture's written part: its introduction and body) for print."""
    summary = getattr(page, "summary", "") or getattr(page, "intro", "")
    return ArticleSource(
        title=page.title, blocks=body_blocks(page.body, files), summary=summary, section=section
    )


def lecture_parts(
    lecture: LecturePage, *, section: str = "", files: LocalFiles | None = None
) -> list[Part]:
    """A lecture's slides, then its written body when it has one."""
    parts: list[Part] = [deck_source(lecture, section=section, files=files)]
    if len(lecture.body):
        body = article_source(lecture, section=section, files=files)
        body.summary = ""
        parts.append(body)
    return parts


def course_parts(
    course: CoursePage, *, files: LocalFiles | None = None, left_out: list[LeftOut] | None = None
) -> list[Part]:
    """Every live lesson of the course in tree order, with its section's title.

    A lecture without a deck prints its written part (if any). A lecture whose deck cannot be
    printed (failed, or not converted yet) is left out and added to ``left_out``, so the admin
    gets the rest of the course and is told what it lacks; without ``left_out`` (a caller that
    cannot tell anyone) it stops the whole set with :class:`DeckNotReady` instead, since a set
    with silently missing slides is worse than none. Nothing left to print stops it too."""
    parts: list[Part] = []
    missing: list[LeftOut] = []
    for lesson in course.get_lessons():
        parent = lesson.get_parent().specific
        section = parent.title if isinstance(parent, CourseSectionPage) else ""
        if isinstance(lesson, LecturePage):
            if lesson.deck_id is None:
                if len(lesson.body) or lesson.intro:
                    parts.append(article_source(lesson, section=section, files=files))
                continue
            problem = unprintable(lesson)
            if problem is not None:
                missing.append(problem)
                continue
            parts.extend(lecture_parts(lesson, section=section, files=files))
        else:
            parts.append(article_source(lesson, section=section, files=files))
    if missing and (left_out is None or not parts):
        raise DeckNotReady(left_out_message(missing), left_out=missing)
    if left_out is not None:
        left_out.extend(missing)
    return parts


def unprintable_lectures(page: CoursePage | LecturePage) -> list[LeftOut]:
    """The lectures a handout of ``page`` would leave out (or stop at), to warn beforehand."""
    lectures = page.get_lessons() if isinstance(page, CoursePage) else [page]
    found = (unprintable(lesson) for lesson in lectures if isinstance(lesson, LecturePage))
    return [problem for problem in found if problem is not None]


def handout_options(
    course: CoursePage | None,
    *,
    lecture: LecturePage | None = None,
    site: Site | None = None,
    date: datetime.date | None = None,
    **overrides,
) -> HandoutOptions:
    """Options with the header and footer filled from the course, the lecture, the site's
    organisation name and the course's trainers; ``overrides`` are HandoutOptions fields."""
    page = course or lecture
    site = site or (page.get_site() if page is not None else None)
    site = site or Site.objects.filter(is_default_site=True).first()
    organisation = OrganisationSettings.for_site(site).name if site is not None else ""
    trainers = []
    if course is not None:
        trainers = [person_name(user) for user in course.trainers.order_by("last_name", "pk")]
    values = {
        "course_title": course.title if course is not None else "",
        "lecture_title": lecture.title if lecture is not None else "",
        "organisation": organisation,
        "trainers": trainers,
        "date": date,
        "labels": translated_labels(),
    }
    values.update(overrides)
    return HandoutOptions(**values)
