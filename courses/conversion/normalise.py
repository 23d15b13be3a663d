"""Make any accepted upload readable by python-pptx.

.ppsx/.potx/.pptm/.ppsm/.potm differ from .pptx only in the main part's content type (and a VBA
part): a copy with the type rewritten and any macro project dropped opens fine. Legacy .ppt,
.odp and Strict OOXML need LibreOffice to write a transitional .pptx.
"""

from __future__ import annotations

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


def to_transitional_pptx(
    src: Path, out_dir: Path, timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = None
) -> Path:
    """LibreOffice converts a .ppt, .odp or Strict OOXML deck into a transitional .pptx."""
    return convert_to_pptx(src, out_dir, timeout=timeout, memory_mb=memory_mb)
