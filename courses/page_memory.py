"""What a page shows that changes only when pages change, kept per process while pages render.

A lesson page asks the database the same questions on every view although the answers move
only when an editor changes something: which site the host is, the organisation's settings,
the lesson's course and its lessons (the previous / next links), the page's ancestors (the
breadcrumbs), the video's renditions and captions, the deck's slides, the course's trainers,
the member's roles and permissions, the view restrictions of the page and its ancestors.
While ``page_routes.serve`` renders a page it names the lessons' version it read for the
request (``lesson_rules.version()``: every page save, publish, unpublish, move or delete moves
it on, and so do changes to decks, slides, videos, sites, the settings, a course's trainers,
anyone's groups or permissions and view restrictions, see ``signal_handlers``), and
``remembered()`` answers from this process's memory when its answer was kept under that
version.

Outside a page being served (progress reports, the admin, tasks, tests without a shared cache)
nothing is kept: ``remembered()`` simply computes. What it returns is shared by the process's
threads and later requests: read it, never change it (``copy()`` when a caller must).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")

# Enough for every page of a large site a few times over; past it the memory is emptied.
MAX_KEPT = 20_000

_serving: ContextVar[int | None] = ContextVar("elearn_page_memory_version", default=None)
_kept: dict[Hashable, tuple[int, object]] = {}
_lock = threading.Lock()


@contextmanager
def serving(version: int) -> Iterator[None]:
    """Answers kept under ``version`` may be used until the block ends (one page request)."""
    token = _serving.set(version)
    try:
        yield
    finally:
        _serving.reset(token)


def is_serving() -> bool:
    """Whether a page is being served, so that answers may be kept."""
    return _serving.get() is not None


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` under the version being served."""
    if _serving.get() is None:
        return compute()
    found, value = _lookup(key)
    if not found:
        value = compute()
        keep(key, value)
    return value


def recall(key: Hashable) -> object | None:
    """What was kept for ``key`` under the version being served (``keep``), or None."""
    return _lookup(key)[1]


def keep(key: Hashable, value: object) -> None:
    """Keep ``value`` for ``key`` under the version being served (nothing when not serving)."""
    version = _serving.get()
    if version is None:
        return
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[_language_key(key)] = (version, value)


def _lookup(key: Hashable) -> tuple[bool, object | None]:
    kept = _kept.get(_language_key(key))
    if kept is not None and kept[0] == _serving.get():
        return True, kept[1]
    return False, None


def _language_key(key: Hashable) -> tuple:
    # Per language too: what is computed may hold text translated on the way (an untitled
    # slide's "Slide 3", kept on the slide).
    return (translation.get_language(), key)


def own_copy(instance: T | None) -> T | None:
    """A shallow copy of a shared model instance that a request may annotate (cached
    properties, prefetched rows) without another request seeing it."""
    return copy.copy(instance) if instance is not None and _serving.get() is not None else instance


def forget() -> None:
    """Empty this process's memory (tests)."""
    _kept.clear()
