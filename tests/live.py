"""A real server on a loopback port, for end-to-end runs (schemathesis, benchmarks, CLI tests)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, seconds: float = 30, proc: subprocess.Popen[Any] | None = None) -> None:
    """Wait until `/health/ready` answers 200 (giving up early when `proc` has exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{base} did not become ready")


@contextmanager
def live_server(
    database_url: str, workers: int = 1, access_log: Path | None = None
) -> Iterator[str]:
    """uvicorn serving `app.main:app` on `database_url`; yields the base URL.

    With `access_log`, uvicorn logs at info level with its access log on, and the server's
    stdout and stderr go to that file.
    """
    level = "info" if access_log else "warning"
    env = {**os.environ, "SAMSTYRE_DATABASE_URL": database_url, "SAMSTYRE_LOG_LEVEL": level}
    port = free_port()
    output = open(access_log, "wb") if access_log else None  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            BIN / "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            level,
            "--access-log" if access_log else "--no-access-log",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if output:
            output.close()
