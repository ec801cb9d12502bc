"""Bounded work per request (OWASP API4, unrestricted resource consumption).

- A 1 MiB body of 100,000 unknown fields is refused with one concise error (it was a
  9.8 MB 422 after 2 s, one `extra_forbidden` error per field), and `/health/live` stays
  quick while three of them run (they stalled it for seconds).
- A 422 lists at most 50 errors and says how many there were (`errors_total`).
- A meeting holds at most 300 agenda items: by hand and by a draft 409 (`agenda-limit`);
  the flow passes a full meeting by for the next open one with room, or the inbox.
"""

import json
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.errors import MAX_LISTED_ERRORS
from app.core.schemas import MAX_UNKNOWN_FIELDS
from app.core.security import Role
from app.meetings.agenda import MAX_AGENDA_ITEMS
from app.meetings.models import AgendaItem
from tests.aio import ApiClient, DbSession
from tests.databases import fresh_database, key_secret
from tests.helpers import assert_problem
from tests.live import live_server
from tests.meetings import factories as f

ORGANIZATIONS = "/api/v1/organizations"


def _flood(fields: int = 100_000) -> bytes:
    payload: dict[str, Any] = {"name": "X", "kind": "other"}
    payload.update({f"{i:x}": 1 for i in range(fields)})
    return json.dumps(payload, separators=(",", ":")).encode()


