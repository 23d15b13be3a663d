"""Handout PDFs: plain Python, no Django, no ORM (``courses.handout_sources`` fills the inputs).

    deck = DeckSource(title, slides=[SlideSource(1, "Intro", notes="…"), …], pdf_path=…)
    options = HandoutOptions(layout="6", paper="A4", course_title=…, organisation=…, date=…)
    build_deck_handout(deck, options, "out.pdf")                 # one lecture
    build_course_handout([deck, article, …], options, "set.pdf") # cover, contents, lessons
    build_roster(parts, options, ["Ann Lee", …], "copies.zip", as_zip=True)

Slides are placed as vector pages from the deck's LibreOffice PDF (see :mod:`.impose`);
headers, footers, note lines, notes, outlines and articles are drawn with reportlab in
embedded fonts (Carlito, and a Noto Sans CJK SC subset for Chinese). Equal inputs give
byte-equal files, so :func:`inputs_digest` plus the source files' hashes can key a cache.
"""

from .build import (
    HandoutResult,
    RosterResult,
    build_course_handout,
    build_deck_handout,
    build_handout,
    build_roster,
)
from .sources import (
    LAYOUTS,
    ORDERS,
    PAPERS,
    ArticleSource,
    Block,
    DeckSource,
    HandoutError,
    HandoutOptions,
    Heading,
    Labels,
    Part,
    Picture,
    Quote,
    RichText,
    SlideSource,
    SourceMissing,
    Table,
    inputs_digest,
)

__all__ = [
    "LAYOUTS",
    "ORDERS",
    "PAPERS",
    "ArticleSource",
    "Block",
    "DeckSource",
    "HandoutError",
    "HandoutOptions",
    "HandoutResult",
    "Heading",
    "Labels",
    "Part",
    "Picture",
    "Quote",
    "RichText",
    "RosterResult",
    "SlideSource",
    "SourceMissing",
    "Table",
    "build_course_handout",
    "build_deck_handout",
    "build_handout",
    "build_roster",
    "inputs_digest",
]
