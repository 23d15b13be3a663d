"""Honest progress, in plain Python (no ORM): which seconds of a video were watched, merged
into unique intervals, and how much a single report may claim.

A player reports the segments of media time it played since its last report. Seeking does
not create a segment, so jumping to the end watches nothing; watching at 2× plays two media
seconds per wall second, and a report claiming more than the wall-clock time since the last
one allows at the fastest speed is clipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Interval = tuple[float, float]

# Two segments closer than this are one: players report with rounding and timer jitter.
JOIN_GAP_S = 0.25
MAX_SPEED = 2.0  # the player's fastest speed
SLACK_S = 5.0  # timers, network delay, a report sent a little late


class BadReport(ValueError):
    """A report that is not a list of [start, end] media times."""


def is_number(value) -> bool:
    """An int or float (not a bool) that a float holds finitely."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond a float's range (10**400) is no number of seconds
        return False


def is_seconds(value) -> bool:
    """A finite, non-negative number (not a bool) of seconds."""
    return is_number(value) and value >= 0


def clean_segments(raw, duration: float | None) -> list[Interval]:
    """Validate ``raw`` (a list of [start, end] pairs of seconds) and clip it to the video."""
    if not isinstance(raw, list) or len(raw) > 500:
        raise BadReport("segments must be a list of at most 500 [start, end] pairs")
    limit = duration if duration and duration > 0 else math.inf
    segments = []
    for item in raw:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise BadReport("each segment is a [start, end] pair")
        start, end = item
        if not (is_number(start) and is_number(end)):
            raise BadReport("segment times are finite numbers of seconds")
        if end < start:
            raise BadReport("a segment ends after it starts")
        start, end = max(0.0, float(start)), min(float(end), limit)
        if end > start:
            segments.append((start, end))
    return segments


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering exactly what ``intervals`` cover."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + JOIN_GAP_S:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def total(intervals: Iterable[Interval]) -> float:
    return sum(end - start for start, end in merge(intervals))


def coverage(intervals: Iterable[Interval], duration: float | None) -> float:
    """Share of the video watched at least once, 0–1 (never above 1)."""
    if not duration or duration <= 0:
        return 0.0
    clipped = [(max(0.0, s), min(e, duration)) for s, e in intervals if e > 0 and s < duration]
    return min(1.0, total(clipped) / duration)


def first_unwatched(
    intervals: Iterable[Interval], duration: float, gap: float = 1.0
) -> float | None:
    """Where the first stretch of at least ``gap`` seconds not yet watched begins, or None
    when the whole video has been watched (short gaps between reports are not stretches)."""
    at = 0.0
    for start, end in merge(intervals):
        if min(start, duration) - at >= gap:
            return at
        at = max(at, min(end, duration))  # what was reported past the end is not there
    return at if duration - at >= gap else None


def clip_to_wall_clock(
    segments: list[Interval], wall_seconds: float | None, *, max_speed: float = MAX_SPEED
) -> list[Interval]:
    """Keep at most what could have been played in ``wall_seconds`` at ``max_speed``.

    ``wall_seconds`` is the time since this member's previous report for the lesson (None for
    the first report, which is judged against the page having been open at most that long:
    the caller passes the time since the page was served, or a default). Later segments are
    cut first: the earliest claims are the likeliest true.
    """
    if wall_seconds is None:
        return segments
    allowed = max(0.0, wall_seconds) * max_speed + SLACK_S
    kept = []
    for start, end in merge(segments):
        if allowed <= 0:
            break
        end = min(end, start + allowed)
        kept.append((start, end))
        allowed -= end - start
    return kept
