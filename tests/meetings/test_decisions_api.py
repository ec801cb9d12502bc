"""Decisions flow up (rule 4), step by step through the API."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.meetings.models import AgendaItem, AgendaItemSource, Decision
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    steering = f.steering_group(editor, plan["id"], board["id"])
    return {"plan": plan, "board": board, "steering": steering}


def _agenda(client: ApiClient, meeting_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _inbox(client: ApiClient, body_id: str) -> list[str]:
    """The decisions waiting for the body on no upcoming meeting (`placed_on` null)."""
    response = client.get(f"/api/v1/bodies/{body_id}/inbox")
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["items"] if d["placed_on"] is None]


def test_top_body_decides_both_kinds_itself(editor: ApiClient, org: dict[str, Any]) -> None:
    routine = f.decision(editor, org["board"]["id"])
    major = f.decision(editor, org["board"]["id"], impact="major")
    for d in (routine, major):
        assert d["status"] == "decided" and d["reported"] is None


def test_routine_decisions_gather_in_one_information_item(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    sg_meeting = f.meeting(editor, org["steering"]["id"], 0)
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    f.meeting(editor, org["board"]["id"], 21)
    one = f.decision(
        editor, org["steering"]["id"], meeting_id=sg_meeting["id"], title="Ny legeplads"
    )
    two = f.decision(editor, org["steering"]["id"], meeting_id=sg_meeting["id"], title="Lektiecafé")
    assert one["status"] == "decided" and one["reported"] is False
    assert one["decided_at"] == sg_meeting["starts_at"]
    items = _agenda(editor, board_meeting["id"])
    assert len(items) == 1
    item = items[0]
    assert item["title"] == "Orientering fra Styregruppen"
    assert item["kind"] == "information" and item["number"] == "1" and item["position"] == 1
    assert item["source_body_id"] == org["steering"]["id"]
    assert sorted(item["source_decision_ids"]) == sorted([one["id"], two["id"]])
    links = db.scalars(
        select(AgendaItemSource.decision_id).where(
            AgendaItemSource.agenda_item_id == uuid.UUID(item["id"])
        )
    )
    assert sorted(map(str, links)) == sorted([one["id"], two["id"]])
    assert _inbox(editor, org["board"]["id"]) == []


def test_reported_once_the_meeting_is_held(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    d = f.decision(editor, org["steering"]["id"])
    editor.patch(f"/api/v1/meetings/{board_meeting['id']}", json={"status": "invited"})
    assert editor.get(f"/api/v1/decisions/{d['id']}").json()["reported"] is False
    editor.patch(f"/api/v1/meetings/{board_meeting['id']}", json={"status": "held"})
    assert editor.get(f"/api/v1/decisions/{d['id']}").json()["reported"] is True
    row = db.get(Decision, uuid.UUID(d["id"]))
    assert row is not None and row.reported is True
    log = db.execute(
        select(Change.action, Change.changed_fields)
        .where(Change.resource_id == uuid.UUID(d["id"]))
        .order_by(Change.seq)
    ).all()
    assert [tuple(r) for r in log] == [("created", log[0][1]), ("updated", ["reported"])]


def test_major_decision_is_escalated_with_its_own_item_and_resolved(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    routine = f.decision(editor, org["steering"]["id"], title="Rutine")
    major = f.decision(
        editor, org["steering"]["id"], impact="major", title="Nyt medborgerhus", text="Indstilling"
    )
    assert major["status"] == "escalated" and major["reported"] is None
    items = _agenda(editor, board_meeting["id"])
    assert [(i["kind"], i["title"]) for i in items] == [
        ("information", "Orientering fra Styregruppen"),
        ("decision", "Nyt medborgerhus"),
    ]
    assert items[1]["source_decision_ids"] == [major["id"]]
    assert items[1]["description"] == "Indstilling"
    assert routine["id"] in items[0]["source_decision_ids"]
    # the board decides the matter
    resolution = f.decision(
        editor,
        org["board"]["id"],
        meeting_id=board_meeting["id"],
        agenda_item_id=items[1]["id"],
        origin_decision_id=major["id"],
        impact="major",
    )
    assert resolution["status"] == "decided" and resolution["origin_decision_id"] == major["id"]
    assert editor.get(f"/api/v1/decisions/{major['id']}").json()["status"] == "resolved"
    # once resolved, it cannot be resolved again
    assert_problem(
        editor.post(
            "/api/v1/decisions",
            json={
                "body_id": org["board"]["id"],
                "title": "igen",
                "origin_decision_id": major["id"],
            },
        ),
        409,
    )


def test_origin_must_be_escalated_to_this_body(editor: ApiClient, org: dict[str, Any]) -> None:
    routine = f.decision(editor, org["steering"]["id"])
    body = assert_problem(
        editor.post(
            "/api/v1/decisions",
            json={"body_id": org["board"]["id"], "title": "x", "origin_decision_id": routine["id"]},
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "origin_decision_id"]
    major = f.decision(editor, org["steering"]["id"], impact="major")
    assert_problem(
        editor.post(
            "/api/v1/decisions",
            json={
                "body_id": org["steering"]["id"],
                "title": "x",
                "origin_decision_id": major["id"],
            },
        ),
        422,
    )


def test_next_open_meeting_is_after_now_and_the_decisions_meeting(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    before = f.meeting(editor, org["board"]["id"], 0)
    held = f.meeting(editor, org["board"]["id"], 14)
    editor.patch(f"/api/v1/meetings/{held['id']}", json={"status": "held"})
    target = f.meeting(editor, org["board"]["id"], 42)
    sg_meeting = f.meeting(editor, org["steering"]["id"], 10)
    d = f.decision(editor, org["steering"]["id"], meeting_id=sg_meeting["id"])
    assert _agenda(editor, before["id"]) == []
    assert _agenda(editor, held["id"]) == []
    assert _agenda(editor, target["id"])[0]["source_decision_ids"] == [d["id"]]
    # a meeting in the past is never the next open meeting
    past_sg = editor.post(
        "/api/v1/meetings",
        json={
            "body_id": org["steering"]["id"],
            "starts_at": "2020-01-01T09:00:00Z",
            "ends_at": "2020-01-01T10:00:00Z",
        },
    ).json()
    old_board = editor.post(
        "/api/v1/meetings",
        json={
            "body_id": org["board"]["id"],
            "mode_override_reason": "historik",
            "starts_at": "2020-02-01T09:00:00Z",
            "ends_at": "2020-02-01T10:00:00Z",
        },
    ).json()
    f.decision(editor, org["steering"]["id"], meeting_id=past_sg["id"])
    assert _agenda(editor, old_board["id"]) == []


def test_inbox_then_placed_on_the_next_meeting_created(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    routine = f.decision(editor, org["steering"]["id"], title="Rutine")
    major = f.decision(editor, org["steering"]["id"], impact="major", title="Stor sag")
    assert _inbox(reader, org["board"]["id"]) == [routine["id"], major["id"]]
    assert _inbox(reader, org["steering"]["id"]) == []
    created = f.meeting(editor, org["board"]["id"], 30)
    assert _inbox(reader, org["board"]["id"]) == []
    items = _agenda(reader, created["id"])
    assert [i["kind"] for i in items] == ["information", "decision"]


def test_cancelled_meeting_sends_items_back_and_on(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    manual = editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items", json={"title": "Godkendelse af dagsorden"}
    ).json()
    d = f.decision(editor, org["steering"]["id"])
    m = f.decision(editor, org["steering"]["id"], impact="major")
    flow_ids = [i["id"] for i in _agenda(reader, first["id"])][1:]
    assert len(flow_ids) == 2
    # no other open meeting: the cancelled meeting keeps them (parked), the inbox shows them
    editor.patch(f"/api/v1/meetings/{first['id']}", json={"status": "cancelled"})
    assert [i["id"] for i in _agenda(reader, first["id"])] == [manual["id"], *flow_ids]
    assert _inbox(reader, org["board"]["id"]) == [d["id"], m["id"]]
    # and on to the next meeting created: the same items (same ids), moved
    second = f.meeting(editor, org["board"]["id"], 21)
    items = _agenda(reader, second["id"])
    assert [i["id"] for i in items] == flow_ids
    assert [i["source_decision_ids"] for i in items] == [[d["id"]], [m["id"]]]
    assert [i["id"] for i in _agenda(reader, first["id"])] == [manual["id"]]
    # with an open meeting already there, cancelling moves them straight on
    third = f.meeting(editor, org["board"]["id"], 35)
    editor.patch(f"/api/v1/meetings/{second['id']}", json={"status": "cancelled"})
    assert [i["id"] for i in _agenda(reader, third["id"])] == flow_ids
    assert _inbox(reader, org["board"]["id"]) == []
    assert (
        db.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == uuid.UUID(second["id"])))
        is None
    )
    # a move, never a delete and create: the change feed has no deletion of a flow item
    deleted = db.scalars(
        select(Change.resource_id).where(
            Change.resource == "agenda_item", Change.action == "deleted"
        )
    )
    assert not set(map(str, deleted)) & set(flow_ids)


def test_flow_items_join_an_existing_gathering_item(editor: ApiClient, org: dict[str, Any]) -> None:
    target = f.meeting(editor, org["board"]["id"], 7)
    a = f.decision(editor, org["steering"]["id"])
    f.decision(editor, org["steering"]["id"], impact="major")
    b = f.decision(editor, org["steering"]["id"])
    items = _agenda(editor, target["id"])
    assert len(items) == 2
    assert sorted(items[0]["source_decision_ids"]) == sorted([a["id"], b["id"]])


def test_references_are_checked(editor: ApiClient, org: dict[str, Any]) -> None:
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    sg = org["steering"]["id"]
    cases = [
        ({"body_id": str(uuid.uuid4())}, "body_id"),
        ({"body_id": sg, "meeting_id": board_meeting["id"]}, "meeting_id"),
        ({"body_id": sg, "meeting_id": str(uuid.uuid4())}, "meeting_id"),
        ({"body_id": sg, "agenda_item_id": str(uuid.uuid4())}, "agenda_item_id"),
        ({"body_id": sg, "focus_area": "ukendt"}, "focus_area"),
    ]
    for payload, field in cases:
        body = assert_problem(editor.post("/api/v1/decisions", json={"title": "x", **payload}), 422)
        assert body["errors"][0]["loc"] == ["body", field]
    assert f.decision(editor, sg, focus_area="uddannelse")["focus_area"] == "uddannelse"
    assert_problem(
        editor.post("/api/v1/decisions", json={"body_id": sg, "title": "x", "status": "resolved"}),
        422,
    )


def test_list_filters_patch_and_log(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    a = f.decision(editor, org["steering"]["id"], decided_at="2030-01-02T10:00:00+01:00")
    b = f.decision(editor, org["steering"]["id"], impact="major", decided_at="2030-01-01T10:00:00Z")
    c = f.decision(editor, org["board"]["id"], decided_at="2030-01-03T10:00:00Z")

    def ids(**params: str) -> list[str]:
        return [d["id"] for d in reader.get("/api/v1/decisions", params=params).json()["items"]]

    assert ids() == [b["id"], a["id"], c["id"]]
    assert ids(body_id=org["board"]["id"]) == [c["id"]]
    assert ids(status="escalated") == [b["id"]]
    assert ids(impact="routine") == [a["id"], c["id"]]
    patched = editor.patch(
        f"/api/v1/decisions/{a['id']}", json={"title": "Ny titel", "text": "Tekst"}
    )
    assert patched.status_code == 200 and patched.json()["title"] == "Ny titel"
    assert_problem(editor.patch(f"/api/v1/decisions/{a['id']}", json={"impact": "grand"}), 422)
    assert_problem(editor.patch(f"/api/v1/decisions/{a['id']}", json={"status": "resolved"}), 422)
    assert_problem(editor.patch(f"/api/v1/decisions/{a['id']}", json={"title": None}), 422)
    assert_problem(reader.get(f"/api/v1/decisions/{uuid.uuid4()}"), 404)
    logged = db.scalars(
        select(Change.action)
        .where(Change.resource == "decision", Change.resource_id == uuid.UUID(a["id"]))
        .order_by(Change.seq)
    )
    assert list(logged) == ["created", "updated"]


def test_every_flow_step_is_in_the_change_log(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    seq = db.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
    routine = f.decision(editor, org["steering"]["id"])
    major = f.decision(editor, org["steering"]["id"], impact="major")
    editor.patch(f"/api/v1/meetings/{meeting['id']}", json={"status": "held"})
    f.decision(editor, org["board"]["id"], origin_decision_id=major["id"])
    rows = db.execute(
        select(
            Change.resource,
            Change.resource_id,
            Change.action,
            Change.changed_fields,
            Change.plan_id,
        )
        .where(Change.seq > seq)
        .order_by(Change.seq)
    ).all()
    assert {str(r.plan_id) for r in rows} == {org["plan"]["id"]}
    steps = [(r.resource, str(r.resource_id), r.action, r.changed_fields) for r in rows]
    ids = {routine["id"]: "routine", major["id"]: "major", meeting["id"]: "meeting"}
    named = [
        (res, ids.get(rid, rid if res != "agenda_item" else "item"), act, fields)
        for res, rid, act, fields in steps
    ]
    assert (
        "agenda_item",
        "item",
        "created",
        ["kind", "position", "source_body_id", "source_decision_ids", "title"],
    ) in named
    assert ("decision", "routine", "updated", ["reported"]) in named
    assert ("decision", "major", "updated", ["status"]) in named
    assert [n[:3] for n in named if n[1] == "meeting"] == [("meeting", "meeting", "updated")]


def test_deleting_a_flow_item_sends_its_decisions_to_the_inbox(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    d = f.decision(editor, org["steering"]["id"])
    [item] = _agenda(editor, meeting["id"])
    assert editor.delete(f"/api/v1/agenda-items/{item['id']}").status_code == 204
    assert _inbox(editor, org["board"]["id"]) == [d["id"]]
    assert editor.get(f"/api/v1/decisions/{d['id']}").json()["reported"] is False


def test_moving_a_meeting_into_place_picks_up_the_inbox(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    past = editor.post(
        "/api/v1/meetings",
        json={
            "body_id": org["board"]["id"],
            "starts_at": "2020-01-01T09:00:00Z",
            "ends_at": "2020-01-01T10:00:00Z",
        },
    ).json()
    d = f.decision(editor, org["steering"]["id"])
    assert _inbox(editor, org["board"]["id"]) == [d["id"]]
    editor.patch(
        f"/api/v1/meetings/{past['id']}",
        json={"starts_at": f.iso(f.at(7)), "ends_at": f.iso(f.at(7, 2))},
    )
    assert _inbox(editor, org["board"]["id"]) == []
    assert _agenda(editor, past["id"])[0]["source_decision_ids"] == [d["id"]]
