"""Size limits, checked on the zip central directory before anything is unpacked."""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import CorruptFile, TooLarge

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one upload may cost the server.

    Ratios are only judged on members larger than ``ratio_floor_bytes``: small XML parts
    compress 50–100× quite innocently, while a zip bomb needs a big member to hurt.
    """

    max_file_bytes: int = 200 * MB
    max_slides: int = 1000
    max_uncompressed_bytes: int = 1024 * MB
    max_zip_entries: int = 10_000
    max_compression_ratio: float = 200.0
    ratio_floor_bytes: int = 10 * MB
    soffice_timeout_s: float = 300.0
    max_page_pixels: int = 40_000_000


def _unsafe_name(name: str) -> bool:
    # Zip-slip: anything that could land outside the directory it is unpacked into.
    if name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":
        return True
    parts = posixpath.normpath(name).split("/")
    return ".." in name.split("/") or (parts and parts[0] == "..")


def check_package(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a file that is too big, or a zip that would be too big or unsafe once unpacked.

    Reads only the file size and the zip central directory (nothing is decompressed).
    Raises :class:`TooLarge` or :class:`CorruptFile`; non-zip files only get the size check.
    """
    limits = limits or Limits()
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise TooLarge(
            f"This file is {size / MB:.0f} MB; the largest file that can be converted is "
            f"{limits.max_file_bytes / MB:.0f} MB. Compress its pictures or split it.",
            detail=f"size={size}",
        )
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(detail=f"zip central directory: {exc}") from exc
    if len(infos) > limits.max_zip_entries:
        raise TooLarge(detail=f"{len(infos)} zip entries")
    total = 0
    for info in infos:
        if _unsafe_name(info.filename):
            raise CorruptFile(
                "This file contains parts with unsafe names and cannot be converted. Save it "
                "again from PowerPoint or LibreOffice and upload the new copy.",
                detail=f"unsafe member name {info.filename!r}",
            )
        total += info.file_size
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise TooLarge(detail=f"member {info.filename!r} compression ratio {ratio:.0f}")
    if total > limits.max_uncompressed_bytes:
        raise TooLarge(detail=f"uncompressed size {total}")
