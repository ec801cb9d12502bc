"""Health probes are open; ready is the database answering at this release's schema."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from alembic import command

from app.core.config import Settings
from app.main import create_app
from app.migrate import alembic_config, upgrade
from tests.aio import ApiClient
from tests.databases import fresh_database
from tests.helpers import assert_problem
from tests.live import ROOT, free_port

BIN = Path(sys.executable).parent


def test_live_and_ready(anon: ApiClient) -> None:
    assert anon.get("/health/live").json() == {"status": "ok"}
    assert anon.get("/health/ready").json() == {"status": "ok"}


def test_ready_is_503_when_the_database_is_down() -> None:
    app = create_app(
        Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    )
    client = ApiClient(app)
    assert client.get("/health/live").status_code == 200
    assert_problem(client.get("/health/ready"), 503, "unavailable")


def test_docs_are_served_without_a_cdn(anon: ApiClient) -> None:
    page = anon.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/static/swagger-ui-bundle.js" in page.text
    assert anon.get("/static/swagger-ui-bundle.js").status_code == 200
    assert anon.get("/openapi.json").status_code == 200


def test_ready_is_503_until_the_schema_is_at_this_releases_newest_migration(
    tmp_path: Path,
) -> None:
    with fresh_database("sqlite", tmp_path, migrate=False) as engine:
        url = engine.url.render_as_string(hide_password=False)
        client = ApiClient(create_app(Settings(database_url=url)))
        body = assert_problem(client.get("/health/ready"), 503, "unavailable")
        assert "not migrated" in body["detail"]
        with engine.begin() as conn:  # one release behind
            command.upgrade(alembic_config(connection=conn), "0005")
        assert "not migrated" in assert_problem(client.get("/health/ready"), 503)["detail"]
        with engine.begin() as conn:
            upgrade(connection=conn)
        assert client.get("/health/ready").json() == {"status": "ok"}


def test_a_served_unmigrated_database_is_not_ready_until_samstyre_migrate(
    tmp_path: Path,
) -> None:
    # `uvicorn app.main:app` on an empty file: readiness and the API agree (503), until
    # `samstyre migrate`; then both answer
    database = f"sqlite:///{tmp_path / 'empty.db'}"
    env = {**os.environ, "SAMSTYRE_DATABASE_URL": database, "SAMSTYRE_LOG_LEVEL": "warning"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [BIN / "uvicorn", "app.main:app", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)
        ready = httpx.get(f"{base}/health/ready")
        body = assert_problem(ready, 503, "unavailable")
        assert "not migrated" in body["detail"]
        assert ready.headers["Retry-After"]
        some_key = {"Authorization": "Bearer sam_not-a-key"}  # looked up: the API needs the db
        assert httpx.get(f"{base}/api/v1/organizations", headers=some_key).status_code == 503
        subprocess.run([BIN / "samstyre", "migrate"], env=env, check=True, capture_output=True)
        assert httpx.get(f"{base}/health/ready").json() == {"status": "ok"}
        assert httpx.get(f"{base}/api/v1/organizations", headers=some_key).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
