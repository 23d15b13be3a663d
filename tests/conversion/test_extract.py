"""Text and structure from decks built here with python-pptx (no LibreOffice needed)."""

from __future__ import annotations

import time

import pytest

from courses.conversion import NoSlides, extract_deck, extract_text, prepare
from courses.conversion.sample import build_sample_deck


def test_every_field(feature_deck, tmp_path):
    deck = extract_deck(feature_deck, tmp_path / "media")
    assert deck.slide_count == 4
    assert (deck.slide_width, deck.slide_height) == (9144000, 6858000)
    s1, s2, s3, s4 = deck.slides
    assert [s.number for s in deck.slides] == [1, 2, 3, 4]
    assert s1.title == "Fire safety basics"
    assert s1.paragraphs == [
        (0, "Know your exits"),
        (1, "Two ways out of every room"),
        (2, "Keep corridors clear"),
        (0, "Guidance"),
    ]
    assert [(h.text, h.url) for h in s1.hyperlinks] == [("Guidance", "https://example.org/fire")]
    assert s1.notes == "Ask who has used an extinguisher."
    assert s1.advance_after_ms == 5000
    assert not s1.hidden
    assert s2.title == "Extinguishers"
    assert s2.tables == [[["Type", "Use on"], ["Water", "Paper, wood"], ["CO2", "Electrics"]]]
    assert s2.alt_texts == ["A red fire extinguisher"]
    assert s2.paragraphs == [(0, "Check the label first")]  # the table is above it
    assert s2.advance_after_ms is None
    assert s3.hidden and s3.title == "Trainer only"
    assert s4.title == "消防安全"
    assert s4.paragraphs == [(0, "加强机关信息化建设，提高工作效率")]
    text = s2.plain_text()
    assert "Extinguishers" in text and "Water Paper, wood" in text and "red fire" in text
    assert deck.media == []


def test_prepare_and_extract_text_are_fast(tmp_path):
    path = build_sample_deck(tmp_path / "d50.pptx", 50)
    started = time.perf_counter()
    prepared = prepare(path, tmp_path / "work")
    deck = extract_text(prepared, tmp_path / "media")
    elapsed = time.perf_counter() - started
    assert deck.slide_count == 50
    assert deck.slides[9].paragraphs[1] == (1, "Why it matters")
    assert deck.slides[9].notes == "Speaker notes for part 10."
    assert elapsed < 2.0, f"text took {elapsed:.2f} s for 50 slides"


def test_zero_slides(tmp_path):
    from pptx import Presentation

    path = tmp_path / "empty.pptx"
    Presentation().save(path)
    with pytest.raises(NoSlides) as info:
        extract_text(prepare(path, tmp_path / "work"))
    assert info.value.code == "no_slides"
