"""HTTP as RFC 9110 says (issue 10 §2): HEAD, Allow on 405, 415, 413 with CORS and chunked.

Through the ASGI app on both databases, and through a real uvicorn (curl -I's view, a raw
chunked upload) on both databases.
"""

import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.security import Role
from app.directory.models import Organization
from app.main import create_app
from tests.aio import ApiClient, DbSession
from tests.databases import IN_CI, fresh_database, key_secret, postgres_available
from tests.helpers import assert_problem, create, organization
from tests.live import live_server
from tests.meetings import factories as f

ORIGIN = "https://intra.example"
LIMIT = 4096
# Headers a HEAD must repeat from the GET (RFC 9110 §9.3.2); a request id differs per request.
SAME = (
    "etag",
    "content-type",
    "content-length",
    "link",
    "cache-control",
    "content-security-policy",
    "x-content-type-options",
    "location",
)


def _assert_head_is_get(client: ApiClient | httpx.Client, path: str, **kwargs: Any) -> Any:
    get = client.get(path, **kwargs)
    head = client.head(path, **kwargs)
    assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
    assert head.content == b"", path
    for name in SAME:
        assert head.headers.get(name) == get.headers.get(name), (path, name)
    if get.status_code == 200:
        assert int(head.headers["content-length"]) == len(get.content), path
    return get


# --- HEAD -----------------------------------------------------------------------------------


def test_head_answers_wherever_get_does(
    reader: ApiClient, editor: ApiClient, anon: ApiClient, db: DbSession
) -> None:
    for name in ("Alfa", "Beta"):
        organization(editor, name=name)
    org = organization(editor, name="Gamma")
    create(editor, "/api/v1/contacts", {"given_name": "Anna", "family_name": "Berg"})
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    meeting = f.meeting(editor, board["id"], 0, online_url="https://example.org/m")
    organizations = _organizations(db)

    page = _assert_head_is_get(reader, "/api/v1/organizations", params={"limit": 1})
    assert 'rel="next"' in page.headers["link"]
    single = _assert_head_is_get(reader, f"/api/v1/organizations/{org['id']}")
    assert single.headers["etag"]
    for path in (
        "/api/v1/contacts.vcf",
        "/api/v1/contacts.csv",
        f"/api/v1/meetings/{meeting['id']}.ics",
        f"/api/v1/bodies/{board['id']}/meetings.ics",
        f"/api/v1/plans/{plan['id']}/meetings.ics",
        "/api/v1/calendar.ics",
        f"/api/v1/plans/{plan['id']}/structure",
        "/api/v1/vocabularies",
        "/api/v1/changes",
    ):
        assert _assert_head_is_get(reader, path).status_code == 200, path
    for path in ("/health/live", "/health/ready", "/openapi.json", "/docs"):
        assert _assert_head_is_get(anon, path).status_code == 200, path

    # errors too: the status and headers of the GET, no body
    assert _assert_head_is_get(reader, f"/api/v1/organizations/{uuid.uuid4()}").status_code == 404
    assert _assert_head_is_get(anon, "/api/v1/organizations").status_code == 401
    assert _assert_head_is_get(reader, "/api/v1/nothing-here").status_code == 404
    # a conditional HEAD: 304 like the GET
    etag = single.headers["etag"]
    head = reader.head(f"/api/v1/organizations/{org['id']}", headers={"If-None-Match": etag})
    assert head.status_code == 304 and head.content == b""
    # a HEAD reads only: nothing is written, no change is logged
    assert _organizations(db) == organizations


def test_head_is_not_an_operation_of_the_contract(app: FastAPI) -> None:
    # HEAD is implicit in HTTP (answered for every GET); declaring it would double every read
    # operation in the generated clients.
    operations = {m for ops in app.openapi()["paths"].values() for m in ops}
    assert "get" in operations and "head" not in operations


def test_head_on_a_path_without_get_is_405(editor: ApiClient) -> None:
    response = editor.head(f"/api/v1/contacts/{uuid.uuid4()}/erase")
    assert response.status_code == 405 and response.content == b""
    assert response.headers["allow"] == "POST"


# --- 405 names what the path allows -----------------------------------------------------------


def test_405_allow_names_every_method_of_the_path(reader: ApiClient) -> None:
    response = reader.put("/api/v1/organizations")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"
    item = f"/api/v1/organizations/{uuid.uuid4()}"
    assert reader.post(item).headers["allow"] == "GET, HEAD, PATCH, DELETE"
    assert reader.post("/api/v1/calendar.ics").headers["allow"] == "GET, HEAD"
    assert reader.get(f"/api/v1/contacts/{uuid.uuid4()}/erase").headers["allow"] == "POST"
    assert reader.get(f"/api/v1/meetings/{uuid.uuid4()}/agenda-order").headers["allow"] == "PUT"


