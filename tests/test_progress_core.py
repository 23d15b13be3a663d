"""Watched intervals as property tests: merging is order-independent and idempotent, and
coverage never exceeds the duration."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from courses.progress_core import (
    BadReport,
    clean_segments,
    clip_to_wall_clock,
    coverage,
    first_unwatched,
    is_seconds,
    merge,
    total,
)

times = st.floats(min_value=0, max_value=3600, allow_nan=False, allow_infinity=False)
segments = st.lists(st.tuples(times, times).map(lambda p: (min(p), max(p))), max_size=40)


@given(segments)
def test_merge_is_order_independent(items):
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert merge(items) == merge(shuffled)


@given(segments)
def test_merge_is_idempotent(items):
    once = merge(items)
    assert merge(once) == once
    assert merge(once + items) == once  # reporting the same segments again changes nothing


@given(segments)
def test_merged_intervals_are_sorted_and_apart(items):
    merged = merge(items)
    for (_s1, e1), (s2, _e2) in zip(merged, merged[1:], strict=False):
        assert e1 < s2


@given(segments, st.floats(min_value=0.1, max_value=3600))
def test_coverage_is_between_zero_and_one(items, duration):
    assert 0 <= coverage(items, duration) <= 1


@given(segments)
def test_total_never_exceeds_the_span(items):
    if items:
        assert total(items) <= max(e for _s, e in items) - min(s for s, _e in items) + 1e-6


@given(segments, st.floats(min_value=1, max_value=3600))
def test_the_first_unwatched_second_is_watched_by_no_segment(items, duration):
    at = first_unwatched(items, duration)
    merged = merge(items)
    if at is None:  # everything watched, but for gaps under a second
        assert coverage(merged, duration) >= 1 - (len(merged) + 1) / duration
    else:
        assert 0 <= at < duration
        assert not any(start < at + 0.5 < end for start, end in merged)
        # Everything before it was watched, but for gaps under a second.
        before = [(s, min(e, at)) for s, e in merged if s < at]
        assert at - total(before) < len(merged) + 1e-6


def test_first_unwatched_stretch():
    assert first_unwatched([(0.0, 1.0), (2.0, 2.0)], 1.0) is None  # found by hypothesis
    assert first_unwatched([], 60) == 0
    assert first_unwatched([(0, 12), (24, 60)], 60) == 12  # a stretch lost to a stall
    assert first_unwatched([(0, 12), (12.4, 60)], 60) is None  # a gap between reports
    assert first_unwatched([(5, 60)], 60) == 0
    assert first_unwatched([(0, 40)], 60) == 40


def test_seeking_to_the_end_watches_nothing_in_between():
    watched = merge([(0, 5), (595, 600)])
    assert coverage(watched, 600) == pytest.approx(10 / 600)


def test_watching_twice_counts_once():
    assert coverage([(0, 60), (30, 90), (0, 60)], 100) == pytest.approx(0.9)


def test_a_claim_beyond_the_wall_clock_is_clipped():
    # 10 s since the last report at 2× allows 20 media seconds (plus a little slack).
    clipped = clip_to_wall_clock([(0, 300)], 10)
    assert total(clipped) == pytest.approx(25)
    assert clip_to_wall_clock([(0, 15)], 10) == [(0, 15)]  # 1.5× is fine


@pytest.mark.parametrize(
    "raw",
    [
        "0-10",
        [[0]],
        [[5, 1]],
        [["a", 1]],
        [[0, float("nan")]],
        [[True, 2]],
        [[0, 1]] * 501,
        [[0, 10**400]],  # no float holds it: math.isfinite raises OverflowError
    ],
)
def test_malformed_segments_are_refused(raw):
    with pytest.raises(BadReport):
        clean_segments(raw, 100)


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, True),
        (2.5, True),
        (-1, False),
        (True, False),
        ("5", False),
        (float("inf"), False),
        (10**400, False),  # beyond a float: OverflowError from math.isfinite, not an answer
    ],
)
def test_seconds_are_finite_non_negative_numbers(value, expected):
    assert is_seconds(value) is expected


def test_segments_are_clipped_to_the_video():
    assert clean_segments([[-5, 3], [90, 120], [200, 300]], 100) == [(0, 3), (90, 100)]