def test_flood_of_unknown_fields_is_one_small_error(editor: ApiClient) -> None:
    body = _flood()
    assert len(body) < 1024 * 1024
    response = editor.post(
        ORGANIZATIONS, content=body, headers={"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert len(response.content) < 2_000
    assert problem["errors"] == [
        {
            "loc": ["body"],
            "msg": "100000 unknown fields (e.g. '0', '1', '2'); this object has 9 fields",
            "type": "too_many_fields",
        }
    ]
    assert editor.get(ORGANIZATIONS).json()["total"] == 0


def test_a_few_unknown_fields_are_still_named_one_by_one(editor: ApiClient) -> None:
    extra = {f"extra{i}": 1 for i in range(MAX_UNKNOWN_FIELDS)}
    response = editor.post(ORGANIZATIONS, json={"name": "X", "kind": "other", **extra})
    problem = assert_problem(response, 422, "validation-error")
    assert sorted(e["loc"][1] for e in problem["errors"]) == sorted(extra)
    assert {e["type"] for e in problem["errors"]} == {"extra_forbidden"}
    assert "errors_total" not in problem


def test_nested_objects_are_bounded_too(editor: ApiClient) -> None:
    flood = {f"k{i}": 1 for i in range(5_000)}
    response = editor.post(
        "/api/v1/contacts",
        json={"given_name": "A", "family_name": "B", "emails": [{"address": "a@b.dk", **flood}]},
    )
    problem = assert_problem(response, 422, "validation-error")
    assert [e["type"] for e in problem["errors"]] == ["too_many_fields"]
    assert problem["errors"][0]["loc"] == ["body", "emails", 0]


def test_error_list_is_capped_with_a_total(editor: ApiClient) -> None:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"])
    meeting = f.meeting(editor, board["id"], 0)
    response = editor.put(
        f"/api/v1/meetings/{meeting['id']}/agenda-order",
        json={"item_ids": [f"not-a-uuid-{i}" for i in range(10_000)]},
    )
    problem = assert_problem(response, 422, "validation-error")
    assert len(problem["errors"]) == MAX_LISTED_ERRORS
    assert problem["errors"][0]["loc"] == ["body", "item_ids", 0]
    assert problem["errors_total"] == 10_000
    assert problem["detail"].endswith(f"(and {10_000 - MAX_LISTED_ERRORS} more).")
    assert len(response.content) < 12_000


def test_long_unknown_field_name_is_not_echoed_whole(editor: ApiClient) -> None:
    name = "x" * 500_000
    response = editor.post(ORGANIZATIONS, json={"name": "X", "kind": "other", name: 1})
    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"][0]["loc"] == ["body", "x" * 200]
    assert len(response.content) < 2_000


def test_liveness_stays_quick_while_floods_run(tmp_path: Path) -> None:
    # Three floods at once from other processes (curl), /health/live polled meanwhile.
    # Before: each flood held the event loop 0.7-2 s (measured: /health/live waited
    # 1.2-5 s); after: parsing the JSON (about 25 ms a MiB) is what is left on the loop.
    flood = tmp_path / "flood.json"
    flood.write_bytes(_flood())
    with fresh_database("sqlite", tmp_path) as engine:
        secret = key_secret(engine, "editor", Role.editor)
        with live_server(str(engine.url)) as base, httpx.Client(base_url=base) as client:
            assert client.get("/health/live").status_code == 200
            timings: list[float] = []
            statuses: list[str] = []
            for _round in range(3):
                senders = [
                    subprocess.Popen(
                        [
                            "curl",
                            "-s",
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{http_code} %{size_download}",
                            "-H",
                            f"Authorization: Bearer {secret}",
                            "-H",
                            "Content-Type: application/json",
                            "--data-binary",
                            f"@{flood}",
                            f"{base}{ORGANIZATIONS}",
                        ],
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    for _ in range(3)
                ]
                while any(p.poll() is None for p in senders):
                    started = time.perf_counter()
                    assert client.get("/health/live").status_code == 200
                    timings.append(time.perf_counter() - started)
                    time.sleep(0.005)
                statuses += [p.communicate()[0] for p in senders]
    assert all(s.startswith("422 ") and int(s.split()[1]) < 2_000 for s in statuses), statuses
    # Wall-clock on a shared machine: measured alone, the median is 5-45 ms and the worst
    # 60-120 ms; under a parallel test run both grow, so the bounds leave room (before the
    # fix a round stalled the loop 2 s and more). The CPU-time test below is the exact one.
    assert statistics.median(timings) < 0.25, timings
    assert max(timings) < 1.5, timings


def test_a_flood_costs_the_event_loop_little_cpu(app: FastAPI, make_key: Any) -> None:
    # The CPU the event loop's thread spends on one flood, whatever else runs on the
    # machine, against what parsing its JSON alone costs on this machine (json.loads: the
    # part no code of ours can avoid; machines differ fivefold). Before the fix: about 40
    # parses' worth (700 ms on a machine that parsed it in 18); after: about 1.4 (35 ms
    # there, 120 ms on a slower one).
    body = _flood()
    parse: list[float] = []
    for _ in range(3):
        started = time.thread_time()
        json.loads(body)
        parse.append(time.thread_time() - started)
    spent: list[float] = []

    async def timed(scope: Any, receive: Any, send: Any) -> None:
        started = time.thread_time()
        await app(scope, receive, send)
        spent.append(time.thread_time() - started)

    client = ApiClient(timed, raise_server_exceptions=False)  # type: ignore[arg-type]
    client.headers["Authorization"] = f"Bearer {make_key(Role.editor, 'flooder')}"
    for _ in range(3):
        response = client.post(
            ORGANIZATIONS, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
    assert min(spent) < 4 * min(parse), (spent, parse)


# -- at most 300 agenda items ---------------------------------------------------------------


def _fill(db: DbSession, meeting_id: str, count: int) -> None:
    db.add_all(
        [
            AgendaItem(
                id=uuid.uuid4(),
                meeting_id=uuid.UUID(meeting_id),
                position=position,
                title=f"Punkt {position}",
                kind="discussion",
                within_plan=True,
                public=False,
            )
            for position in range(1, count + 1)
        ]
    )
    db.commit()


@pytest.fixture
def structure(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen", agenda_format="standard")
    steering = f.steering_group(
        editor, plan["id"], board["id"], agenda_format="trouble_and_success"
    )
    return {"plan": plan, "board": board, "steering": steering}


def _items(client: ApiClient, meeting_id: str) -> int:
    response = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items?limit=1")
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def test_the_300th_item_is_taken_the_301st_refused(
    editor: ApiClient, structure: dict[str, Any], db: DbSession
) -> None:
    meeting = f.meeting(editor, structure["board"]["id"], 0)
    _fill(db, meeting["id"], MAX_AGENDA_ITEMS - 1)
    path = f"/api/v1/meetings/{meeting['id']}/agenda-items"
    assert editor.post(path, json={"title": "Punkt 300"}).status_code == 201
    problem = assert_problem(editor.post(path, json={"title": "Punkt 301"}), 409)
    assert problem["rule"] == "agenda-limit"
    assert problem["max_items"] == MAX_AGENDA_ITEMS
    assert "at most 300" in problem["detail"]
    assert _items(editor, meeting["id"]) == MAX_AGENDA_ITEMS


def test_a_draft_does_not_overfill_the_agenda(
    editor: ApiClient, structure: dict[str, Any], db: DbSession
) -> None:
    # a trouble_and_success body's draft adds two items; with room for one it adds none
    meeting = f.meeting(editor, structure["steering"]["id"], 0)
    _fill(db, meeting["id"], MAX_AGENDA_ITEMS - 1)
    response = editor.post(f"/api/v1/meetings/{meeting['id']}/agenda-draft")
    assert assert_problem(response, 409)["rule"] == "agenda-limit"
    assert _items(editor, meeting["id"]) == MAX_AGENDA_ITEMS - 1


def test_the_flow_leaves_a_decision_in_the_inbox_when_the_agenda_is_full(
    editor: ApiClient, reader: ApiClient, structure: dict[str, Any], db: DbSession
) -> None:
    board_meeting = f.meeting(editor, structure["board"]["id"], 7)
    _fill(db, board_meeting["id"], MAX_AGENDA_ITEMS)
    major = f.decision(editor, structure["steering"]["id"], impact="major", title="Stor sag")
    assert major["status"] == "escalated"
    assert _items(editor, board_meeting["id"]) == MAX_AGENDA_ITEMS
    inbox = reader.get(f"/api/v1/bodies/{structure['board']['id']}/inbox").json()["items"]
    assert [d["id"] for d in inbox] == [major["id"]]
    # the next meeting with room takes it
    later = f.meeting(editor, structure["board"]["id"], 21)
    assert _items(editor, later["id"]) == 1


def test_the_flow_passes_a_full_meeting_by(
    editor: ApiClient, structure: dict[str, Any], db: DbSession
) -> None:
    full = f.meeting(editor, structure["board"]["id"], 7)
    later = f.meeting(editor, structure["board"]["id"], 21)
    _fill(db, full["id"], MAX_AGENDA_ITEMS)
    f.decision(editor, structure["steering"]["id"], impact="major")
    assert _items(editor, full["id"]) == MAX_AGENDA_ITEMS
    assert _items(editor, later["id"]) == 1


def test_the_flow_places_on_a_meeting_with_one_place_left(
    editor: ApiClient, structure: dict[str, Any], db: DbSession
) -> None:
    board_meeting = f.meeting(editor, structure["board"]["id"], 7)
    _fill(db, board_meeting["id"], MAX_AGENDA_ITEMS - 1)
    f.decision(editor, structure["steering"]["id"], impact="major")
    assert _items(editor, board_meeting["id"]) == MAX_AGENDA_ITEMS
