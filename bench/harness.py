"""What the benchmarks that drive a real server share: a PostgreSQL database made and dropped
per run, gunicorn started as ``make serve`` starts it and always stopped, a bare HTTP/1.1
client, tallies of latencies and errors, percentiles, and the CPU time of the processes taking
part (followed through the run, as gunicorn and Django replace theirs).

A module of helpers for ``bench/progress_load.py`` and ``bench/load.py``, not a benchmark.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
STATIC_PATH = "/static/courses/js/progress.js"  # a static file: the server is up


# HTTP -------------------------------------------------------------------------------------


async def fetch(
    port: int, method: str, path: str, headers: list[str], body: bytes = b""
) -> tuple[int, bytes]:
    """One HTTP/1.1 exchange on a new connection, as gunicorn's sync workers close each one."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        lines += headers
        if method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        raw = await reader.read()
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        content = dechunk(content)
    return status, content


class KeptConnection:
    """HTTP/1.1 exchanges one after another on one kept-alive connection, as a browser sends
    them (gunicorn's threaded workers keep idle connections open for ``keepalive`` seconds);
    reconnects when the server closed it. Cheaper for the client, which shares the machine."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def fetch(
        self, method: str, path: str, headers: list[str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing() or self.reader.at_eof():
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", *headers]
        if method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            fields = head.lower()
            if b"\r\ntransfer-encoding: chunked" in fields:
                content = await self._chunked()
            else:
                length = 0
                for line in fields.split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                content = await self.reader.readexactly(length)
            if b"\r\nconnection: close" in fields:
                self.close()
        except BaseException:
            self.close()  # a half-read answer: the next request starts a new connection
            raise
        return status, content

    async def _chunked(self) -> bytes:
        out = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(out)
            out.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def dechunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


# Tallies ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies by kind of request, and the errors (anything but the expected answer)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, status: int, expected: int, detail: bytes, what: str):
        self.latencies.setdefault(kind, []).append(seconds)
        if status != expected:
            self.errors += 1
            if len(self.examples) < 5:
                self.examples.append(f"{what} → {status} {detail[:300]!r}")

    def count(self, *kinds: str) -> int:
        return sum(len(self.latencies.get(kind, ())) for kind in kinds)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(values) < 2:
        value = values[0] * 1000 if values else math.nan
        return value, value, value
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


# Server, database and CPU -----------------------------------------------------------------


def recreate_database(admin_url: str, name: str, *, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def forget_cache(url: str, prefix: str) -> None:
    """Delete this run's keys (sessions live in the cache for weeks), not the database's."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    """gunicorn as ``make serve`` starts it (gunicorn.conf.py: threaded workers, access log,
    restarts after ~20000 requests), with ``workers`` processes on a free port."""
    env = {**os.environ, "BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "elearn.wsgi"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_until_up(server: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", STATIC_PATH)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{tail(log)}")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def cpu_seconds(pids: list[int], missing: float | None = 0.0) -> float | None:
    """User + system CPU time of processes; ``missing`` if one of them is gone."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if missing is None:
                return None
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


class FollowCPU(threading.Thread):
    """The CPU time of a changing set of processes, followed through the load: gunicorn
    replaces a worker after ``max_requests`` and Django a database connection older than
    CONN_MAX_AGE, so ``find()`` is asked twice a second (a process's last half second may be
    missed). Processes born during the load count from nothing."""

    def __init__(self, find):
        super().__init__(daemon=True)
        self.find = find
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.started, self.done = threading.Event(), threading.Event()

    def sample(self, *, starting: bool = False) -> None:
        for pid in self.find():
            spent = cpu_seconds([pid], missing=None)
            if spent is not None:
                self.first.setdefault(pid, spent if starting else 0.0)
                self.last[pid] = spent

    def run(self) -> None:
        try:
            self.sample(starting=True)
            self.started.set()
            while not self.done.wait(0.5):
                self.sample()
            self.sample()
        except Exception:  # noqa: BLE001 - the run failed and tears everything down
            self.started.set()

    def begin(self) -> FollowCPU:
        self.start()
        self.started.wait(10)
        return self

    def seconds(self) -> float:
        self.done.set()
        self.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def database_backends(url: str, name: str):
    """A function listing PostgreSQL's backends for database ``name`` (but its own)."""

    def find() -> list[int]:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchall()
        return [pid for (pid,) in rows]

    return find


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / ticks, sum(values[:8]) / ticks
