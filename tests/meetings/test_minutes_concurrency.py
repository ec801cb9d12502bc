"""The minutes lock under concurrency (issue 11 point 4): two app processes on one database,
an approval and item writes sent at the same moment; nothing changes after the approval."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime
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
        secret = admin_secret(engine, "minutes-concurrency")
        url = engine.url.render_as_string(hide_password=False)
        yield [stack.enter_context(live_server(url)) for _ in range(2)], secret


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def test_no_item_changes_after_the_minutes_are_approved(bases: tuple[list[str], str]) -> None:
    urls, secret = bases
    clients = [
        httpx.Client(base_url=u, headers={"Authorization": f"Bearer {secret}"}, timeout=60)
        for u in urls
    ]
    c = clients[0]
    town = _ok(
        c.post(
            "/api/v1/organizations",
            json={"name": "Randers Kommune", "kind": "municipality", "municipality_code": "730"},
        )
    )
    plan = _ok(c.post("/api/v1/plans", json={"name": "Plan", "municipality_id": town["id"]}))
    board = _ok(
        c.post("/api/v1/bodies", json={"plan_id": plan["id"], "kind": "board", "name": "B"})
    )
    meeting = _ok(
        c.post(
            "/api/v1/meetings",
            json={
                "body_id": board["id"],
                "starts_at": "2031-03-03T09:00:00+01:00",
                "ends_at": "2031-03-03T11:00:00+01:00",
                "status": "held",
            },
        )
    )
    url = f"/api/v1/meetings/{meeting['id']}"
    items = [_ok(c.post(f"{url}/agenda-items", json={"title": f"Punkt {i}"})) for i in range(8)]
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/api/v1/agenda-items/{item['id']}", {"outcome": f"Udfald {n}"})
        for n, item in enumerate(items)
    ]
    writes.insert(4, ("PATCH", url, {"minutes": "Referat", "status": "minutes_approved"}))
    barrier = threading.Barrier(len(writes))

    def send(index: int) -> httpx.Response:
        method, path, body = writes[index]
        barrier.wait()
        return clients[index % 2].request(method, path, json=body)

    with ThreadPoolExecutor(len(writes)) as pool:
        answers = list(pool.map(send, range(len(writes))))
    approval = answers.pop(4)
    assert approval.status_code == 200, approval.text
    approved_at = datetime.fromisoformat(approval.json()["minutes_approved_at"])
    for answer in answers:
        if answer.status_code == 200:
            # a write that got in committed before the approval was stamped
            assert datetime.fromisoformat(answer.json()["updated_at"]) < approved_at
        else:
            assert answer.status_code == 409, answer.text
            assert answer.json()["rule"] == "minutes-locked"
    # what the record holds is what the answers said
    listed = _ok(c.get(f"{url}/agenda-items"))["items"]
    written = {a.json()["id"]: a.json()["outcome"] for a in answers if a.status_code == 200}
    assert {i["id"]: i["outcome"] for i in listed} == {
        item["id"]: written.get(item["id"]) for item in items
    }
    for client in clients:
        client.close()
