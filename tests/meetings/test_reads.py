"""The meeting pages PostgreSQL writes (`meetings/reads.py`) are the bytes pydantic writes.

Each request is sent on the fast path and on the Python path (`app.state.json_reads`
off); status, body, ETag-less envelope and Link must be the same. The meetings cover
attendees (none, several), an override reason, minutes approved (a second timestamp),
characters JSON escapes, a cancelled meeting, and callers limited to plans.
"""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from app.core.security import Role
from tests.aio import ApiClient, DbSession
from tests.helpers import same_both_ways
from tests.meetings import factories as f

ODD = 'Mødelokale "A" \\ 2/sal ✓ <&>'
MULTILINE = 'Linje 1\nLinje 2\ttab \u0001 "ende"'
ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_postgresql_writes_what_pydantic_writes(
    app: FastAPI,
    admin: ApiClient,
    editor: ApiClient,
    db: DbSession,
    make_key: Any,
    client_for: Any,
) -> None:
    plan1 = f.plan(admin, "Plan Nord")
    plan2 = f.plan(admin, "Plan Syd")
    board1 = f.alternating_board(admin, plan1["id"])
    board2 = f.alternating_board(admin, plan2["id"])
    anna, bo = f.contact(db, "Anna"), f.contact(db, "Bo", "Øster")
    first = f.meeting(editor, board1["id"], 0, location=ODD, attendee_ids=[str(anna), str(bo)])
    f.meeting(editor, board1["id"], 7, online_url="https://example.dk/møde?a=1&b=2")
    third = f.meeting(editor, board1["id"], 14, title=f"Titel {ODD}")
    f.meeting(editor, board2["id"], 3, attendee_ids=[str(bo)])
    url = f"/api/v1/meetings/{first['id']}"
    held = editor.patch(url, json={"minutes": f"Referat\n{ODD}", "status": "held"})
    assert held.status_code == 200, held.text
    approved = editor.patch(url, json={"status": "minutes_approved"})
    assert approved.status_code == 200, approved.text
    cancelled = editor.patch(f"/api/v1/meetings/{third['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    callers = [
        admin,
        client_for(make_key(Role.reader, "reader")),
        client_for(make_key(Role.reader, "reader-nord", [uuid.UUID(plan1["id"])])),
        client_for(make_key(Role.editor, "editor-syd", [uuid.UUID(plan2["id"])])),
    ]
    urls = [
        f"/api/v1/bodies/{board1['id']}/meetings",
        f"/api/v1/bodies/{board1['id']}/meetings?limit=1&offset=1",
        f"/api/v1/bodies/{board1['id']}/meetings?offset=10",
        f"/api/v1/bodies/{board1['id']}/meetings?status=cancelled",
        f"/api/v1/bodies/{board1['id']}/meetings?fields=id,attendee_ids,minutes_approved_at",
        f"/api/v1/bodies/{board2['id']}/meetings",
        f"/api/v1/bodies/{uuid.uuid4()}/meetings",  # 404 both ways, as another plan's body
        "/api/v1/meetings",
        "/api/v1/meetings?limit=2&offset=1",
        f"/api/v1/meetings?plan_id={plan2['id']}",
        f"/api/v1/meetings?body_id={board1['id']}&mode=plan_review",
        "/api/v1/meetings?from=2030-01-01&to=2031-01-01",
        "/api/v1/meetings?modified_since=2020-01-01T00:00:00Z",
        "/api/v1/meetings?fields=title,location",
    ]
    for caller in callers:
        for url in urls:
            same_both_ways(app, caller, url)
