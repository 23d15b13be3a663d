"""Article blocks → reportlab flowables: headings, rich text, pictures, tables, quotes.

Wagtail's rich text is HTML from a fixed feature list; anything else is reduced to its text, and
all text is escaped, since it comes from editors and reportlab's markup is XML.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import lxml.html
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from .fonts import FontBook
from .sources import ArticleSource, Heading, Picture, Quote, RichText, Table

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#c5ccd6")
HEADER_FILL = colors.HexColor("#eef1f5")


# Paragraph content as (is_text, string) pairs: plain text, escaped (and set in runs of fonts)
# by FontBook.markup, and reportlab tags kept as they are.
Pieces = list[tuple[bool, str]]


class Styles:
    """Paragraph styles in the document's fonts; the family is chosen per text so Chinese
    text gets the CJK font and CJK line breaking (any character may start a line), and
    :meth:`paragraph` sets each run of a mixed text in its own font (``FontBook.runs``)."""

    BASE = {
        "body": {"fontSize": 10.5, "leading": 15, "spaceAfter": 6},
        "title": {"fontSize": 20, "leading": 26, "spaceAfter": 8, "bold": True},
        "summary": {"fontSize": 11, "leading": 16, "spaceAfter": 12, "textColor": MUTED},
        "h2": {"fontSize": 15, "leading": 20, "spaceBefore": 10, "spaceAfter": 5, "bold": True},
        "h3": {"fontSize": 12.5, "leading": 17, "spaceBefore": 8, "spaceAfter": 4, "bold": True},
        "h4": {"fontSize": 11, "leading": 15, "spaceBefore": 6, "spaceAfter": 3, "bold": True},
        "quote": {"fontSize": 10.5, "leading": 15, "leftIndent": 18, "textColor": INK},
        "attribution": {"fontSize": 9, "leading": 13, "leftIndent": 18, "textColor": MUTED},
        "caption": {"fontSize": 8.5, "leading": 12, "textColor": MUTED, "alignment": TA_CENTER},
        "cell": {"fontSize": 9, "leading": 12},
        "slide": {"fontSize": 12, "leading": 16, "spaceBefore": 8, "spaceAfter": 3, "bold": True},
        "small": {"fontSize": 8, "leading": 10, "textColor": MUTED},
    }

    def __init__(self, fonts: FontBook) -> None:
        self.fonts = fonts
        self._cache: dict[tuple[str, str, float], ParagraphStyle] = {}

    def get(self, name: str, text: str = "", indent: float = 0.0) -> ParagraphStyle:
        family = self.fonts.family(text)
        key = (name, family, indent)
        if key not in self._cache:
            spec = dict(self.BASE[name])
            bold = spec.pop("bold", False)
            spec.setdefault("textColor", INK)
            spec["leftIndent"] = spec.get("leftIndent", 0) + indent
            # A bullet sits just left of its indented text, not at the margin.
            spec["bulletIndent"] = max(0.0, spec["leftIndent"] - 10)
            spec["bulletFontName"] = f"{family}-regular"
            self._cache[key] = ParagraphStyle(
                f"{name}-{family}-{indent}",
                fontName=f"{family}-{'bold' if bold else 'regular'}",
                wordWrap="CJK" if family != self.fonts.latin else None,
                **spec,
            )
        return self._cache[key]

    def paragraph(
        self, style: ParagraphStyle, text: str, markup: Pieces | None = None, **kwargs
    ) -> Paragraph:
        """A Paragraph in ``style`` (from :meth:`get`) of plain ``text``, or of ``markup``
        pieces when given, each run in its font: measured and drawn alike by reportlab."""
        pieces = [(True, text)] if markup is None else markup
        return Paragraph(self.fonts.markup(pieces, style.fontName), style, **kwargs)

    def para(self, name: str, text: str, indent: float = 0.0, markup: Pieces | None = None):
        """A Paragraph of plain ``text``, or of ``markup`` pieces (see :func:`_inline`)."""
        return self.paragraph(self.get(name, text, indent), text, markup)


_INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "sup": "super", "sub": "sub", "u": "u"}


def _inline(element) -> Pieces:
    """Paragraph pieces for an element's content: its text, and the known tags."""
    out: Pieces = [(True, element.text or "")]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        inner = _inline(child)
        if tag in _INLINE:
            out += [(False, f"<{_INLINE[tag]}>"), *inner, (False, f"</{_INLINE[tag]}>")]
        elif tag == "br":
            out.append((False, "<br/>"))
        elif tag == "a" and (child.get("href") or "").startswith(("http://", "https://")):
            href = escape(child.get("href"), {'"': "&quot;"})
            out += [(False, f'<a href="{href}" color="#0b5cad">'), *inner, (False, "</a>")]
        elif tag in ("script", "style"):
            pass
        else:
            out += inner  # page links, embeds, unknown tags: their text only
        out.append((True, child.tail or ""))
    return out


def _text(element) -> str:
    return element.text_content() if hasattr(element, "text_content") else ""


