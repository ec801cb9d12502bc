"""Integrity under concurrency (OWASP API8, lost updates; availability of the embedded default).

Real servers, real connections: two app processes on one database, a barrier, and the
writes sent at the same moment.

- No lost update: of N concurrent PATCHes with the same `If-Match`, exactly one is 200 and
  the others 412, for every resource that takes `If-Match` — on PostgreSQL (row lock before
  the comparison) and on SQLite (writers take the write lock at BEGIN IMMEDIATE).
- The SQLite default takes concurrent writers: 8 writers × 50 writes to different contacts
  all succeed (no 503 from a lock upgrade), and nothing is lost.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.databases import IN_CI, admin_secret, fresh_database, postgres_available
from tests.live import live_server

ROUNDS = 20
WRITERS = 4


@dataclass
class Servers:
    """Two app processes on one database, and an admin secret."""

    bases: list[str]
    secret: str
    engine: Engine


def _servers(backend: str, tmp_path: Path) -> Iterator[Servers]:
    if backend == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    with fresh_database(backend, tmp_path) as engine, ExitStack() as stack:
        secret = admin_secret(engine, "concurrency")
        url = engine.url.render_as_string(hide_password=False)
        bases = [stack.enter_context(live_server(url)) for _ in range(2)]
        yield Servers(bases, secret, engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Servers]:
    """Two app processes on a fresh database of each backend."""
    yield from _servers(request.param, tmp_path)


def _client(base: str, secret: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=30)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _world(
    client: httpx.Client,
) -> dict[str, tuple[str, Callable[[int], dict[str, Any]]]]:
    """One resource of every kind that takes If-Match: its path and a PATCH body per round."""
    org = _created(
        client.post(
            "/api/v1/organizations",
            json={"name": "Kommune", "kind": "municipality", "municipality_code": "730"},
        )
    )
    person = _created(
        client.post("/api/v1/contacts", json={"given_name": "Anna", "family_name": "Berg"})
    )
    plan = _created(
        client.post("/api/v1/plans", json={"name": "Plan", "municipality_id": org["id"]})
    )
    board = _created(
        client.post(
            "/api/v1/bodies", json={"plan_id": plan["id"], "kind": "board", "name": "Bestyrelse"}
        )
    )
    seat = _created(
        client.post(f"/api/v1/bodies/{board['id']}/memberships", json={"contact_id": person["id"]})
    )
    meeting = _created(
        client.post(
            "/api/v1/meetings",
            json={
                "body_id": board["id"],
                "starts_at": "2027-03-01T15:00:00+01:00",
                "ends_at": "2027-03-01T17:00:00+01:00",
            },
        )
    )
    item = _created(
        client.post(f"/api/v1/meetings/{meeting['id']}/agenda-items", json={"title": "Punkt"})
    )
    decision = _created(
        client.post("/api/v1/decisions", json={"body_id": board["id"], "title": "Beslutning"})
    )
    return {
        "organization": (
            f"/api/v1/organizations/{org['id']}",
            lambda n: {"website": f"https://o{n}.example.org"},
        ),
        "contact": (f"/api/v1/contacts/{person['id']}", lambda n: {"notes": f"note {n}"}),
        "plan": (f"/api/v1/plans/{plan['id']}", lambda n: {"name": f"Plan {n}"}),
        "body": (f"/api/v1/bodies/{board['id']}", lambda n: {"mandate": f"mandat {n}"}),
        "membership": (f"/api/v1/memberships/{seat['id']}", lambda n: {"note": f"note {n}"}),
        "meeting": (f"/api/v1/meetings/{meeting['id']}", lambda n: {"location": f"Lokale {n}"}),
        "agenda item": (f"/api/v1/agenda-items/{item['id']}", lambda n: {"title": f"Punkt {n}"}),
        "decision": (f"/api/v1/decisions/{decision['id']}", lambda n: {"text": f"tekst {n}"}),
    }


def test_if_match_lets_exactly_one_concurrent_write_win(servers: Servers) -> None:
    clients = [_client(servers.bases[i % 2], servers.secret) for i in range(WRITERS)]
    world = _world(clients[0])
    barrier = threading.Barrier(WRITERS)

    def patch(i: int, path: str, etag: str, payload: dict[str, Any]) -> int:
        barrier.wait(timeout=30)
        return clients[i].patch(path, json=payload, headers={"If-Match": etag}).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        for kind, (path, payload_for) in world.items():
            winners = []
            for n in range(ROUNDS):
                current = clients[0].get(path)
                assert current.status_code == 200, (kind, current.text)
                etag = current.headers["etag"]
                futures = [
                    pool.submit(patch, i, path, etag, payload_for(n * WRITERS + i))
                    for i in range(WRITERS)
                ]
                statuses = sorted(f.result() for f in futures)
                assert statuses == [200] + [412] * (WRITERS - 1), (kind, n, statuses)
                winners.append(clients[1].get(path).headers["etag"])
            # every round's winner really changed the resource
            assert len(set(winners)) == ROUNDS, kind
    for client in clients:
        client.close()


@pytest.fixture
def sqlite_servers(tmp_path: Path) -> Iterator[Servers]:
    """Two app processes on a fresh SQLite file: the embedded default."""
    yield from _servers("sqlite", tmp_path)


def test_sqlite_takes_concurrent_writers(sqlite_servers: Servers) -> None:
    writers, writes = 8, 50
    clients = [_client(sqlite_servers.bases[i % 2], sqlite_servers.secret) for i in range(writers)]
    people = [
        _created(
            clients[0].post(
                "/api/v1/contacts", json={"given_name": f"Writer{i}", "family_name": "Test"}
            )
        )["id"]
        for i in range(writers)
    ]
    barrier = threading.Barrier(writers)

    def work(i: int) -> list[int]:
        barrier.wait(timeout=30)
        statuses = []
        for n in range(writes):
            patched = clients[i].patch(
                f"/api/v1/contacts/{people[i]}", json={"notes": f"write {n}"}
            )
            created = clients[i].post(
                "/api/v1/organizations", json={"name": f"Org {i}-{n}", "kind": "other"}
            )
            statuses += [patched.status_code, created.status_code]
        return statuses

    with ThreadPoolExecutor(writers) as pool:
        results = list(pool.map(work, range(writers)))
    failures = [s for statuses in results for s in statuses if s not in (200, 201)]
    assert failures == [], f"{len(failures)} of {writers * writes * 2} writes failed"

    for person in people:
        assert clients[0].get(f"/api/v1/contacts/{person}").json()["notes"] == f"write {writes - 1}"
    orgs = clients[1].get("/api/v1/organizations", params={"limit": 1}).json()
    assert orgs["total"] == writers * writes
    changes = clients[1].get("/api/v1/changes", params={"limit": 1}).json()
    # every write is in the change log: contacts created, patched; organizations created
    assert changes["total"] == writers + writers * writes * 2
    for client in clients:
        client.close()
