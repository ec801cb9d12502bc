"""Shared benchmark plumbing: throwaway databases, a real uvicorn server, HTTP timing."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import admin_secret, fresh_database  # noqa: E402
from tests.live import live_server  # noqa: E402


@dataclass
class Timing:
    """Latency percentiles and throughput of one measured request."""

    name: str
    requests: int
    p50_ms: float
    p95_ms: float
    rps: float

    def row(self, backend: str, size: str) -> str:
        """A Markdown table row."""
        return (
            f"| {backend} | {size} | {self.name} | {self.p50_ms:.1f} | {self.p95_ms:.1f} "
            f"| {self.rps:.0f} |"
        )


TABLE_HEADER = "| database | size | request | p50 ms | p95 ms | req/s |\n|---|---|---|---|---|---|"


@contextmanager
def database(backend: str) -> Iterator[Engine]:
    """A fresh, migrated database of the given backend, dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as engine:
        yield engine


def admin_key(engine: Engine) -> str:
    """Create an admin key; return its secret."""
    return admin_secret(engine, "bench")


def seed(engine: Engine, fill: Callable[[Session], None]) -> None:
    """Run `fill` (bulk inserts, no app services) in one committed synchronous session."""
    with sessionmaker(bind=engine)() as session:
        fill(session)
        session.commit()


@contextmanager
def server(engine: Engine, workers: int = 1) -> Iterator[str]:
    """uvicorn (one worker unless told) on a free loopback port; yields the base URL."""
    with live_server(engine.url.render_as_string(hide_password=False), workers) as base:
        yield base


_WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %f %f %f\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
"""


def _measure_wrk(
    base: str, key: str, name: str, path: str, seconds: int, concurrency: int
) -> Timing:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_REPORT)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{concurrency}",
                f"-d{seconds}s",
                "-s",
                script.name,
                "-H",
                f"Authorization: Bearer {key}",
                f"{base}{path}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
    count, p50, p95, rps = line.split()[1:]
    return Timing(
        name=name, requests=int(count), p50_ms=float(p50), p95_ms=float(p95), rps=float(rps)
    )


def measure(
    base: str,
    key: str,
    name: str,
    path: str,
    requests: int = 300,
    concurrency: int = 4,
    warmup: int = 20,
    seconds: int = 5,
) -> Timing:
    """Latency and throughput of GET `path`, `concurrency` requests at a time.

    With wrk installed (Debian package `wrk`) the load runs for `seconds` from a separate,
    efficient process; otherwise `requests` GETs are sent from Python threads, whose own
    CPU use on this 2-core machine lowers the figures.
    """
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(warmup):
            client.get(path).raise_for_status()
        if shutil.which("wrk"):
            return _measure_wrk(base, key, name, path, seconds, concurrency)

        def one(_i: int) -> float:
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            return elapsed

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(one, range(requests)))
        wall = time.perf_counter() - started
    latencies.sort()
    return Timing(
        name=name,
        requests=requests,
        p50_ms=statistics.median(latencies) * 1000,
        p95_ms=latencies[int(len(latencies) * 0.95) - 1] * 1000,
        rps=requests / wall,
    )
