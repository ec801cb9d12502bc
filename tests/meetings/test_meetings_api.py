"""Meetings through the API: fields, times, filters, status moves, rotation, attendees."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.meetings.models import Meeting, MeetingAttendee
from app.meetings.rotation import AUTO_OVERRIDE
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem
from tests.meetings import factories as f


@pytest.fixture
def board(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    return f.alternating_board(editor, plan["id"])


def _modes(client: ApiClient, body_id: str) -> list[tuple[str, str]]:
    items = client.get(f"/api/v1/bodies/{body_id}/meetings").json()["items"]
    return [(m["mode"], m["status"]) for m in items]


def test_create_defaults_and_get(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    response = editor.post(
        "/api/v1/meetings", json=f.meeting_payload(board["id"], 0, location="Rådhuset")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/meetings/{created['id']}"
    assert created["title"] == "Bestyrelsen"
    assert created["mode"] == "plan_review"
    assert created["status"] == "planned"
    assert created["sequence"] == 0
    assert created["rotation_changes"] == []
    assert created["starts_at"] == "2030-01-07T09:00:00Z"
    got = reader.get(f"/api/v1/meetings/{created['id']}")
    assert got.status_code == 200
    assert got.json() == {k: v for k, v in created.items() if k != "rotation_changes"}
    # the write's ETag is the meeting's own, so If-Match works with it
    assert got.headers["etag"] == response.headers["etag"]
    row = db.get(Meeting, uuid.UUID(created["id"]))
    assert row is not None and row.location == "Rådhuset"


def test_times_must_be_ordered_and_aware(editor: ApiClient, board: dict[str, Any]) -> None:
    payload = f.meeting_payload(board["id"], 0)
    payload["ends_at"] = payload["starts_at"]
    assert_problem(editor.post("/api/v1/meetings", json=payload), 422)
    naive = f.meeting_payload(board["id"], 0)
    naive["starts_at"] = "2030-01-07T09:00:00"
    body = assert_problem(editor.post("/api/v1/meetings", json=naive), 422)
    assert body["errors"][0]["loc"] == ["body", "starts_at"]
    far = f.meeting_payload(board["id"], 0)
    far["starts_at"], far["ends_at"] = "0001-01-01T00:00:00+01:00", "0001-01-01T02:00:00+01:00"
    assert_problem(editor.post("/api/v1/meetings", json=far), 422)
    created = f.meeting(editor, board["id"], 0)
    assert_problem(
        editor.patch(f"/api/v1/meetings/{created['id']}", json={"ends_at": "2030-01-07T08:00:00Z"}),
        422,
    )
    offset = f.meeting_payload(board["id"], 14)
    offset["starts_at"], offset["ends_at"] = (
        "2030-01-21T10:00:00+01:00",
        "2030-01-21T12:00:00+01:00",
    )
    response = editor.post("/api/v1/meetings", json=offset)
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"] == "2030-01-21T09:00:00Z"


def test_body_must_exist(editor: ApiClient) -> None:
    payload = f.meeting_payload(str(uuid.uuid4()), 0)
    body = assert_problem(editor.post("/api/v1/meetings", json=payload), 422)
    assert body["errors"][0]["loc"] == ["body", "body_id"]


def test_attendees_are_contacts(editor: ApiClient, board: dict[str, Any], db: DbSession) -> None:
    anna, bo = f.contact(db, "Anna", "Berg"), f.contact(db, "Bo", "Holm")
    created = f.meeting(editor, board["id"], 0, attendee_ids=[str(anna), str(bo), str(anna)])
    assert sorted(created["attendee_ids"]) == sorted([str(anna), str(bo)])
    body = assert_problem(
        editor.patch(
            f"/api/v1/meetings/{created['id']}", json={"attendee_ids": [str(uuid.uuid4())]}
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "attendee_ids"]
    patched = editor.patch(f"/api/v1/meetings/{created['id']}", json={"attendee_ids": [str(bo)]})
    assert patched.json()["attendee_ids"] == [str(bo)]
    rows = db.scalars(
        select(MeetingAttendee.contact_id).where(
            MeetingAttendee.meeting_id == uuid.UUID(created["id"])
        )
    )
    assert list(rows) == [bo]


def test_list_filters_and_order(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any]
) -> None:
    plan2 = f.plan(editor, name="Anden plan")
    other = f.body(editor, plan2["id"], "steering_group", name="Styregruppen")
    later = f.meeting(editor, board["id"], 14)
    first = f.meeting(editor, board["id"], 0)
    f.meeting(editor, other["id"], 7)

    def ids(**params: str) -> list[str]:
        response = reader.get("/api/v1/meetings", params=params)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert ids(body_id=board["id"]) == [first["id"], later["id"]]
    assert len(ids()) == 3
    assert ids(plan_id=board["plan_id"]) == [first["id"], later["id"]]
    assert ids(mode="urban_development") == [later["id"]]
    assert ids(status="planned", body_id=board["id"]) == [first["id"], later["id"]]
    assert ids(**{"from": "2030-01-08", "body_id": board["id"]}) == [later["id"]]
    assert ids(to="2030-01-07", body_id=board["id"]) == [first["id"]]
    assert ids(**{"from": "2030-01-21T09:00:00Z"}) == [later["id"]]
    assert_problem(reader.get("/api/v1/meetings", params={"from": "2030-01-21T09:00:00"}), 422)
    assert_problem(reader.get("/api/v1/meetings", params={"mode": "party"}), 422)
    listed = reader.get(f"/api/v1/bodies/{board['id']}/meetings", params={"limit": 1})
    assert listed.json()["total"] == 2 and 'rel="next"' in listed.headers["link"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["invited", "held", "minutes_approved"], True),
        (["held", "minutes_approved"], True),
        (["invited", "cancelled"], True),
        (["cancelled"], True),
        (["held", "cancelled"], False),
        (["minutes_approved"], False),
        (["cancelled", "planned"], True),
        (["invited", "cancelled", "planned"], True),
        (["cancelled", "invited"], False),
        (["held", "minutes_approved", "held"], False),
        (["invited", "planned"], False),
        (["held", "invited"], False),
    ],
)
def test_status_moves(
    editor: ApiClient, board: dict[str, Any], path: list[str], allowed: bool
) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    for index, status in enumerate(path):
        response = editor.patch(f"/api/v1/meetings/{meeting['id']}", json={"status": status})
        last = index == len(path) - 1
        if last and not allowed:
            assert_problem(response, 409)
            return
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status


def test_sequence_grows_with_calendar_changes(editor: ApiClient, board: dict[str, Any]) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    url = f"/api/v1/meetings/{meeting['id']}"
    assert editor.patch(url, json={"location": "Byrådssalen"}).json()["sequence"] == 1
    assert editor.patch(url, json={"minutes": "Referat"}).json()["sequence"] == 1
    assert editor.patch(url, json={"status": "invited"}).json()["sequence"] == 2


def test_if_match_and_if_none_match(editor: ApiClient, board: dict[str, Any]) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    url = f"/api/v1/meetings/{meeting['id']}"
    etag = editor.get(url).headers["etag"]
    assert editor.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(editor.patch(url, json={"title": "X"}, headers={"If-Match": '"stale"'}), 412)
    assert editor.patch(url, json={"title": "X"}, headers={"If-Match": etag}).status_code == 200


def test_patch_refuses_null_for_required_fields(editor: ApiClient, board: dict[str, Any]) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    for field in ("title", "mode", "status", "starts_at", "attendee_ids"):
        assert_problem(editor.patch(f"/api/v1/meetings/{meeting['id']}", json={field: None}), 422)


def test_rotation_refuses_wrong_mode_with_expected(
    editor: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    f.meeting(editor, board["id"], 0, mode="urban_development")  # the first may be either
    body = assert_problem(
        editor.post(
            "/api/v1/meetings", json=f.meeting_payload(board["id"], 14, mode="urban_development")
        ),
        409,
        "rule-violation",
    )
    assert body["rule"] == "mode-rotation" and body["expected_mode"] == "plan_review"
    assert db.scalar(select(Meeting.id).where(Meeting.starts_at == f.at(14))) is None
    overridden = f.meeting(
        editor,
        board["id"],
        14,
        mode="urban_development",
        mode_override_reason="Ekstraordinært møde",
    )
    assert overridden["mode"] == "urban_development"
    # the override does not move the rotation: the next still follows the first
    assert f.meeting(editor, board["id"], 28)["mode"] == "plan_review"


def test_creating_before_others_reflows(editor: ApiClient, board: dict[str, Any]) -> None:
    a = f.meeting(editor, board["id"], 14)  # plan_review
    b = f.meeting(editor, board["id"], 28)  # urban_development
    c = f.meeting(editor, board["id"], 42)  # plan_review
    editor.patch(f"/api/v1/meetings/{b['id']}", json={"status": "invited"})
    response = editor.post("/api/v1/meetings", json=f.meeting_payload(board["id"], 0))
    assert response.status_code == 201
    created = response.json()
    assert created["mode"] == "plan_review"
    assert created["rotation_changes"] == [
        {
            "meeting_id": a["id"],
            "from_mode": "plan_review",
            "to_mode": "urban_development",
            "mode_override_reason": None,
        },
        {
            "meeting_id": b["id"],
            "from_mode": "urban_development",
            "to_mode": "urban_development",
            "mode_override_reason": AUTO_OVERRIDE,
        },
    ]
    got = editor.get(f"/api/v1/meetings/{b['id']}").json()
    assert got["mode_override_reason"] == AUTO_OVERRIDE
    assert editor.get(f"/api/v1/meetings/{a['id']}").json()["sequence"] == 1
    assert editor.get(f"/api/v1/meetings/{c['id']}").json()["mode"] == "plan_review"


def test_cancelling_passes_the_mode_on(
    editor: ApiClient, board: dict[str, Any], reader: ApiClient
) -> None:
    f.meeting(editor, board["id"], 0)
    strategic = f.meeting(editor, board["id"], 14)
    nxt = f.meeting(editor, board["id"], 28)
    last = f.meeting(editor, board["id"], 42)
    response = editor.patch(f"/api/v1/meetings/{strategic['id']}", json={"status": "cancelled"})
    assert response.status_code == 200
    assert response.json()["rotation_changes"] == [
        {
            "meeting_id": nxt["id"],
            "from_mode": "plan_review",
            "to_mode": "urban_development",
            "mode_override_reason": None,
        },
        {
            "meeting_id": last["id"],
            "from_mode": "urban_development",
            "to_mode": "plan_review",
            "mode_override_reason": None,
        },
    ]
    assert _modes(reader, board["id"]) == [
        ("plan_review", "planned"),
        ("urban_development", "cancelled"),
        ("urban_development", "planned"),
        ("plan_review", "planned"),
    ]


def test_moving_a_meeting_must_fit_and_reflows(editor: ApiClient, board: dict[str, Any]) -> None:
    first = f.meeting(editor, board["id"], 0)  # PR
    second = f.meeting(editor, board["id"], 14)  # UD
    third = f.meeting(editor, board["id"], 28)  # PR
    url = f"/api/v1/meetings/{first['id']}"
    later = {"starts_at": f.iso(f.at(42)), "ends_at": f.iso(f.at(42, 2))}
    # after the move the order is second (UD, free), third (PR), first: it must be UD
    body = assert_problem(editor.patch(url, json=later), 409)
    assert body["rule"] == "mode-rotation" and body["expected_mode"] == "urban_development"
    assert editor.get(url).json()["starts_at"] == first["starts_at"]
    moved = editor.patch(url, json={**later, "mode": "urban_development"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["mode"] == "urban_development"
    assert moved.json()["rotation_changes"] == []
    assert editor.get(f"/api/v1/meetings/{second['id']}").json()["mode"] == "urban_development"
    # moving the last one to the front: the others re-flow
    front = {"starts_at": f.iso(f.at(-14)), "ends_at": f.iso(f.at(-14, 2))}
    moved = editor.patch(url, json=front)
    assert moved.status_code == 200, moved.text
    assert moved.json()["rotation_changes"] == [
        {
            "meeting_id": second["id"],
            "from_mode": "urban_development",
            "to_mode": "plan_review",
            "mode_override_reason": None,
        },
        {
            "meeting_id": third["id"],
            "from_mode": "plan_review",
            "to_mode": "urban_development",
            "mode_override_reason": None,
        },
    ]


def test_removing_an_override_must_fit(editor: ApiClient, board: dict[str, Any]) -> None:
    f.meeting(editor, board["id"], 0)
    extra = f.meeting(editor, board["id"], 7, mode="plan_review", mode_override_reason="Temamøde")
    body = assert_problem(
        editor.patch(f"/api/v1/meetings/{extra['id']}", json={"mode_override_reason": None}), 409
    )
    assert body["expected_mode"] == "urban_development"


def test_delete_reflows(editor: ApiClient, board: dict[str, Any], reader: ApiClient) -> None:
    f.meeting(editor, board["id"], 0)
    gone = f.meeting(editor, board["id"], 14)
    f.meeting(editor, board["id"], 28)
    assert editor.delete(f"/api/v1/meetings/{gone['id']}").status_code == 204
    assert_problem(reader.get(f"/api/v1/meetings/{gone['id']}"), 404)
    assert _modes(reader, board["id"]) == [
        ("plan_review", "planned"),
        ("urban_development", "planned"),
    ]


def test_changes_are_logged_with_the_plan(
    editor: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    a = f.meeting(editor, board["id"], 14)
    f.meeting(editor, board["id"], 0)
    rows = db.execute(
        select(Change.resource_id, Change.action, Change.changed_fields, Change.plan_id)
        .where(Change.resource == "meeting")
        .order_by(Change.seq)
    ).all()
    assert [(str(r[0]), r[1]) for r in rows][-1] == (a["id"], "updated")
    assert "mode" in rows[-1][2]
    assert {str(r[3]) for r in rows} == {board["plan_id"]}


def test_next_mode(editor: ApiClient, reader: ApiClient, board: dict[str, Any]) -> None:
    url = f"/api/v1/bodies/{board['id']}/next-mode"
    first = reader.get(url, params={"at": "2030-01-01T09:00:00Z"}).json()
    assert first == {
        "mode": "plan_review",
        "free_choice": True,
        "rotation": ["plan_review", "urban_development"],
        "previous_meeting_id": None,
    }
    m = f.meeting(editor, board["id"], 0)
    got = reader.get(url, params={"at": "2030-02-01T09:00:00+01:00"}).json()
    assert got["mode"] == "urban_development" and got["previous_meeting_id"] == m["id"]
    assert_problem(reader.get(url, params={"at": "2030-02-01T09:00:00"}), 422)
    assert_problem(reader.get(url), 422)
    assert_problem(
        reader.get(
            f"/api/v1/bodies/{uuid.uuid4()}/next-mode", params={"at": "2030-02-01T09:00:00Z"}
        ),
        404,
    )


def test_series_keeps_local_time_across_dst(editor: ApiClient, board: dict[str, Any]) -> None:
    response = editor.post(
        f"/api/v1/bodies/{board['id']}/meeting-series",
        json={
            "first_starts_at": "2030-03-12T16:00:00+01:00",
            "count": 4,
            "interval_weeks": 2,
            "duration_minutes": 120,
            "location": "Rådhuset",
        },
    )
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    # 17:00 local throughout: CET (+01) in March, CEST (+02) after 2030-03-31
    assert [m["starts_at"] for m in items] == [
        "2030-03-12T15:00:00Z",
        "2030-03-26T15:00:00Z",
        "2030-04-09T14:00:00Z",
        "2030-04-23T14:00:00Z",
    ]
    assert [m["mode"] for m in items] == ["plan_review", "urban_development"] * 2
    assert items[0]["ends_at"] == "2030-03-12T17:00:00Z" and items[0]["location"] == "Rådhuset"
    assert_problem(
        editor.post(
            f"/api/v1/bodies/{board['id']}/meeting-series",
            json={
                "first_starts_at": "2030-03-12T16:00:00",
                "count": 1,
                "interval_weeks": 1,
                "duration_minutes": 60,
            },
        ),
        422,
    )
    assert_problem(
        editor.post(
            f"/api/v1/bodies/{board['id']}/meeting-series",
            json={
                "first_starts_at": "2199-03-12T16:00:00Z",
                "count": 104,
                "interval_weeks": 52,
                "duration_minutes": 60,
            },
        ),
        422,
    )


def test_reader_cannot_write(reader: ApiClient, editor: ApiClient, board: dict[str, Any]) -> None:
    assert_problem(reader.post("/api/v1/meetings", json=f.meeting_payload(board["id"], 0)), 403)
    m = f.meeting(editor, board["id"], 0)
    assert_problem(reader.patch(f"/api/v1/meetings/{m['id']}", json={"title": "x"}), 403)
    assert_problem(reader.delete(f"/api/v1/meetings/{m['id']}"), 403)


def test_list_runs_a_fixed_number_of_queries(
    app: FastAPI,
    editor: ApiClient,
    reader: ApiClient,
    board: dict[str, Any],
    db: DbSession,
    count_queries: Any,
) -> None:
    anna = f.contact(db)
    f.meeting(editor, board["id"], 0, attendee_ids=[str(anna)])
    reader.get("/api/v1/meetings")
    count_queries.count = 0
    reader.get("/api/v1/meetings")
    one = count_queries.count
    for days in range(14, 14 * 12, 14):
        f.meeting(editor, board["id"], days, attendee_ids=[str(anna)])
    count_queries.count = 0
    listed = reader.get("/api/v1/meetings")
    assert listed.json()["total"] == 12
    # the key, the page with its total, the page's attendees; on PostgreSQL the page is one
    # query with its total and attendees, written as JSON (meetings/reads.py)
    assert count_queries.count == one == (2 if app.state.json_reads else 3)
    count_queries.count = 0
    reader.get(f"/api/v1/meetings/{listed.json()['items'][0]['id']}")
    assert count_queries.count <= 3


def test_auth_comes_before_404(
    anon: ApiClient, reader: ApiClient, client_for: Any, make_key: Any
) -> None:

    missing = str(uuid.uuid4())
    calendar_key = client_for(make_key(Role.calendar, "kalender"))
    for path in (
        f"/api/v1/meetings/{missing}",
        f"/api/v1/agenda-items/{missing}",
        f"/api/v1/decisions/{missing}",
        f"/api/v1/bodies/{missing}/inbox",
        f"/api/v1/meetings/{missing}/agenda-items",
    ):
        assert_problem(anon.get(path), 401)
        assert_problem(calendar_key.get(path), 403)
        assert_problem(reader.get(path), 404)
    assert_problem(reader.patch(f"/api/v1/meetings/{missing}", json={"title": "x"}), 403)
    assert_problem(anon.get(f"/api/v1/meetings/{missing}.ics"), 401)


def test_list_carries_each_meetings_attendees_in_order(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    people = [f.contact(db, f"Navn{i}", "Holm") for i in range(5)]
    with_three = f.meeting(editor, board["id"], 0, attendee_ids=[str(p) for p in people[4:1:-1]])
    without = f.meeting(editor, board["id"], 14)
    with_one = f.meeting(editor, board["id"], 28, attendee_ids=[str(people[0])])
    items = {
        m["id"]: m for m in reader.get(f"/api/v1/bodies/{board['id']}/meetings").json()["items"]
    }
    assert items[with_three["id"]]["attendee_ids"] == sorted(str(p) for p in people[2:5])
    assert items[without["id"]]["attendee_ids"] == []
    assert items[with_one["id"]]["attendee_ids"] == [str(people[0])]
    for meeting_id, listed in items.items():  # the list shows what a single read shows
        assert (
            reader.get(f"/api/v1/meetings/{meeting_id}").json()["attendee_ids"]
            == listed["attendee_ids"]
        )