def test_allow_is_exactly_what_answers(app: FastAPI, anon: ApiClient) -> None:
    # Every path of the contract: each method named in Allow is routed (401, 200, … never
    # 405), each other method is 405 with the same Allow.
    methods = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    for template, operations in app.openapi()["paths"].items():
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        documented = {m.upper() for m in operations} | ({"HEAD"} if "get" in operations else set())
        allows = None
        for method in methods:
            response = anon.request(method, path)
            if method in documented:
                assert response.status_code != 405, (method, path)
                continue
            if method == "HEAD":
                assert response.status_code == 405 and response.content == b"", path
            else:
                assert_problem(response, 405, "method-not-allowed")
            allow = response.headers["allow"]
            assert allows in (None, allow), (path, allows, allow)
            allows = allow
        if allows is not None:
            assert set(allows.split(", ")) == documented, (path, allows)
            assert allows.split(", ") == [m for m in methods if m in documented]


# --- 415: a JSON endpoint takes JSON --------------------------------------------------------


def _organizations(db: DbSession) -> int:
    count: int = db.scalar(select(func.count()).select_from(Organization))
    return count


def test_a_body_that_is_not_json_is_415(editor: ApiClient, db: DbSession) -> None:
    json_text = b'{"name": "Tekst", "kind": "other"}'
    refused = [
        editor.post(
            "/api/v1/organizations", content=json_text, headers={"Content-Type": "text/plain"}
        ),
        editor.post("/api/v1/organizations", data={"name": "Formular", "kind": "other"}),
        editor.post(
            "/api/v1/organizations",
            files={"name": ("name.txt", b"Fil")},
        ),
        # no Content-Type at all: the body is octets (RFC 9110 §8.3), not JSON
        editor.post("/api/v1/organizations", content=json_text),
        editor.post(
            "/api/v1/organizations",
            content=json_text,
            headers={"Content-Type": "application/jsonp"},
        ),
    ]
    for response in refused:
        body = assert_problem(response, 415, "unsupported-media-type")
        assert "application/json" in body["detail"]
    assert _organizations(db) == 0


