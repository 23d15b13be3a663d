"""Fixtures for the conversion core: decks built with python-pptx, and the shared corpus."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches, Pt

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
PPTX_CORPUS = CORPUS / "pptx"

needs_soffice = pytest.mark.skipif(
    not (shutil.which("soffice") or shutil.which("libreoffice")),
    reason="LibreOffice is not installed (Debian package libreoffice-impress-nogui)",
)


def corpus_file(name: str) -> Path:
    path = PPTX_CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} not found (expected the shared corpus at {CORPUS})")
    return path


def build_feature_deck(path: Path) -> Path:
    """Four slides covering every extracted field; slide 3 is hidden, slide 4 is Chinese."""
    prs = Presentation()
    # 1: title, bullets at levels, hyperlink, notes, timing
    s1 = prs.slides.add_slide(prs.slide_layouts[1])
    s1.shapes.title.text = "Fire safety basics"
    frame = s1.placeholders[1].text_frame
    frame.text = "Know your exits"
    for level, text in ((1, "Two ways out of every room"), (2, "Keep corridors clear")):
        para = frame.add_paragraph()
        para.text = text
        para.level = level
    link_para = frame.add_paragraph()
    run = link_para.add_run()
    run.text = "Guidance"
    run.hyperlink.address = "https://example.org/fire"
    s1.notes_slide.notes_text_frame.text = "Ask who has used an extinguisher."
    transition = s1._element.makeelement(
        "{http://schemas.openxmlformats.org/presentationml/2006/main}transition",
        {"advTm": "5000"},
    )
    s1._element.insert(2, transition)
    # 2: table and picture with alt text; a text box lower on the page than the table
    s2 = prs.slides.add_slide(prs.slide_layouts[5])
    s2.shapes.title.text = "Extinguishers"
    table = s2.shapes.add_table(3, 2, Inches(1), Inches(1.6), Inches(5), Inches(1.5)).table
    for r, row in enumerate([("Type", "Use on"), ("Water", "Paper, wood"), ("CO2", "Electrics")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buf = io.BytesIO()
    Image.new("RGB", (200, 120), (200, 30, 30)).save(buf, "PNG")
    buf.seek(0)
    pic = s2.shapes.add_picture(buf, Inches(6.5), Inches(1.6), width=Inches(2))
    pic._element.nvPicPr.cNvPr.set("descr", "A red fire extinguisher")
    box = s2.shapes.add_textbox(Inches(1), Inches(5.5), Inches(6), Inches(1))
    box.text_frame.text = "Check the label first"
    # 3: hidden
    s3 = prs.slides.add_slide(prs.slide_layouts[1])
    s3.shapes.title.text = "Trainer only"
    s3.placeholders[1].text_frame.text = "Answers to the quiz"
    s3._element.set("show", "0")
    # 4: Chinese in Microsoft YaHei
    s4 = prs.slides.add_slide(prs.slide_layouts[5])
    s4.shapes.title.text = "消防安全"
    box = s4.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(2))
    box.text_frame.text = "加强机关信息化建设，提高工作效率"
    for para in box.text_frame.paragraphs:
        for r in para.runs:
            r.font.name = "Microsoft YaHei"
            r.font.size = Pt(28)
            rpr = r._r.get_or_add_rPr()
            ea = rpr.makeelement(
                "{http://schemas.openxmlformats.org/drawingml/2006/main}ea",
                {"typeface": "Microsoft YaHei"},
            )
            rpr.append(ea)
    prs.save(path)
    return path


@pytest.fixture(scope="session")
def feature_deck(tmp_path_factory) -> Path:
    return build_feature_deck(tmp_path_factory.mktemp("decks") / "features.pptx")


@pytest.fixture(scope="session")
def converted_feature_deck(tmp_path_factory, feature_deck):
    """The feature deck through the whole pipeline once (LibreOffice), shared by slow tests."""
    from courses.conversion import convert_deck

    base = tmp_path_factory.mktemp("converted")
    deck, result = convert_deck(feature_deck, base / "images", base / "media")
    return deck, result
