"""The minutes lock under concurrency (issue 11 point 4): two app processes on one database,
an approval and item writes sent at the same moment; nothing changes after the approval."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx

from tests.meetings import two_processes as two


def test_no_item_changes_after_the_minutes_are_approved(bases: two.Bases) -> None:
    clients = two.clients(bases)
    c = clients[0]
    _plan, board = two.plan_with_board(c)
    meeting = two.ok(
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
    items = [two.ok(c.post(f"{url}/agenda-items", json={"title": f"Punkt {i}"})) for i in range(8)]
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
    listed = two.ok(c.get(f"{url}/agenda-items"))["items"]
    written = {a.json()["id"]: a.json()["outcome"] for a in answers if a.status_code == 200}
    assert {i["id"]: i["outcome"] for i in listed} == {
        item["id"]: written.get(item["id"]) for item in items
    }
    for client in clients:
        client.close()
