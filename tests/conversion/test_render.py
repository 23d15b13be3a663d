"""LibreOffice → PDF → images, on decks built here (slow: each starts LibreOffice)."""

from __future__ import annotations

import shutil
import subprocess

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from courses.conversion import (
    ConversionTimeout,
    Limits,
    MissingDependency,
    convert_to_pdf,
    extract_text,
    pdf_page_count,
    prepare,
    render,
    render_pages,
)
from courses.conversion.sample import build_sample_deck

from .conftest import needs_soffice

pytestmark = [pytest.mark.slow, needs_soffice]


def test_pdf_has_every_slide_including_hidden(converted_feature_deck):
    deck, result = converted_feature_deck
    assert deck.slide_count == 4 and deck.slides[2].hidden
    assert pdf_page_count(result.pdf_path) == 4
    assert result.page_count == 4
    pdf = pdfium.PdfDocument(str(result.pdf_path))
    hidden_text = pdf[2].get_textpage().get_text_bounded()
    assert "Trainer only" in hidden_text


def test_images_at_every_width(converted_feature_deck):
    _deck, result = converted_feature_deck
    for page in result.pages:
        assert sorted(page.files) == [480, 960, 1920]
        for width, path in page.files.items():
            with Image.open(path) as img:
                assert img.format == "WEBP"
                assert img.width == width
                assert abs(img.height - width * 3 / 4) <= 1
        assert page.thumbnail.exists()
        with Image.open(page.thumbnail) as thumb:
            assert thumb.width == 240
    assert (result.pages[0].width, result.pages[0].height) == (1920, 1440)


