"""Recognise a presentation by its content, never by its file name."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

import msoffcrypto
import olefile
from defusedxml import ElementTree

from .errors import CorruptFile, EncryptedFile, NotAPresentation, gettext_noop

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Main-part content types; Strict OOXML packages use the same ones.
_PML = "application/vnd.openxmlformats-officedocument.presentationml."
_MSPPT = "application/vnd.ms-powerpoint."
MAIN_CONTENT_TYPES = {
    _PML + "presentation.main+xml": "pptx",
    _PML + "slideshow.main+xml": "ppsx",
    _PML + "template.main+xml": "potx",
    _MSPPT + "presentation.macroEnabled.main+xml": "pptm",
    _MSPPT + "slideshow.macroEnabled.main+xml": "ppsm",
    _MSPPT + "template.macroEnabled.main+xml": "potm",
}
OFFICE_DOCUMENT_RELS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
}
STRICT_MARK = "http://purl.oclc.org/ooxml/"
ODP_MIMETYPES = {
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.presentation-template",
}
OOXML_FORMATS = frozenset(MAIN_CONTENT_TYPES.values())
# Small parts only: a bomb disguised as [Content_Types].xml must not be inflated.
_MAX_PART_READ = 2 * 1024 * 1024


@dataclass(frozen=True)
class Detected:
    """What a file is: ``format`` (pptx, ppsx, potx, pptm, ppsm, potm, ppt, odp, pdf);
    ``strict`` is true for Strict OOXML packages, which python-pptx cannot read;
    ``main_part`` is the zip name of the presentation part of an OOXML package."""

    format: str
    strict: bool = False
    main_part: str = ""


def detect_format(path: str | Path) -> str:
    """Return the presentation format of ``path`` judged by content (see :func:`detect`)."""
    return detect(path).format


def detect(path: str | Path) -> Detected:
    """Recognise the file at ``path``.

    Raises :class:`NotAPresentation` for other files (documents, pictures, text, theme files),
    :class:`CorruptFile` for broken or truncated containers and :class:`EncryptedFile` for a
    password-protected .pptx (an OLE container) or .ppt.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise CorruptFile(gettext_noop("This file could not be read."), detail=str(exc)) from exc
    if not head:
        raise CorruptFile(
            gettext_noop("This file is empty. Upload the presentation again."), detail="0 bytes"
        )
    if b"%PDF-" in head:
        return Detected("pdf")
    if head.startswith(OLE_MAGIC):
        return _detect_ole(path)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _detect_zip(path)
    raise NotAPresentation(detail=f"magic {head[:8]!r}")


def _detect_ole(path: Path) -> Detected:
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:  # noqa: BLE001 - olefile raises many types for bad input
        raise CorruptFile(detail=f"OLE: {exc}") from exc
    try:
        streams = {"/".join(entry) for entry in ole.listdir()}
    finally:
        ole.close()
    if "EncryptionInfo" in streams and "EncryptedPackage" in streams:
        return _raise_encrypted("encrypted OOXML package")
    if "PowerPoint Document" not in streams:
        raise NotAPresentation(detail=f"OLE streams {sorted(streams)[:6]}")
    if _ppt_is_encrypted(path):
        return _raise_encrypted("encrypted PowerPoint 97-2003")
    return Detected("ppt")


def _raise_encrypted(detail: str) -> Detected:
    raise EncryptedFile(detail=detail)


def _ppt_is_encrypted(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:  # noqa: BLE001 - msoffcrypto asserts on old/odd .ppt; those are not encrypted
        return False


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART_READ:
        raise CorruptFile(detail=f"{name} is {info.file_size} bytes")
    with zf.open(info) as fh:
        return fh.read(_MAX_PART_READ)


def _detect_zip(path: Path) -> Detected:
    try:
        with zipfile.ZipFile(path) as zf:
            return _detect_zip_members(zf)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise CorruptFile(detail=f"zip: {exc}") from exc
    except ElementTree.ParseError as exc:
        raise CorruptFile(detail=f"package XML: {exc}") from exc


def _detect_zip_members(zf: zipfile.ZipFile) -> Detected:
    mimetype = _read_part(zf, "mimetype")
    if mimetype is not None:
        if mimetype.strip().decode("ascii", "replace") in ODP_MIMETYPES:
            return Detected("odp")
        raise NotAPresentation(detail=f"ODF mimetype {mimetype[:80]!r}")
    types_xml = _read_part(zf, "[Content_Types].xml")
    rels_xml = _read_part(zf, "_rels/.rels")
    if types_xml is None or rels_xml is None:
        raise NotAPresentation(detail="zip without OOXML package parts")
    main_part = None
    strict = STRICT_MARK.encode() in rels_xml
    for rel in ElementTree.fromstring(rels_xml):
        if rel.get("Type") in OFFICE_DOCUMENT_RELS and rel.get("TargetMode") != "External":
            main_part = posixpath.normpath(rel.get("Target", "").lstrip("/"))
            break
    if main_part is None:
        raise NotAPresentation(detail="no officeDocument relationship (theme or other package)")
    content_type = _content_type(ElementTree.fromstring(types_xml), main_part)
    fmt = MAIN_CONTENT_TYPES.get(content_type or "")
    if fmt is None:
        raise NotAPresentation(detail=f"main part type {content_type}")
    if main_part not in zf.namelist():
        raise CorruptFile(detail=f"main part {main_part} missing")
    return Detected(fmt, strict=strict, main_part=main_part)


def _content_type(types, part_name: str) -> str | None:
    default = None
    ext = posixpath.splitext(part_name)[1].lstrip(".").lower()
    for child in types:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "Override" and child.get("PartName", "").lstrip("/") == part_name:
            return child.get("ContentType")
        if tag == "Default" and child.get("Extension", "").lower() == ext:
            default = child.get("ContentType")
    return default
