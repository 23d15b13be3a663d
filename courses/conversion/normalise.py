"""Make any accepted upload readable by python-pptx.

.ppsx/.potx/.pptm/.ppsm/.potm differ from .pptx only in the main part's content type (and a VBA
part): a copy with the type rewritten and any macro project dropped opens fine. Legacy .ppt,
.odp and Strict OOXML need LibreOffice to write a transitional .pptx; an .odp is first copied
without its links to external content (:func:`unlink_odf`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from .detect import Detected
from .errors import CorruptFile
from .soffice import DEFAULT_TIMEOUT_S, convert_to_pptx

PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
_VBA_SUFFIXES = ("vbaproject.bin", "vbadata.xml")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def rewrite_as_pptx(src: Path, detected: Detected, out_path: Path) -> Path:
    """Copy an OOXML package as a plain .pptx: main content type rewritten, macros removed.

    Macros are never run anywhere; removing the VBA project simply means no copy of it is kept.
    """
    main = "/" + detected.main_part
    try:
        with (
            zipfile.ZipFile(src) as zin,
            zipfile.ZipFile(
                out_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
            ) as zout,
        ):
            vba = {n for n in zin.namelist() if n.lower().endswith(_VBA_SUFFIXES)}
            for info in zin.infolist():
                if info.filename in vba:
                    continue
                data = zin.read(info)
                if info.filename == "[Content_Types].xml":
                    data = _rewrite_types(data, main, vba)
                elif info.filename.endswith(".rels"):
                    data = _drop_vba_rels(data)
                zout.writestr(info, data)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError) as exc:
        out_path.unlink(missing_ok=True)
        raise CorruptFile(detail=f"rewrite: {exc}") from exc
    return out_path


def _rewrite_types(data: bytes, main: str, vba: set[str]) -> bytes:
    root = etree.fromstring(data, _SAFE_PARSER)
    vba_names = {"/" + n for n in vba}
    for child in list(root):
        if child.get("PartName") == main:
            child.set("ContentType", PPTX_MAIN)
        elif child.get("PartName") in vba_names:
            root.remove(child)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_vba_rels(data: bytes) -> bytes:
    if b"vbaProject" not in data and b"vbaData" not in data:
        return data
    root = etree.fromstring(data, _SAFE_PARSER)
    for rel in list(root):
        rel_type = rel.get("Type", "")
        if rel_type.endswith(("/vbaProject", "/wordVbaData", "/vbaData")):
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_XLINK = "http://www.w3.org/1999/xlink"
_XLINK_HREF = f"{{{_XLINK}}}href"
# Elements whose xlink:href is a link a reader clicks, never loaded by LibreOffice.
_CLICK_LINKS = {
    "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}a",
    "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}a",
    "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}event-listener",
    "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}event-listener",
}
_INTERNAL_HREF = re.compile(r"^(?:\./)?(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?![/\\])(?!\.\./)[^#]*$")


def unlink_odf(src: Path, out_path: Path) -> Path:
    """Copy an OpenDocument package with every external link to content removed.

    LibreOffice loads an .odp's linked pictures and objects (``xlink:href`` on draw:image,
    draw:object, fill images…) when it renders: a ``file://`` link put the server's own files
    into the slides, and without a network namespace an ``http://`` link is fetched. Links
    inside the package (``Pictures/…``, ``./Object 1``) and hyperlinks a reader clicks stay.
    """
    try:
        with (
            zipfile.ZipFile(src) as zin,
            zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as zout,
        ):
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename.lower().endswith(".xml") and _XLINK.encode() in data:
                    data = _strip_external_links(data)
                # mimetype stays first and stored, as OpenDocument requires.
                stored = info.filename == "mimetype"
                zout.writestr(
                    info.filename,
                    data,
                    compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
                )
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError) as exc:
        out_path.unlink(missing_ok=True)
        raise CorruptFile(detail=f"unlink: {exc}") from exc
    return out_path


def _strip_external_links(data: bytes) -> bytes:
    root = etree.fromstring(data, _SAFE_PARSER)
    changed = False
    for element in root.iter():
        href = element.get(_XLINK_HREF)
        if href is None or element.tag in _CLICK_LINKS or _INTERNAL_HREF.match(href.strip()):
            continue
        del element.attrib[_XLINK_HREF]
        changed = True
    if not changed:
        return data
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def to_transitional_pptx(
    src: Path, out_dir: Path, timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = None
) -> Path:
    """LibreOffice converts a .ppt, .odp or Strict OOXML deck into a transitional .pptx."""
    return convert_to_pptx(src, out_dir, timeout=timeout, memory_mb=memory_mb)
