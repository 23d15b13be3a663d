"""Size limits, checked on the zip central directory before anything is unpacked, then on the
members themselves (:func:`check_members`) before any parser or LibreOffice reads them."""

from __future__ import annotations

import io
import posixpath
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from .errors import CorruptFile, TooLarge, gettext_noop
from .sandbox import memory_limit_mb

MB = 1024 * 1024
# Pillow refuses pictures over twice its MAX_IMAGE_PIXELS (89.5 megapixels) as decompression
# bombs; LibreOffice took 12 s and 614 MB on a 20000×20000 one and would try far bigger.
MAX_PICTURE_PIXELS = 178_956_970
_EOCD = b"PK\x05\x06"
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_PICTURE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_PICTURE_HEAD_BYTES = 256 * 1024  # JPEG's frame header can follow a large EXIF block
_CHUNK = 256 * 1024

_UNSAFE_NAME_MESSAGE = gettext_noop(
    "This file contains parts with unsafe names and cannot be converted. Save it again from "
    "PowerPoint or LibreOffice and upload the new copy."
)
_PICTURE_MESSAGE = gettext_noop(
    "A picture in this presentation is too large to show (over 179 megapixels). Compress its "
    "pictures (in PowerPoint: File > Compress Pictures) and upload it again."
)

_FILE_SIZE_MESSAGE = gettext_noop(
    "This file is larger than the largest presentation that can be converted. Compress its "
    "pictures (in PowerPoint: File > Compress Pictures) or split it into smaller decks."
)


@dataclass(frozen=True)
class Limits:
    """What one upload may cost the server.

    Ratios are only judged on members (and packages) larger than ``ratio_floor_bytes``: small
    XML parts compress 50–100× quite innocently, while a zip bomb needs a big member to hurt.
    ``max_memory_mb`` caps each process that parses or converts the file (0: no cap).
    """

    max_file_bytes: int = 200 * MB
    max_slides: int = 1000
    max_uncompressed_bytes: int = 1024 * MB
    max_zip_entries: int = 10_000
    max_compression_ratio: float = 200.0
    ratio_floor_bytes: int = 10 * MB
    soffice_timeout_s: float = 300.0
    max_page_pixels: int = 40_000_000
    max_picture_pixels: int = MAX_PICTURE_PIXELS
    max_memory_mb: int = field(default_factory=memory_limit_mb)


def _unsafe_name(name: str) -> bool:
    # Zip-slip: anything that could land outside the directory it is unpacked into.
    if name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":
        return True
    parts = posixpath.normpath(name).split("/")
    return ".." in name.split("/") or (parts and parts[0] == "..")


