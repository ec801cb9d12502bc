"""The meeting cycle (issue 11 points 4, 6, 7): minutes that lock, drafts a secretary would
send, meetings that are reopened and moved, a rotation that changes, previews (dry_run)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from app.changes.models import Change
from app.meetings import agenda, drafts
from app.meetings.models import Meeting
from app.meetings.rotation import AUTO_OVERRIDE_AGENDA
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem, create
from tests.meetings import factories as f


@pytest.fixture
def board(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    return f.alternating_board(editor, plan["id"])


def _modes(client: ApiClient, body_id: str) -> list[str]:
    items = client.get(f"/api/v1/bodies/{body_id}/meetings").json()["items"]
    return [m["mode"] for m in items]


def _changes(db: DbSession) -> int:
    return int(db.scalar(select(func.count()).select_from(Change)) or 0)


# --- point 7: meetings as they really move ------------------------------------------------


def test_a_move_with_only_starts_at_keeps_the_duration(
    editor: ApiClient, board: dict[str, Any]
) -> None:
    meeting = f.meeting(editor, board["id"], 0)  # 09:00–11:00
    moved = editor.patch(
        f"/api/v1/meetings/{meeting['id']}", json={"starts_at": "2030-01-07T13:30:00+01:00"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == "2030-01-07T12:30:00Z"
    assert moved.json()["ends_at"] == "2030-01-07T14:30:00Z"
    # both given: taken as sent; only ends_at: starts stays
    both = editor.patch(
        f"/api/v1/meetings/{meeting['id']}",
        json={"starts_at": "2030-01-08T09:00:00Z", "ends_at": "2030-01-08T10:00:00Z"},
    ).json()
    assert (both["starts_at"], both["ends_at"]) == ("2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z")
    assert_problem(
        editor.patch(f"/api/v1/meetings/{meeting['id']}", json={"ends_at": "2030-01-08T08:00:00Z"}),
        422,
    )


def test_reopening_a_cancelled_meeting_reflows(editor: ApiClient, board: dict[str, Any]) -> None:
    first = f.meeting(editor, board["id"], 0)
    strategic = f.meeting(editor, board["id"], 14)
    nxt = f.meeting(editor, board["id"], 28)
    editor.patch(f"/api/v1/meetings/{strategic['id']}", json={"status": "cancelled"})
    assert _modes(editor, board["id"]) == ["plan_review", "urban_development", "urban_development"]
    reopened = editor.patch(f"/api/v1/meetings/{strategic['id']}", json={"status": "planned"})
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "planned" and body["mode"] == "urban_development"
    assert body["rotation_changes"] == [
        {
            "meeting_id": nxt["id"],
            "from_mode": "urban_development",
            "to_mode": "plan_review",
            "mode_override_reason": None,
        }
    ]
    assert _modes(editor, board["id"]) == ["plan_review", "urban_development", "plan_review"]
    assert first["mode"] == "plan_review"


def test_a_reflow_keeps_the_mode_of_a_drafted_agenda(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any]
) -> None:
    """The situation of the issue: after a cancellation, a planned meeting whose drafted
    agenda is all plan review must not become urban development (CATEGORIES vs agenda)."""
    f.meeting(editor, board["id"], 0)
    strategic = f.meeting(editor, board["id"], 14)
    review = f.meeting(editor, board["id"], 28)
    assert editor.post(f"/api/v1/meetings/{review['id']}/agenda-draft").status_code == 201
    response = editor.patch(f"/api/v1/meetings/{strategic['id']}", json={"status": "cancelled"})
    assert response.json()["rotation_changes"] == [
        {
            "meeting_id": review["id"],
            "from_mode": "plan_review",
            "to_mode": "plan_review",
            "mode_override_reason": AUTO_OVERRIDE_AGENDA,
        }
    ]
    got = reader.get(f"/api/v1/meetings/{review['id']}").json()
    assert got["mode"] == "plan_review" and got["mode_override_reason"] == AUTO_OVERRIDE_AGENDA
    feed = reader.get(f"/api/v1/meetings/{review['id']}.ics")
    assert "CATEGORIES:Fremdrift i helhedsplanen" in feed.text
    # reopening a meeting with a drafted agenda whose mode no longer fits keeps it too
    f.meeting(editor, board["id"], 42)  # urban development after the first
    assert editor.post(f"/api/v1/meetings/{strategic['id']}/agenda-draft").status_code == 201


def test_changing_the_rotation_reflows_from_now(
    editor: ApiClient, reader: ApiClient, db: DbSession
) -> None:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")  # plan_review only
    # a meeting held long ago, then three planned ones
    held = f.meeting(editor, board["id"], -3000, status="held")
    planned = [f.meeting(editor, board["id"], d) for d in (0, 14, 28)]
    drafted = planned[2]
    editor.post(f"/api/v1/meetings/{drafted['id']}/agenda-draft")
    url = f"/api/v1/bodies/{board['id']}"
    payload = {"meeting_rotation": ["plan_review", "urban_development"]}
    before = _changes(db)
    preview = editor.patch(url, params={"dry_run": "true"}, json=payload)
    assert preview.status_code == 200, preview.text
    assert "etag" not in preview.headers
    expected = [
        {
            "meeting_id": planned[1]["id"],
            "from_mode": "plan_review",
            "to_mode": "urban_development",
            "mode_override_reason": None,
        }
    ]
    assert preview.json()["rotation_changes"] == expected
    assert preview.json()["meeting_rotation"] == payload["meeting_rotation"]
    # nothing changed, nothing logged
    assert _changes(db) == before
    assert reader.get(url).json()["meeting_rotation"] == ["plan_review"]
    assert _modes(reader, board["id"]) == ["plan_review"] * 4
    written = editor.patch(url, json=payload)
    assert written.status_code == 200, written.text
    assert written.json()["rotation_changes"] == expected
    assert written.json()["rotation_since"] is not None
    assert written.headers["etag"] == reader.get(url).headers["etag"]
    # the drafted third meeting (plan_review, expected plan_review) fits; the held one is
    # not counted any more, so the check reports nothing
    assert _modes(reader, board["id"]) == [
        "plan_review",
        "plan_review",
        "urban_development",
        "plan_review",
    ]
    check = reader.get(f"/api/v1/plans/{plan['id']}/governance-check").json()["findings"]
    assert [x for x in check if x["rule"] == "mode-rotation"] == []
    row = db.get(Meeting, uuid.UUID(held["id"]))
    assert row is not None and row.mode == "plan_review"
    # a rotation change that breaks a drafted meeting keeps its mode with an override
    again = editor.patch(url, json={"meeting_rotation": ["urban_development"]}).json()
    kept = {c["meeting_id"]: c for c in again["rotation_changes"]}
    assert kept[drafted["id"]]["mode_override_reason"] == AUTO_OVERRIDE_AGENDA
    assert kept[planned[0]["id"]]["to_mode"] == "urban_development"


def test_dry_run_on_meeting_writes(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    first = f.meeting(editor, board["id"], 14)
    second = f.meeting(editor, board["id"], 28)
    third = f.meeting(editor, board["id"], 42)
    before = _changes(db)
    created = editor.post(
        "/api/v1/meetings", params={"dry_run": "true"}, json=f.meeting_payload(board["id"], 0)
    )
    assert created.status_code == 200, created.text
    assert "location" not in created.headers and "etag" not in created.headers
    assert [c["meeting_id"] for c in created.json()["rotation_changes"]] == [
        first["id"],
        second["id"],
        third["id"],
    ]
    assert reader.get(f"/api/v1/meetings/{created.json()['id']}").status_code == 404
    cancelled = editor.patch(
        f"/api/v1/meetings/{second['id']}", params={"dry_run": "true"}, json={"status": "cancelled"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [c["meeting_id"] for c in cancelled.json()["rotation_changes"]] == [third["id"]]
    deleted = editor.delete(f"/api/v1/meetings/{second['id']}", params={"dry_run": "true"})
    assert deleted.status_code == 200, deleted.text
    assert [c["meeting_id"] for c in deleted.json()["rotation_changes"]] == [third["id"]]
    series = editor.post(
        f"/api/v1/bodies/{board['id']}/meeting-series",
        params={"dry_run": "true"},
        json={
            "first_starts_at": "2030-03-04T09:00:00+01:00",
            "count": 3,
            "interval_weeks": 4,
            "duration_minutes": 120,
        },
    )
    assert series.status_code == 200, series.text
    assert len(series.json()["items"]) == 3
    # a misspelt dry_run is refused (422 naming it), never taken for a real write
    typo = assert_problem(
        editor.patch(
            f"/api/v1/meetings/{second['id']}", params={"dryrun": "true"}, json={"title": "Ny"}
        ),
        422,
    )
    assert "dryrun" in typo["detail"]
    # nothing changed: the meetings as they were, no change-log entry
    assert _changes(db) == before
    listed = reader.get(f"/api/v1/bodies/{board['id']}/meetings").json()
    assert [(m["id"], m["status"], m["mode"]) for m in listed["items"]] == [
        (first["id"], "planned", "plan_review"),
        (second["id"], "planned", "urban_development"),
        (third["id"], "planned", "plan_review"),
    ]
    # a refused write is refused in a preview too
    assert_problem(
        editor.post(
            "/api/v1/meetings",
            params={"dry_run": "true"},
            json=f.meeting_payload(board["id"], 0, mode="regular"),
        ),
        409,
    )
    assert_problem(
        reader.patch(
            f"/api/v1/meetings/{first['id']}", params={"dry_run": "true"}, json={"title": "x"}
        ),
        403,
    )
    assert_problem(
        editor.patch(f"/api/v1/meetings/{first['id']}", params={"dry_run": "maybe"}, json={}),
        422,
    )


# --- point 4: minutes ---------------------------------------------------------------------


def test_approved_minutes_lock_the_meeting(
    editor: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    url = f"/api/v1/meetings/{meeting['id']}"
    item = create(editor, f"{url}/agenda-items", {"title": "Budget 2030"})
    editor.patch(url, json={"status": "held"})
    decision = f.decision(editor, board["id"], meeting_id=meeting["id"], title="Budget vedtaget")
    # a draft: minutes and outcomes may still change
    assert editor.patch(url, json={"minutes": "Udkast"}).status_code == 200
    assert (
        editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"outcome": "Vedtaget"}).status_code
        == 200
    )
    approved = editor.patch(url, json={"minutes": "Referat", "status": "minutes_approved"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["minutes_approved_at"] is not None
    refusals = [
        editor.patch(url, json={"minutes": "Ændret"}),
        editor.patch(url, json={"location": "Et andet sted"}),
        editor.delete(url),
        editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"outcome": "Ændret"}),
        editor.delete(f"/api/v1/agenda-items/{item['id']}"),
        editor.post(f"{url}/agenda-items", json={"title": "Nyt punkt"}),
        editor.post(f"{url}/agenda-draft"),
        editor.patch(f"/api/v1/decisions/{decision['id']}", json={"text": "Ændret"}),
        editor.post(
            "/api/v1/decisions",
            json={"body_id": board["id"], "meeting_id": meeting["id"], "title": "Sent"},
        ),
    ]
    for refused in refusals:
        body = assert_problem(refused, 409)
        assert body["rule"] == "minutes-locked", body
    got = editor.get(url).json()
    assert got["minutes"] == "Referat" and got["status"] == "minutes_approved"
    row = db.get(Meeting, uuid.UUID(meeting["id"]))
    assert row is not None and row.minutes == "Referat"


# --- point 6: the draft's order -----------------------------------------------------------


def test_the_draft_orders_standing_items_and_points_to_the_previous_minutes(
    editor: ApiClient, reader: ApiClient
) -> None:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    steering = f.steering_group(editor, plan["id"], board["id"])
    previous = f.meeting(editor, board["id"], 0)
    editor.patch(f"/api/v1/meetings/{previous['id']}", json={"status": "held"})
    cancelled = f.meeting(editor, board["id"], 7, mode="urban_development")
    editor.patch(f"/api/v1/meetings/{cancelled['id']}", json={"status": "cancelled"})
    meeting = f.meeting(editor, board["id"], 14)
    url = f"/api/v1/meetings/{meeting['id']}"
    create(editor, f"{url}/agenda-items", {"title": "Punkt fra formanden"})
    f.decision(editor, steering["id"], title="Ny lektiecafé")  # an orientering item
    f.decision(editor, steering["id"], title="Lokalplan", impact="major")  # an escalation
    assert editor.post(f"{url}/agenda-draft").status_code == 201
    items = reader.get(f"{url}/agenda-items").json()["items"]
    titles = [i["title"] for i in items]
    assert titles == [
        "Godkendelse af dagsorden",
        "Godkendelse af referat",
        "Punkt fra formanden",
        "Fysisk udvikling",
        "Kriminalpræventiv ombygning",
        "Udlejningsregler",
        "Byen som helhed",
        "Orientering fra Styregruppen",
        "Lokalplan",
        "Opfølgning",
        "Eventuelt",
    ]
    assert [i["position"] for i in items] == list(range(1, 12))
    referat = items[1]
    assert referat["refers_to_meeting_id"] == previous["id"]
    assert referat["description"] == "Referatet af mødet 7. januar 2030 (Bestyrelsen) godkendes."
    # a flow item arriving after the draft lands before Opfølgning and Eventuelt
    f.decision(editor, steering["id"], title="Ny sag", impact="major")
    titles = [i["title"] for i in reader.get(f"{url}/agenda-items").json()["items"]]
    assert titles[-3:] == ["Ny sag", "Opfølgning", "Eventuelt"]
    # an item added by hand without a position lands before Opfølgning and Eventuelt too
    assert agenda.CLOSING_TOPICS == drafts.TRAILING_TOPICS
    create(editor, f"{url}/agenda-items", {"title": "Nyt punkt"})
    titles = [i["title"] for i in reader.get(f"{url}/agenda-items").json()["items"]]
    assert titles[-4:] == ["Ny sag", "Nyt punkt", "Opfølgning", "Eventuelt"]
    # drafting again adds nothing
    assert editor.post(f"{url}/agenda-draft").json()["items"] == []
    # the first meeting has no minutes to approve
    first_items = editor.post(f"/api/v1/meetings/{previous['id']}/agenda-draft").json()["items"]
    assert [i["topic"] for i in first_items][:1] == ["agenda_approval"]
    assert "minutes_approval" not in [i["topic"] for i in first_items]


def test_the_minutes_item_follows_cancellations_and_moves(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any], db: DbSession
) -> None:
    a = f.meeting(editor, board["id"], 0)
    b = f.meeting(editor, board["id"], 14)
    c = f.meeting(editor, board["id"], 28)
    drafted = editor.post(f"/api/v1/meetings/{c['id']}/agenda-draft").json()["items"]
    [referat] = [i for i in drafted if i["topic"] == "minutes_approval"]
    url = f"/api/v1/agenda-items/{referat['id']}"

    def points_to() -> str | None:
        got: str | None = reader.get(url).json()["refers_to_meeting_id"]
        return got

    assert points_to() == b["id"]
    editor.patch(f"/api/v1/meetings/{b['id']}", json={"status": "cancelled"})
    assert points_to() == a["id"]
    assert reader.get(url).json()["description"] == (
        "Referatet af mødet 7. januar 2030 (Bestyrelsen) godkendes."
    )
    editor.patch(f"/api/v1/meetings/{b['id']}", json={"status": "planned"})
    assert points_to() == b["id"]
    # b moves after c: c's minutes item points to a again
    editor.patch(
        f"/api/v1/meetings/{b['id']}",
        json={"starts_at": "2030-02-18T09:00:00Z", "mode_override_reason": "Flyttet"},
    )
    assert points_to() == a["id"]
    assert editor.delete(f"/api/v1/meetings/{a['id']}").status_code == 204
    assert points_to() is None
    assert reader.get(url).json()["description"] == "Intet referat at godkende."
    logged = db.scalars(
        select(Change.changed_fields).where(
            Change.resource_id == uuid.UUID(referat["id"]), Change.action == "updated"
        )
    )
    assert sum("refers_to_meeting_id" in fields for fields in logged) == 4
