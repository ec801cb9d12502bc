"""Retries never duplicate: `Idempotency-Key` on POST (security issue, point 10).

draft-ietf-httpapi-idempotency-key-header: the same caller, key and request get the first
response again (status, body, Location, ETag) and nothing is created; the same key with
another request is 422; a key whose first request still runs is 409; only successes are
kept, for 24 hours. Both databases through the test app, and a live-server race.
"""

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from app.changes.models import Change
from app.core import idempotency
from app.core.db import utcnow
from app.core.idempotency import IdempotencyKey, digest
from app.core.security import Role
from app.directory.models import Organization
from tests.aio import ApiClient, DbSession
from tests.databases import IN_CI, fresh_database, key_secret, postgres_available
from tests.helpers import assert_problem
from tests.live import live_server

ORGS = "/api/v1/organizations"


def _post(
    client: ApiClient | httpx.Client, key: str | bytes | None, payload: dict[str, Any]
) -> httpx.Response:
    headers: dict[str, Any] = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(ORGS, content=json.dumps(payload).encode(), headers=headers)


def _orgs(db: DbSession, name: str) -> int:
    return (
        db.scalar(select(func.count()).select_from(Organization).where(Organization.name == name))
        or 0
    )


def _keys(db: DbSession) -> list[IdempotencyKey]:
    db.expire_all()
    return list(db.scalars(select(IdempotencyKey)))


def test_a_retry_gets_the_first_response_and_creates_nothing(
    editor: ApiClient, db: DbSession
) -> None:
    payload = {"name": "Boligselskabet Retry", "kind": "housing_organization"}
    key = str(uuid.uuid4())
    first = _post(editor, f'"{key}"', payload)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for _ in range(2):
        again = _post(editor, f'"{key}"', payload)
        assert again.status_code == 201
        assert again.content == first.content
        for header in ("location", "etag", "content-type"):
            assert again.headers[header] == first.headers[header]
        assert again.headers["idempotent-replayed"] == "true"
    # the bare form of the same key is the same key
    assert _post(editor, key, payload).headers["idempotent-replayed"] == "true"
    assert _orgs(db, payload["name"]) == 1
    org_id = uuid.UUID(first.json()["id"])
    changes = db.scalar(
        select(func.count()).select_from(Change).where(Change.resource_id == org_id)
    )
    assert changes == 1
    # without a key, the same body creates again: the header is what makes retries safe
    assert _post(editor, None, payload).status_code == 201
    assert _orgs(db, payload["name"]) == 2


def test_the_same_key_with_another_request_is_422_and_creates_nothing(
    editor: ApiClient, db: DbSession
) -> None:
    first = _post(editor, "sync-1", {"name": "Første", "kind": "other"})
    assert first.status_code == 201
    other = _post(editor, "sync-1", {"name": "Anden", "kind": "other"})
    assert_problem(other, 422, "idempotency-key-reused")
    assert _orgs(db, "Anden") == 0
    # another path (or query) is another request too
    contact = editor.post(
        "/api/v1/contacts",
        json={"given_name": "Anna", "family_name": "Berg"},
        headers={"Idempotency-Key": "sync-1"},
    )
    assert_problem(contact, 422, "idempotency-key-reused")
    moved = editor.post(
        f"{ORGS}?x=1",
        content=json.dumps({"name": "Første", "kind": "other"}).encode(),
        headers={"Idempotency-Key": "sync-1", "Content-Type": "application/json"},
    )
    assert_problem(moved, 422, "idempotency-key-reused")


def test_keys_belong_to_the_caller(
    editor: ApiClient,
    make_key: Callable[..., str],
    client_for: Callable[[str | None], ApiClient],
    db: DbSession,
) -> None:
    other = client_for(make_key(Role.editor, "other-sync"))
    payload = {"name": "Delt nøgle", "kind": "other"}
    first = _post(editor, "shared", payload)
    second = _post(other, "shared", payload)
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["id"] != second.json()["id"]
    assert _orgs(db, payload["name"]) == 2


def test_a_failed_request_is_not_kept_so_a_corrected_retry_creates(
    editor: ApiClient, reader: ApiClient, db: DbSession
) -> None:
    bad = _post(editor, "fix-me", {"name": "Rettet"})  # no kind
    assert_problem(bad, 422, "validation-error")
    assert "idempotent-replayed" not in bad.headers
    assert _keys(db) == []
    fixed = _post(editor, "fix-me", {"name": "Rettet", "kind": "other"})
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers
    assert _orgs(db, "Rettet") == 1
    # a refused role is not kept either
    assert_problem(_post(reader, "r", {"name": "Læser", "kind": "other"}), 403)
    assert [k.idempotency_key for k in _keys(db)] == ["fix-me"]


