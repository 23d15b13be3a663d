"""Where a member picks up a course: the lesson to continue, and in it the video's time or
the next slide to see. For My learning (every course at once) and the course page."""

from __future__ import annotations

import operator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import ArticlePage, LecturePage, Slide, VideoPosition
from .progress_core import first_unwatched
from .timecodes import format_clock

# The player starts a video again rather than at its last seconds (video-player.js).
NEAR_THE_END_S = 5


@dataclass(frozen=True)
class Resume:
    """A lesson to continue, the link that opens it where the member stopped, and that place
    in words ("at 4:05", "slide 7"; empty when it starts at its top); whether the member has
    opened it before."""

    lesson: LecturePage | ArticlePage
    url: str
    where: str
    started: bool = False


def resume_lesson(lessons, rows):
    """The lesson to continue: the last one touched if unfinished, else the first not done."""
    touched = [rows[lesson.pk] for lesson in lessons if lesson.pk in rows]
    unfinished = [row for row in touched if row.completed_at is None]
    if unfinished:
        last = max(unfinished, key=operator.attrgetter("updated_at"))
        return next(lesson for lesson in lessons if lesson.pk == last.page_id)
    return next((item for item in lessons if item.progress_state["state"] != "done"), None)


def _next_slides(lessons, rows) -> dict[int, int]:
    """For lectures followed by their slides, the first slide the member has not seen yet
    (after one they have): ``{lesson id: slide number}``. One query for every deck."""
    lectures = [
        lesson
        for lesson in lessons
        if isinstance(lesson, LecturePage)
        and lesson.deck_id
        and (not lesson.video_id or lesson.completion_rule == LecturePage.CompletionRule.SLIDES)
        and lesson.pk in rows
        and rows[lesson.pk].slides_seen
    ]
    if not lectures:
        return {}
    numbers: dict[int, list[tuple[int, bool]]] = {}
    for deck_id, number, hidden in (
        Slide.objects.filter(deck_id__in={lecture.deck_id for lecture in lectures})
        .order_by("number")
        .values_list("deck_id", "number", "hidden")
    ):
        numbers.setdefault(deck_id, []).append((number, hidden))
    found = {}
    for lecture in lectures:
        seen = set(rows[lecture.pk].slides_seen)
        visible = [
            n
            for n, hidden in numbers.get(lecture.deck_id, [])
            if lecture.show_hidden_slides or not hidden
        ]
        following = [n for n in visible if n > max(seen) and n not in seen]
        unseen = following or [n for n in visible if n not in seen]
        if unseen:
            found[lecture.pk] = unseen[0]
    return found


def resume_links(request, user, lessons, rows) -> dict[int, Resume]:
    """``{lesson id: Resume}`` for these lessons to continue (from ``resume_lesson``), with
    the member's progress ``rows`` by page id: two queries at most, however many lessons."""
    lessons = [lesson for lesson in lessons if lesson is not None]
    videos = {
        lesson.video_id for lesson in lessons if isinstance(lesson, LecturePage) and lesson.video_id
    }
    positions = (
        {
            video_id: (position, duration)
            for video_id, position, duration in VideoPosition.objects.filter(
                user=user, video_id__in=videos
            ).values_list("video_id", "position", "video__duration")
        }
        if videos
        else {}
    )
    next_slides = _next_slides(lessons, rows)
    links = {}
    for lesson in lessons:
        url, where = lesson.get_url(request), ""
        position, duration = positions.get(getattr(lesson, "video_id", None), (None, None))
        if position is not None and duration and position >= duration - NEAR_THE_END_S:
            # Stopped at the end with the lesson unfinished: continue at the first stretch
            # not yet watched, not at the credits (or from the top when nothing is left).
            row = rows.get(lesson.pk)
            position = first_unwatched(row.watched if row else [], duration)
        if position is not None and position > 1:
            url += f"#t={int(position)}"
            where = pgettext("resume at", "at %(time)s") % {"time": format_clock(position)}
        elif lesson.pk in next_slides:
            # At the viewer, not the page's top: its controls are below the fold there.
            url += f"slides/{next_slides[lesson.pk]}/#deck"
            where = _("slide %(number)s") % {"number": next_slides[lesson.pk]}
        links[lesson.pk] = Resume(lesson, url, where, started=lesson.pk in rows)
    return links
