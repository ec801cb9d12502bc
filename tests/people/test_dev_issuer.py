"""`samstyre dev-issuer`: refused unless SAMSTYRE_DEV=1; otherwise a local issuer whose
printed token signs a developer in, with the role mapping it created."""

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from app.core.config import Settings
from app.main import create_app
from tests.aio import ApiClient, run
from tests.live import free_port

BIN = Path(sys.executable).parent


def test_refused_without_samstyre_dev(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SAMSTYRE_DEV"}
    env["SAMSTYRE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'dev.db'}"
    for value in (None, "0", "true"):
        if value is not None:
            env["SAMSTYRE_DEV"] = value
        done = subprocess.run(
            [BIN / "samstyre", "dev-issuer", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert "SAMSTYRE_DEV=1" in done.stderr and "eyJ" not in done.stdout


def _lines(proc: subprocess.Popen[str]) -> "queue.Queue[str]":
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _token(lines: "queue.Queue[str]", timeout: float = 60) -> tuple[str, list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith("eyJ"):
            return line, seen
    raise AssertionError(f"dev-issuer printed no token: {seen}")


def test_a_developer_signs_in_with_the_printed_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    env = {**os.environ, "SAMSTYRE_DATABASE_URL": url, "SAMSTYRE_DEV": "1"}
    subprocess.run([BIN / "samstyre", "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [BIN / "samstyre", "dev-issuer", "--port", str(port), "--role", "admin", "--name", "Dev"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        token, printed = _token(_lines(proc))
        issuer = f"http://127.0.0.1:{port}"
        assert any(f"SAMSTYRE_OIDC_ISSUER={issuer}" in line for line in printed)
        assert any("samstyre-admin" in line and "created" in line for line in printed)
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer
        assert len(httpx.get(discovery["jwks_uri"]).json()["keys"]) == 2

        app = create_app(
            Settings(database_url=url, oidc_issuer=issuer, oidc_audience="samstyre-dev")
        )
        client = ApiClient(app)
        client.headers["Authorization"] = f"Bearer {token}"
        try:
            me = client.get("/api/v1/me")
            assert me.status_code == 200, me.text
            assert (me.json()["kind"], me.json()["name"], me.json()["role"]) == (
                "user",
                "Dev",
                "admin",
            )
            mappings = client.get("/api/v1/role-mappings").json()["items"]
            assert [(m["claim"], m["value"], m["role"]) for m in mappings] == [
                ("roles", "samstyre-admin", "admin")
            ]
        finally:
            run(app.state.engine.dispose())
    finally:
        proc.terminate()
        proc.wait(timeout=30)