def _directory_entries(path: Path) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end record, before zipfile reads the
    directory: a million-entry directory costs zipfile hundreds of MB of ZipInfo objects."""
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    _sig, _disk, _cd_disk, _here, total, cd_size, _cd_offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + 22]
    )
    return total, cd_size


def check_package(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a file that is too big, or a zip that would be too big or unsafe once unpacked.

    Reads only the file size and the zip central directory (nothing is decompressed).
    Raises :class:`TooLarge` or :class:`CorruptFile`; non-zip files only get the size check.
    """
    limits = limits or Limits()
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        # The upload form names both sizes in the trainer's language (SlideDeckForm); this
        # message is stored and translated as it is, so it carries no numbers.
        raise TooLarge(_FILE_SIZE_MESSAGE, detail=f"size={size} limit={limits.max_file_bytes}")
    if not zipfile.is_zipfile(path):
        return
    directory = _directory_entries(path)
    # An entry takes at least 46 bytes of the directory: a record claiming few entries over a
    # huge directory is lying (zipfile reads by size, not by count).
    if directory and max(directory[0], directory[1] // 46) > limits.max_zip_entries:
        raise TooLarge(detail=f"zip directory: {directory[0]} entries in {directory[1]} bytes")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(detail=f"zip central directory: {exc}") from exc
    if len(infos) > limits.max_zip_entries:
        raise TooLarge(detail=f"{len(infos)} zip entries")
    total = packed = 0
    for info in infos:
        if _unsafe_name(info.filename):
            raise CorruptFile(_UNSAFE_NAME_MESSAGE, detail=f"unsafe member name {info.filename!r}")
        if info.flag_bits & 0x1:
            # PowerPoint never encrypts zip members (its passwords wrap the whole package).
            raise CorruptFile(detail=f"member {info.filename!r} is zip-encrypted")
        total += info.file_size
        packed += info.compress_size
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise TooLarge(detail=f"member {info.filename!r} compression ratio {ratio:.0f}")
    if total > limits.max_uncompressed_bytes:
        raise TooLarge(detail=f"uncompressed size {total}")
    # Many members each under the floor add up to a bomb as well as one big one does.
    if total > limits.ratio_floor_bytes and total / max(packed, 1) > limits.max_compression_ratio:
        raise TooLarge(detail=f"package compression ratio {total / max(packed, 1):.0f}")


def check_members(path: str | Path, limits: Limits | None = None) -> None:
    """Inflate every zip member once, counting, and look at every picture's header.

    Refuses (:class:`CorruptFile`) a member that inflates to another size than its directory
    entry declares: Python's zipfile stops at the declared size, but LibreOffice's reader
    inflates the whole stream, so a lying entry is a bomb the directory checks cannot see. Refuses
    (:class:`TooLarge`) pictures over ``limits.max_picture_pixels``. Work is bounded by the
    declared sizes that :func:`check_package` has already accepted; non-zip files pass.
    """
    limits = limits or Limits()
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as zf, path.open("rb") as raw:
            for info in zf.infolist():
                head = _inflate_counting(raw, info)
                _check_picture(info.filename, head, limits)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError) as exc:
        raise CorruptFile(detail=f"zip member: {type(exc).__name__}: {exc}") from exc


def _inflate_counting(raw, info: zipfile.ZipInfo) -> bytes:
    """Inflate one member from its local header on, at most one byte past its declared size;
    returns its first bytes (for the picture check)."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise CorruptFile(detail=f"member {info.filename!r}: bad local header")
    fields = _LOCAL_HEADER.unpack(header)
    raw.seek(fields[-2] + fields[-1], io.SEEK_CUR)  # file name and extra field
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != declared:
            raise CorruptFile(detail=f"member {info.filename!r}: stored sizes differ")
        return raw.read(min(declared, _PICTURE_HEAD_BYTES))
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise CorruptFile(detail=f"member {info.filename!r}: compression {info.compress_type}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    head = b""
    produced = 0
    while not inflater.eof:
        data = inflater.unconsumed_tail or raw.read(_CHUNK)
        if not data:
            raise CorruptFile(detail=f"member {info.filename!r}: stream runs past the file")
        out = inflater.decompress(data, _CHUNK)
        produced += len(out)
        if len(head) < _PICTURE_HEAD_BYTES:
            head += out[: _PICTURE_HEAD_BYTES - len(head)]
        if produced > declared:
            raise CorruptFile(
                detail=f"member {info.filename!r} inflates past its declared {declared} bytes"
            )
    if produced != declared:
        # Harmless in itself, but no Office program writes it: the directory is not to be
        # trusted, and neither is the rest.
        raise CorruptFile(
            detail=f"member {info.filename!r} inflates to {produced}, declares {declared} bytes"
        )
    return head


def _check_picture(name: str, head: bytes, limits: Limits) -> None:
    if not head.startswith(_PICTURE_MAGIC):
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(head)) as image:  # reads the header only
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise TooLarge(_PICTURE_MESSAGE, detail=f"picture {name!r}: {exc}") from exc
    except Exception:  # noqa: BLE001 - not a picture Pillow knows; LibreOffice may, or not
        return
    if width * height > limits.max_picture_pixels:
        raise TooLarge(_PICTURE_MESSAGE, detail=f"picture {name!r} is {width}x{height}")
