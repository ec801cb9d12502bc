"""Resolutions flow back down (issue 11 point 3), report items describe their decisions
(point 6), the inbox shows what is placed where and decisions filter (point 8)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.meetings.models import Decision
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.helpers import assert_problem
from tests.meetings import factories as f
from tests.meetings.test_postponement_api import agenda, decision, held, inbox


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    steering = f.steering_group(editor, plan["id"], board["id"])
    return {"plan": plan, "board": board, "steering": steering}


def _escalate_and_resolve(
    editor: ApiClient, org: dict[str, Any], board_meeting: dict[str, Any], title: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    major = f.decision(editor, org["steering"]["id"], impact="major", title=title)
    item = next(
        i for i in agenda(editor, board_meeting["id"]) if major["id"] in i["source_decision_ids"]
    )
    resolution = f.decision(
        editor,
        org["board"]["id"],
        meeting_id=board_meeting["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
        title=f"{title}: godkendt",
    )
    return major, resolution


def test_the_boards_answer_reaches_the_steering_group(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    """Situation: the board's answer never reached the steering group that asked."""
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    sg_next = f.meeting(editor, org["steering"]["id"], 14)
    sg_later = f.meeting(editor, org["steering"]["id"], 42)
    major, resolution = _escalate_and_resolve(editor, org, board_meeting, "Nyt medborgerhus")
    other, other_resolution = _escalate_and_resolve(editor, org, board_meeting, "Lektiecafé")
    assert resolution["reported_down"] is False
    [item] = agenda(editor, sg_next["id"])
    assert item["title"] == "Orientering fra Bestyrelsen" and item["kind"] == "information"
    assert item["source_body_id"] == org["board"]["id"]
    assert sorted(item["source_decision_ids"]) == sorted([resolution["id"], other_resolution["id"]])
    assert item["public"] is False
    description = item["description"]
    assert description.startswith("Bestyrelsen har afgjort:")
    assert "- Nyt medborgerhus: godkendt (14.01.2030)" in description
    assert "svar på «Nyt medborgerhus»" in description and "svar på «Lektiecafé»" in description
    assert agenda(editor, sg_later["id"]) == []
    assert inbox(editor, org["steering"]["id"]) == {
        resolution["id"]: sg_next["id"],
        other_resolution["id"]: sg_next["id"],
    }
    held(editor, sg_next["id"])
    assert decision(editor, resolution["id"])["reported_down"] is True
    assert inbox(editor, org["steering"]["id"]) == {}
    fields = db.scalars(
        select(Change.changed_fields).where(
            Change.resource_id == uuid.UUID(resolution["id"]), Change.action == "updated"
        )
    )
    assert ["reported_down"] in list(fields)
    # told: final
    body = assert_problem(
        editor.patch(f"/api/v1/decisions/{resolution['id']}", json={"title": "x"}), 409
    )
    assert body["rule"] == "decision-final"
    assert major["id"] and other["id"]


def test_without_an_open_meeting_the_answer_waits_in_the_inbox(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    _major, resolution = _escalate_and_resolve(editor, org, board_meeting, "Medborgerhus")
    # a steering-group meeting before the board decided does not qualify
    early = f.meeting(editor, org["steering"]["id"], 3)
    assert agenda(editor, early["id"]) == []
    assert inbox(editor, org["steering"]["id"]) == {resolution["id"]: None}
    later = f.meeting(editor, org["steering"]["id"], 21)
    [item] = agenda(editor, later["id"])
    assert item["source_decision_ids"] == [resolution["id"]]
    assert inbox(editor, org["steering"]["id"]) == {resolution["id"]: later["id"]}
    # cancelled: the answer moves on with its item (same id)
    after = f.meeting(editor, org["steering"]["id"], 49)
    editor.patch(f"/api/v1/meetings/{later['id']}", json={"status": "cancelled"})
    assert [i["id"] for i in agenda(editor, after["id"])] == [item["id"]]


def test_a_postponed_orientering_is_carried_and_told_later(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    board_meeting = f.meeting(editor, org["board"]["id"], 7)
    sg_first = f.meeting(editor, org["steering"]["id"], 14)
    sg_second = f.meeting(editor, org["steering"]["id"], 42)
    _major, resolution = _escalate_and_resolve(editor, org, board_meeting, "Medborgerhus")
    [item] = agenda(editor, sg_first["id"])
    editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"outcome_status": "postponed"})
    held(editor, sg_first["id"])
    assert decision(editor, resolution["id"])["reported_down"] is False
    [carried] = agenda(editor, sg_second["id"])
    assert carried["carried_from_id"] == item["id"]
    assert carried["title"] == "Orientering fra Bestyrelsen"
    held(editor, sg_second["id"])
    assert decision(editor, resolution["id"])["reported_down"] is True


