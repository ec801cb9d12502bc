"""Helpers of the meeting flow's concurrency tests: two app processes on one fresh database
of each backend (the `bases` fixture, in conftest.py), written to at the same moment."""

from typing import Any

import httpx

Bases = tuple[list[str], str]


def clients(bases: Bases) -> list[httpx.Client]:
    """An admin client on each process."""
    urls, secret = bases
    return [
        httpx.Client(base_url=u, headers={"Authorization": f"Bearer {secret}"}, timeout=60)
        for u in urls
    ]


def ok(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a 200 or 201."""
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def plan_with_board(client: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A municipality's plan and its board: (plan, board)."""
    town = ok(
        client.post(
            "/api/v1/organizations",
            json={"name": "Varde Kommune", "kind": "municipality", "municipality_code": "573"},
        )
    )
    plan = ok(client.post("/api/v1/plans", json={"name": "Plan", "municipality_id": town["id"]}))
    board = ok(
        client.post("/api/v1/bodies", json={"plan_id": plan["id"], "kind": "board", "name": "B"})
    )
    return plan, board
