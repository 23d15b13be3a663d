"""The per-conversion memory ceiling (``ELEARN_CONVERSION_MEMORY_MB``): parsing runs in a
child process capped with RLIMIT_AS, LibreOffice and ffmpeg under ``prlimit --as``. A file
that needs more ends the conversion in a clear failure; only the child dies."""

from __future__ import annotations

import signal
import time

import pytest

from courses import deck_service
from courses.conversion import Limits, convert_deck, sandbox
from courses.conversion.errors import (
    ConversionError,
    ConversionTimeout,
    CorruptFile,
    NoSlides,
    TooLarge,
)
from courses.conversion.video import probe
from courses.decks import create_deck
from courses.models import SlideDeck
from tests.conversion.conftest import build_feature_deck

from .children import allocate, die, no_slides, sleep
from .harness import assert_clear_failure


def test_a_child_past_its_ceiling_fails_cleanly_and_the_worker_lives_on():
    with pytest.raises(TooLarge) as info:
        sandbox.call(allocate, 1024, memory_mb=256)
    assert info.value.code == "too_large"
    assert info.value.message == sandbox.MEMORY_MESSAGE
    # The same work within the ceiling, in the same worker, succeeds.
    assert sandbox.call(allocate, 64, memory_mb=512) == 64 * 1024 * 1024


@pytest.mark.parametrize(
    ("signum", "error"), [(signal.SIGKILL, TooLarge), (signal.SIGSEGV, CorruptFile)]
)
def test_a_child_that_dies_is_a_clear_failure(signum, error):
    with pytest.raises(error) as info:
        sandbox.call(die, signum)
    assert info.value.message


def test_the_childs_own_errors_come_back_as_they_were_raised():
    with pytest.raises(NoSlides) as info:
        sandbox.call(no_slides)
    assert info.value.message == NoSlides.default_message


def test_a_child_past_its_time_is_killed():
    started = time.monotonic()
    with pytest.raises(ConversionTimeout):
        sandbox.call(sleep, 60, timeout=1)
    assert time.monotonic() - started < 10


def test_subprocesses_get_the_ceiling(monkeypatch):
    monkeypatch.setenv("ELEARN_CONVERSION_MEMORY_MB", "300")
    assert sandbox.limit_prefix()[-2:] == (f"--as={300 * 1024 * 1024}", "--")
    assert sandbox.limit_prefix(0) == ()


@pytest.mark.slow
def test_ffmpeg_past_the_ceiling_fails_cleanly(monkeypatch, tmp_path):
    """ffmpeg under a ceiling it cannot even start in: a clear failure (the static ffmpeg may
    crash rather than report ENOMEM, which reads as a damaged file), the worker unharmed."""
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64)
    monkeypatch.setenv("ELEARN_CONVERSION_MEMORY_MB", "8")
    with pytest.raises(ConversionError) as info:
        probe(video)
    assert info.value.code in ("too_large", "corrupt")
    assert_clear_failure(info.value)


@pytest.mark.slow
def test_a_deck_past_the_ceiling_fails_with_the_memory_message(tmp_path):
    deck = build_feature_deck(tmp_path / "fire-safety.pptx")
    with pytest.raises(TooLarge) as info:
        convert_deck(deck, tmp_path / "out", limits=Limits(max_memory_mb=40))
    assert info.value.message == sandbox.MEMORY_MESSAGE
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_deck_past_the_ceiling_ends_failed_with_a_reason(demo, tmp_path, settings):
    settings.ELEARN_CONVERSION_MEMORY_MB = 40
    deck = deck_service.convert(create_deck(build_feature_deck(tmp_path / "fire-safety.pptx")))
    assert deck.status == SlideDeck.Status.FAILED
    assert deck.error_code == "too_large"
    assert deck.error_message == sandbox.MEMORY_MESSAGE
    assert deck.slides.count() == 0
