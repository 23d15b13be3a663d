"""Course handout sets (cover, contents, lessons, articles, duplex), roster copies, and
LibreOffice-converted decks (their image lists and off-slide shapes)."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest
from PIL import Image

from courses.handouts import (
    ArticleSource,
    HandoutError,
    Heading,
    Picture,
    Quote,
    RichText,
    Table,
    build_course_handout,
    build_deck_handout,
    build_roster,
)

from .conftest import (
    CHINESE,
    image_objects,
    marker,
    needs_soffice,
    page_count,
    page_texts,
    pdffonts,
    save_png,
)


@pytest.fixture
def article(tmp_path) -> ArticleSource:
    picture = tmp_path / "diagram.png"
    Image.new("RGB", (600, 300), (20, 120, 200)).save(picture)
    return ArticleSource(
        title="什么是电子政务",
        summary="电子政务的概念、发展和意义。",
        section="Part 1 · Basics 基础",
        blocks=[
            Heading("概念"),
            RichText(
                "<p>电子政务是指国家机关在政务活动中，全面应用现代信息技术。"
                "<b>Bold</b> and <i>italic</i> and <a href='https://example.org'>a link</a>.</p>"
                "<ul><li>First point</li><li>Second point</li></ul>"
                "<script>alert(1)</script><p>A &lt;tag&gt; stays text</p>"
            ),
            Picture(picture, alt="A diagram", caption="Figure 1: the stages"),
            Table(
                [["阶段", "特点"], ["起步", "办公自动化"], ["发展", "网上办事"]], caption="发展阶段"
            ),
            Quote("公文处理应当坚持实事求是。", "第三条"),
            RichText("".join(f"<p>Paragraph {i} " + "text " * 80 + "</p>" for i in range(12))),
        ],
    )


@pytest.fixture
def course(deck, article):
    first = dataclasses.replace(deck, section="Part 1 · Basics 基础")
    second = dataclasses.replace(deck, title="Second lecture", section="Part 2 · Practice")
    return [first, article, second]


def test_course_set(course, options, tmp_path):
    options = dataclasses.replace(options, trainers=["Tom Trainer"], recipient="North branch")
    out = tmp_path / "course.pdf"
    result = build_course_handout(course, options, out)
    pages = page_texts(out)
    assert len(pages) == result.pages == page_count(out)
    cover, contents = pages[0], pages[1]
    assert "Safety at branch events" in cover and "Tom Trainer" in cover
    assert "North branch" in cover and "2026-11-25" in cover
    assert "Page" not in cover  # the cover carries no page number
    # Contents: every part with the page it starts on, and those pages start with it.
    assert "Contents" in contents and "Part 2 · Practice" in contents
    for part, start in zip(course, result.starts, strict=True):
        assert re.search(rf"{re.escape(part.title)}\s*{start}\b", contents), (part.title, contents)
        assert part.title in pages[start - 1]
    # Continuous numbering across the parts.
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
    # The article: headings, lists, table, quote, Chinese, escaped markup, the picture.
    article_text = "\n".join(pages[result.starts[1] - 1 : result.starts[2] - 1])
    for expected in ("概念", "First point", "办公自动化", "第三条", "A <tag> stays text"):
        assert expected in article_text
    assert "alert(1)" not in article_text
    assert len(image_objects(out)) == 2  # the deck's one picture and the article's
    assert all(font["emb"] == "yes" for font in pdffonts(out))
    save_png(out, "course-cover", page=1)
    save_png(out, "course-contents", page=2)
    save_png(out, "course-article", page=result.starts[1])


def test_duplex_starts_each_lesson_on_a_right_hand_page(course, options, tmp_path):
    out = tmp_path / "duplex.pdf"
    result = build_course_handout(course, dataclasses.replace(options, duplex=True), out)
    assert all(start % 2 == 1 for start in result.starts), result.starts
    plain = build_course_handout(course, options, tmp_path / "plain.pdf")
    assert result.pages > plain.pages


def test_empty_course_is_a_clear_error(options, tmp_path):
    with pytest.raises(HandoutError):
        build_course_handout([], options, tmp_path / "none.pdf")


def test_roster_pdf_has_a_named_cover_per_member_and_stays_small(deck, options, tmp_path):
    names = ["Ann Lee", "李明", "Bob Smith"]
    single = tmp_path / "single.pdf"
    build_course_handout([deck], options, single)
    out = tmp_path / "roster.pdf"
    result = build_roster([deck], options, names, out)
    pages = page_texts(out)
    assert result.copies == 3 and len(pages) == 3 * result.pages_per_copy
    assert result.pages_per_copy == page_count(single)
    for copy, name in enumerate(names):
        assert name in pages[copy * result.pages_per_copy]
        assert marker(1) in pages[copy * result.pages_per_copy + 1]
    # The shared pages are stored once, not once per member.
    assert out.stat().st_size < single.stat().st_size * 1.5


def test_roster_duplex_pads_each_copy_to_even_pages(deck, options, tmp_path):
    out = tmp_path / "roster.pdf"
    result = build_roster([deck], dataclasses.replace(options, duplex=True), ["A", "B"], out)
    assert result.pages_per_copy % 2 == 0 and page_count(out) == 2 * result.pages_per_copy


def test_roster_zip_one_pdf_each(deck, options, tmp_path):
    names = ["Ann Lee", "Ann Lee", "李明", "a/b"]
    out = tmp_path / "roster.zip"
    build_roster([deck], options, names, out, as_zip=True)
    with zipfile.ZipFile(out) as archive:
        listed = archive.namelist()
        assert listed == ["Ann Lee.pdf", "Ann Lee (2).pdf", "李明.pdf", "ab.pdf"]
        first = tmp_path / "first.pdf"
        first.write_bytes(archive.read("李明.pdf"))
    assert "李明" in page_texts(first)[0]
    again = tmp_path / "again.zip"
    build_roster([deck], options, names, again, as_zip=True)
    assert again.read_bytes() == out.read_bytes()


def test_roster_needs_someone(deck, options, tmp_path):
    with pytest.raises(HandoutError):
        build_roster([deck], options, [], tmp_path / "x.pdf")


# Decks converted by LibreOffice ----------------------------------------------------------------


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("layout", ["1", "3", "6", "9", "notes"])
def test_libreoffice_deck_stays_vector_and_small(converted_deck, options, tmp_path, layout):
    source, pdf = converted_deck
    out = tmp_path / f"{layout}.pdf"
    build_deck_handout(source, dataclasses.replace(options, layout=layout), out)
    # Each picture once (LibreOffice lists all of them on every page), none added.
    assert image_objects(out) and len(image_objects(out)) <= len(image_objects(pdf))
    # The goal is 1.3 × the deck's PDF; a 12-slide deck adds the fonts' fixed ~45 KB.
    assert out.stat().st_size < pdf.stat().st_size * 1.3 + 60_000
    text = "\n".join(page_texts(out))
    assert CHINESE in text and marker(12) in text and marker(3) not in text


@pytest.mark.slow
@needs_soffice
def test_shapes_off_the_slide_are_clipped(converted_deck, options, tmp_path):
    """Slide 4 has a red shape hanging off its bottom-right corner: nothing of it may show
    outside the slide's frame on the handout page."""
    source, _pdf = converted_deck
    out = tmp_path / "one.pdf"
    build_deck_handout(source, dataclasses.replace(options, layout="4"), out)
    png = save_png(out, "clipped-off-slide", page=1)
    image = Image.open(png).convert("RGB")
    from courses.handouts.layouts import grid_slots

    scale = image.width / 595.28
    slot = grid_slots("4", "A4", 4 / 3)[2].slide  # slide 4 is the third visible one
    below = (slot.right - 5) * scale, (842 - slot.y + 4) * scale
    right = (slot.right + 4) * scale, (842 - slot.y - 5) * scale
    inside = (slot.right - 5) * scale, (842 - slot.y - 5) * scale
    red = lambda p: p[0] > 200 and p[1] < 80 and p[2] < 80  # noqa: E731
    assert red(image.getpixel(tuple(map(int, inside))))
    assert not red(image.getpixel(tuple(map(int, below))))
    assert not red(image.getpixel(tuple(map(int, right))))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")


