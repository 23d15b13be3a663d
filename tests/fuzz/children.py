"""Functions the memory-limit tests run in sandboxed children: a module without Django, so
the child (a fork of the conversion fork server) can import it."""

from __future__ import annotations

import os
import time

from courses.conversion.errors import NoSlides


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def die(signum: int) -> None:
    os.kill(os.getpid(), signum)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def no_slides() -> None:
    raise NoSlides()
