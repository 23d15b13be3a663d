"""How every fuzz case is run and judged, and the report of all of them.

A case passes when the pipeline either converts the file with sane output or raises its own
:class:`ConversionError` with a message for a person: any other exception, a case running past
``CASE_TIMEOUT_S`` or the test process growing past ``PARENT_GROWTH_MB`` fails it. Each case
adds a line to ``test-artifacts/fuzz-cases/<worker>.jsonl``; the test session's summary
(``tests/conftest.py``) gathers them into ``test-artifacts/fuzz-report.json``.

``ELEARN_FUZZ_CASES`` scales the number of cases in every category (1 by default, 0.2 for a
quick look, 5 for a long run); ``ELEARN_FUZZ_SEED`` changes the random cases (the same seed
always makes the same files).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import resource
import signal
import socket
import threading
import time
from pathlib import Path

from courses.conversion.errors import ConversionError

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = PROJECT_DIR / "test-artifacts"
CASES_DIR = ARTIFACTS_DIR / "fuzz-cases"
REPORT = ARTIFACTS_DIR / "fuzz-report.json"
CASE_TIMEOUT_S = float(os.environ.get("ELEARN_FUZZ_CASE_TIMEOUT", "150"))
PARENT_GROWTH_MB = 400
SCALE = float(os.environ.get("ELEARN_FUZZ_CASES", "1") or 1)
SEED = os.environ.get("ELEARN_FUZZ_SEED", "9")


def count(base: int) -> int:
    """Cases of a category at the configured scale (at least one)."""
    return max(1, math.ceil(base * SCALE))


def rng_for(category: str, index: int) -> random.Random:
    return random.Random(f"{SEED}:{category}:{index}")  # noqa: S311 - test data, not secrets


class CaseHung(Exception):
    """A fuzz case ran past its time limit: the pipeline's own timeouts did not hold."""


@contextlib.contextmanager
def time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; the pipeline's own timeouts still apply
        return

    def expire(_signum, _frame):
        raise CaseHung(f"case still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _max_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def assert_clear_failure(exc: ConversionError) -> None:
    """The pipeline's own failure, worded for a trainer: a sentence, no code or traceback."""
    message = exc.message
    assert isinstance(message, str) and len(message) >= 20, message
    assert message.rstrip().endswith((".", "!", ")")), message
    for leak in ("Traceback", "Error:", "Exception", "0x", "/tmp/", "errno", "lxml", "zlib"):
        assert leak not in message, f"{leak!r} in the message shown to a trainer: {message}"
    assert exc.code and exc.code != "error", exc.code


def run_case(category: str, case_id: str, action, check_success=None, outcome_of=None) -> str:
    """Run ``action()``; judge and record its outcome; return it ("ok" or an error code).

    ``outcome_of(result)`` names the outcome of an action that reports failures itself
    (the deck service marks the row failed rather than raising)."""
    before = _max_rss_mb()
    started = time.monotonic()
    outcome, detail = "ok", ""
    try:
        with time_limit(CASE_TIMEOUT_S):
            try:
                result = action()
            except ConversionError as exc:
                assert_clear_failure(exc)
                outcome, detail = exc.code, exc.detail[:300]
            else:
                if check_success is not None:
                    check_success(result)
                if outcome_of is not None:
                    outcome = outcome_of(result)
    except BaseException as exc:
        _record(category, case_id, "FAILED", time.monotonic() - started, f"{exc!r}"[:300])
        raise
    seconds = time.monotonic() - started
    growth = _max_rss_mb() - before
    _record(category, case_id, outcome, seconds, detail, growth)
    assert growth < PARENT_GROWTH_MB, f"the test process grew {growth:.0f} MB on one file"
    return outcome


def _record(category, case_id, outcome, seconds, detail="", growth=0.0) -> None:
    CASES_DIR.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    line = {
        "category": category,
        "case": case_id,
        "outcome": outcome,
        "seconds": round(seconds, 3),
        "parent_growth_mb": round(growth, 1),
        "children_max_rss_mb": round(_max_rss_mb(resource.RUSAGE_CHILDREN), 1),
        "detail": detail,
    }
    with (CASES_DIR / f"{worker}.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def start_report() -> None:
    """Forget the cases of an earlier session (called once, by the controlling process)."""
    if CASES_DIR.is_dir():
        for old in CASES_DIR.glob("*.jsonl"):
            old.unlink()


def write_report() -> dict | None:
    """Gather this session's cases into ``fuzz-report.json``; None when no case ran."""
    lines = []
    for part in sorted(CASES_DIR.glob("*.jsonl")) if CASES_DIR.is_dir() else []:
        lines += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    if not lines:
        return None
    categories: dict[str, dict] = {}
    for line in lines:
        entry = categories.setdefault(
            line["category"], {"cases": 0, "outcomes": {}, "seconds": 0.0, "max_case_seconds": 0}
        )
        entry["cases"] += 1
        entry["outcomes"][line["outcome"]] = entry["outcomes"].get(line["outcome"], 0) + 1
        entry["seconds"] = round(entry["seconds"] + line["seconds"], 2)
        entry["max_case_seconds"] = max(entry["max_case_seconds"], line["seconds"])
    report = {
        "seed": SEED,
        "scale": SCALE,
        "total_cases": len(lines),
        "failed_cases": sum(1 for line in lines if line["outcome"] == "FAILED"),
        "categories": dict(sorted(categories.items())),
        "cases": sorted(lines, key=lambda line: (line["category"], line["case"])),
    }
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


class Listener:
    """A TCP port on 127.0.0.1 that notes every connection: no case may ever reach it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "picture.png") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    self.hits.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