def test_cover_notice_fits_below_every_recipients_name(deck, options, tmp_path):
    """What the set leaves out is said on each cover, below the name and above the margin,
    however many lectures it names (a long list shrinks, it never runs off the page)."""
    import pypdfium2 as pdfium

    titles = "、".join(f"“第{n}讲 消防安全与应急疏散演练”" for n in range(1, 40))
    notice = f"这套讲义未包含以下讲座，因为其幻灯片尚无法打印：{titles}。"
    options = dataclasses.replace(options, notice=notice)
    out = tmp_path / "roster.pdf"
    result = build_roster([deck], options, ["李明", "Ann Lee"], out)
    pdf = pdfium.PdfDocument(str(out))
    try:
        for copy, name in enumerate(["李明", "Ann Lee"]):
            page = pdf[copy * result.pages_per_copy]
            textpage = page.get_textpage()
            text = textpage.get_text_bounded()
            assert "".join(notice.split()) in "".join(text.split())
            start = text.index("这套")
            boxes = [textpage.get_charbox(i) for i in range(start, textpage.count_chars())]
            name_bottom = min(textpage.get_charbox(i)[1] for i in range(text.index(name), start))
            width, _height = page.get_size()
            for left, bottom, right, top in boxes:
                assert 0 < left and right < width and bottom > 20 and top < name_bottom
    finally:
        pdf.close()


