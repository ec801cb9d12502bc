"""The flow under concurrent corrections (issue 11 points 1–3): two app processes on one
database, corrections and a meeting write sent at the same moment; the agendas stay whole.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.meetings import two_processes as two


def test_concurrent_corrections_leave_whole_agendas(bases: two.Bases) -> None:
    clients = two.clients(bases)
    c = clients[0]
    plan, board = two.plan_with_board(c)
    sg = two.ok(
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
    meeting = two.ok(
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
        two.ok(c.post("/api/v1/decisions", json={"body_id": sg["id"], "title": f"Sag {i}"}))
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
    items = two.ok(c.get(f"/api/v1/meetings/{meeting['id']}/agenda-items"))["items"]
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
    inbox = two.ok(c.get(f"/api/v1/bodies/{board['id']}/inbox"))["items"]
    assert {d["id"]: d["placed_on"] for d in inbox} == {
        d["id"]: meeting["id"] for d in decisions[:4] + decisions[6:]
    }
    for client in clients:
        client.close()
