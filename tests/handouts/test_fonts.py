"""FontBook.runs: which font sets each part of a string mixing English and Chinese."""

from __future__ import annotations

import pytest

from courses.handouts.fonts import FontBook

TEXTS = {
    "Digital office basics · 信息化办公基础": [
        ("latin", "Digital office basics · "),
        ("cjk", "信息化办公基础"),
    ],
    "What’s new – 新功能": [("latin", "What’s new – "), ("cjk", "新功能")],
    "Anna O’Brien 李": [("latin", "Anna O’Brien "), ("cjk", "李")],
    # Quotes go with the text they open and close; punctuation between Chinese stays Chinese.
    "他说“Hello…”。": [("cjk", "他说"), ("latin", "“Hello…”"), ("cjk", "。")],
    "“电子政务” — What’s new": [("cjk", "“电子政务”"), ("latin", " — What’s new")],
    # A string in one script is one run, exactly as before: digits and ASCII too.
    "加强机关信息化建设，“提高”工作效率…第3讲 (2026)": [
        ("cjk", "加强机关信息化建设，“提高”工作效率…第3讲 (2026)")
    ],
    "Tom O’Neil – “Ann” Lee · 2026…": [("latin", "Tom O’Neil – “Ann” Lee · 2026…")],
}


@pytest.fixture(scope="module")
def book() -> FontBook:
    return FontBook.for_texts(TEXTS)


@pytest.mark.parametrize("text", TEXTS)
def test_runs(book, text):
    names = {f"{book.latin}-bold": "latin", f"{book.cjk}-bold": "cjk"}
    assert [(names[font], chunk) for font, chunk in book.runs(text, bold=True)] == TEXTS[text]


def test_widths_are_measured_in_the_fonts_drawn(book):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    mixed = "Anna O’Brien 李"
    expected = stringWidth("Anna O’Brien ", f"{book.latin}-regular", 20) + stringWidth(
        "李", f"{book.cjk}-regular", 20
    )
    assert book.string_width(mixed, 20) == pytest.approx(expected)
    # Set wholly in Noto CJK the ’ alone took a full em.
    assert book.string_width(mixed, 20) < stringWidth(mixed, f"{book.cjk}-regular", 20) - 10


def test_paragraph_markup_keeps_bold_and_escapes(book):
    pieces = [(False, "<b>"), (True, "Bold’s 中文 & <x>"), (False, "</b>"), (True, "好")]
    assert book.markup(pieces, f"{book.cjk}-regular") == (
        f'<b><font name="{book.latin}-bold">Bold’s </font>中文'
        f'<font name="{book.latin}-bold"> &amp; &lt;x&gt;</font></b>好'
    )
    assert book.markup("Plain <English>", f"{book.latin}-regular") == "Plain &lt;English&gt;"
