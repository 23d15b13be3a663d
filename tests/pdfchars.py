"""The characters a PDF page prints, each with the font pdfium says it is set in, its size and
its boxes: to check which font a character of a mixed English and Chinese string took."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


@dataclass(frozen=True)
class Char:
    char: str
    font: str  # the embedded font's name without its subset tag: "Carlito-Bold", "NotoSansCJK…"
    size: float
    box: tuple[float, float, float, float]  # left, bottom, right, top of the glyph's ink
    advance: float  # the width the character takes on the line (pdfium's loose box)

    @property
    def cjk(self) -> bool:
        return self.font.startswith("NotoSansCJK")

    @property
    def latin(self) -> bool:
        return self.font.startswith("Carlito")


def _font_name(textpage, index: int) -> str:
    flags = ctypes.c_int()
    length = pdfium_c.FPDFText_GetFontInfo(textpage, index, None, 0, ctypes.byref(flags))
    buffer = ctypes.create_string_buffer(length)
    pdfium_c.FPDFText_GetFontInfo(textpage, index, buffer, length, ctypes.byref(flags))
    return buffer.value.decode().split("+")[-1]


def page_chars(source, page_index: int = 0) -> tuple[list[Char], tuple[float, float]]:
    """The visible characters of one page in reading order, and the page's size."""
    pdf = pdfium.PdfDocument(source)
    try:
        page = pdf[page_index]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        chars = []
        for index in range(textpage.count_chars()):
            if text[index].isspace():
                continue
            loose = pdfium_c.FS_RECTF()
            pdfium_c.FPDFText_GetLooseCharBox(textpage, index, ctypes.byref(loose))
            chars.append(
                Char(
                    text[index],
                    _font_name(textpage, index),
                    pdfium_c.FPDFText_GetFontSize(textpage, index),
                    textpage.get_charbox(index),
                    loose.right - loose.left,
                )
            )
        return chars, page.get_size()
    finally:
        pdf.close()


def find(chars: list[Char], text: str) -> list[Char]:
    """The characters printing ``text`` (its first occurrence, whitespace left out)."""
    wanted = "".join(text.split())
    printed = "".join(c.char for c in chars)
    start = printed.find(wanted)
    assert start >= 0, f"{text!r} is not on the page: {printed!r}"
    return chars[start : start + len(wanted)]
