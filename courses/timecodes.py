"""Times as people type and read them ("1:05", "01:02:03.5", "83") and slide chapters.

Pure functions, no ORM: the slide-timing admin, the lecture page and the tests share them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

CLOCK = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d+)?)\s*$")


def parse_clock(text: str) -> float | None:
    """Seconds from ``ss``, ``m:ss``, ``h:mm:ss`` (decimals with . or ,); None when blank.

    Raises ValueError for anything else, so a form can say which field is wrong.
    """
    if text is None or not str(text).strip():
        return None
    match = CLOCK.match(str(text))
    if not match:
        raise ValueError(text)
    hours, minutes, seconds = match.groups()
    seconds = float(seconds.replace(",", "."))
    if minutes is not None and seconds >= 60:
        raise ValueError(text)  # "1:75" is a typo, not 2:15
    try:
        total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + seconds
    except OverflowError:  # hours beyond any float: a typo, like the rest
        raise ValueError(text) from None
    if not math.isfinite(total):  # so many digits that float() gave infinity
        raise ValueError(text)
    return total


def format_clock(seconds: float | None, *, precise: bool = False) -> str:
    """``m:ss`` (or ``h:mm:ss``) for people; tenths of a second with ``precise``."""
    if seconds is None:
        return ""
    if precise:
        whole, tenths = divmod(round(seconds * 10), 10)
    else:
        whole, tenths = int(seconds), 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenths}" if precise and tenths else text


def slide_chapters(
    starts: Mapping[int, float], titles: Mapping[int, str], duration: float | None
) -> list[tuple[float, float, str, int]]:
    """Chapters ``(start, end, title, slide number)`` in time order from slide start times.

    A chapter ends where the next one starts, the last one at the end of the video. Slides
    without a title (or no longer in the deck) are still chapters, named by their number.
    """
    ordered = sorted((start, number) for number, start in starts.items())
    chapters = []
    for index, (start, number) in enumerate(ordered):
        if index + 1 < len(ordered):
            end = ordered[index + 1][0]
        else:
            end = max(duration or start, start)
        chapters.append((start, end, titles.get(number) or str(number), number))
    return chapters


def slide_at(timings: Iterable[tuple[float, int]], seconds: float) -> int | None:
    """The number of the slide on show at ``seconds``: the latest to start at or before it."""
    current = None
    for start, number in sorted(timings):
        if start <= seconds:
            current = number
        else:
            break
    return current
