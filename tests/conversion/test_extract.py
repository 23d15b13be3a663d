"""Text and structure from decks built here with python-pptx (no LibreOffice needed)."""

from __future__ import annotations

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


def test_prepare_and_extract_text(tmp_path):
    path = build_sample_deck(tmp_path / "d50.pptx", 50)
    prepared = prepare(path, tmp_path / "work")
    deck = extract_text(prepared, tmp_path / "media")
    assert deck.slide_count == 50
    assert deck.slides[9].paragraphs[1] == (1, "Why it matters")
    assert deck.slides[9].notes == "Speaker notes for part 10."


def test_zero_slides(tmp_path):
    from pptx import Presentation

    path = tmp_path / "empty.pptx"
    Presentation().save(path)
    with pytest.raises(NoSlides) as info:
        extract_text(prepare(path, tmp_path / "work"))
    assert info.value.code == "no_slides"


def _shapes_deck(path):
    """A slide of the shapes read straight from the XML: groups, a linked shape, a merged table
    cell with a link, a chart title, a line break, and a body placeholder placed by its layout."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Shapes"
    slide.placeholders[1].text_frame.text = "Body from the layout"  # no offset of its own
    top = slide.shapes.add_textbox(Inches(1), Inches(0.2), Inches(3), Inches(0.5))
    top.text_frame.text = "Above everything"
    top.text_frame.paragraphs[0].runs[0].text = "Above"
    top.text_frame.paragraphs[0].add_line_break()
    top.text_frame.paragraphs[0].add_run().text = "everything"
    group = slide.shapes.add_group_shape()
    lower = group.shapes.add_textbox(Inches(1), Inches(6.5), Inches(2), Inches(0.5))
    lower.text_frame.text = "Group, lower"
    upper = group.shapes.add_textbox(Inches(1), Inches(6), Inches(2), Inches(0.5))
    upper.text_frame.text = "Group, upper"
    button = slide.shapes.add_textbox(Inches(7), Inches(6.8), Inches(2), Inches(0.5))
    button.text_frame.text = "More"
    button.click_action.hyperlink.address = "https://example.org/more"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(4.5), Inches(4), Inches(1)).table
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(0, 0).text = "Merged"
    table.cell(1, 0).text = "A"
    run = table.cell(1, 1).text_frame.paragraphs[0].add_run()
    run.text = "B"
    run.hyperlink.address = "https://example.org/b"
    data = CategoryChartData()
    data.categories = ["x", "y"]
    data.add_series("s", (1, 2))
    chart = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(6), Inches(4.5), Inches(3), Inches(2), data
    ).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "Sales"
    prs.save(path)
    return path


def test_shapes_read_from_the_xml(tmp_path):
    (slide,) = extract_deck(_shapes_deck(tmp_path / "shapes.pptx")).slides
    assert slide.title == "Shapes"
    assert slide.paragraphs == [
        (0, "Above\neverything"),
        (0, "Body from the layout"),  # the layout puts the body at 1.6 in
        (0, "Sales"),
        (0, "Group, upper"),
        (0, "Group, lower"),
        (0, "More"),
    ]
    assert slide.tables == [[["Merged", ""], ["A", "B"]]]
    assert [(h.text, h.url) for h in slide.hyperlinks] == [
        ("B", "https://example.org/b"),
        ("More", "https://example.org/more"),
    ]


def test_two_hundred_slides_are_all_read(tmp_path):
    # How fast is bench/text_ready.py's business: timed asserts fail on a busy machine.
    path = build_sample_deck(tmp_path / "d200.pptx", 200)
    deck = extract_deck(path)
    assert deck.slide_count == 200
    assert deck.slides[199].title == "Sample lecture: part 200"
    assert deck.slides[199].notes == "Speaker notes for part 200."


def _deck_with_furniture(path):
    from pptx import Presentation

    prs = Presentation()
    layout = prs.slide_layouts[1]
    for number in (1, 2):
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = f"Fire safety {number}"
        slide.placeholders[1].text_frame.text = "Know your exits"
        furniture = {"sldNum": f"Page {number}", "dt": "2026-11-28", "ftr": "Branch office"}
        for placeholder in layout.placeholders:
            kind = placeholder._element.ph_type
            name = {13: "sldNum", 16: "dt", 15: "ftr"}.get(int(kind))
            if name:
                slide.shapes.clone_placeholder(placeholder)
                slide.shapes[-1].text_frame.text = furniture[name]
    prs.save(path)
    return path


def test_slide_number_date_and_footer_are_not_slide_text(tmp_path):
    # They read "Page 3" or the organisation's name on every slide: noise for screen readers
    # and search, and PowerPoint's outline leaves them out too.
    from courses.conversion.quicktext import quick_text

    path = _deck_with_furniture(tmp_path / "furniture.pptx")
    for deck in (extract_deck(path), quick_text(path, "pptx", strict=True)):
        for slide in deck.slides:
            assert slide.paragraphs == [(0, "Know your exits")], slide.paragraphs
