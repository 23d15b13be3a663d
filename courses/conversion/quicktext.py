"""Early text for decks whose full text waits on a LibreOffice conversion (.odp, Strict OOXML,
legacy .ppt): read straight from the file in milliseconds, so members can read the deck while
LibreOffice works. Best effort: the full extraction replaces it a few seconds later, and any
trouble here simply means no early text (never an error for the trainer).
"""

from __future__ import annotations

import logging
import struct
import zipfile
from pathlib import Path
from posixpath import dirname, join, normpath

from lxml import etree

from .content import FURNITURE_PLACEHOLDERS, DeckContent, SlideContent

logger = logging.getLogger(__name__)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
MAX_PART_BYTES = 50 * 1024 * 1024


def quick_text(path: str | Path, fmt: str, strict: bool = False) -> DeckContent | None:
    """The deck's text without LibreOffice, or None where there is no fast way to read it."""
    try:
        if fmt == "odp":
            return _odp(Path(path))
        if strict:
            return _strict_ooxml(Path(path))
        if fmt == "ppt":
            return _ppt(Path(path))
    except Exception as exc:  # noqa: BLE001 - early text is optional; the full path reports errors
        logger.info("No early text for %s: %s: %s", path, type(exc).__name__, exc)
    return None


def _xml(zf: zipfile.ZipFile, name: str):
    if zf.getinfo(name).file_size > MAX_PART_BYTES:
        raise ValueError(f"{name} is too large for early text")
    return etree.fromstring(zf.read(name), PARSER)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element) -> str:
    return "".join(element.itertext()).strip()


# OpenDocument ---------------------------------------------------------------------------------


def _odp(path: Path) -> DeckContent | None:
    with zipfile.ZipFile(path) as zf:
        root = _xml(zf, "content.xml")
    hidden_styles = {
        style.get(_q("style", "name"))
        for style in root.iter(_q("style", "style"))
        for props in style.iter(_q("style", "drawing-page-properties"))
        if props.get(_q("presentation", "visibility")) == "hidden"
    }
    slides = []
    for number, page in enumerate(root.iter(_q("draw", "page")), start=1):
        slide = SlideContent(
            number=number, hidden=page.get(_q("draw", "style-name")) in hidden_styles
        )
        for frame in page.iter(_q("draw", "frame")):
            if any(_local(a.tag) == "notes" for a in frame.iterancestors()):
                continue
            kind = frame.get(_q("presentation", "class"), "")
            for para in frame.iter(_q("text", "p"), _q("text", "h")):
                text = _text(para)
                if not text:
                    continue
                if kind == "title" and not slide.title:
                    slide.title = text
                else:
                    level = max(
                        0, sum(1 for a in para.iterancestors() if _local(a.tag) == "list") - 1
                    )
                    slide.paragraphs.append((level, text))
        for notes in page.iter(_q("presentation", "notes")):
            slide.notes = "\n".join(t for p in notes.iter(_q("text", "p")) if (t := _text(p)))
        slides.append(slide)
    return DeckContent(slide_width=0, slide_height=0, slides=slides) if slides else None


ODF_NS = {
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{ODF_NS[prefix]}}}{name}"