def test_json_and_json_suffixed_types_are_accepted(editor: ApiClient, db: DbSession) -> None:
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        "application/merge-patch+json",
    ):
        response = editor.post(
            "/api/v1/organizations",
            content=f'{{"name": "{content_type}", "kind": "other"}}'.encode(),
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 201, (content_type, response.text)
    org = organization(editor, name="Retes")
    patched = editor.patch(
        f"/api/v1/organizations/{org['id']}",
        content=b'{"name": "Rettet"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200 and patched.json()["name"] == "Rettet"
    refused = editor.patch(
        f"/api/v1/organizations/{org['id']}",
        content=b'{"name": "Tekst"}',
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(refused, 415, "unsupported-media-type")
    assert "application/merge-patch+json" in refused.headers["accept-patch"]
    # malformed JSON stays 400, a wrong field 422: 415 is only about the media type
    malformed = editor.post(
        "/api/v1/organizations", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert_problem(malformed, 400, "malformed-json")
    assert_problem(editor.post("/api/v1/organizations", json={"kind": "x"}), 422)


def test_requests_without_a_json_body_are_not_affected(admin: ApiClient, editor: ApiClient) -> None:
    contact = create(editor, "/api/v1/contacts", {"given_name": "Bo", "family_name": "Holm"})
    # POST …/erase has no body; a form's Content-Type with an empty body is no body either
    erased = admin.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert erased.status_code == 200, erased.text
    org = organization(editor, name="Slettes")
    deleted = editor.delete(
        f"/api/v1/organizations/{org['id']}", headers={"Content-Type": "text/plain"}
    )
    assert deleted.status_code == 204, deleted.text
    # a wrong path or method is still 404/405 whatever the body
    text = {"content": b"x", "headers": {"Content-Type": "text/plain"}}
    assert_problem(editor.post("/api/v1/nothing-here", **text), 404)
    assert_problem(editor.post("/api/v1/calendar.ics", **text), 405)


def test_415_with_an_idempotency_key_is_not_kept(editor: ApiClient, db: DbSession) -> None:
    headers = {"Idempotency-Key": "k-415"}
    first = editor.post(
        "/api/v1/organizations",
        content='{"name": "Nøgle", "kind": "other"}'.encode(),
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert_problem(first, 415)
    # the corrected retry with the same key creates
    fixed = editor.post(
        "/api/v1/organizations", json={"name": "Nøgle", "kind": "other"}, headers=headers
    )
    assert fixed.status_code == 201, fixed.text
    assert _organizations(db) == 1


# --- 413 with CORS, and for a chunked body ----------------------------------------------------


@pytest.fixture
def limited(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    make_key: Callable[..., str],
) -> ApiClient:
    """The app with CORS for ORIGIN and a LIMIT-byte body limit; an editor's client."""
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(
        database_url=url, key_cache_seconds=0, cors_origins=[ORIGIN], max_body_bytes=LIMIT
    )
    application = create_app(settings, engine=engine)
    application.state.sessionmaker = session_factory
    application.state.read_sessionmaker = session_factory
    client = ApiClient(application)
    client.headers["Authorization"] = f"Bearer {make_key(Role.editor, 'stor')}"
    client.headers["Origin"] = ORIGIN
    return client


def _json_over(limit: int) -> bytes:
    return b'{"name": "Stor", "kind": "other", "notes": "' + b"x" * limit + b'"}'


async def _chunks(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_413_carries_cors_headers(limited: ApiClient, db: DbSession) -> None:
    response = limited.post(
        "/api/v1/organizations",
        content=_json_over(LIMIT),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload-too-large")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert _organizations(db) == 0


def test_a_chunked_body_over_the_limit_is_413_not_400(limited: ApiClient, db: DbSession) -> None:
    response = limited.post(
        "/api/v1/organizations",
        content=_chunks(_json_over(LIMIT)),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "payload-too-large")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert _organizations(db) == 0
    # under the limit, chunked is fine
    small = b'{"name": "Lille", "kind": "other"}'
    ok = limited.post(
        "/api/v1/organizations",
        content=_chunks(small, 7),
        headers={"Content-Type": "application/json"},
    )
    assert ok.status_code == 201, ok.text
    assert ok.headers["access-control-allow-origin"] == ORIGIN


# --- a real server: curl -I, a raw chunked upload ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """uvicorn on a fresh database of each backend, with CORS and a LIMIT-byte body limit."""
    if request.param == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    monkeypatch.setenv("SAMSTYRE_CORS_ORIGINS", ORIGIN)
    monkeypatch.setenv("SAMSTYRE_MAX_BODY_BYTES", str(LIMIT))
    with fresh_database(request.param, tmp_path) as engine:
        secret = key_secret(engine, "live-editor", Role.editor)
        with live_server(engine.url.render_as_string(hide_password=False)) as base:
            yield base, secret


def _raw(
    base: str, request: bytes, body_chunks: Sequence[bytes] = ()
) -> tuple[int, dict[str, str]]:
    """Send a request on a raw socket; return the status and headers of the answer."""
    host = urlsplit(base)
    with socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        sock.sendall(request)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server may answer and close before the whole body is sent
        data = b""
        while b"\r\n\r\n" not in data:
            received = sock.recv(65536)
            if not received:
                break
            data += received
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


def test_a_live_server_answers_head_and_413(live: tuple[str, str]) -> None:
    base, secret = live
    auth = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base, headers=auth, timeout=15) as client:
        for name in ("Alfa", "Beta"):
            assert client.post("/api/v1/organizations", json={"name": name, "kind": "other"})
        assert client.post("/api/v1/contacts", json={"given_name": "A", "family_name": "B"})
        # HEAD then GET on one keep-alive connection: the HEAD sent no body bytes, or the
        # GET's answer would not parse
        for path in (
            "/api/v1/organizations?limit=1",
            "/api/v1/contacts.vcf",
            "/api/v1/contacts.csv",
            "/api/v1/calendar.ics",
            "/health/live",
            "/health/ready",
        ):
            get = _assert_head_is_get(client, path)
            assert get.status_code == 200, path

    # curl -I's view of the raw answer: a Content-Length and nothing after the headers
    host = urlsplit(base).netloc
    status, headers = _raw(
        base,
        f"HEAD /api/v1/calendar.ics HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {secret}"
        "\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status == 200 and int(headers["content-length"]) > 0
    assert headers["content-type"] == "text/calendar; charset=utf-8"

    # a chunked upload over the limit, from a browser page: 413 that the page can read
    request = (
        f"POST /api/v1/organizations HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {secret}\r\nContent-Type: application/json\r\n"
        f"Origin: {ORIGIN}\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    body = _json_over(LIMIT * 4)
    chunks = [
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (body[i : i + 1024] for i in range(0, len(body), 1024))
    ] + [b"0\r\n\r\n"]
    status, headers = _raw(base, request, chunks)
    assert status == 413, (status, headers)
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["content-type"] == "application/problem+json"
