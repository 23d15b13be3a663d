"""One deck's handout in every layout: page counts, order, text, fonts, note lines, paper."""

from __future__ import annotations

import dataclasses
import datetime
import math

import pypdfium2 as pdfium
import pytest
from PIL import Image

from courses.handouts import (
    HandoutOptions,
    SourceMissing,
    build_deck_handout,
    inputs_digest,
)
from courses.handouts.layouts import grid_slots

from .conftest import (
    CHINESE,
    HIDDEN,
    SLIDES,
    deck_source,
    image_objects,
    marker,
    page_count,
    page_texts,
    pdffonts,
    save_png,
    text_position,
)

GRID = {"1": 1, "2": 2, "3": 3, "4": 4, "6": 6, "9": 9, "notes": 1}
VISIBLE = [n for n in range(1, SLIDES + 1) if n not in HIDDEN]


def build(deck, options, tmp_path, name="out.pdf", **changes):
    out = tmp_path / name
    build_deck_handout(deck, dataclasses.replace(options, **changes), out)
    return out


@pytest.mark.parametrize("layout", list(GRID))
def test_page_count_is_slides_over_slots(layout, deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout=layout)
    assert page_count(out) == math.ceil(len(VISIBLE) / GRID[layout])
    with_hidden = build(deck, options, tmp_path, "all.pdf", layout=layout, include_hidden=True)
    assert page_count(with_hidden) == math.ceil(SLIDES / GRID[layout])


@pytest.mark.parametrize("layout", [*GRID, "outline"])
def test_every_visible_slide_in_order_and_text_extractable(layout, deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout=layout)
    text = "\n".join(page_texts(out))
    positions = [text.find(marker(n)) for n in VISIBLE]
    assert all(p >= 0 for p in positions), text[:500]
    assert positions == sorted(positions)
    for hidden in HIDDEN:
        assert marker(hidden) not in text


def test_hidden_slides_on_request_are_marked(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="6", include_hidden=True)
    first_page = page_texts(out)[0]
    assert marker(3) in first_page and "3 (hidden)" in first_page


@pytest.mark.parametrize(
    ("order", "second_below_first"), [("horizontal", False), ("vertical", True)]
)
def test_order_across_or_down(order, second_below_first, deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="6", order=order, include_hidden=True)
    (x1, y1), (x2, y2) = (text_position(out, 0, marker(n)) for n in (1, 2))
    if second_below_first:
        assert abs(x1 - x2) < 1 and y2 < y1
    else:
        assert abs(y1 - y2) < 1 and x2 > x1


def test_header_and_footer(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="6", recipient="Ann Lee")
    pages = page_texts(out)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Safety at branch events" in text and "Fire safety 消防安全" in text
        assert "elearn demo society · 2026-11-25" in text and "Ann Lee" in text