def test_english_and_chinese_in_one_string_each_take_their_own_font(deck, options, tmp_path):
    """Course and lecture titles, names and article text mixing English and Chinese are set
    in runs: the English with its ’ · “ ” in Carlito (narrow), the Chinese in Noto Sans CJK.
    Wholly in Noto CJK those marks are full-width: "What’ s", "basics ・ 信息化"."""
    from tests.pdfchars import find, page_chars

    lecture = dataclasses.replace(deck, title="What’s new – 新功能")
    article = ArticleSource(
        title="Don’t panic · 概念",
        blocks=[
            RichText(
                "<p>电子政务是指国家机关在政务活动中，“全面”应用现代信息技术。"
                "<b>Bold’s</b> and “quoted” text.</p>"
            )
        ],
    )
    options = dataclasses.replace(
        options, course_title="Digital office basics · 信息化办公基础", recipient="Anna O’Brien 李"
    )
    out = tmp_path / "mixed.pdf"
    result = build_course_handout([lecture, article], options, out)

    def narrow(char):
        return char.latin and char.advance < 0.5 * char.size

    cover, (_width, height) = page_chars(str(out), 0)
    title = find(cover, options.course_title)
    assert narrow(title[19]) and title[19].char == "·"  # the cover's title paragraph
    assert all(c.cjk for c in title[20:]) and all(c.latin for c in title[:19])
    name = find(cover, options.recipient)
    assert narrow(name[5]) and name[5].char == "’" and name[-1].cjk  # drawn on the canvas
    contents, _size = page_chars(str(out), 1)
    whats = find(contents, "What’s new – 新功能")
    assert narrow(whats[4]) and whats[4].char == "’" and whats[-1].cjk
    page, _size = page_chars(str(out), result.starts[1] - 1)
    header = find(page, options.course_title)  # the running header, shrunk to fit
    assert narrow(header[19]) and header[20].cjk
    bold = find(page, "Bold’s")
    assert all(c.font == "Carlito-Bold" for c in bold) and narrow(bold[4])
    assert all(c.cjk and c.advance > 0.9 * c.size for c in find(page, "，“全面”应用"))
    assert all(c.latin for c in find(page, "“quoted”"))
    save_png(out, "mixed-cover", page=1)
    save_png(out, "mixed-article", page=result.starts[1])
    from courses.handouts.layouts import content_box

    box = content_box(options.paper)  # headers, footers and text keep to its left and right
    for index in range(page_count(out)):
        chars, _size = page_chars(str(out), index)
        for char in chars:
            left, bottom, right, top = char.box
            assert box.x - 0.5 < left and right < box.right + 0.5, (index, char)
            assert 0 < bottom and top < height, (index, char)
