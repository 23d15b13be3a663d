"""Early text for decks whose full text waits on LibreOffice: .odp, Strict OOXML, legacy .ppt."""

import random
import shutil
import subprocess

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


def pdf_made(folder) -> bool:
    """Whether LibreOffice has written its PDF yet (speed itself is bench/text_ready.py's)."""
    return folder.exists() and any(folder.rglob("*.pdf"))


def test_odp_text_matches_the_deck(odp):
    deck = quick_text(odp, "odp")
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


def test_powerpoint_95_early_text_matches_libreoffice():
    # LibreOffice's reading of this deck (42 slides, no notes, none hidden) is the reference;
    # it gives no titles, so here a slide's title is compared as its first paragraph.
    path = corpus_file("poi-PPT95.ppt")
    deck = quick_text(path, "ppt")
    assert deck.slide_count == 42
    assert (deck.slide_width, deck.slide_height) == (9144000, 6858000)
    assert [s.number for s in deck.slides] == list(range(1, 43))
    first, third, twelfth = deck.slides[0], deck.slides[2], deck.slides[11]
    assert first.title == "XML, HTML and All That"
    assert first.paragraphs[:2] == [
        (0, "What do they Mean, and Why are they Important?"),
        (0, "Ian GRAHAM"),
    ]
    assert third.title == "HTML"
    assert third.paragraphs == [
        (0, "Simple, general-purpose markup language"),
        (0, "Simple hypermedia"),
        (0, "Original idea --"),
        (1, "Support collaborative authoring"),
        (1, "Merge document authoring/viewing"),
    ]
    assert twelfth.title == "Didn’t fly because ..."  # cp1252 quotes
    assert (2, "Can’t add arbitrary tags") in twelfth.paragraphs
    assert deck.slides[12].title == "Idea 2 -- XML:\nThe eXtensible Markup Language"
    assert deck.slides[26].title == "" and deck.slides[26].paragraphs == []  # a picture slide
    assert not any(s.notes or s.hidden for s in deck.slides)


def test_powerpoint_95_reader_survives_damage():
    import olefile

    from courses.conversion import quicktext

    with olefile.OleFileIO(str(corpus_file("poi-PPT95.ppt"))) as ole:
        data = ole.openstream("PowerPoint Document").read()
    assert quicktext._is_ppt95(data)
    for cut in (0, 15, 16, 40, len(data) - 1):
        assert quicktext._ppt95(data[:cut], "cp1252") is None
    # Damaged records inside: every read is bounds-checked, so no exception, some text or none.
    rng = random.Random(95)
    for _ in range(20):
        damaged = bytearray(data)
        for _ in range(50):
            damaged[rng.randrange(1_021_998, len(data))] = rng.randrange(256)
        deck = quicktext._ppt95(bytes(damaged), "cp1252")
        assert deck is None or deck.slide_count <= 42


def test_powerpoint_97_is_not_read_as_95():
    import olefile

    from courses.conversion import quicktext

    with olefile.OleFileIO(str(corpus_file("poi-57272_corrupted_usereditatom.ppt"))) as ole:
        data = ole.openstream("PowerPoint Document").read()
    assert not quicktext._is_ppt95(data)


def test_convert_deck_hands_early_text_then_the_full_text(odp, tmp_path):
    calls = []
    out = tmp_path / "out"
    deck, result = convert_deck(odp, out, on_text=lambda d: calls.append((pdf_made(out), d)))
    assert len(calls) == 2
    pdf_before, early = calls[0]
    assert not pdf_before, "early text comes before LibreOffice has made the PDF"
    assert early.slide_count == deck.slide_count == result.page_count == 14
    assert calls[1][1] is deck


def test_powerpoint_95_early_text_comes_before_libreoffice(tmp_path):
    calls = []
    out = tmp_path / "out"
    deck, result = convert_deck(
        corpus_file("poi-PPT95.ppt"), out, on_text=lambda d: calls.append((pdf_made(out), d))
    )
    assert len(calls) == 2
    pdf_before, early = calls[0]
    assert not pdf_before, "early text comes before LibreOffice has made the PDF"
    assert early.slide_count == deck.slide_count == result.page_count == 42
    assert calls[1][1] is deck


def test_garbage_gives_no_early_text(tmp_path):
    path = tmp_path / "x.odp"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert quick_text(path, "odp") is None
