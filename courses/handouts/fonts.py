"""Embedded fonts for generated pages: Carlito for Latin text, Noto Sans CJK SC for the rest.

reportlab embeds (and subsets) TrueType fonts only, and Noto CJK ships as OpenType/CFF in a
.ttc, which it refuses ("postscript outlines are not supported"). Its built-in
``UnicodeCIDFont('STSong-Light')`` would print Chinese without any file, but is not embedded, so
a print shop's RIP substitutes whatever it has. So for each document we cut Noto Sans CJK SC
down to the characters it uses (fontTools, ~0.4 s) and turn those few dozen glyphs' cubic
outlines into TrueType quadratics, which reportlab then embeds like any TTF.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .sources import HandoutError

# fontTools' subsetter logs every glyph list at INFO: a page of noise per handout.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

# Families fontconfig is asked for; the Debian packages scripts/system-deps.sh installs.
LATIN_FAMILY = "Carlito"  # fonts-crosextra-carlito, metric-compatible with Calibri
LATIN_FALLBACK = "DejaVu Sans"
CJK_FAMILY = "Noto Sans CJK SC"  # fonts-noto-cjk
CJK_TTC_INDEX = {"Noto Sans CJK SC": 2}  # JP, KR, SC, TC, HK in NotoSansCJK-*.ttc
STYLES = ("regular", "bold", "italic", "bolditalic")
_FC_STYLE = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bolditalic": "Bold Italic"}


def _fc_match(pattern: str) -> tuple[Path, int] | None:
    binary = shutil.which("fc-match")
    if binary is None:
        return None
    try:
        out = subprocess.run(
            [binary, "-f", "%{file}|%{index}|%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    file, _, rest = out.partition("|")
    index, _, family = rest.partition("|")
    if not file or pattern.split(":")[0].lower() not in family.lower():
        return None  # fontconfig fell back to something else: not the font we asked for
    return Path(file), int(index or 0)


@functools.cache
def font_file(family: str, style: str = "regular") -> tuple[Path, int]:
    """The file (and index inside a .ttc) of an installed font, found with fontconfig."""
    found = _fc_match(f"{family}:style={_FC_STYLE[style]}")
    if found is None and style != "regular":
        found = _fc_match(family)
    if found is None:
        raise HandoutError(
            f"The font {family} is not installed: run scripts/system-deps.sh.",
            detail=f"fc-match found no {family}",
        )
    return found


@functools.cache
def latin_fonts() -> tuple[str, frozenset[int]]:
    """Register the Latin family with reportlab once; returns its name and the code points it
    covers (text with anything else is set in the CJK font)."""
    family = LATIN_FAMILY
    try:
        font_file(family)
    except HandoutError:
        family = LATIN_FALLBACK
    name = "HandoutLatin"
    for style in STYLES:
        path, _index = font_file(family, style)
        pdfmetrics.registerFont(TTFont(f"{name}-{style}", str(path)))
    pdfmetrics.registerFontFamily(
        name,
        normal=f"{name}-regular",
        bold=f"{name}-bold",
        italic=f"{name}-italic",
        boldItalic=f"{name}-bolditalic",
    )
    covered = frozenset(pdfmetrics.getFont(f"{name}-regular").face.charToGlyph)
    return name, covered


def _cff_to_truetype(font) -> None:
    """Replace a (subset) font's CFF outlines with quadratic TrueType ones, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # 1 font unit of error on a 1000-unit em: invisible at any print size.
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


@functools.lru_cache(maxsize=16)
def _cjk_font(chars: str, style: str) -> str:
    """Register a TrueType subset of Noto Sans CJK SC holding ``chars``; returns its name.
    Cached per character set, so a worker reuses it for the next identical handout."""
    from fontTools import subset
    from fontTools.ttLib import TTFont as FontToolsFont

    path, index = font_file(CJK_FAMILY, "bold" if "bold" in style else "regular")
    font = FontToolsFont(str(path), fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = []  # no shaping in reportlab: GSUB/GPOS would be dead weight
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    _cff_to_truetype(font)
    # The same stem for both styles: paragraph styles name fonts "<family>-<style>".
    digest = hashlib.sha256(chars.encode()).hexdigest()[:10]
    # reportlab keeps one font per PostScript name for the whole process, so a second subset
    # under Noto's own name would silently print with the first one's glyphs (tofu).
    postscript = f"NotoSansCJKsc{digest}-{'Bold' if style == 'bold' else 'Regular'}"
    font["name"].setName(postscript, 6, 3, 1, 0x409)
    font["name"].setName(postscript, 6, 1, 0, 0)
    buffer = io.BytesIO()
    font.save(buffer)
    buffer.seek(0)
    name = f"HandoutCJK{digest}-{style}"
    pdfmetrics.registerFont(TTFont(name, buffer))
    return name


# Digits, punctuation and letters the page furniture may use, so numbers set in the CJK font
# (a mixed string) never miss a glyph.
_BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "…–—·•“”‘’"


@dataclass
class FontBook:
    """The fonts one document uses. ``family(text)`` picks Carlito when it covers every
    character and the CJK subset otherwise (a whole string in one font keeps its spacing
    even; Noto CJK has Latin letters too)."""

    latin: str
    covered: frozenset[int]
    cjk: str | None = None

    @classmethod
    def for_texts(cls, texts) -> FontBook:
        latin, covered = latin_fonts()
        chars = set(_BASE_CHARS)
        needs_cjk = False
        for text in texts:
            if not text:
                continue
            for char in text:
                chars.add(char)
                if ord(char) not in covered and not char.isspace():
                    needs_cjk = True
        book = cls(latin=latin, covered=covered)
        if needs_cjk:
            ordered = "".join(sorted(c for c in chars if not c.isspace() or c == " "))
            regular = _cjk_font(ordered, "regular")
            bold = _cjk_font(ordered, "bold")
            book.cjk = regular.removesuffix("-regular")
            pdfmetrics.registerFontFamily(
                book.cjk, normal=regular, bold=bold, italic=regular, boldItalic=bold
            )
        return book

    def needs_cjk(self, text: str) -> bool:
        return self.cjk is not None and any(
            ord(c) not in self.covered and not c.isspace() for c in text
        )

    def family(self, text: str) -> str:
        """The family name (for Paragraph styles, whose <b>/<i> pick the style)."""
        return self.cjk if self.needs_cjk(text) else self.latin

    def font(self, text: str, bold: bool = False) -> str:
        """The registered font name for canvas drawing."""
        family = self.family(text)
        return f"{family}-{'bold' if bold else 'regular'}"
