"""Decks for the handout core: a vector PDF drawn with reportlab (fast, no LibreOffice), and a
python-pptx deck converted by our LibreOffice pipeline (slow; it shows LibreOffice's traps)."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches, Pt
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from courses.handouts import DeckSource, HandoutOptions, SlideSource
from courses.handouts.fonts import FontBook
from tests.conftest import ARTIFACTS_DIR

CHINESE = "加强机关信息化建设，提高工作效率"
SLIDES = 13
HIDDEN = {3}  # slide numbers
SLIDE_W, SLIDE_H = 720.0, 405.0

needs_soffice = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is not installed (Debian package libreoffice-impress-nogui)",
)


def marker(number: int) -> str:
    """Text on slide ``number`` that nothing else prints, to find it in the output."""
    return f"Marker{number:02d}"


def _picture() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


def draw_vector_deck(path: Path, slides: int = SLIDES) -> Path:
    """A 16:9 deck PDF with real text (embedded Carlito) and one shared picture on every
    page, as a converted deck would be."""
    fonts = FontBook.for_texts(["Slide Marker 0123456789"])
    canvas = Canvas(
        str(path),
        pagesize=(SLIDE_W, SLIDE_H),
        invariant=1,
        initialFontName=f"{fonts.latin}-regular",
    )
    picture = ImageReader(io.BytesIO(_picture()))
    for number in range(1, slides + 1):
        canvas.setFillColorRGB(0.93, 0.95, 0.98)
        canvas.rect(0, 0, SLIDE_W, SLIDE_H, fill=1, stroke=0)
        canvas.setFillColorRGB(0.1, 0.1, 0.2)
        canvas.setFont(f"{fonts.latin}-bold", 36)
        canvas.drawString(40, SLIDE_H - 70, f"Slide {number}")
        canvas.setFont(f"{fonts.latin}-regular", 24)
        canvas.drawString(40, SLIDE_H - 130, marker(number))
        canvas.drawImage(picture, SLIDE_W - 200, 40, 160, 120)
        canvas.showPage()
    canvas.save()
    return path


def deck_source(pdf: Path | None, slides: int = SLIDES, **extra) -> DeckSource:
    return DeckSource(
        title="Fire safety 消防安全",
        slides=[
            SlideSource(
                number=number,
                title=f"Slide {number}",
                paragraphs=[(0, marker(number)), (1, f"Detail of point {number}")],
                notes=f"Notes for slide {number}: ask a question." if number % 2 else "",
                hidden=number in HIDDEN,
            )
            for number in range(1, slides + 1)
        ],
        pdf_path=pdf,
        slide_size=(SLIDE_W, SLIDE_H),
        **extra,
    )


@pytest.fixture(scope="session")
def vector_pdf(tmp_path_factory) -> Path:
    return draw_vector_deck(tmp_path_factory.mktemp("deck") / "deck.pdf")


@pytest.fixture
def deck(vector_pdf) -> DeckSource:
    return deck_source(vector_pdf)


@pytest.fixture
def options() -> HandoutOptions:
    return HandoutOptions(
        course_title="Safety at branch events",
        organisation="elearn demo society",
        date=datetime.date(2026, 11, 25),
    )


def build_pptx(path: Path, slides: int = 12) -> Path:
    """A lecture-like deck: a distinct picture per slide (LibreOffice then lists every picture
    in every page's resources), a hidden slide, Chinese text, a shape hanging off the slide."""
    from courses.conversion.sample import _picture as sample_picture

    prs = Presentation()
    for number in range(1, slides + 1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"Slide {number}"
        frame = slide.placeholders[1].text_frame
        frame.text = marker(number)
        if number == 2:
            para = frame.add_paragraph()
            para.text = CHINESE
            for run in para.runs:
                run.font.name = "Microsoft YaHei"
        slide.shapes.add_picture(
            io.BytesIO(sample_picture(number)), Inches(6), Inches(4.6), width=Inches(3.5)
        )
        if number == 4:
            shape = slide.shapes.add_shape(1, Inches(8), Inches(6), Inches(5), Inches(4))
            shape.fill.solid()
            shape.fill.fore_color.rgb = RGBColor(255, 0, 0)
            shape.text_frame.text = "OFFSLIDE"
            shape.text_frame.paragraphs[0].runs[0].font.size = Pt(40)
        if number in HIDDEN:
            slide._element.set("show", "0")
        slide.notes_slide.notes_text_frame.text = f"Notes for slide {number}."
    prs.save(path)
    return path


@pytest.fixture(scope="session")
def converted_deck(tmp_path_factory):
    """(DeckSource, PDF path) of the pptx deck through our LibreOffice export."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice is not installed")
    from courses.conversion import convert_to_pdf, extract_deck

    base = tmp_path_factory.mktemp("converted")
    pptx = build_pptx(base / "lecture.pptx")
    pdf = convert_to_pdf(pptx, base / "pdf", timeout=240)
    content = extract_deck(pptx)
    source = DeckSource(
        title="Converted lecture",
        slides=[
            SlideSource(s.number, s.title, s.paragraphs, s.tables, s.notes, s.hidden)
            for s in content.slides
        ],
        pdf_path=pdf,
    )
    return source, pdf


# Checking output as a reader would -----------------------------------------------------------


def page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def text_position(path: Path, page_index: int, text: str) -> tuple[float, float] | None:
    """Bottom-left of the first occurrence of ``text`` on a page, in points."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        textpage = pdf[page_index].get_textpage()
        searcher = textpage.search(text)
        found = searcher.get_next()
        if found is None:
            return None
        left, bottom, _right, _top = textpage.get_charbox(found[0])
        return left, bottom
    finally:
        pdf.close()


def page_count(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdffonts(path: Path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        # name type... emb sub uni object ID: the yes/no columns are fixed from the right.
        cells = line.split()
        rows.append({"name": cells[0], "emb": cells[-5], "sub": cells[-4], "uni": cells[-3]})
    return rows


def image_objects(path: Path) -> set[tuple[str, str]]:
    """Distinct image objects drawn anywhere in the PDF (pdfimages -list)."""
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    )
    objects = set()
    for line in out.stdout.splitlines()[2:]:
        cells = line.split()
        if len(cells) > 11:
            objects.add((cells[10], cells[11]))  # object number, generation
    return objects


def save_png(path: Path, name: str, page: int = 1) -> Path:
    """Render one page as a PNG test artefact (pdftoppm), as a person would look at it."""
    folder = ARTIFACTS_DIR / "handouts"
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / name
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")
