"""Run hostile-input parsing in a child process with a memory ceiling.

python-pptx, lxml and pdfium parse uploads inside Python; a file built to make one of them
allocate without end would otherwise take the whole worker (and whatever else runs on the
machine) with it. :func:`call` runs a function in a child process whose address space is
capped (``RLIMIT_AS``), waits at most ``timeout`` seconds, and turns whatever happens there
into the pipeline's own errors: the child's :class:`~.errors.ConversionError` comes back as
it was raised; running out of memory, or the child dying, becomes :class:`TooLarge` or
:class:`CorruptFile`; a child past its time is killed and reported as
:class:`ConversionTimeout`. The worker itself only ever waits.

LibreOffice and ffmpeg get the same ceiling through :func:`limit_prefix` (``prlimit --as``).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import resource
import shutil
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .errors import (
    ERRORS_BY_CODE,
    ConversionError,
    ConversionTimeout,
    CorruptFile,
    TooLarge,
    gettext_noop,
)

DEFAULT_MEMORY_MB = 4096
MEMORY_MESSAGE = gettext_noop(
    "Converting this file needed more memory than the server allows, and was stopped. "
    "Compress its pictures or split it into smaller files, and upload it again."
)
# Modules the fork server imports once, so each child starts in milliseconds.
_PRELOAD = ["courses.conversion.pipeline", "courses.conversion.pdf"]


def memory_limit_mb() -> int:
    """The per-conversion ceiling: ``ELEARN_CONVERSION_MEMORY_MB`` (0 = none), default 4096.

    The core reads the environment itself (it has no settings) so every caller, the video
    core included, gets the same ceiling the Django setting of that name shows.
    """
    try:
        return int(os.environ.get("ELEARN_CONVERSION_MEMORY_MB", DEFAULT_MEMORY_MB))
    except ValueError:
        return DEFAULT_MEMORY_MB


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space (soft limit only: the hard one stays, see below)."""
    if not memory_mb:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _lift_limit() -> None:
    # Raising the soft limit back to the hard one is allowed: after a MemoryError the child
    # needs a little memory to report it. Parsers run no code of the file's, so nothing hostile
    # gets to do this.
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


_OUT_OF_MEMORY_SIGNS = (
    "bad_alloc",  # C++ (LibreOffice)
    "Cannot allocate memory",  # ENOMEM (ffmpeg)
    "failed to map segment",  # the dynamic loader, under a ceiling too low to start at all
    "out of memory",
)


def out_of_memory(log: str, returncode: int | None = None) -> bool:
    """Whether a subprocess's exit (its stderr, its return code) says it ran out of memory:
    past the :func:`limit_prefix` ceiling, or killed by the kernel for want of memory."""
    return returncode == -signal.SIGKILL or any(sign in log for sign in _OUT_OF_MEMORY_SIGNS)


@functools.cache
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def limit_prefix(memory_mb: int | None = None) -> tuple[str, ...]:
    """Command prefix capping a subprocess's address space: ``prlimit --as=<bytes> --``.

    ``memory_mb`` None means :func:`memory_limit_mb`; 0 means no ceiling. Without ``prlimit``
    (util-linux) the prefix is empty and the process inherits our own limit, if any.
    """
    memory_mb = memory_limit_mb() if memory_mb is None else memory_mb
    if not memory_mb or not _prlimit():
        return ()
    return (_prlimit(), f"--as={memory_mb * 1024 * 1024}", "--")


@functools.cache
def _context():
    # forkserver: a threaded worker is never forked, and the preloaded modules make each child
    # cheap (its start-up is a fork of an idle, single-threaded server).
    context = multiprocessing.get_context("forkserver")
    with contextlib.suppress(ValueError):
        context.set_forkserver_preload(_PRELOAD)
    return context


def _child(conn: Connection, memory_mb: int | None, fn, args, kwargs) -> None:
    try:
        limit_memory(memory_mb)
        result = fn(*args, **kwargs)
        conn.send(("ok", result))
    except MemoryError:
        _lift_limit()
        conn.send(("memory", "MemoryError"))
    except ConversionError as exc:
        _lift_limit()
        conn.send(("error", (exc.code, exc.message, exc.detail, type(exc).__name__)))
    except BaseException as exc:  # noqa: BLE001 - anything else a parser raised is bad input
        _lift_limit()
        detail = f"{type(exc).__name__}: {exc}"[:500]
        if isinstance(exc, RecursionError):
            detail += " (nesting too deep)"
        conn.send(("crash", detail + "\n" + traceback.format_exc(limit=-3)[-1500:]))
    finally:
        conn.close()


def _rebuild(code: str, message: str, detail: str, name: str) -> ConversionError:
    cls = ERRORS_BY_CODE.get(code)
    if cls is None:
        # Subclasses defined elsewhere (the video core's NotAVideo…): find them by name.
        cls = next(
            (c for c in _subclasses(ConversionError) if c.__name__ == name and c.code == code),
            ConversionError,
        )
    exc = cls.__new__(cls)
    exc.message, exc.detail = message, detail
    Exception.__init__(exc, message)
    return exc


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def call(
    fn: Callable[..., Any],
    *args,
    memory_mb: int | None = None,
    timeout: float = 600.0,
    **kwargs,
) -> Any:
    """``fn(*args, **kwargs)`` in a child process capped at ``memory_mb`` (None: the setting).

    ``fn`` must be a module-level function and its arguments and result picklable. Raises the
    child's :class:`ConversionError`; :class:`TooLarge` when it ran out of memory or was killed
    (the kernel's out-of-memory killer); :class:`CorruptFile` when it crashed (a parser bug
    tripped by the file); :class:`ConversionTimeout` after ``timeout`` seconds.
    """
    memory_mb = memory_limit_mb() if memory_mb is None else memory_mb
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, memory_mb, fn, args, kwargs), name="elearn-sandbox"
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise ConversionTimeout(detail=f"sandboxed {fn.__name__} exceeded {timeout:g} s")
        try:
            kind, value = receiver.recv()
        except EOFError:
            kind, value = "died", None
    finally:
        receiver.close()
        if process.is_alive():
            process.join(1)
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "ok":
        return value
    if kind == "error":
        raise _rebuild(*value)
    if kind == "memory":
        raise TooLarge(MEMORY_MESSAGE, detail=f"{fn.__name__}: over {memory_mb} MB")
    if kind == "crash":
        raise CorruptFile(detail=f"{fn.__name__}: {value}")
    code = process.exitcode
    if code == -signal.SIGKILL:
        raise TooLarge(MEMORY_MESSAGE, detail=f"{fn.__name__}: killed (out of memory?)")
    raise CorruptFile(detail=f"{fn.__name__}: child exited with {code}")