# Strict OOXML (python-pptx reads only transitional) -------------------------------------------


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target part name for ``part``."""
    rels_name = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
    if rels_name not in zf.namelist():
        return {}
    return {
        rel.get("Id"): normpath(join(dirname(part), rel.get("Target")))
        for rel in _xml(zf, rels_name)
        if rel.get("TargetMode") != "External"
    }


def _strict_ooxml(path: Path) -> DeckContent | None:
    with zipfile.ZipFile(path) as zf:
        root_rels = _xml(zf, "_rels/.rels")
        main = next(
            r.get("Target").lstrip("/")
            for r in root_rels
            if r.get("Type", "").endswith("/officeDocument")
        )
        presentation = _xml(zf, main)
        rels = _rels(zf, main)
        slides = []
        ids = [el for el in presentation.iter() if _local(el.tag) == "sldId"]
        for number, sld in enumerate(ids, start=1):
            rid = next(v for k, v in sld.attrib.items() if _local(k) == "id" and k.startswith("{"))
            part = rels[rid]
            xml = _xml(zf, part)
            slide = SlideContent(number=number, hidden=xml.get("show") in ("0", "false"))
            for shape in (el for el in xml.iter() if _local(el.tag) == "sp"):
                ph = next((el for el in shape.iter() if _local(el.tag) == "ph"), None)
                if ph is not None and ph.get("type") in FURNITURE_PLACEHOLDERS:
                    continue
                is_title = ph is not None and ph.get("type") in ("title", "ctrTitle")
                for para in (el for el in shape.iter() if _local(el.tag) == "p"):
                    text = "".join(
                        t.text or "" for t in para.iter() if _local(t.tag) == "t"
                    ).strip()
                    if not text:
                        continue
                    if is_title and not slide.title:
                        slide.title = text
                    else:
                        ppr = next((el for el in para if _local(el.tag) == "pPr"), None)
                        slide.paragraphs.append(
                            (int(ppr.get("lvl", 0)) if ppr is not None else 0, text)
                        )
            for target in _rels(zf, part).values():
                if "notesSlide" in target and target in zf.namelist():
                    notes = _xml(zf, target)
                    slide.notes = "\n".join(
                        text
                        for para in notes.iter()
                        if _local(para.tag) == "p"
                        and (
                            text := "".join(
                                t.text or "" for t in para.iter() if _local(t.tag) == "t"
                            ).strip()
                        )
                        and not text.isdigit()  # the slide-number placeholder
                    )
            slides.append(slide)
    return DeckContent(slide_width=0, slide_height=0, slides=slides) if slides else None


# PowerPoint 97-2003 binary ---------------------------------------------------------------------

SLIDE_LIST_WITH_TEXT = 0x0FF0
SLIDE_PERSIST_ATOM = 0x03F3
TEXT_HEADER_ATOM = 0x0F9F
TEXT_CHARS_ATOM = 0x0FA0
TEXT_BYTES_ATOM = 0x0FA8
TITLE_TYPES = {0, 6}  # Tx_TYPE_TITLE, Tx_TYPE_CENTERTITLE


def _records(data: bytes, start: int, end: int):
    """(instance, type, body start, body end) of the records in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        ver_inst, rec_type, length = struct.unpack_from("<HHI", data, pos)
        body = pos + 8
        if body + length > end:
            return
        yield ver_inst >> 4, ver_inst & 0xF, rec_type, body, body + length
        pos = body + length


def _ppt(path: Path) -> DeckContent | None:
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        if not ole.exists("PowerPoint Document"):
            return None  # PowerPoint 4 and older
        data = ole.openstream("PowerPoint Document").read()
        if _is_ppt95(data):
            return _ppt95(data, _codepage(ole))
    slides: list[SlideContent] = []
    stack = [(0, len(data))]
    while stack:
        start, end = stack.pop()
        for instance, version, rec_type, body, body_end in _records(data, start, end):
            if rec_type == SLIDE_LIST_WITH_TEXT and instance == 0 and not slides:
                slides = _slide_list(data, body, body_end)
            elif version == 0xF:
                stack.append((body, body_end))
    return DeckContent(slide_width=0, slide_height=0, slides=slides) if slides else None