@pytest.mark.parametrize(
    "value",
    ["", "x" * 256, b"n\xc3\xb8gle", '"open', 'a"b', '"bad \\n escape"', '""'],
    ids=[
        "empty",
        "too-long",
        "non-ascii",
        "open-quote",
        "inner-quote",
        "bad-escape",
        "empty-string",
    ],
)
def test_an_invalid_key_is_400(editor: ApiClient, db: DbSession, value: str | bytes) -> None:
    assert_problem(_post(editor, value, {"name": "Ugyldig", "kind": "other"}), 400, "bad-request")
    assert _orgs(db, "Ugyldig") == 0


def test_two_key_headers_are_400_and_the_longest_key_is_accepted(
    editor: ApiClient, db: DbSession
) -> None:
    body = json.dumps({"name": "To", "kind": "other"}).encode()
    two = editor.post(
        ORGS,
        content=body,
        headers=[
            ("Content-Type", "application/json"),
            ("Idempotency-Key", "a"),
            ("Idempotency-Key", "b"),
        ],
    )
    assert_problem(two, 400, "bad-request")
    assert _orgs(db, "To") == 0
    longest = "k" * 255
    assert _post(editor, longest, {"name": "To", "kind": "other"}).status_code == 201
    assert (
        _post(editor, longest, {"name": "To", "kind": "other"}).headers["idempotent-replayed"]
        == "true"
    )
    assert _post(editor, '"a \\"quoted\\" key"', {"name": "Q", "kind": "other"}).status_code == 201
    assert [k.idempotency_key for k in _keys(db) if k.idempotency_key != longest] == [
        'a "quoted" key'
    ]


def test_a_request_without_credentials_passes_through(anon: ApiClient, db: DbSession) -> None:
    assert_problem(_post(anon, "", {"name": "Anonym", "kind": "other"}), 401)
    assert _keys(db) == []


def test_only_hashes_of_the_credential_are_stored(
    make_key: Callable[..., str], client_for: Callable[[str | None], ApiClient], db: DbSession
) -> None:
    secret = make_key(Role.editor, "hashed")
    assert _post(client_for(secret), "h", {"name": "Hash", "kind": "other"}).status_code == 201
    [row] = _keys(db)
    assert row.scope == digest(f"Bearer {secret}".encode())
    stored = json.dumps([row.scope, row.fingerprint, row.headers]).encode() + (row.body or b"")
    assert secret.encode() not in stored


def _pending(db: DbSession, secret: str, key: str, payload: dict[str, Any], age: timedelta) -> None:
    body = json.dumps(payload).encode()
    db.add(
        IdempotencyKey(
            scope=digest(f"Bearer {secret}".encode()),
            idempotency_key=key,
            fingerprint=digest(b"POST", ORGS.encode(), b"", body),
            created_at=utcnow() - age,
        )
    )
    db.commit()


def test_a_running_key_is_409_and_a_dead_one_is_taken_over(
    make_key: Callable[..., str], client_for: Callable[[str | None], ApiClient], db: DbSession
) -> None:
    secret = make_key(Role.editor, "pending")
    client = client_for(secret)
    payload = {"name": "Igang", "kind": "other"}
    _pending(db, secret, "busy", payload, timedelta(minutes=1))
    assert_problem(_post(client, "busy", payload), 409, "idempotency-key-in-use")
    assert_problem(
        _post(client, "busy", {"name": "Andet", "kind": "other"}), 422, "idempotency-key-reused"
    )
    _pending(db, secret, "dead", payload, timedelta(minutes=6))
    taken = _post(client, "dead", payload)
    assert taken.status_code == 201
    assert "idempotent-replayed" not in taken.headers
    assert _post(client, "dead", payload).headers["idempotent-replayed"] == "true"
    assert _orgs(db, "Igang") == 1


def test_keys_are_kept_24_hours_then_purged(
    make_key: Callable[..., str], client_for: Callable[[str | None], ApiClient], db: DbSession
) -> None:
    secret = make_key(Role.editor, "purge")
    client = client_for(secret)
    payload = {"name": "Gammel", "kind": "other"}
    created = _post(client, "young", payload)
    assert created.status_code == 201
    _pending(db, secret, "old", payload, timedelta(hours=24, minutes=1))
    young = db.get(IdempotencyKey, (digest(f"Bearer {secret}".encode()), "young"))
    assert young is not None
    young.created_at = utcnow() - timedelta(hours=23, minutes=59)
    db.commit()
    assert _post(client, "trigger", {"name": "Ny", "kind": "other"}).status_code == 201
    assert sorted(k.idempotency_key for k in _keys(db)) == ["trigger", "young"]
    replay = _post(client, "young", payload)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == created.content


def test_a_new_api_keys_secret_is_never_stored(admin: ApiClient, db: DbSession) -> None:
    # the secret is shown once and kept only hashed: key creation ignores the header
    for name in ("first", "second"):
        created = admin.post(
            "/api/v1/api-keys",
            json={"name": name, "role": "reader"},
            headers={"Idempotency-Key": "k"},
        )
        assert created.status_code == 201, created.text
        assert "idempotent-replayed" not in created.headers
    assert _keys(db) == []


