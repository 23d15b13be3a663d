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
from xml.sax.saxutils import escape

from reportlab.lib.fonts import tt2ps
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


# Which font sets a character, see FontBook.runs: a letter the Latin font has is Latin, a
# character it lacks is CJK, and the rest (digits, punctuation, symbols, spaces) are neutral.
_LATIN, _CJK, _NEUTRAL = 1, 2, 0
# Quotes belong to the text they open or close: “ ‘ to the letter after them, ” ’ (also the
# apostrophe) to the letter before.
_OPENING, _CLOSING = frozenset("“‘"), frozenset("”’")


@dataclass
class FontBook:
    """The fonts one document uses: Carlito for Latin text, a Noto Sans CJK SC subset for
    Chinese, chosen per run of characters within a string (see :meth:`runs`)."""

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
            # Every character of every text: a CJK run may hold any of them (see runs()).
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
        """The family a paragraph of ``text`` is based on (its style's font, bullets and line
        breaking): the CJK one when any character needs it. :meth:`markup` sets the runs."""
        return self.cjk if self.needs_cjk(text) else self.latin

    def _latin_mask(self, text: str) -> list[bool]:
        """For each character of ``text``, whether the Latin font sets it (see :meth:`runs`)."""
        if not self.needs_cjk(text):
            return [True] * len(text)
        covered = self.covered
        kinds = [
            _NEUTRAL
            if char.isspace()
            else _CJK
            if ord(char) not in covered
            else _LATIN
            if char.isalpha()
            else _NEUTRAL
            for char in text
        ]
        # The nearest letter on each side of every neutral character.
        before, last = [], _NEUTRAL
        for kind in kinds:
            before.append(last)
            last = kind or last
        after, last = [_NEUTRAL] * len(kinds), _NEUTRAL
        for index in range(len(kinds) - 1, -1, -1):
            after[index] = last
            last = kinds[index] or last
        mask = []
        for index, (char, kind) in enumerate(zip(text, kinds, strict=True)):
            if kind != _NEUTRAL:
                mask.append(kind == _LATIN)
            elif char in _OPENING:
                mask.append((after[index] or before[index]) == _LATIN)
            elif char in _CLOSING:
                mask.append((before[index] or after[index]) == _LATIN)
            else:
                mask.append(_LATIN in (before[index], after[index]))
        return mask

    def _chunks(self, text: str, mask: list[bool]) -> list[tuple[bool, str]]:
        chunks: list[tuple[bool, str]] = []
        start = 0
        for index in range(1, len(text) + 1):
            if index == len(text) or mask[index] != mask[start]:
                chunks.append((mask[start], text[start:index]))
                start = index
        return chunks

    def runs(self, text: str, bold: bool = False) -> list[tuple[str, str]]:
        """``text`` as (registered font name, chunk) runs, in order, for canvas drawing.

        The rule, per character:

        - a letter the Latin font (Carlito) has is set in it: English, accented, Greek,
          Cyrillic;
        - a character it lacks (Han, kana, full-width punctuation such as ，。：) is set in the
          CJK font;
        - everything else the Latin font has is neutral: digits, spaces, ASCII punctuation
          and the punctuation both scripts share (’ ‘ “ ” · … – — • and the like), which
          Noto Sans CJK draws full-width. A neutral character goes with the Latin font when
          the nearest letter before or after it (skipping other neutral characters) is a
          Latin one, and with the CJK font otherwise; except that an opening quote “ ‘ looks
          only at the letter after it and a closing quote or apostrophe ” ’ only at the
          letter before it (the other side when there is none), so a quotation's marks match
          its first and last letters. So the ’ of "O’Brien", the · of "basics · 信息化" and
          the quotes of "他说“Hello”。" are narrow, while the quotes of "“电子政务” — What’s"
          and digits in "第3讲" stay in the CJK font, as Chinese typesetting has them.

        A string without any character the Latin font lacks is one Latin run, and one without
        any Latin letter is one CJK run, exactly as when a whole string took one font. Every
        character of a Latin run is in the Latin font; a CJK run's are in the CJK subset,
        which :meth:`for_texts` cuts from every character of the document's texts.
        """
        if not text:
            return []
        style = "bold" if bold else "regular"
        fonts = {True: f"{self.latin}-{style}", False: f"{self.cjk}-{style}"}
        return [
            (fonts[latin], chunk) for latin, chunk in self._chunks(text, self._latin_mask(text))
        ]

    def string_width(self, text: str, size: float, bold: bool = False) -> float:
        """The width of ``text`` as :meth:`draw_string` sets it."""
        return sum(
            pdfmetrics.stringWidth(chunk, font, size) for font, chunk in self.runs(text, bold)
        )

    def draw_string(
        self, canvas, x: float, y: float, text: str, size: float, bold: bool = False, align="left"
    ) -> float:
        """Draw one line of ``text`` in its runs' fonts at ``size``, its left end, centre
        (``align="centre"``) or right end (``"right"``) at ``x``; returns its width."""
        runs = self.runs(text, bold)
        width = sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)
        if align == "right":
            x -= width
        elif align != "left":
            x -= width / 2
        line = canvas.beginText(x, y)
        for font, chunk in runs:
            line.setFont(font, size)
            line.textOut(chunk)
        canvas.drawText(line)
        return width

    def markup(self, pieces, font: str) -> str:
        """reportlab paragraph markup for ``pieces``, ``(is_text, string)`` pairs in order:
        text (escaped here) and ready markup (tags such as ``<b>``, kept as they are), in a
        paragraph style whose font is ``font`` (``"<family>-regular"`` or ``-bold``). The
        runs (:meth:`runs`, over the text of all pieces as one string) in the other family
        are wrapped in ``<font name>``. reportlab takes a font tag's bold and italic from the
        name it gives, so the name is the one for the ``<b>``/``<i>`` open around the run."""
        if isinstance(pieces, str):
            pieces = [(True, pieces)]
        pieces = list(pieces)
        family, _, style = font.rpartition("-")
        bold, italic = int("bold" in style), int("italic" in style)
        mask = self._latin_mask("".join(piece for is_text, piece in pieces if is_text))
        out, position = [], 0
        for is_text, piece in pieces:
            if not is_text:
                out.append(piece)
                bold += {"<b>": 1, "</b>": -1}.get(piece, 0)
                italic += {"<i>": 1, "</i>": -1}.get(piece, 0)
                continue
            span = mask[position : position + len(piece)]
            position += len(piece)
            for latin, chunk in self._chunks(piece, span):
                run_family = self.latin if latin else self.cjk
                if run_family == family:
                    out.append(escape(chunk))
                else:
                    name = tt2ps(run_family, int(bold > 0), int(italic > 0))
                    out.append(f'<font name="{name}">{escape(chunk)}</font>')
        return "".join(out)
