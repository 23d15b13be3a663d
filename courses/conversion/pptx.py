"""Read a deck's structure and text with python-pptx (fast: a few ms per slide, no rendering)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.exc import PackageNotFoundError

from .content import DeckContent, Hyperlink, MediaFile, SlideContent
from .errors import ConversionError, CorruptFile, NoSlides, TooLarge
from .limits import Limits

DEFAULT_WIDTH_EMU = 9_144_000  # 10 in: what PowerPoint assumes when sldSz is missing
DEFAULT_HEIGHT_EMU = 6_858_000
_NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MEDIA_REL_SUFFIXES = ("/video", "/audio", "/media")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def extract_deck(
    path: str | Path, media_dir: str | Path | None = None, limits: Limits | None = None
) -> DeckContent:
    """Extract titles, text with levels, tables, links, alt text, notes, hidden flags, timings
    and embedded audio/video (copied into ``media_dir`` when given) from a .pptx.

    Raises :class:`NoSlides`, :class:`TooLarge` (more than ``limits.max_slides``) or
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
            raise TooLarge(
                f"This presentation has {len(slides)} slides; at most {limits.max_slides} can "
                "be converted. Split it into smaller decks.",
                detail=f"{len(slides)} slides",
            )
        deck = DeckContent(
            slide_width=prs.slide_width or DEFAULT_WIDTH_EMU,
            slide_height=prs.slide_height or DEFAULT_HEIGHT_EMU,
            title=_safe(lambda: prs.core_properties.title or "", ""),
        )
        media_out = Path(media_dir) if media_dir is not None else None
        seen_media: dict[str, MediaFile] = {}
        for number, slide in enumerate(slides, start=1):
            deck.slides.append(_slide_content(number, slide, media_out, seen_media))
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


def _slide_content(number, slide, media_dir, seen_media) -> SlideContent:
    content = SlideContent(number=number, hidden=slide._element.get("show") in ("0", "false"))
    title_shape = _safe(lambda: slide.shapes.title, None)
    if title_shape is not None and title_shape.has_text_frame:
        content.title = _clean(title_shape.text_frame.text)
        _collect_links(title_shape, content)
    for shape in _reading_order(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        _collect_shape(shape, slide, content)
    content.notes = _safe(lambda: _notes_text(slide), "")
    content.advance_after_ms = _advance_after(slide._element)
    if media_dir is not None:
        content.media = _extract_media(slide, number, media_dir, seen_media)
    return content


def _reading_order(shapes, cache: dict | None = None):
    """Top-to-bottom, then left-to-right; a group's members are read in place, in their order."""
    cache = {} if cache is None else cache
    for shape in sorted(shapes, key=lambda s: _position(s, cache)):
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _reading_order(shape.shapes, cache)
        else:
            yield shape


def _position(shape, cache: dict) -> tuple[int, int]:
    # The first a:off in document order is the shape's own offset (for a group, its grpSpPr).
    # python-pptx's inherited placeholder lookup walks the layout for every access, which was
    # most of the extraction time, so it is only used (and cached) when the XML has no offset.
    off = shape._element.find(f".//{{{_NS_A}}}off")
    if off is not None:
        return (_int(off.get("y")), _int(off.get("x")))
    key = None
    if shape.is_placeholder:
        fmt = _safe(lambda: shape.placeholder_format, None)
        layout = _safe(lambda: str(shape.part.slide_layout.part.partname), None)
        key = (layout, fmt.idx if fmt is not None else None)
        if key in cache:
            return cache[key]
    value = (_safe(lambda: shape.top, 0) or 0, _safe(lambda: shape.left, 0) or 0)
    if key is not None:
        cache[key] = value
    return value


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _clean(text: str) -> str:
    # python-pptx reports <a:br/> as a vertical tab.
    return text.replace("\v", "\n").replace("\x0b", "\n").strip()


def _collect_shape(shape, slide, content: SlideContent) -> None:
    if shape.has_text_frame:
        for para in shape.text_frame.paragraphs:
            text = _clean(para.text)
            if text:
                content.paragraphs.append((para.level, text))
        _collect_links(shape, content)
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            rows.append([_clean(cell.text) if not cell.is_spanned else "" for cell in row.cells])
        content.tables.append(rows)
        for row in shape.table.rows:
            for cell in row.cells:
                _collect_paragraph_links(cell.text_frame.paragraphs, content)
    if getattr(shape, "has_chart", False) and shape.has_chart:
        title = _safe(lambda: _chart_title(shape.chart), "")
        if title:
            content.paragraphs.append((0, title))
    element = shape._element
    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "graphicFrame":
        for text in _safe(lambda: _smartart_texts(element, slide), []):
            content.paragraphs.append((0, text))
    if tag == "pic":
        descr = _safe(lambda: element.nvPicPr.cNvPr.get("descr"), None)
        if descr and descr.strip():
            content.alt_texts.append(descr.strip())
    click = _safe(lambda: shape.click_action.hyperlink.address, None)
    if click:
        content.hyperlinks.append(Hyperlink(text=_safe(lambda: _clean(shape.text), ""), url=click))


def _collect_links(shape, content: SlideContent) -> None:
    _collect_paragraph_links(shape.text_frame.paragraphs, content)


def _collect_paragraph_links(paragraphs, content: SlideContent) -> None:
    for para in paragraphs:
        for run in para.runs:
            address = _safe(lambda r=run: r.hyperlink.address, None)
            if address:
                content.hyperlinks.append(Hyperlink(text=_clean(run.text), url=address))


def _chart_title(chart) -> str:
    if chart.has_title and chart.chart_title.has_text_frame:
        return _clean(chart.chart_title.text_frame.text)
    return ""


def _smartart_texts(element, slide) -> list[str]:
    # SmartArt text lives in the diagram data part python-pptx does not model.
    rel_ids = element.xpath(".//*[local-name()='relIds']")
    if not rel_ids:
        return []
    rid = rel_ids[0].get(f"{{{_NS_R}}}dm")
    part = slide.part.related_part(rid)
    from lxml import etree  # local: only SmartArt needs a raw parse

    root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    texts = []
    for para in root.iter(f"{{{_NS_A}}}p"):
        text = "".join(t.text or "" for t in para.iter(f"{{{_NS_A}}}t")).strip()
        if text:
            texts.append(text)
    return texts


def _notes_text(slide) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return _clean(frame.text) if frame is not None else ""


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