def _cjk_deck(path, font, lang, text="直骨写关"):
    """One slide of characters whose Chinese and Japanese glyph forms differ."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(2))
    box.text_frame.text = text
    run = box.text_frame.paragraphs[0].runs[0]
    run.font.name = font
    run.font.size = Pt(60)
    rpr = run._r.get_or_add_rPr()
    if lang:
        rpr.set("lang", lang)
    rpr.append(rpr.makeelement(f"{{{A_NS}}}ea", {"typeface": font}))
    prs.save(path)
    return path


A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _slide_image(deck, out):
    pdf = convert_to_pdf(deck, out)
    (page,) = render_pages(pdf, out, widths=(960,), thumb_width=None, fmt="jpeg")
    with Image.open(page.files[960]) as img:
        return pdf, img.convert("L")


def _differing_pixels(a, b):
    return sum(1 for v in ImageChops.difference(a, b).getdata() if v > 64)


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
@pytest.mark.parametrize(
    ("font", "lang"), [("Microsoft YaHei", "zh-CN"), ("微软雅黑", None), ("SimSun", "zh-CN")]
)
def test_chinese_fonts_render_with_simplified_chinese_glyphs(tmp_path, font, lang):
    # pdffonts names every face of the Noto CJK collection "NotoSansCJKjp" (they share one CFF
    # table), so the glyph shapes themselves are compared with SC and JP references.
    pdf, image = _slide_image(_cjk_deck(tmp_path / "zh.pptx", font, lang), tmp_path / "zh")
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert "NotoSansCJK" in fonts or "NotoSerifCJK" in fonts, fonts
    family = "Noto Serif CJK SC" if font == "SimSun" else "Noto Sans CJK SC"
    _pdf, sc = _slide_image(_cjk_deck(tmp_path / "sc.pptx", family, "zh-CN"), tmp_path / "sc")
    _pdf, jp = _slide_image(
        _cjk_deck(tmp_path / "jp.pptx", family.replace("SC", "JP"), "ja-JP"), tmp_path / "jp"
    )
    assert _differing_pixels(sc, jp) > 100  # the references really differ
    assert _differing_pixels(image, sc) < 20
    assert _differing_pixels(image, jp) > 100


def test_split_export_keeps_order_and_hidden_slides(tmp_path, feature_deck):
    # Force the two-process export on a small deck: pages must still be in PowerPoint order.
    prepared = prepare(feature_deck, tmp_path / "work")
    result = render(
        prepared, tmp_path / "out", widths=(480,), thumb_width=None, fmt="jpeg", split_threshold=2
    )
    assert result.page_count == 4
    pdf = pdfium.PdfDocument(str(result.pdf_path))
    texts = [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]
    assert "Fire safety" in texts[0] and "Extinguishers" in texts[1]
    assert "Trainer only" in texts[2] and "消防安全" in texts[3]
    assert [p.files[480].suffix for p in result.pages] == [".jpg"] * 4
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_pdf_upload_is_rendered_directly(tmp_path, converted_feature_deck):
    _deck, result = converted_feature_deck
    upload = tmp_path / "handout.pdf"
    shutil.copy(result.pdf_path, upload)
    prepared = prepare(upload, tmp_path / "work")
    assert prepared.format == "pdf"
    deck = extract_text(prepared)
    assert deck.slide_count == 4 and deck.slides[0].title.startswith("Fire safety")
    images = render(prepared, tmp_path / "out", widths=(480,), thumb_width=120)
    assert images.page_count == 4 and images.soffice_seconds == 0


def test_timeout_kills_libreoffice(tmp_path):
    deck = build_sample_deck(tmp_path / "d.pptx", 3)
    with pytest.raises(ConversionTimeout) as info:
        convert_to_pdf(deck, tmp_path / "out", timeout=0.3)
    assert info.value.code == "timeout"
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, timeout=10)
    assert leftover.stdout == b""


def test_timeout_from_limits_leaves_nothing(tmp_path):
    deck = build_sample_deck(tmp_path / "d.pptx", 3)
    prepared = prepare(deck, tmp_path / "work")
    with pytest.raises(ConversionTimeout):
        render(prepared, tmp_path / "out", limits=Limits(soffice_timeout_s=0.3))
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_missing_libreoffice_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingDependency) as info:
        convert_to_pdf(tmp_path / "x.pptx", tmp_path)
    assert "libreoffice-impress-nogui" in info.value.message


def test_huge_page_is_capped(tmp_path):
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(200, 20000)  # a 1:100 banner
    path = tmp_path / "banner.pdf"
    pdf.save(str(path))
    (page,) = render_pages(
        path, tmp_path / "img", widths=(1920,), thumb_width=None, max_pixels=4_000_000
    )
    assert page.width * page.height <= 4_000_000


LATIN_LINE = "What’s “quoted” … en–dash em—dash won’t · dot"
MIXED_LINE = "Welcome · 欢迎直骨"
CHINESE_LINE = "“机关”信息化，建设基础。直骨写关"
# Han characters whose Simplified Chinese and Japanese forms are different glyphs (CIDs).
FORM_TEST = "直骨写关"


def _punctuation_deck(path, font):
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    for index, (text, lang) in enumerate(
        ((LATIN_LINE, "en-US"), (MIXED_LINE, None), (CHINESE_LINE, "zh-CN"))
    ):
        box = slide.shapes.add_textbox(Inches(0.3), Inches(0.5 + 2 * index), Inches(9.4), Inches(1))
        box.text_frame.text = text
        run = box.text_frame.paragraphs[0].runs[0]
        run.font.name = font
        run.font.size = Pt(24)
        if lang:
            run._r.get_or_add_rPr().set("lang", lang)
    prs.save(path)
    return path


def _drawn_with(pdf_path):
    """[(char, font name, embedded font bytes)] for every character pdfium finds on page 1."""
    import ctypes

    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(pdf_path))
    textpage = pdf[0].get_textpage()
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    fonts: dict[int, bytes] = {}
    drawn = []
    for index in range(raw.FPDFText_CountChars(textpage)):
        char = chr(raw.FPDFText_GetUnicode(textpage, index))
        if char.isspace() or char in "\ufffe\x00":
            continue
        raw.FPDFText_GetFontInfo(textpage, index, name, len(name), ctypes.byref(flags))
        font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(textpage, index))
        key = ctypes.cast(font, ctypes.c_void_p).value
        if key not in fonts:
            size = ctypes.c_size_t()
            raw.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size))
            data = (ctypes.c_uint8 * size.value)()
            raw.FPDFFont_GetFontData(font, data, size.value, ctypes.byref(size))
            fonts[key] = bytes(data)
        drawn.append((char, name.value.decode(), fonts[key]))
    return drawn


def _cjk_glyph_names(family, text):
    from fontTools.ttLib import TTFont

    from courses.handouts.fonts import font_file

    path, index = font_file(family)
    cmap = TTFont(str(path), fontNumber=index, lazy=True).getBestCmap()
    return {cmap[ord(char)].encode() for char in text}


@pytest.mark.parametrize("font", ["Tw Cen MT", "Arial"])
def test_latin_punctuation_is_not_drawn_with_the_cjk_font(tmp_path, font):
    # A Latin font this machine lacks once fell back to Noto Sans CJK, whose ’ “ ” · … are
    # full-width: "What’s" printed as "What ’s". Chinese text must keep the SC face.
    pdf = convert_to_pdf(_punctuation_deck(tmp_path / "deck.pptx", font), tmp_path / "out")
    drawn = _drawn_with(pdf)
    latin = drawn[: len(LATIN_LINE.replace(" ", ""))]
    assert "".join(char for char, _f, _d in latin) == LATIN_LINE.replace(" ", "")
    wrong = [(char, name) for char, name, _data in latin if "CJK" in name]
    assert not wrong, wrong
    mixed = drawn[len(latin) : len(latin) + len(MIXED_LINE.replace(" ", ""))]
    by_char = {char: name for char, name, _data in mixed}
    assert "CJK" not in by_char["·"] and "CJK" not in by_char["W"], by_char
    assert all("CJK" in by_char[char] for char in "欢迎直骨"), by_char
    chinese = drawn[len(latin) + len(mixed) :]
    assert "".join(char for char, _f, _d in chinese) == CHINESE_LINE
    # Chinese punctuation stays in the CJK font (full-width) inside Chinese text.
    assert all("CJK" in name for _char, name, _data in chinese), chinese
    # pdffonts and pdfium call every face of the collection "NotoSansCJKjp"; the subset's
    # glyph names (cidNNNNN) show which face's forms were drawn.
    sc = _cjk_glyph_names("Noto Sans CJK SC", FORM_TEST)
    jp = _cjk_glyph_names("Noto Sans CJK JP", FORM_TEST)
    assert not sc & jp
    for char, _name, data in chinese + mixed:
        if char in FORM_TEST:
            assert any(glyph in data for glyph in sc) and not any(g in data for g in jp), char


@pytest.mark.parametrize(
    ("font", "face"),
    [
        ("Arial", "LiberationSans"),
        ("Times New Roman", "LiberationSerif"),
        ("Courier New", "LiberationMono"),
        ("Calibri", "Carlito"),
        ("Cambria", "Caladea"),
    ],
)
def test_office_fonts_are_drawn_in_faces_with_their_widths(tmp_path, font, face):
    # Office's own fonts are not on a Linux server. Each of these has a free face with the
    # same letter widths, so a line breaks on the slide image where it breaks in PowerPoint;
    # any other stand-in wraps titles and overflows boxes.
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(9), Inches(1))
    box.text_frame.text = "Fire exits"
    box.text_frame.paragraphs[0].runs[0].font.name = font
    box.text_frame.paragraphs[0].runs[0].font.size = Pt(28)
    prs.save(tmp_path / "deck.pptx")
    drawn = _drawn_with(convert_to_pdf(tmp_path / "deck.pptx", tmp_path / "out"))
    assert "".join(char for char, _n, _d in drawn) == "Fireexits"
    assert all(face in name for _c, name, _d in drawn), {name for _c, name, _d in drawn}
