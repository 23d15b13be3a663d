"""Read a deck's structure and text: python-pptx opens the package and resolves relationships,
the slides' XML is read directly with lxml (under 1 ms a slide, no rendering)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.exc import PackageNotFoundError
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.shapes.shapetree import SlideShapeFactory

from .content import FURNITURE_PLACEHOLDERS, DeckContent, Hyperlink, MediaFile, SlideContent
from .errors import ConversionError, CorruptFile, NoSlides, TooManySlides
from .limits import Limits

DEFAULT_WIDTH_EMU = 9_144_000  # 10 in: what PowerPoint assumes when sldSz is missing
DEFAULT_HEIGHT_EMU = 6_858_000
_NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_P = f"{{{_NS_P}}}"
_A = f"{{{_NS_A}}}"
_SP_TAG, _PIC_TAG, _FRAME_TAG, _GROUP_TAG = (
    f"{_P}{n}" for n in ("sp", "pic", "graphicFrame", "grpSp")
)
_SHAPE_TAGS = {_SP_TAG, _PIC_TAG, _FRAME_TAG, _GROUP_TAG, f"{_P}cxnSp", f"{_P}contentPart"}
_BR_TAG = f"{_A}br"
_RUN_TAGS = {f"{_A}r", f"{_A}fld"}
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
_CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_MEDIA_REL_SUFFIXES = ("/video", "/audio", "/media")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def extract_deck(
    path: str | Path, media_dir: str | Path | None = None, limits: Limits | None = None
) -> DeckContent:
    """Extract titles, text with levels, tables, links, alt text, notes, hidden flags, timings
    and embedded audio/video (copied into ``media_dir`` when given) from a .pptx.

    Raises :class:`NoSlides`, :class:`TooManySlides` (more than ``limits.max_slides``) or
    :class:`CorruptFile`; python-pptx's own exceptions never escape.
    """
    limits = limits or Limits()
    try:
        prs = Presentation(str(path))
    except PackageNotFoundError as exc:
        raise CorruptFile(detail=f"python-pptx: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - python-pptx raises KeyError/ValueError/lxml errors
        raise CorruptFile(detail=f"python-pptx open: {type(exc).__name__}: {exc}") from exc
    try:
        slides = list(prs.slides)
        if not slides:
            raise NoSlides()
        if len(slides) > limits.max_slides:
            raise TooManySlides(detail=f"{len(slides)} slides, limit {limits.max_slides}")
        deck = DeckContent(
            slide_width=prs.slide_width or DEFAULT_WIDTH_EMU,
            slide_height=prs.slide_height or DEFAULT_HEIGHT_EMU,
            title=_safe(lambda: prs.core_properties.title or "", ""),
        )
        media_out = Path(media_dir) if media_dir is not None else None
        seen_media: dict[str, MediaFile] = {}
        positions: dict = {}  # (layout, placeholder idx) → position, shared by every slide
        for number, slide in enumerate(slides, start=1):
            deck.slides.append(_slide_content(number, slide, media_out, seen_media, positions))
        return deck
    except ConversionError:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed XML surfaces lazily, anywhere in here
        raise CorruptFile(detail=f"python-pptx read: {type(exc).__name__}: {exc}") from exc


def _safe(fn, default):
    try:
        return fn()
    except Exception:  # noqa: BLE001 - optional detail; a bad part must not sink the whole deck
        return default


def _slide_content(number, slide, media_dir, seen_media, positions=None) -> SlideContent:
    # Read straight from the slide's XML (already parsed by python-pptx): its shape proxies
    # run an XPath query for nearly every property and were most of the extraction time.
    element = slide._element
    content = SlideContent(number=number, hidden=element.get("show") in ("0", "false"))
    tree = element.find(f"{_P}cSld/{_P}spTree")
    shapes = list(_shape_children(tree)) if tree is not None else []
    title = _title_shape(shapes)
    title_id = None
    if title is not None:
        title_id = _shape_id(title)
        body = title.find(f"{_P}txBody")
        if body is not None:
            content.title = _clean(_frame_text(body))
            _collect_links(body, slide.part, content)
    cache = {} if positions is None else positions
    for shape in _reading_order(shapes, slide, cache):
        if title_id is not None and _shape_id(shape) == title_id:
            continue
        _collect_shape(shape, slide, content)
    content.notes = _safe(lambda: _notes_text(slide), "")
    content.advance_after_ms = _advance_after(element)
    if media_dir is not None:
        content.media = _extract_media(slide, number, media_dir, seen_media)
    return content


def _shape_children(tree):
    """The shape elements directly inside a shape tree or group, in document order."""
    return (child for child in tree if child.tag in _SHAPE_TAGS)


def _placeholder(shape):
    """The shape's ``p:ph`` element, or None (python-pptx looks only in its nv*Pr/nvPr)."""
    nv = shape[0] if len(shape) else None
    return nv.find(f"{_P}nvPr/{_P}ph") if nv is not None else None