def _slide_list(data: bytes, start: int, end: int) -> list[SlideContent]:
    slides: list[SlideContent] = []
    text_type = 1
    for _instance, _version, rec_type, body, body_end in _records(data, start, end):
        if rec_type == SLIDE_PERSIST_ATOM:
            slides.append(SlideContent(number=len(slides) + 1))
        elif rec_type == TEXT_HEADER_ATOM and body_end - body >= 4:
            text_type = struct.unpack_from("<I", data, body)[0]
        elif rec_type in (TEXT_CHARS_ATOM, TEXT_BYTES_ATOM) and slides:
            raw = data[body:body_end]
            text = (
                raw.decode("utf-16-le", "replace")
                if rec_type == TEXT_CHARS_ATOM
                else raw.decode("latin-1")
            )
            lines = [
                line.strip() for line in text.replace("\x0b", "\r").split("\r") if line.strip()
            ]
            slide = slides[-1]
            if text_type in TITLE_TYPES and not slide.title and lines:
                slide.title = " ".join(lines)
            else:
                slide.paragraphs.extend((0, line) for line in lines)
    return slides


# PowerPoint 95 (PowerPoint 7) ------------------------------------------------------------------
#
# The same record types as 97-2003 for the parts read here, but a 16-byte header: type, a word
# that is 0xFFFF for containers, length, and an id. Worked out from the corpus's PPT95 deck and
# checked against LibreOffice's reading of it; anything unexpected means no early text.

PPT95_CONTAINER = 0xFFFF
PPT95_DOCUMENT = 1000
PPT95_DOCUMENT_ATOM = 1001
PPT95_LIST = 2000
PPT95_LIST_ATOM = 2001  # the number of items in the list
PPT95_SLIDE = 1006
PPT95_NOTES = 1008
PPT95_MAIN_MASTER = 1016
PPT95_TEXT_PROPS = 4002  # holds the text type (4003) and the text itself (4064)
PPT95_TEXT_TYPE_ATOM = 4003
PPT95_TEXT = 4064
PPT95_CHARS = 2030
PPT95_RUNS = 2028
PPT95_PARAGRAPH_FORMAT = 4067
PPT95_MASTER_UNITS_PER_INCH = 576
EMU_PER_INCH = 914_400


def _records95(data: bytes, start: int, end: int):
    """(type, is container, body start, body end) of the records in data[start:end]."""
    pos = start
    while pos + 16 <= end:
        rec_type, flag, length = struct.unpack_from("<III", data, pos)
        body = pos + 16
        if body + length > end:
            return
        yield rec_type, flag == PPT95_CONTAINER, body, body + length
        pos = body + length


def _is_ppt95(data: bytes) -> bool:
    # A 97-2003 stream starts with an 8-byte header whose second word is a length, so it
    # cannot also frame a 16-byte container holding a Document container.
    first = next(_records95(data, 0, len(data)), None)
    if first is None or not first[1]:
        return False
    return any(t == PPT95_DOCUMENT and c for t, c, _b, _e in _records95(data, first[2], first[3]))


def _codepage(ole) -> str:
    # Text is 8-bit in the document's ANSI code page (from its summary information).
    import codecs

    try:
        name = f"cp{int(ole.get_metadata().codepage or 1252)}"
        codecs.lookup(name)
    except (LookupError, TypeError, ValueError):
        return "cp1252"
    return name