def test_report_items_describe_their_decisions(editor: ApiClient, org: dict[str, Any]) -> None:
    """Situation: "Orientering fra Styregruppen" had no description."""
    meeting = f.meeting(editor, org["board"]["id"], 7)
    f.decision(
        editor, org["steering"]["id"], title="Ny legeplads", decided_at="2030-01-02T10:00:00Z"
    )
    f.decision(editor, org["steering"]["id"], title="Lektiecafé", decided_at="2030-01-03T10:00:00Z")
    [item] = agenda(editor, meeting["id"])
    assert item["description"] == (
        "Styregruppen har besluttet:\n- Ny legeplads (02.01.2030)\n- Lektiecafé (03.01.2030)"
    )
    assert item["public"] is False


def test_inbox_lists_waiting_and_placed_with_placed_on(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    """Point 8 / situation 1: the inbox said 0 while matters waited on agendas."""
    waiting = f.decision(editor, org["steering"]["id"], decided_at="2030-01-01T10:00:00Z")
    meeting = f.meeting(editor, org["board"]["id"], 7)
    placed = f.decision(editor, org["steering"]["id"], decided_at="2030-01-02T10:00:00Z")
    listed = reader.get(f"/api/v1/bodies/{org['board']['id']}/inbox").json()
    assert listed["total"] == 2
    assert [(d["id"], d["placed_on"]) for d in listed["items"]] == [
        (waiting["id"], meeting["id"]),
        (placed["id"], meeting["id"]),
    ]
    held(editor, meeting["id"])
    assert reader.get(f"/api/v1/bodies/{org['board']['id']}/inbox").json()["total"] == 0
    later = f.decision(editor, org["steering"]["id"])
    assert inbox(reader, org["board"]["id"]) == {later["id"]: None}
    only = reader.get(
        f"/api/v1/bodies/{org['board']['id']}/inbox", params={"fields": "id,placed_on"}
    ).json()["items"]
    assert only == [{"id": later["id"], "placed_on": None}]
    assert_problem(reader.get(f"/api/v1/bodies/{org['board']['id']}/inbox?body_id=x"), 422)


def test_decisions_filter_by_plan_meeting_status_and_ids(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    sg_meeting = f.meeting(editor, org["steering"]["id"], 0)
    a = f.decision(editor, org["steering"]["id"], meeting_id=sg_meeting["id"])
    b = f.decision(editor, org["steering"]["id"], impact="major")
    other_plan = f.plan(editor, name="Anden")
    other_board = f.body(editor, other_plan["id"], "board")
    c = f.decision(editor, other_board["id"])

    def ids(**params: Any) -> set[str]:
        response = reader.get("/api/v1/decisions", params=params)
        assert response.status_code == 200, response.text
        return {d["id"] for d in response.json()["items"]}

    assert ids(plan_id=org["plan"]["id"]) == {a["id"], b["id"]}
    assert ids(plan_id=other_plan["id"]) == {c["id"]}
    assert ids(meeting_id=sg_meeting["id"]) == {a["id"]}
    assert ids(status="escalated", plan_id=org["plan"]["id"]) == {b["id"]}
    assert ids(ids=[a["id"], c["id"]]) == {a["id"], c["id"]}
    assert ids(ids=[str(uuid.uuid4())]) == set()
    assert_problem(reader.get("/api/v1/decisions", params={"ids": "not-a-uuid"}), 422)
    assert_problem(reader.get("/api/v1/decisions", params={"status": "lost"}), 422)
    body = assert_problem(reader.get("/api/v1/decisions", params={"meeting": "x"}), 422)
    assert "meeting" in str(body)


def test_lists_run_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], count_queries: QueryCounter
) -> None:
    board = org["board"]["id"]
    meeting = f.meeting(editor, board, 7)
    f.decision(editor, org["steering"]["id"])

    def cost(url: str, **params: Any) -> int:
        count_queries.count = 0
        assert reader.get(url, params=params).status_code == 200
        return count_queries.count

    small = (
        cost(f"/api/v1/bodies/{board}/inbox"),
        cost("/api/v1/decisions", plan_id=org["plan"]["id"]),
    )
    for i in range(12):
        f.decision(editor, org["steering"]["id"], title=f"Beslutning {i}")
        f.decision(editor, org["steering"]["id"], impact="major", title=f"Sag {i}")
    assert len(agenda(editor, meeting["id"])) == 13
    large = (
        cost(f"/api/v1/bodies/{board}/inbox"),
        cost("/api/v1/decisions", plan_id=org["plan"]["id"]),
    )
    assert large == small
    assert max(small) <= 4, small
    assert small[0] == 3, small  # the key, the body, the inbox page with its total


def test_withdrawn_decisions_do_not_wait(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    d = f.decision(editor, org["steering"]["id"])
    editor.patch(f"/api/v1/decisions/{d['id']}", json={"status": "withdrawn"})
    assert inbox(editor, org["board"]["id"]) == {}
    meeting = f.meeting(editor, org["board"]["id"], 7)
    assert agenda(editor, meeting["id"]) == []
    row = db.get(Decision, uuid.UUID(d["id"]))
    assert row is not None and row.status == "withdrawn"
