"""Early text for decks whose full text waits on LibreOffice: .odp, Strict OOXML, legacy .ppt."""

import shutil
import subprocess
import time

import pytest

from courses.conversion import convert_deck, detect
from courses.conversion.quicktext import quick_text
from courses.demo_deck import build_demo_deck
from tests.conversion.conftest import corpus_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def odp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odp")
    pptx = build_demo_deck(folder / "demo.pptx")
    soffice = shutil.which("soffice")
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "odp", "--outdir", str(folder), str(pptx)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return folder / "demo.odp"


def test_odp_text_matches_the_deck(odp):
    started = time.perf_counter()
    deck = quick_text(odp, "odp")
    assert time.perf_counter() - started < 0.5
    assert deck.slide_count == 14
    assert deck.slides[0].title == "Welcome · 欢迎"
    assert (1, "Search instead of shelves") in deck.slides[1].paragraphs
    assert deck.slides[2].notes.startswith("Use a local example")
    assert [s.number for s in deck.slides if s.hidden] == [11]


@pytest.mark.parametrize(
    ("name", "slides"),
    [
        ("ox-Algn_tab_TabAlignment.pptx", 1),
        ("ox-[HC]cmedianode-CommonMediaNodProperties.pptx", 1),
        ("poi-57272_corrupted_usereditatom.ppt", 6),
    ],
)
def test_strict_and_legacy_decks_have_early_text_with_the_right_count(name, slides):
    path = corpus_file(name)
    detected = detect(path)
    deck = quick_text(path, detected.format, detected.strict)
    assert deck is not None and deck.slide_count == slides


def test_powerpoint_95_has_no_early_text():
    path = corpus_file("poi-PPT95.ppt")
    assert quick_text(path, "ppt") is None


def test_convert_deck_hands_early_text_then_the_full_text(odp, tmp_path):
    calls = []
    started = time.perf_counter()
    deck, result = convert_deck(
        odp, tmp_path / "out", on_text=lambda d: calls.append((time.perf_counter() - started, d))
    )
    assert len(calls) == 2
    early_at, early = calls[0]
    assert early_at < 1.0, "early text comes before LibreOffice runs"
    assert early.slide_count == deck.slide_count == result.page_count == 14
    assert calls[1][1] is deck


def test_garbage_gives_no_early_text(tmp_path):
    path = tmp_path / "x.odp"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert quick_text(path, "odp") is None
