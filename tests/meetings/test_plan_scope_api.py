"""Plan-scoped keys: another plan's meetings, agenda items, decisions, inboxes and feeds are 404;
lists and calendar.ics leave them out."""

import uuid
from typing import Any

import icalendar
import pytest

from app.core.security import Role
from tests.aio import ApiClient
from tests.helpers import assert_problem, create
from tests.meetings import factories as f


def _world(editor: ApiClient, name: str) -> dict[str, Any]:
    plan = f.plan(editor, name=name)
    board = f.body(editor, plan["id"], "board", name=f"Bestyrelse {name}")
    steering = f.steering_group(editor, plan["id"], board["id"])
    meeting = f.meeting(editor, board["id"], 0)
    item = create(editor, f"/api/v1/meetings/{meeting['id']}/agenda-items", {"title": "Punkt"})
    decision = f.decision(editor, steering["id"])
    return {
        "plan": plan,
        "board": board,
        "steering": steering,
        "meeting": meeting,
        "item": item,
        "decision": decision,
    }


@pytest.fixture
def worlds(editor: ApiClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return _world(editor, "A"), _world(editor, "B")


@pytest.fixture
def limited(
    worlds: tuple[dict[str, Any], dict[str, Any]], make_key: Any, client_for: Any
) -> ApiClient:
    mine, _ = worlds
    client: ApiClient = client_for(make_key(Role.editor, "plan-a", [uuid.UUID(mine["plan"]["id"])]))
    return client


READS = [
    "/api/v1/meetings/{meeting}",
    "/api/v1/meetings/{meeting}/agenda-items",
    "/api/v1/agenda-items/{item}",
    "/api/v1/decisions/{decision}",
    "/api/v1/bodies/{board}/meetings",
    "/api/v1/bodies/{board}/inbox",
    "/api/v1/bodies/{board}/next-mode?at=2030-01-01T00:00:00Z",
    "/api/v1/meetings/{meeting}.ics",
    "/api/v1/bodies/{board}/meetings.ics",
    "/api/v1/plans/{plan}/meetings.ics",
]

WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("patch", "/api/v1/meetings/{meeting}", {"title": "x"}),
    ("delete", "/api/v1/meetings/{meeting}", None),
    ("post", "/api/v1/meetings/{meeting}/agenda-items", {"title": "x"}),
    ("put", "/api/v1/meetings/{meeting}/agenda-order", {"item_ids": []}),
    ("post", "/api/v1/meetings/{meeting}/agenda-draft", None),
    ("patch", "/api/v1/agenda-items/{item}", {"title": "x"}),
    ("delete", "/api/v1/agenda-items/{item}", None),
    ("patch", "/api/v1/decisions/{decision}", {"title": "x"}),
    (
        "post",
        "/api/v1/bodies/{board}/meeting-series",
        {
            "first_starts_at": "2030-01-01T09:00:00Z",
            "count": 1,
            "interval_weeks": 1,
            "duration_minutes": 60,
        },
    ),
]


def _fill(template: str, world: dict[str, Any]) -> str:
    return template.format(
        meeting=world["meeting"]["id"],
        item=world["item"]["id"],
        decision=world["decision"]["id"],
        board=world["board"]["id"],
        plan=world["plan"]["id"],
    )


@pytest.mark.parametrize("template", READS)
def test_reads_of_other_plans_are_404(
    limited: ApiClient, worlds: tuple[dict[str, Any], dict[str, Any]], template: str
) -> None:
    mine, theirs = worlds
    assert limited.get(_fill(template, mine)).status_code == 200
    assert_problem(limited.get(_fill(template, theirs)), 404)


@pytest.mark.parametrize(("method", "template", "payload"), WRITES)
def test_writes_to_other_plans_are_404(
    limited: ApiClient,
    worlds: tuple[dict[str, Any], dict[str, Any]],
    method: str,
    template: str,
    payload: Any,
) -> None:
    _, theirs = worlds
    kwargs = {"json": payload} if payload is not None else {}
    assert_problem(limited.request(method.upper(), _fill(template, theirs), **kwargs), 404)


def test_creates_in_other_plans_are_422(
    limited: ApiClient, worlds: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    mine, theirs = worlds
    body = assert_problem(
        limited.post("/api/v1/meetings", json=f.meeting_payload(theirs["board"]["id"], 7)), 422
    )
    assert body["errors"][0]["loc"] == ["body", "body_id"]
    body = assert_problem(
        limited.post("/api/v1/decisions", json={"body_id": theirs["board"]["id"], "title": "x"}),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "body_id"]
    assert (
        limited.post(
            "/api/v1/meetings", json=f.meeting_payload(mine["board"]["id"], 14)
        ).status_code
        == 201
    )


def test_lists_and_calendar_leave_other_plans_out(
    limited: ApiClient, worlds: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    mine, theirs = worlds
    meetings = limited.get("/api/v1/meetings").json()
    assert [m["id"] for m in meetings["items"]] == [mine["meeting"]["id"]] and meetings[
        "total"
    ] == 1
    assert (
        limited.get("/api/v1/meetings", params={"plan_id": theirs["plan"]["id"]}).json()["total"]
        == 0
    )
    assert (
        limited.get("/api/v1/meetings", params={"body_id": theirs["board"]["id"]}).json()["total"]
        == 0
    )
    decisions = limited.get("/api/v1/decisions").json()
    assert [d["id"] for d in decisions["items"]] == [mine["decision"]["id"]]
    assert (
        limited.get("/api/v1/decisions", params={"body_id": theirs["steering"]["id"]}).json()[
            "total"
        ]
        == 0
    )
    feed = limited.get("/api/v1/calendar.ics", params={"from": "2000-01-01", "to": "2100-01-01"})
    uids = [
        str(e["UID"]).split("@")[0]
        for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    ]
    assert uids == [mine["meeting"]["id"]]
