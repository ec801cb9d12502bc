"""Request ids, the access log (text and JSON), and the Prometheus metrics at `/metrics`."""

import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.observability import ACCESS_LOGGER, json_logging_config
from app.core.security import Role
from app.main import create_app
from tests.aio import ApiClient
from tests.databases import fresh_database, key_secret
from tests.helpers import assert_problem, organization
from tests.live import free_port, live_server, wait_ready

BIN = Path(sys.executable).parent
HEX_ID = re.compile(r"[0-9a-f]{32}")
TOKEN = "metrics-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _app(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], **settings: Any
) -> FastAPI:
    url = engine.url.render_as_string(hide_password=False)
    application = create_app(
        Settings(database_url=url, key_cache_seconds=0, **settings), engine=engine
    )
    application.state.sessionmaker = sessions
    application.state.read_sessionmaker = sessions
    return application


class Records(logging.Handler):
    """Keeps the records of the access logger."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_records() -> Iterator[list[logging.LogRecord]]:
    handler = Records()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


# --- request ids --------------------------------------------------------------------------


def test_a_request_id_is_made_for_every_response(anon: ApiClient) -> None:
    first = anon.get("/health/live").headers["X-Request-ID"]
    second = anon.get("/health/live").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("given", ["a", "req-42", "2f1c.9:Z_x-", "x" * 128])
def test_a_valid_request_id_from_the_caller_is_kept(anon: ApiClient, given: str) -> None:
    assert anon.get("/health/live", headers={"X-Request-ID": given}).headers["X-Request-ID"] == (
        given
    )


@pytest.mark.parametrize(
    "given", ["", "x" * 129, "has space", "new\\nline", "quote'", "<script>", "å"]
)
def test_an_invalid_request_id_is_replaced(anon: ApiClient, given: str) -> None:
    answered = anon.get("/health/live", headers={"X-Request-ID": given.encode()})
    assert HEX_ID.fullmatch(answered.headers["X-Request-ID"])


def test_every_problem_carries_the_request_id_of_its_response(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    make_key: Callable[..., str],
) -> None:
    app = _app(engine, session_factory, max_body_bytes=1000)

    @app.get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("a bug")

    client = ApiClient(app)
    reader = {"Authorization": f"Bearer {make_key(Role.reader)}"}
    answers = {
        401: client.get("/api/v1/organizations"),
        403: client.post("/api/v1/organizations", headers=reader, json={}),
        404: client.get("/api/v1/nowhere"),
        405: client.put("/api/v1/organizations", headers=reader, json={}),
        413: client.post("/api/v1/organizations", headers=reader, json={"name": "x" * 2000}),
        422: client.get("/api/v1/organizations?limit=0", headers=reader),
        500: client.get("/boom"),
    }
    for status, response in answers.items():
        body = assert_problem(response, status)
        assert HEX_ID.fullmatch(body["request_id"]), status
        assert response.headers["X-Request-ID"] == body["request_id"], status
    given = client.get("/api/v1/nowhere", headers={"X-Request-ID": "trace-7"})
    assert given.json()["request_id"] == "trace-7" == given.headers["X-Request-ID"]


def test_cors_allows_and_exposes_the_request_id(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    origin = "https://intranet.example.org"
    client = ApiClient(_app(engine, session_factory, cors_origins=[origin]))
    preflight = client.options(
        "/api/v1/organizations",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-request-id",
        },
    )
    assert preflight.status_code == 200
    assert "x-request-id" in preflight.headers["Access-Control-Allow-Headers"].lower()
    simple = client.get("/health/live", headers={"Origin": origin, "X-Request-ID": "r1"})
    assert "x-request-id" in simple.headers["Access-Control-Expose-Headers"].lower()
    assert simple.headers["X-Request-ID"] == "r1"


# --- the access log -----------------------------------------------------------------------


def test_one_access_line_per_request_with_the_route_template_and_the_key(
    app: FastAPI,
    reader: ApiClient,
    editor: ApiClient,
    access_records: list[logging.LogRecord],
) -> None:
    org = organization(editor)
    access_records.clear()
    reader.get(f"/api/v1/organizations/{org['id']}", headers={"X-Request-ID": "line-1"})
    [record] = access_records
    fields: dict[str, Any] = json.loads(_json_formatter().format(record))
    assert fields["logger"] == ACCESS_LOGGER and fields["level"] == "INFO"
    assert fields["request_id"] == "line-1"
    assert fields["method"] == "GET"
    assert fields["route"] == "/api/v1/organizations/{org_id}"
    assert org["id"] not in json.dumps(fields)  # the template, not the path
    assert fields["status"] == 200
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] > 0
    assert fields["key_name"] == "reader" and fields["key_id"]
    assert fields["client"] == "127.0.0.1"
    assert fields["time"].endswith("+00:00")


def test_the_route_template_is_the_contracts_without_path_converters(
    app: FastAPI, reader: ApiClient, access_records: list[logging.LogRecord]
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    reader.get(f"/api/v1/contacts/{missing}")
    reader.get(f"/api/v1/meetings/{missing}")
    routes = [json.loads(_json_formatter().format(record))["route"] for record in access_records]
    assert routes == ["/api/v1/contacts/{contact_id}", "/api/v1/meetings/{meeting_id}"]


def test_no_secret_reaches_an_access_line(
    anon: ApiClient,
    make_key: Callable[..., str],
    access_records: list[logging.LogRecord],
) -> None:
    secret = make_key(Role.calendar, "kalender")
    anon.get("/api/v1/calendar.ics", params={"token": secret})
    anon.get(f"/api/v1/nowhere/{secret}", headers={"Authorization": f"Bearer {secret}"})
    anon.get("/api/v1/organizations", headers={"Authorization": f"Bearer {secret}"})
    lines = [_json_formatter().format(record) for record in access_records]
    assert [json.loads(line)["route"] for line in lines] == [
        "/api/v1/calendar.ics",
        "unmatched",
        "/api/v1/organizations",
    ]
    assert [json.loads(line)["key_name"] for line in lines] == ["kalender", None, "kalender"]
    assert not any(secret in line or "sam_" in line for line in lines)


def _json_formatter() -> JsonFormatter:
    config = dict(json_logging_config("info")["formatters"]["json"])
    config.pop("()")
    return JsonFormatter(**config)


def test_a_live_server_in_json_mode_writes_only_json_lines_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # served as `uvicorn app.main:app` (with uvicorn's access log asked for): the app's
    # logging config makes uvicorn's own lines JSON and replaces its access log
    monkeypatch.setenv("SAMSTYRE_LOG_FORMAT", "json")
    log = tmp_path / "server.log"
    with fresh_database("sqlite", tmp_path) as engine:
        calendar = key_secret(engine, "kalender", Role.calendar)
        reader = key_secret(engine, "læser", Role.reader)
        with live_server(engine.url.render_as_string(hide_password=False), access_log=log) as base:
            assert httpx.get(f"{base}/api/v1/calendar.ics", params={"token": calendar}).is_success
            assert httpx.get(f"{base}/api/v1/calendar.ics?token={reader}").status_code == 401
            by_header = httpx.get(
                f"{base}/api/v1/contacts",
                headers={"Authorization": f"Bearer {reader}", "X-Request-ID": "from-test"},
            )
            assert by_header.status_code == 200
            assert httpx.get(f"{base}/api/v1/nowhere/{reader}").status_code == 404
    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert reader not in text and calendar not in text and "sam_" not in text
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    # uvicorn's own lines are there, as JSON
    assert any(line["logger"] == "uvicorn.error" for line in lines)
    assert any("Application startup complete" in line["message"] for line in lines)
    access = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
    routes = [(line["route"], line["status"]) for line in access]
    assert ("/api/v1/calendar.ics", 200) in routes and ("/api/v1/calendar.ics", 401) in routes
    assert ("unmatched", 404) in routes
    [contacts] = [line for line in access if line["route"] == "/api/v1/contacts"]
    assert contacts["request_id"] == "from-test" and contacts["key_name"] == "læser"
    assert contacts["client"] == "127.0.0.1" and contacts["method"] == "GET"


# --- metrics -------------------------------------------------------------------------------


@pytest.fixture
def metrics_app(engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]) -> FastAPI:
    return _app(engine, session_factory, metrics_token=TOKEN)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _scrape(client: ApiClient) -> Samples:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return _parse(response.text)


def _labels(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def test_metrics_are_off_without_a_token(anon: ApiClient) -> None:
    assert_problem(anon.get("/metrics"), 404, "not-found")
    assert_problem(anon.get("/metrics", headers=AUTH), 404, "not-found")
    assert "/metrics" not in anon.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"]
)
def test_metrics_need_the_token(metrics_app: FastAPI, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    refused = ApiClient(metrics_app).get("/metrics", headers=headers)
    assert_problem(refused, 401, "unauthorized")
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "samstyre_" not in refused.text


def test_a_scrape_shows_the_requests_made_before_it(
    metrics_app: FastAPI, make_key: Callable[..., str]
) -> None:
    client = ApiClient(metrics_app)
    client.headers["Authorization"] = f"Bearer {make_key(Role.editor)}"
    before = _scrape(client)
    org = organization(client)
    assert client.get(f"/api/v1/organizations/{org['id']}").status_code == 200
    assert client.get("/api/v1/nowhere").status_code == 404
    after = _scrape(client)

    def moved(name: str, labels: frozenset[tuple[str, str]]) -> float:
        return after[(name, labels)] - before.get((name, labels), 0.0)

    requests = "samstyre_http_requests_total"
    item = "/api/v1/organizations/{org_id}"
    assert moved(requests, _labels(method="POST", route="/api/v1/organizations", status="201"))
    assert moved(requests, _labels(method="GET", route=item, status="200")) == 1
    assert moved(requests, _labels(method="GET", route="unmatched", status="404")) == 1
    assert moved(requests, _labels(method="GET", route="/metrics", status="200")) == 1
    latency = "samstyre_http_request_duration_seconds"
    assert moved(f"{latency}_count", _labels(method="GET", route=item)) == 1
    assert moved(f"{latency}_bucket", _labels(method="GET", route=item, le="+Inf")) == 1
    assert moved(f"{latency}_sum", _labels(method="GET", route=item)) > 0
    # the scrape itself is being answered
    assert after[("samstyre_http_requests_in_flight", frozenset())] == 1
    # the organization's creation is the change log's newest entry
    assert after[("samstyre_changes_last_seq", frozenset())] > before.get(
        ("samstyre_changes_last_seq", frozenset()), 0
    )
    assert ("samstyre_db_pool_in_use", frozenset()) in after
    [build] = [labels for name, labels in after if name == "samstyre_build_info"]
    assert dict(build)["api_version"] == metrics_app.version
    assert dict(build)["version"]
    # no raw path is a label
    assert not any(org["id"] in value for _name, labels in after for _k, value in labels)


def test_samstyre_serve_with_workers_shares_metrics_and_logs_json(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SAMSTYRE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SAMSTYRE_LOG_FORMAT": "json",
        "SAMSTYRE_METRICS_TOKEN": TOKEN,
        "TMPDIR": str(tmp_path),  # where serve makes its metrics folder
        "PYTHONUNBUFFERED": "1",  # the log is read while the server runs
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out = tmp_path / "serve.log"
    with open(out, "wb") as output:
        proc = subprocess.Popen(
            [BIN / "samstyre", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(base)
            assert len(list(tmp_path.glob("samstyre-metrics-*"))) == 1
            sent = 0
            deadline = time.monotonic() + 30
            # new connections until both workers have answered some (their lines name them)
            while len(_workers_that_answered(out)) < 2 and time.monotonic() < deadline:
                with ThreadPoolExecutor(8) as pool:
                    statuses = list(
                        pool.map(lambda _: httpx.get(f"{base}/health/live").status_code, range(20))
                    )
                assert statuses == [200] * 20
                sent += 20
            assert len(_workers_that_answered(out)) == 2
            # a scrape adds up every worker's counts, whichever worker answers it
            for _ in range(4):
                response = httpx.get(f"{base}/metrics", headers=AUTH)
                samples = _parse(response.text)
                live = _labels(method="GET", route="/health/live", status="200")
                assert samples[("samstyre_http_requests_total", live)] == sent
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert not list(tmp_path.glob("samstyre-metrics-*"))  # removed at exit
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert any(line["message"] == "database migrated" for line in lines)
    assert any("admin_key" in line for line in lines)  # the first key, shown once


def _workers_that_answered(log: Path) -> set[int]:
    workers = set()
    for text in log.read_text().splitlines():
        try:
            line = json.loads(text)
        except ValueError:  # a line being written
            continue
        if line["logger"] == ACCESS_LOGGER and line["route"] == "/health/live":
            workers.add(line["process"])
    return workers


def test_an_access_line_names_a_person_by_id_and_holds_no_token(
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    access_records: list[logging.LogRecord],
) -> None:
    token = sign_in(Role.reader, "Anna Berg")
    person = client_for(token)
    user_id = person.get("/api/v1/me").json()["id"]
    access_records.clear()
    assert person.get("/api/v1/organizations").status_code == 200
    [record] = access_records
    line = _json_formatter().format(record)
    fields: dict[str, Any] = json.loads(line)
    assert (fields["user_id"], fields["key_id"], fields["key_name"]) == (user_id, None, None)
    assert "Anna" not in line and token not in line and token.split(".")[1] not in line
    assert f"user:{user_id}" in record.getMessage()