def rich_text(html: str, styles: Styles) -> list[Flowable]:
    """Flowables for one rich-text block."""
    if not html.strip():
        return []
    try:
        fragments = lxml.html.fragments_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return [styles.para("body", html)]
    flowables: list[Flowable] = []
    for element in fragments:
        if isinstance(element, str):
            if element.strip():
                flowables.append(styles.para("body", element))
            continue
        tag = element.tag
        if tag in ("script", "style") or not isinstance(tag, str):
            continue  # never printed (and not allowed in Wagtail's rich text anyway)
        text = _text(element)
        if tag in ("h2", "h3", "h4"):
            flowables.append(styles.para(tag, text, markup=_inline(element)))
        elif tag in ("ul", "ol"):
            for number, item in enumerate(element.findall("li"), start=1):
                bullet = f"{number}." if tag == "ol" else "•"
                style = styles.get("body", _text(item), indent=16)
                flowables.append(
                    styles.paragraph(style, _text(item), _inline(item), bulletText=bullet)
                )
        elif tag == "hr":
            flowables.append(HRFlowable(width="100%", color=RULE, spaceBefore=4, spaceAfter=8))
        elif tag == "blockquote":
            flowables.append(styles.para("quote", text, markup=_inline(element)))
        elif text.strip():
            flowables.append(styles.para("body", text, markup=_inline(element)))
    return flowables


def picture(block: Picture, styles: Styles, max_w: float, max_h: float) -> list[Flowable]:
    with PILImage.open(block.path) as img:
        width, height = img.size
        dpi = img.info.get("dpi", (150, 150))[0] or 150
    # Natural size at the image's dpi (150 if unknown), never beyond the frame.
    w, h = width * 72 / dpi, height * 72 / dpi
    scale = min(1.0, max_w / w, max_h * 0.6 / h)
    items: list[Flowable] = [Image(str(block.path), w * scale, h * scale)]
    if block.caption:
        items.append(styles.para("caption", block.caption))
    items.append(Spacer(1, 6))
    return [KeepTogether(items)]


def table(block: Table, styles: Styles, max_w: float) -> list[Flowable]:
    if not block.rows:
        return []
    columns = max(len(row) for row in block.rows)
    data = [
        [styles.para("cell", str(cell or "")) for cell in row] + [""] * (columns - len(row))
        for row in block.rows
    ]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        # Empty cells would otherwise name Helvetica, which is never embedded.
        ("FONTNAME", (0, 0), (-1, -1), f"{styles.fonts.latin}-regular"),
    ]
    if block.header_row:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
        for cell_index, cell in enumerate(block.rows[0]):
            data[0][cell_index] = styles.para(
                "cell",
                str(cell or ""),
                markup=[(False, "<b>"), (True, str(cell or "")), (False, "</b>")],
            )
    if block.header_col:
        commands.append(("BACKGROUND", (0, 0), (0, -1), HEADER_FILL))
    flowable = RLTable(
        data,
        colWidths=[max_w / columns] * columns,
        repeatRows=1 if block.header_row else 0,
        style=TableStyle(commands),
        hAlign="LEFT",
    )
    items: list[Flowable] = []
    if block.caption:
        items.append(styles.para("caption", block.caption))
    return [*items, flowable, Spacer(1, 8)]


def article_flowables(article: ArticleSource, styles: Styles, max_w: float, max_h: float):
    """The article as flowables: its title, summary and blocks in order."""
    flowables: list[Flowable] = [styles.para("title", article.title)]
    if article.summary:
        flowables.append(styles.para("summary", article.summary))
    for block in article.blocks:
        if isinstance(block, Heading):
            flowables.append(styles.para(f"h{min(max(block.level, 2), 4)}", block.text))
        elif isinstance(block, RichText):
            flowables.extend(rich_text(block.html, styles))
        elif isinstance(block, Picture):
            flowables.extend(picture(block, styles, max_w, max_h))
        elif isinstance(block, Table):
            flowables.extend(table(block, styles, max_w))
        elif isinstance(block, Quote):
            flowables.append(styles.para("quote", block.text))
            if block.attribution:
                flowables.append(styles.para("attribution", f"— {block.attribution}"))
            flowables.append(Spacer(1, 6))
    return flowables


def article_texts(article: ArticleSource):
    """Every string an article prints, for choosing fonts before drawing."""
    yield article.title
    yield article.summary
    for block in article.blocks:
        if isinstance(block, Heading):
            yield block.text
        elif isinstance(block, RichText):
            try:
                yield lxml.html.fromstring(f"<div>{block.html}</div>").text_content()
            except (ValueError, lxml.etree.ParserError):
                yield block.html
        elif isinstance(block, Picture):
            yield block.caption
        elif isinstance(block, Table):
            yield block.caption
            yield from (str(cell or "") for row in block.rows for cell in row)
        elif isinstance(block, Quote):
            yield block.text
            yield f"— {block.attribution}"
