"""Generated decks for the demo course, tests and benchmarks (python-pptx, no files needed)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.util import Inches


def _picture(seed: int) -> bytes:
    # A distinct picture per slide, as in a real lecture deck (LibreOffice cannot dedupe it).
    img = Image.new("RGB", (640, 400), (240, 244, 248))
    draw = ImageDraw.Draw(img)
    for i in range(12):
        colour = ((seed * 37 + i * 20) % 256, (seed * 91 + i * 45) % 256, (i * 60) % 256)
        draw.ellipse(
            [i * 45, (seed * 13 + i * 25) % 300, i * 45 + 90, (seed * 13 + i * 25) % 300 + 90],
            fill=colour,
        )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build_sample_deck(
    path: str | Path,
    slides: int = 10,
    *,
    picture: bool = True,
    notes: bool = True,
    title: str = "Sample lecture",
) -> Path:
    """Write a lecture-like deck: title, bullets at three levels, a picture, notes per slide."""
    prs = Presentation()
    prs.core_properties.title = title
    for number in range(1, slides + 1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = f"{title}: part {number}"
        frame = slide.placeholders[1].text_frame
        frame.text = f"Key idea {number}"
        for level, text in (
            (1, "Why it matters"),
            (2, "An example from practice"),
            (1, "Common mistakes"),
            (0, "Summary"),
        ):
            para = frame.add_paragraph()
            para.text = text
            para.level = level
        if picture:
            slide.shapes.add_picture(
                io.BytesIO(_picture(number)), Inches(6), Inches(4.6), width=Inches(3.5)
            )
        if notes:
            slide.notes_slide.notes_text_frame.text = f"Speaker notes for part {number}."
    path = Path(path)
    prs.save(path)
    return path
