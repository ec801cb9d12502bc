"""The commands behind `make run`: migrate, seed-demo, serve (first admin key printed once)."""

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.live import free_port, wait_ready

BIN = Path(sys.executable).parent


def _read_key(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line.startswith("sam_"):
            return line
    raise AssertionError("serve printed no key")


def test_serve_migrates_prints_one_admin_key_and_answers(tmp_path: Path) -> None:
    env = {**os.environ, "SAMSTYRE_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    subprocess.run([BIN / "samstyre", "migrate"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [BIN / "samstyre", "seed-demo", "--if-empty"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "demo data loaded" in out
    again = subprocess.run(
        [BIN / "samstyre", "seed-demo", "--if-empty"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "skipped" in again

    port = free_port()
    proc = subprocess.Popen(
        [BIN / "samstyre", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        key = _read_key(proc)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        listed = httpx.get(
            f"{base}/api/v1/organizations", headers={"Authorization": f"Bearer {key}"}
        )
        assert listed.status_code == 200
        assert "Randers Kommune" in [o["name"] for o in listed.json()["items"]]
        anonymous = httpx.get(f"{base}/api/v1/organizations")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    # a second start finds a key and prints none
    proc = subprocess.Popen(
        [BIN / "samstyre", "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        time.sleep(3)
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        assert "sam_" not in out
    finally:
        if proc.poll() is None:
            proc.kill()
