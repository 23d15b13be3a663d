"""Stored files for tools that need a path (LibreOffice, ffmpeg, pdfium), on any storage.

The default storage is local disk (``MEDIA_ROOT``) or an S3-compatible bucket
(``ELEARN_STORAGE=s3``). Code that reads or writes media goes through ``default_storage``;
only where a tool needs a real file does it come here, and gets the file itself on local disk
(no copy: decks and videos can be gigabytes) or a temporary download from a bucket.
"""

from __future__ import annotations

import contextlib
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

CHUNK = 4 * 1024 * 1024


def local_path_of(name: str) -> Path | None:
    """The file's own path when the default storage keeps files on local disk, else None."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def has_local_paths() -> bool:
    """Whether the default storage is local disk (files have paths a front server can send)."""
    return local_path_of("probe") is not None


def download(name: str, target: Path) -> Path:
    """Copy the stored file ``name`` to the local ``target`` in chunks; returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return target


@contextlib.contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A path to read the stored file ``name`` from, for as long as the block runs: the file
    itself on local disk, else a temporary download (same suffix, since some tools go by it),
    deleted afterwards. Read only: on local disk the path is the stored file."""
    path = local_path_of(name)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="elearn-download-") as tmp:
        yield download(name, Path(tmp) / f"file{Path(name).suffix.lower()}")


def store(local: Path, name: str) -> str:
    """Save the local file ``local`` as ``name``, replacing what was stored under that name;
    returns the stored name. Neither storage overwrites by itself (a second file would get a
    new name), and derived files must keep the names other rows point at."""
    if default_storage.exists(name):
        default_storage.delete(name)
    with local.open("rb") as fh:
        return default_storage.save(name, File(fh))


class LocalFiles:
    """Paths for several stored files inside one work folder, for a tool that reads them all
    (the handout builder). On local disk each path is the stored file; otherwise a path under
    ``workdir`` that mirrors the storage name, downloaded at once, or with ``lazy`` only by
    :meth:`fetch` — so a caller can first decide from the names alone (a cached result)
    whether anything needs downloading."""

    def __init__(self, workdir: Path, *, lazy: bool = False) -> None:
        self.workdir = Path(workdir)
        self.lazy = lazy
        self._pending: dict[Path, str] = {}
        self._names: dict[Path, str] = {}

    def path(self, name: str) -> Path:
        """A local path for the stored file ``name``."""
        own = local_path_of(name)
        if own is not None:
            return own
        clean = posixpath.normpath(name)
        if clean.startswith(("/", "..")):
            raise ValueError(f"not a storage name: {name!r}")
        target = self.workdir / clean
        if target not in self._names:
            self._names[target] = clean
            if self.lazy:
                self._pending[target] = clean
            else:
                download(clean, target)
        return target

    def fetch(self) -> None:
        """Download every file handed out as a path but not downloaded yet."""
        for target, name in list(self._pending.items()):
            download(name, target)
            del self._pending[target]

    def storage_name(self, path: Path) -> str | None:
        """The storage name behind a path this object made in its work folder, else None
        (a file on local disk is its own path)."""
        return self._names.get(Path(path))