def _title_shape(shapes):
    # As python-pptx's ``shapes.title``: the first top-level placeholder whose idx is 0.
    for shape in shapes:
        ph = _placeholder(shape)
        if ph is not None and _int(ph.get("idx", "0")) == 0:
            return shape
    return None


def _shape_id(shape) -> str | None:
    nv = shape[0] if len(shape) else None
    cnvpr = nv.find(f"{_P}cNvPr") if nv is not None else None
    return cnvpr.get("id") if cnvpr is not None else None


def _reading_order(shapes, slide, cache: dict):
    """Top-to-bottom, then left-to-right; a group's members are read in place, in their order."""
    for shape in sorted(shapes, key=lambda s: _position(s, slide, cache)):
        if shape.tag == _GROUP_TAG:
            yield from _reading_order(list(_shape_children(shape)), slide, cache)
        else:
            yield shape


def _position(shape, slide, cache: dict) -> tuple[int, int]:
    # The first a:off in document order is the shape's own offset (for a group, its grpSpPr).
    off = shape.find(f".//{_A}off")
    if off is not None:
        return (_int(off.get("y")), _int(off.get("x")))
    ph = _placeholder(shape)
    if ph is None:
        return (0, 0)
    # A placeholder without its own offset sits where its layout (or master) puts it; every
    # slide on a layout shares that, so the python-pptx lookup runs once per layout and idx.
    layout = _safe(lambda: str(slide.slide_layout.part.partname), None)
    key = (layout, _int(ph.get("idx", "0")), ph.get("type"))
    if key not in cache:
        proxy = _safe(lambda: SlideShapeFactory(shape, slide.shapes), None)
        cache[key] = (
            (_safe(lambda: proxy.top, 0) or 0, _safe(lambda: proxy.left, 0) or 0)
            if proxy is not None
            else (0, 0)
        )
    return cache[key]


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _clean(text: str) -> str:
    # Line breaks (<a:br/>) are read as vertical tabs, as python-pptx reports them.
    return text.replace("\v", "\n").replace("\x0b", "\n").strip()


def _paragraph_text(para) -> str:
    parts = []
    for child in para:
        if child.tag == _BR_TAG:
            parts.append("\v")
        elif child.tag in _RUN_TAGS:
            t = child.find(f"{_A}t")
            parts.append((t.text or "") if t is not None else "")
    return "".join(parts)


def _frame_text(body) -> str:
    """A text body's text, paragraphs joined by newlines (python-pptx's ``text_frame.text``)."""
    return "\n".join(_paragraph_text(p) for p in body.iterfind(f"{_A}p"))


def _collect_shape(shape, slide, content: SlideContent) -> None:
    tag = shape.tag
    part = slide.part
    if tag == _SP_TAG:
        ph = _placeholder(shape)
        if ph is not None and ph.get("type") in FURNITURE_PLACEHOLDERS:
            return
        body = shape.find(f"{_P}txBody")
        if body is not None:
            for para in body.iterfind(f"{_A}p"):
                text = _clean(_paragraph_text(para))
                if text:
                    ppr = para.find(f"{_A}pPr")
                    level = _int(ppr.get("lvl", "0")) if ppr is not None else 0
                    content.paragraphs.append((level, text))
            _collect_links(body, part, content)
    elif tag == _FRAME_TAG:
        data = shape.find(f"{_A}graphic/{_A}graphicData")
        uri = data.get("uri") if data is not None else None
        if uri == _TABLE_URI:
            _collect_table(data, part, content)
        elif uri == _CHART_URI:
            title = _safe(lambda: _chart_title(data, part), "")
            if title:
                content.paragraphs.append((0, title))
        for text in _safe(lambda: _smartart_texts(shape, slide), []):
            content.paragraphs.append((0, text))
    elif tag == _PIC_TAG:
        cnvpr = shape.find(f"{_P}nvPicPr/{_P}cNvPr")
        descr = cnvpr.get("descr") if cnvpr is not None else None
        if descr and descr.strip():
            content.alt_texts.append(descr.strip())
    nv = shape[0] if len(shape) else None
    click = nv.find(f"{_P}cNvPr/{_A}hlinkClick") if nv is not None else None
    address = _address(click, part)
    if address:
        body = shape.find(f"{_P}txBody") if tag == _SP_TAG else None
        text = _clean(_frame_text(body)) if body is not None else ""
        content.hyperlinks.append(Hyperlink(text=text, url=address))