def test_a_new_calendar_token_is_never_stored(
    sign_in: Callable[..., str], client_for: Callable[[str], ApiClient], db: DbSession
) -> None:
    person = client_for(sign_in(Role.reader, "anna"))
    secrets = set()
    for _ in range(2):
        issued = person.post("/api/v1/me/calendar-token", headers={"Idempotency-Key": "k"})
        assert issued.status_code == 201, issued.text
        assert "idempotent-replayed" not in issued.headers
        secrets.add(issued.json()["secret"])
    assert len(secrets) == 2 and _keys(db) == []


def test_the_contract_documents_the_header_on_every_post(app: FastAPI) -> None:
    schema = app.openapi()
    assert all(
        p["name"] != "Idempotency-Key"
        for p in schema["paths"]["/api/v1/api-keys"]["post"].get("parameters", [])
    )
    secrets = {"/api/v1/api-keys", "/api/v1/me/calendar-token"}
    for path in secrets:
        assert all(
            p["name"] != "Idempotency-Key"
            for p in schema["paths"][path]["post"].get("parameters", [])
        )
    posts = [
        ops["post"]
        for path, ops in schema["paths"].items()
        if "post" in ops and path not in secrets
    ]
    assert len(posts) >= 8
    for operation in posts:
        [param] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert param["in"] == "header" and param["required"] is False
        assert param["schema"]["maxLength"] == 255
        assert "draft-ietf-httpapi-idempotency-key-header" in param["description"]
        assert {"400", "409", "422"} <= set(operation["responses"])
        success = [r for code, r in operation["responses"].items() if code.startswith("2")]
        assert all("Idempotent-Replayed" in r["headers"] for r in success)
    for ops in schema["paths"].values():
        for method, operation in ops.items():
            if method != "post":
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" not in names


# --- a real race: one server process per request burst, 8 identical requests at once -----

RACERS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[list[str], str, Any]]:
    """Two app processes on a fresh database of each backend, and an editor secret."""
    if request.param == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    with fresh_database(request.param, tmp_path) as engine, ExitStack() as stack:
        secret = key_secret(engine, "sync-job", Role.editor)
        url = engine.url.render_as_string(hide_password=False)
        bases = [stack.enter_context(live_server(url)) for _ in range(2)]
        yield bases, secret, engine


def test_concurrent_retries_create_exactly_once(live: tuple[list[str], str, Any]) -> None:
    bases, secret, engine = live
    clients = [
        httpx.Client(
            base_url=bases[i % 2], headers={"Authorization": f"Bearer {secret}"}, timeout=30
        )
        for i in range(RACERS)
    ]
    barrier = threading.Barrier(RACERS)
    payload = {"name": "Kapløb", "kind": "other"}

    def send(i: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return _post(clients[i], "race-1", payload)

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(send, range(RACERS)))
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {201, 409}, [r.text for r in answers]
    created = [r for r in answers if r.status_code == 201]
    originals = [r for r in created if "idempotent-replayed" not in r.headers]
    assert len(originals) == 1
    assert all(r.content == originals[0].content for r in created)
    for r in answers:
        if r.status_code == 409:
            assert r.json()["type"] == "urn:samstyre:problem:idempotency-key-in-use"
    # once settled, every retry is the replay
    again = _post(clients[0], "race-1", payload)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == originals[0].content
    with sessionmaker(bind=engine)() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Organization).where(Organization.name == "Kapløb")
            )
            == 1
        )
    for client in clients:
        client.close()


def _names_birthe(body: bytes | None) -> bool:
    return body is not None and b"Birthe" in body


def test_an_erasure_wipes_the_stored_response_that_held_the_person(
    admin: ApiClient, db: DbSession
) -> None:
    payload = {"given_name": "Birthe", "family_name": "Sørensen", "notes": "privat"}
    created = admin.post(
        "/api/v1/contacts", json=payload, headers={"Idempotency-Key": "sync-birthe"}
    )
    assert created.status_code == 201
    assert any(_names_birthe(b) for b in db.scalars(select(IdempotencyKey.body)).all())
    other = admin.post(
        "/api/v1/organizations",
        json={"name": "Bliver", "kind": "other"},
        headers={"Idempotency-Key": "sync-org"},
    )
    assert other.status_code == 201

    assert admin.post(f"/api/v1/contacts/{created.json()['id']}/erase").status_code == 200
    db.expire_all()
    bodies = db.scalars(select(IdempotencyKey.body)).all()
    assert not any(_names_birthe(b) for b in bodies)
    # responses about other resources stay
    assert len(bodies) == 1


@pytest.mark.parametrize(
    "gone",
    [
        ConnectionRefusedError(111, "Connection refused"),
        OperationalError("INSERT", None, Exception("server closed the connection")),
    ],
)
def test_a_database_away_at_the_claim_is_503_not_500(
    editor: ApiClient, monkeypatch: pytest.MonkeyPatch, gone: Exception
) -> None:
    async def claim(*_args: Any) -> None:
        raise gone

    monkeypatch.setattr(idempotency, "claim", claim)
    response = _post(editor, "while-away", {"name": "Væk", "kind": "other"})
    problem = assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"].isdigit()
    assert problem["request_id"]