def _ppt95(data: bytes, codepage: str) -> DeckContent | None:
    top = next(_records95(data, 0, len(data)), None)
    document = top and next(
        ((b, e) for t, c, b, e in _records95(data, top[2], top[3]) if t == PPT95_DOCUMENT and c),
        None,
    )
    if document is None:
        return None
    width = height = 0
    slide_list = None
    for rec_type, container, body, end in _records95(data, *document):
        if rec_type == PPT95_DOCUMENT_ATOM and end - body >= 8:
            width, height = struct.unpack_from("<ii", data, body)
        elif rec_type == PPT95_LIST and container and slide_list is None:
            children = list(_records95(data, body, end))
            kinds = {t for t, _c, _b, _e in children}
            # The slides' list; the masters' list holds the main master too.
            if PPT95_SLIDE in kinds and PPT95_MAIN_MASTER not in kinds:
                slide_list = children
    if slide_list is None:
        return None
    count = next((b for t, _c, b, e in slide_list if t == PPT95_LIST_ATOM and e - b >= 4), None)
    slides_found = [(b, e) for t, c, b, e in slide_list if t == PPT95_SLIDE and c]
    if count is not None and struct.unpack_from("<I", data, count)[0] != len(slides_found):
        return None  # not the layout this reader knows
    slides = []
    for number, (body, end) in enumerate(slides_found, start=1):
        slide = SlideContent(number=number)
        notes: list[str] = []
        for text_type, paragraphs, in_notes in _texts95(data, body, end, codepage):
            if in_notes:
                notes.extend(text for _level, text in paragraphs)
            elif text_type in TITLE_TYPES and not slide.title and paragraphs:
                slide.title = " ".join(text for _level, text in paragraphs)
            else:
                slide.paragraphs.extend(paragraphs)
        slide.notes = "\n".join(notes)
        slides.append(slide)
    if not slides:
        return None
    scale = EMU_PER_INCH / PPT95_MASTER_UNITS_PER_INCH
    return DeckContent(
        slide_width=max(0, round(width * scale)),
        slide_height=max(0, round(height * scale)),
        slides=slides,
    )


def _texts95(data: bytes, start: int, end: int, codepage: str, in_notes: bool = False):
    """(text type, [(level, paragraph)], in notes) for each text of a slide, in stream order."""
    for rec_type, container, body, body_end in _records95(data, start, end):
        if not container:
            continue
        if rec_type == PPT95_TEXT_PROPS:
            found = _text95(data, body, body_end, codepage)
            if found is not None:
                yield (*found, in_notes)
        else:
            yield from _texts95(data, body, body_end, codepage, in_notes or rec_type == PPT95_NOTES)


def _text95(data: bytes, start: int, end: int, codepage: str):
    text_type = 4  # "other": a plain text box
    for rec_type, container, body, body_end in _records95(data, start, end):
        if rec_type == PPT95_TEXT_TYPE_ATOM and body_end - body >= 4:
            text_type = struct.unpack_from("<I", data, body)[0]
        elif rec_type == PPT95_TEXT and container:
            chars, levels = None, []
            for kind, is_container, b, e in _records95(data, body, body_end):
                if kind == PPT95_CHARS and not is_container and chars is None:
                    chars = data[b:e].decode(codepage, "replace")
                elif kind == PPT95_RUNS and is_container and not levels:
                    levels = _levels95(data, b, e)
            if chars is None:
                return None
            return text_type, _paragraphs95(chars, levels)
    return None


def _levels95(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """(characters, indent level) of each paragraph run, or [] where these are not them."""
    runs = []
    for kind, container, body, body_end in _records95(data, start, end):
        if kind != PPT95_CHARS or container:
            continue
        pos = body
        while pos + 20 <= body_end:
            count = struct.unpack_from("<I", data, pos)[0]
            run_type, _flag, length = struct.unpack_from("<III", data, pos + 4)
            run = pos + 20
            if run_type != PPT95_PARAGRAPH_FORMAT or run + length > body_end or length < 26:
                return []
            runs.append((count, struct.unpack_from("<H", data, run + 24)[0]))
            pos = run + length
    return runs


def _paragraphs95(text: str, runs: list[tuple[int, int]]) -> list[tuple[int, str]]:
    # Paragraphs end in a carriage return; a vertical tab is a line break within one.
    paragraphs = []
    levels = iter(runs)
    level, left = 0, 0  # the current run's level, and how many of its characters are left
    for raw in text.split("\r"):
        while left <= 0:
            run = next(levels, None)
            if run is None:  # fewer runs than paragraphs: not what this reader expects
                level, left = 0, len(text) + 1
                break
            left, level = run[0], run[1] if run[1] <= 8 else 0
        left -= len(raw) + 1
        line = raw.replace("\x0b", "\n").strip()
        if line:
            paragraphs.append((level, line))
    return paragraphs
