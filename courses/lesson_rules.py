"""What a progress report needs to know before it is stored, without asking the database each
time: the lesson (its kind, whether it is live, its course and rules, its video's length, the
slides members see) and whether the member is enrolled.

Every member watching sends a report every ten seconds, and these facts change only when an
editor publishes, moves or deletes a page, a deck or video is (re)processed, or an enrolment
changes. So, when the cache is shared by every web process (``ELEARN_CACHE_SHARED``, on with
Redis):

- each process keeps the lessons it has served in memory, tagged with a version number kept in
  the cache; any change to pages, decks, slides or videos adds one to it (after its
  transaction commits), and every process then loads its lessons afresh. The version comes
  back with the report's throttle count in one Redis round trip (``elearn/cache.py``).
- a member found enrolled is remembered in the cache for a while; any change to one of their
  enrolments (left, declined, deleted) replaces that with a mark that forbids remembering it
  again for a minute, so a report racing the change cannot put the old answer back.

Without a shared cache nothing is kept: each report reads the lesson and the enrolment.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.http import Http404
from wagtail.models import Page

from elearn import cache as shared_cache

from .models import ArticlePage, LecturePage, Slide

VERSION_KEY = "elearn:lessons:version"
# Enough for every lesson of a large site; past it the memory is simply emptied.
MAX_KEPT = 5000
ENROLLED_SECONDS = 600
# After an enrolment changes, no report may remember the member as enrolled for this long:
# longer than any request that read the old state could still be running.
CHANGED_SECONDS = 60

_kept: dict[int, tuple[int, LecturePage | ArticlePage | None]] = {}
_course_of: dict[int, int] = {}  # lesson → course, to know which enrolment to ask about
_lock = threading.Lock()


def enrolled_key(user_id: int, course_id: int) -> str:
    return f"elearn:enrolled:{user_id}:{course_id}"


def throttle_key(user_id: int) -> str:
    return f"elearn:progress:{user_id}"


def load(page_id: int) -> LecturePage | ArticlePage | None:
    """The lesson with this id, ready for a report: its video, course, the course's lessons
    and the slides members see, loaded now. None for another kind of page; Http404 when
    there is no page at all."""
    from .progress import course_lessons

    lesson = LecturePage.objects.select_related("video").filter(pk=page_id).first()
    if lesson is None:
        lesson = ArticlePage.objects.filter(pk=page_id).first()
    if lesson is None:
        if not Page.objects.filter(pk=page_id).exists():
            raise Http404
        return None
    course = lesson.course
    if course is not None and course.sequential:
        course_lessons(course)
    lesson._elearn_visible_slides = visible_slides(lesson)
    return lesson


def visible_slides(lesson) -> frozenset[int]:
    """The numbers of the slides members see in this lecture (none for an article)."""
    if not isinstance(lesson, LecturePage) or lesson.deck_id is None:
        return frozenset()
    slides = Slide.objects.filter(deck_id=lesson.deck_id)  # the deck row itself is not needed
    if not lesson.show_hidden_slides:
        slides = slides.filter(hidden=False)
    return frozenset(slides.values_list("number", flat=True))


def for_report(user, page_id: int) -> tuple[LecturePage | ArticlePage | None, int]:
    """(the lesson, how many reports the member has sent this minute, this one included).

    With a shared cache, one round trip counts the report and reads the lessons' version and
    the member's enrolment mark; the lesson comes from this process's memory when it is
    current. The lesson object is shared by the process's threads: read it, never change it.
    """
    if not shared_cache.shared():
        count, _ = shared_cache.count_and_read(throttle_key(user.pk), 60, [])
        return load(page_id), count
    course_id = _course_of.get(page_id)
    keys = [VERSION_KEY] + ([enrolled_key(user.pk, course_id)] if course_id else [])
    count, values = shared_cache.count_and_read(throttle_key(user.pk), 60, keys)
    version = values[0]
    if version is None:
        version = start_version()
    kept = _kept.get(page_id)
    if kept is not None and kept[0] == version:
        lesson = kept[1]
    else:
        lesson = load(page_id)
        with _lock:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[page_id] = (version, lesson)
    course = lesson.course if lesson is not None else None
    if course is not None:
        _course_of[page_id] = course.pk
        if course.pk == course_id and values[1] == 1:
            user.__dict__.setdefault("_elearn_course_access", {})[course.pk] = True
    return lesson, count


def remember_enrolled(user, course) -> None:
    """Called once the database said the member may open the course: remember it, unless
    their enrolment has just changed."""
    if shared_cache.shared() and course is not None:
        from django.core.cache import cache

        cache.add(enrolled_key(user.pk, course.pk), 1, timeout=ENROLLED_SECONDS)


def version() -> int:
    """The lessons' version now (one cache read); every change to pages, decks, slides or
    videos moves it on."""
    from django.core.cache import cache

    return cache.get(VERSION_KEY) or start_version()


@contextmanager
def remembering() -> Iterator[None]:
    """Within it, ``page_memory`` answers from this process's memory what was kept under the
    lessons' current version (one cache read): for requests other than pages, such as a
    lesson's files. Without a shared cache nothing is kept, as for pages."""
    if not shared_cache.shared():
        yield
        return
    from . import page_memory

    with page_memory.serving(version()):
        yield


def start_version() -> int:
    """A random first version when the cache has none (a new or emptied Redis): a process's
    memory from before cannot match it by chance, as it could a count restarted from 1."""
    from django.core.cache import cache

    cache.add(VERSION_KEY, secrets.randbelow(2**40) + 1, timeout=None)
    return cache.get(VERSION_KEY)


def lessons_changed() -> None:
    """Pages, decks, slides or videos changed: every process reloads its lessons once the
    change is committed (bumping earlier would let a report cache the state before it)."""
    if shared_cache.shared():
        transaction.on_commit(_bump, robust=True)
    else:
        _kept.clear()


def _bump() -> None:
    from django.core.cache import cache

    cache.add(VERSION_KEY, secrets.randbelow(2**40) + 1, timeout=None)  # see start_version
    shared_cache.bump(VERSION_KEY)
    _kept.clear()


def enrolment_changed(user_id: int, course_id: int) -> None:
    """An enrolment changed: forget that the member was enrolled, and for a minute do not
    remember it again (a report that read the old state may still be running)."""
    if shared_cache.shared():
        from django.core.cache import cache

        def mark():
            cache.set(enrolled_key(user_id, course_id), 0, timeout=CHANGED_SECONDS)

        mark()
        transaction.on_commit(mark, robust=True)
