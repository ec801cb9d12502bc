"""The flow under concurrent corrections (issue 11 points 1–3): two app processes on one
database, corrections and a meeting write sent at the same moment; the agendas stay whole.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import IN_CI, admin_secret, fresh_database, postgres_available
from tests.live import live_server


@pytest.fixture(params=["sqlite", "postgresql"])
def bases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    """Two app processes on a fresh database of each backend, and an admin secret."""
    if request.param == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    with fresh_database(request.param, tmp_path) as engine, ExitStack() as stack:
        secret = admin_secret(engine, "flow-concurrency")
        url = engine.url.render_as_string(hide_password=False)
        yield [stack.enter_context(live_server(url)) for _ in range(2)], secret


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def test_concurrent_corrections_leave_whole_agendas(bases: tuple[list[str], str]) -> None:
    urls, secret = bases
    clients = [
        httpx.Client(base_url=u, headers={"Authorization": f"Bearer {secret}"}, timeout=60)
        for u in urls
    ]
    c = clients[0]
    town = _ok(
        c.post(
            "/api/v1/organizations",
            json={"name": "Varde Kommune", "kind": "municipality", "municipality_code": "573"},
        )
    )
    plan = _ok(c.post("/api/v1/plans", json={"name": "Plan", "municipality_id": town["id"]}))
    board = _ok(
        c.post("/api/v1/bodies", json={"plan_id": plan["id"], "kind": "board", "name": "B"})
    )
    sg = _ok(
        c.post(
            "/api/v1/bodies",
            json={
                "plan_id": plan["id"],
                "kind": "steering_group",
                "name": "Styregruppen",
                "reports_to_id": board["id"],
            },
        )
    )
    meeting = _ok(
        c.post(
            "/api/v1/meetings",
            json={
                "body_id": board["id"],
                "starts_at": "2031-03-03T09:00:00+01:00",
                "ends_at": "2031-03-03T11:00:00+01:00",
            },
        )
    )
    decisions = [
        _ok(c.post("/api/v1/decisions", json={"body_id": sg["id"], "title": f"Sag {i}"}))
        for i in range(8)
    ]
    # at the same moment: four become major, two are withdrawn, two stay, and a hand-made
    # item is added to the same agenda
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/api/v1/decisions/{d['id']}", {"impact": "major"}) for d in decisions[:4]
    ]
    writes += [
        ("PATCH", f"/api/v1/decisions/{d['id']}", {"status": "withdrawn"}) for d in decisions[4:6]
    ]
    writes.append(("POST", f"/api/v1/meetings/{meeting['id']}/agenda-items", {"title": "Budget"}))
    barrier = threading.Barrier(len(writes))

    def send(index: int) -> int:
        method, path, body = writes[index]
        client = clients[index % 2]
        barrier.wait()
        return client.request(method, path, json=body).status_code

    with ThreadPoolExecutor(len(writes)) as pool:
        statuses = list(pool.map(send, range(len(writes))))
    assert statuses == [200] * 6 + [201], statuses
    items = _ok(c.get(f"/api/v1/meetings/{meeting['id']}/agenda-items"))["items"]
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    reports = [i for i in items if i["kind"] == "information"]
    escalations = [i for i in items if i["kind"] == "decision"]
    assert len(reports) == 1
    assert sorted(reports[0]["source_decision_ids"]) == sorted(d["id"] for d in decisions[6:])
    assert sorted(i["source_decision_ids"][0] for i in escalations) == sorted(
        d["id"] for d in decisions[:4]
    )
    assert all(len(i["source_decision_ids"]) == 1 for i in escalations)
    assert len(items) == 1 + 4 + 1
    inbox = _ok(c.get(f"/api/v1/bodies/{board['id']}/inbox"))["items"]
    assert {d["id"]: d["placed_on"] for d in inbox} == {
        d["id"]: meeting["id"] for d in decisions[:4] + decisions[6:]
    }
    for client in clients:
        client.close()