def test_fonts_embedded_and_chinese_glyphs(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="notes", course_title=CHINESE)
    fonts = pdffonts(out)
    assert fonts and all(font["emb"] == "yes" for font in fonts), fonts
    assert any("CJK" in font["name"] for font in fonts), fonts
    assert CHINESE in page_texts(out)[0]
    png = save_png(out, "chinese-header")
    # The header's Chinese title is drawn, not tofu: dark pixels in the header band.
    image = Image.open(png).convert("L")
    band = image.crop((20, 10, image.width // 2, 30))
    assert band.getextrema()[0] < 100


def test_no_raster_images_added_to_vector_slides(deck, options, tmp_path):
    source = image_objects(deck.pdf_path)
    for layout in ("1", "6", "notes"):
        out = build(deck, options, tmp_path, f"{layout}.pdf", layout=layout)
        assert len(image_objects(out)) == len(source) == 1


def test_note_lines_beside_each_slide_in_layout_3(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="3")
    png = save_png(out, "layout-3-lines")
    image = Image.open(png).convert("L")
    scale = image.width / 595.28
    slots = grid_slots("3", "A4", 16 / 9)
    for slot in slots:
        x = int((slot.lines.x + slot.lines.w / 2) * scale)
        top = int((842 - slot.lines.top) * scale)
        bottom = int((842 - slot.lines.y) * scale)
        column = [image.getpixel((x, y)) for y in range(top, bottom)]
        # Each line is a run of grey pixels between white ones.
        lines = sum(1 for a, b in zip(column, column[1:], strict=False) if a > 240 >= b)
        assert lines >= 5, column


def test_notes_pages_carry_the_notes(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="notes")
    pages = page_texts(out)
    assert "Notes for slide 1: ask a question." in pages[0] and marker(1) in pages[0]
    assert "Notes for slide" not in pages[1]  # slide 2 has none: lines to write on


def test_long_notes_continue_on_another_page(deck, options, tmp_path):
    deck.slides[0].notes = "\n".join(f"Point {i}: " + "words " * 30 for i in range(60))
    out = build(deck, options, tmp_path, layout="notes")
    pages = page_texts(out)
    assert len(pages) > len(VISIBLE)
    assert "Point 59" in "\n".join(pages[:4]) and marker(2) in pages[-len(VISIBLE) + 1]


def test_outline_has_titles_and_text_but_no_slides(deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="outline")
    text = "\n".join(page_texts(out))
    assert "1. Slide 1" in text and "Detail of point 13" in text
    assert image_objects(out) == set()


@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("letter", (612, 792))])
def test_paper(paper, size, deck, options, tmp_path):
    out = build(deck, options, tmp_path, layout="4", paper=paper)
    pdf = pdfium.PdfDocument(str(out))
    assert tuple(round(v) for v in pdf.get_page_size(0)) == size


def test_same_inputs_same_bytes(deck, options, tmp_path):
    first = build(deck, options, tmp_path, "a.pdf", layout="6")
    second = build(deck, options, tmp_path, "b.pdf", layout="6")
    assert first.read_bytes() == second.read_bytes()
    later = build(deck, options, tmp_path, "c.pdf", layout="6", date=datetime.date(2027, 1, 1))
    assert later.read_bytes() != first.read_bytes()
    assert inputs_digest([deck], options) == inputs_digest([deck], options)
    assert inputs_digest([deck], options) != inputs_digest(
        [deck], dataclasses.replace(options, layout="9")
    )


def test_progress_reaches_the_end(deck, options, tmp_path):
    calls = []
    build_deck_handout(
        deck, options, tmp_path / "p.pdf", progress=lambda d, t: calls.append((d, t))
    )
    assert calls and calls[-1][0] == calls[-1][1]
    assert all(d <= t for d, t in calls)


def test_images_when_there_is_no_pdf(vector_pdf, options, tmp_path):
    pdf = pdfium.PdfDocument(str(vector_pdf))
    deck = deck_source(None)
    for slide in deck.slides:
        path = tmp_path / f"slide-{slide.number}.jpg"
        pdf[slide.number - 1].render(scale=1).to_pil().convert("RGB").save(path, quality=80)
        slide.image_path = path
    out = build(deck, options, tmp_path, layout="4")
    assert page_count(out) == math.ceil(len(VISIBLE) / 4)
    assert len(image_objects(out)) == len(VISIBLE)


def test_text_boxes_when_nothing_was_rendered(options, tmp_path):
    out = build(deck_source(None), options, tmp_path, layout="6")
    text = "\n".join(page_texts(out))
    assert "Slide 1" in text and marker(13) in text


def test_missing_pdf_is_a_clear_error(options, tmp_path):
    with pytest.raises(SourceMissing) as error:
        build(deck_source(tmp_path / "gone.pdf"), options, tmp_path)
    assert "convert the deck again" in error.value.message


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="layout"):
        HandoutOptions(layout="5")
    with pytest.raises(ValueError, match="paper"):
        HandoutOptions(paper="A3")


@pytest.mark.parametrize("layout", [*GRID, "outline"])
def test_png_of_each_layout(layout, deck, options, tmp_path):
    """One page of each layout kept under test-artifacts/handouts/ for a person to look at."""
    out = build(deck, options, tmp_path, layout=layout, include_hidden=True)
    png = save_png(out, f"layout-{layout}")
    image = Image.open(png)
    assert image.size[0] > 400 and image.convert("L").getextrema()[0] < 128