def _collect_table(data, part, content: SlideContent) -> None:
    table = data.find(f"{_A}tbl")
    if table is None:
        return
    rows = []
    for tr in table.iterfind(f"{_A}tr"):
        cells = []
        for tc in tr.iterfind(f"{_A}tc"):
            spanned = tc.get("hMerge") in ("1", "true") or tc.get("vMerge") in ("1", "true")
            body = tc.find(f"{_A}txBody")
            cells.append(_clean(_frame_text(body)) if body is not None and not spanned else "")
        rows.append(cells)
    content.tables.append(rows)
    for body in table.iterfind(f"{_A}tr/{_A}tc/{_A}txBody"):
        _collect_links(body, part, content)


def _collect_links(body, part, content: SlideContent) -> None:
    for run in body.iterfind(f"{_A}p/{_A}r"):
        address = _address(run.find(f"{_A}rPr/{_A}hlinkClick"), part)
        if address:
            content.hyperlinks.append(Hyperlink(text=_clean(_paragraph_text([run])), url=address))


def _address(hlink, part) -> str | None:
    """Where an ``a:hlinkClick`` points; None for actions without a target (next slide…)."""
    if hlink is None:
        return None
    rid = hlink.get(f"{{{_NS_R}}}id")
    if not rid:
        return None
    return _safe(lambda: part.target_ref(rid), None)


def _chart_title(data, part) -> str:
    chart = data.find(f"{{{_NS_C}}}chart")
    rid = chart.get(f"{{{_NS_R}}}id") if chart is not None else None
    if not rid:
        return ""
    root = _part_xml(part.related_part(rid))
    rich = root.find(f"{{{_NS_C}}}chart/{{{_NS_C}}}title/{{{_NS_C}}}tx/{{{_NS_C}}}rich")
    return _clean(_frame_text(rich)) if rich is not None else ""


def _part_xml(part):
    element = getattr(part, "_element", None)
    if element is not None:
        return element
    return etree.fromstring(part.blob, _PARSER)


def _smartart_texts(element, slide) -> list[str]:
    # SmartArt text lives in the diagram data part python-pptx does not model.
    rel_ids = element.xpath(".//*[local-name()='relIds']")
    if not rel_ids:
        return []
    rid = rel_ids[0].get(f"{{{_NS_R}}}dm")
    part = slide.part.related_part(rid)
    root = etree.fromstring(part.blob, _PARSER)
    texts = []
    for para in root.iter(f"{_A}p"):
        text = "".join(t.text or "" for t in para.iter(f"{_A}t")).strip()
        if text:
            texts.append(text)
    return texts


def _notes_text(slide) -> str:
    # python-pptx's notes_text_frame: the notes slide's first body placeholder by idx.
    rel = next(
        (r for r in slide.part.rels.values() if r.reltype == RT.NOTES_SLIDE and not r.is_external),
        None,
    )
    if rel is None:
        return ""
    root = rel.target_part._element
    tree = root.find(f"{_P}cSld/{_P}spTree")
    if tree is None:
        return ""
    bodies = []
    for shape in _shape_children(tree):
        ph = _placeholder(shape)
        if ph is not None and ph.get("type") == "body":
            bodies.append((_int(ph.get("idx", "0")), shape))
    if not bodies:
        return ""
    body = min(bodies, key=lambda item: item[0])[1].find(f"{_P}txBody")
    return _clean(_frame_text(body)) if body is not None else ""


def _advance_after(element) -> int | None:
    # The transition may sit inside mc:AlternateContent; take the first advTm wherever it is.
    values = element.xpath("./*[local-name()='transition']/@advTm") or element.xpath(
        ".//*[local-name()='transition']/@advTm"
    )
    for value in values:
        try:
            return int(value)
        except ValueError:
            continue
    return None


def _extract_media(slide, number: int, media_dir: Path, seen: dict) -> list[MediaFile]:
    found: list[MediaFile] = []
    for rel in list(slide.part.rels.values()):
        if rel.is_external or not rel.reltype.endswith(_MEDIA_REL_SUFFIXES):
            continue
        part = _safe(lambda r=rel: r.target_part, None)
        if part is None:
            continue
        key = str(part.partname)
        if key in seen:
            if seen[key] not in found:
                found.append(seen[key])
            continue
        content_type = part.content_type or "application/octet-stream"
        kind = (
            "audio"
            if content_type.startswith("audio") or rel.reltype.endswith("/audio")
            else ("video")
        )
        base = _UNSAFE_NAME.sub("_", posixpath.basename(key)) or "media.bin"
        media_dir.mkdir(parents=True, exist_ok=True)
        target = media_dir / f"slide{number:03d}-{base}"
        blob = part.blob
        target.write_bytes(blob)
        media = MediaFile(
            name=base, path=target, content_type=content_type, kind=kind, size=len(blob)
        )
        seen[key] = media
        found.append(media)
    return found
