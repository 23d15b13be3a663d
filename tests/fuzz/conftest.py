"""Fixtures of the fuzz tests: seeds (the shared corpus, or decks made here), the local
listener no case may contact, and the deck conversion every deck case goes through."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from courses.conversion import Limits, convert_deck
from tests.conversion.conftest import build_feature_deck

from . import build
from .harness import Listener

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
# Small real decks of every kind the pipeline takes: fast enough to convert many times.
DECK_SEEDS = [
    "pp-sld-notes.pptx",
    "pp-tbl-cell.pptx",
    "pp-shp-freeform.pptx",
    "sc-061_font-color.pptx",
    "sc-autoshape-case018_rotation.pptx",
    "poi-shapes.pptx",
    "poi-with_japanese.pptx",
    "tika-testPPT_masterFooter.pptx",
    "tika-testWordArt.pptx",
    "ox-AllSlidesConverterSC.pptx",
    "ox-Presentation.potx",
    "poi-SimpleMacro.pptm",
    "poi-testPPT.ppsm",
    "us-fake-power-point-malformed.pptx",
    "poi-57272_corrupted_usereditatom.ppt",
]
VIDEO_SEEDS = [
    "mp-big_buck_bunny_432_433.webm",
    "mp-transparent.webm",
    "pp-just-two-mice.mp4",
    "mp-smpte-2997.mp4",
    "mp-video_with_failing_audio.mp4",
]
# Generous for a real deck, small enough that a runaway parser or LibreOffice is stopped.
FUZZ_LIMITS = Limits(
    soffice_timeout_s=float(os.environ.get("ELEARN_FUZZ_SOFFICE_TIMEOUT", "60")),
    max_memory_mb=int(os.environ.get("ELEARN_FUZZ_MEMORY_MB", "2048")),
)


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-seeds")


@pytest.fixture(scope="session")
def deck_seeds(seed_dir) -> list[Path]:
    """Real decks from the shared corpus, and always two made here (so fuzzing runs without
    the corpus too)."""
    made = [
        build_feature_deck(seed_dir / "features.pptx"),
        build.base_deck(seed_dir / "two-slides.pptx", slides=2),
    ]
    corpus = [CORPUS / "pptx" / name for name in DECK_SEEDS]
    return made + [path for path in corpus if path.is_file()]


@pytest.fixture(scope="session")
def small_deck(seed_dir) -> Path:
    """One slide with a title, a line of text and a picture: the base of the built cases."""
    return build.base_deck(seed_dir / "small.pptx")


@pytest.fixture
def listener():
    """A local port that fails the test if anything connects to it."""
    port = Listener()
    try:
        yield port
    finally:
        port.close()
    assert port.hits == [], f"the conversion contacted the network: {port.hits[:3]}"


def convert(path: Path, tmp: Path):
    """The whole deck pipeline as a worker runs it, the early text included."""
    early = []
    deck, result = convert_deck(
        path, tmp / "images", tmp / "media", limits=FUZZ_LIMITS, on_text=early.append
    )
    return deck, result, early


def check_converted(converted, *, canary: str | None = None) -> None:
    """A successful conversion's output is sane: slides with text, images that open, one PDF
    page per slide, and nothing read from files the deck pointed at."""
    deck, result, early = converted
    assert deck.slide_count >= 1
    assert result.page_count == deck.slide_count
    assert result.pdf_path.is_file() and result.pdf_path.stat().st_size > 0
    for page in result.pages:
        for path in [*page.files.values(), page.thumbnail]:
            assert path is not None and path.stat().st_size > 0
            with Image.open(path) as image:
                assert 0 < image.width <= 1920 and 0 < image.height <= 16_383
    for slide in deck.slides:
        assert isinstance(slide.plain_text(), str)
    if canary:
        texts = [s.plain_text() for d in [deck, *early] for s in d.slides]
        assert not any(canary in text for text in texts), "a file's contents leaked into text"
        pdf = pdfium.PdfDocument(str(result.pdf_path))
        try:
            pdf_text = "".join(page.get_textpage().get_text_bounded() for page in pdf)
        finally:
            pdf.close()
        assert canary not in pdf_text, "a file's contents leaked into the slides"


@pytest.fixture
def canary(tmp_path) -> tuple[Path, str]:
    """A local file whose contents must never turn up in a converted deck; beside it
    ``secret.png``, a magenta picture that must never turn up in a slide image."""
    secret = "CANARY-" + os.urandom(6).hex()
    path = tmp_path / "secret.txt"
    path.write_text(secret + "\n")
    Image.new("RGB", (400, 300), MAGENTA).save(tmp_path / "secret.png")
    return path, secret


MAGENTA = (255, 0, 255)


def check_no_magenta(converted) -> None:
    """No slide image shows the local picture a deck linked to."""
    _deck, result, _early = converted
    for page in result.pages:
        with Image.open(max(page.files.items())[1]) as image:
            magenta = magenta_pixels(image)
        assert magenta < 20, f"slide {page.number} shows the linked local picture"


def magenta_pixels(image: Image.Image) -> int:
    """Pixels of the canary's magenta in ``image`` shrunk to 96 × 54 (a linked picture shows
    as well over 20)."""
    small = image.convert("RGB").resize((96, 54))
    return sum(1 for r, g, b in small.getdata() if r > 200 and g < 60 and b > 200)
