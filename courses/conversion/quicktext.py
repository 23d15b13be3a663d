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

from .content import DeckContent, SlideContent

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
            return None  # PowerPoint 95 and older keep their text elsewhere
        data = ole.openstream("PowerPoint Document").read()
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
