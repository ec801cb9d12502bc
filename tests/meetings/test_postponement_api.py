"""Postponement and items that move keeping their id (issue 11 point 1; DESIGN §2 rule 4)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.meetings.models import AgendaItem
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    steering = f.steering_group(editor, plan["id"], board["id"])
    return {"plan": plan, "board": board, "steering": steering}


def agenda(client: ApiClient, meeting_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def inbox(client: ApiClient, body_id: str) -> dict[str, str | None]:
    """decision id → placed_on."""
    response = client.get(f"/api/v1/bodies/{body_id}/inbox")
    assert response.status_code == 200, response.text
    return {d["id"]: d["placed_on"] for d in response.json()["items"]}


def held(client: ApiClient, meeting_id: str) -> None:
    response = client.patch(f"/api/v1/meetings/{meeting_id}", json={"status": "held"})
    assert response.status_code == 200, response.text


def decision(client: ApiClient, decision_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/decisions/{decision_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_unresolved_escalation_is_postponed_and_carried_to_the_next_meeting(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    """Situation 1: the board did not get to an escalation; it is not lost."""
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    major = f.decision(editor, org["steering"]["id"], impact="major", title="Nyt medborgerhus")
    [item] = agenda(editor, first["id"])
    assert inbox(editor, org["board"]["id"]) == {major["id"]: first["id"]}
    held(editor, first["id"])
    # the held meeting's record keeps the item, postponed
    [kept] = agenda(editor, first["id"])
    assert kept["id"] == item["id"]
    assert kept["outcome_status"] == "postponed" and kept["outcome"] == "Udsat."
    assert kept["source_decision_ids"] == [major["id"]]
    # and the matter carries on, pointing back
    [carried] = agenda(editor, second["id"])
    assert carried["carried_from_id"] == item["id"] and carried["id"] != item["id"]
    assert carried["title"] == "Nyt medborgerhus" and carried["kind"] == "decision"
    assert carried["source_decision_ids"] == [major["id"]]
    assert carried["outcome_status"] is None and carried["outcome"] is None
    assert decision(editor, major["id"])["status"] == "escalated"
    assert inbox(editor, org["board"]["id"]) == {major["id"]: second["id"]}
    log = db.execute(
        select(Change.action, Change.changed_fields).where(
            Change.resource == "agenda_item", Change.resource_id == uuid.UUID(item["id"])
        )
    ).all()
    assert ("updated", ["outcome", "outcome_status"]) in [tuple(r) for r in log]
    assert (
        db.scalar(select(Change.action).where(Change.resource_id == uuid.UUID(carried["id"])))
        == "created"
    )


def test_without_a_next_meeting_it_waits_in_the_inbox_and_is_carried_when_one_opens(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    major = f.decision(editor, org["steering"]["id"], impact="major")
    [item] = agenda(editor, first["id"])
    held(editor, first["id"])
    assert inbox(editor, org["board"]["id"]) == {major["id"]: None}
    later = f.meeting(editor, org["board"]["id"], 28)
    [carried] = agenda(editor, later["id"])
    assert carried["carried_from_id"] == item["id"]
    assert carried["source_decision_ids"] == [major["id"]]
    assert inbox(editor, org["board"]["id"]) == {major["id"]: later["id"]}
    # carried once: another meeting takes nothing more
    another = f.meeting(editor, org["board"]["id"], 56)
    assert agenda(editor, another["id"]) == []


def test_resolved_at_the_meeting_is_not_postponed(editor: ApiClient, org: dict[str, Any]) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    major = f.decision(editor, org["steering"]["id"], impact="major")
    [item] = agenda(editor, first["id"])
    f.decision(
        editor,
        org["board"]["id"],
        meeting_id=first["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
    )
    held(editor, first["id"])
    assert agenda(editor, first["id"])[0]["outcome_status"] is None
    assert agenda(editor, second["id"]) == []


def test_a_resolution_entered_after_holding_undoes_the_postponement(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    major = f.decision(editor, org["steering"]["id"], impact="major")
    [item] = agenda(editor, first["id"])
    held(editor, first["id"])
    assert len(agenda(editor, second["id"])) == 1
    # the secretary records the board's decision afterwards, under the held item
    f.decision(
        editor,
        org["board"]["id"],
        meeting_id=first["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
    )
    after = agenda(editor, first["id"])[0]
    assert after["outcome_status"] == "decided" and after["outcome"] is None
    assert agenda(editor, second["id"]) == []
    assert inbox(editor, org["board"]["id"]) == {}


def test_a_routine_decision_counts_as_reported_only_on_a_held_meeting_without_postponement(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    routine = f.decision(editor, org["steering"]["id"], title="Ny legeplads")
    [report] = agenda(editor, first["id"])
    postponed = editor.patch(
        f"/api/v1/agenda-items/{report['id']}", json={"outcome_status": "postponed"}
    )
    assert postponed.status_code == 200, postponed.text
    held(editor, first["id"])
    assert decision(editor, routine["id"])["reported"] is False
    [carried] = agenda(editor, second["id"])
    assert carried["carried_from_id"] == report["id"]
    assert carried["title"] == "Orientering fra Styregruppen"
    assert carried["source_decision_ids"] == [routine["id"]]
    held(editor, second["id"])
    assert decision(editor, routine["id"])["reported"] is True


def test_postponing_after_the_meeting_was_held_carries_it_on_and_unreports(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    routine = f.decision(editor, org["steering"]["id"])
    [report] = agenda(editor, first["id"])
    held(editor, first["id"])
    assert decision(editor, routine["id"])["reported"] is True
    # the minutes say the board did not get to it
    editor.patch(f"/api/v1/agenda-items/{report['id']}", json={"outcome_status": "postponed"})
    assert decision(editor, routine["id"])["reported"] is False
    [carried] = agenda(editor, second["id"])
    assert carried["carried_from_id"] == report["id"]
    # and back: it was dealt with after all
    editor.patch(f"/api/v1/agenda-items/{report['id']}", json={"outcome_status": "noted"})
    assert decision(editor, routine["id"])["reported"] is True
    assert agenda(editor, second["id"]) == []


def test_a_postponed_hand_made_item_is_carried_to_a_meeting_it_fits(
    editor: ApiClient, db: DbSession
) -> None:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    review = f.meeting(editor, board["id"], 0, mode="plan_review")
    next_review = f.meeting(editor, board["id"], 28, mode="urban_development")
    urban = f.meeting(editor, board["id"], 56, mode="plan_review")
    assert next_review["mode"] == "urban_development"
    # an item outside the plan, postponed at an urban development meeting …
    item = editor.post(
        f"/api/v1/meetings/{next_review['id']}/agenda-items",
        json={"title": "Boligsocial helhedsplan for hele byen", "within_plan": False},
    ).json()
    editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"outcome_status": "postponed"})
    editor.patch(f"/api/v1/meetings/{review['id']}", json={"status": "held"})
    held(editor, next_review["id"])
    # … skips the plan review meeting (rule 5) and waits
    assert agenda(editor, urban["id"]) == []
    later = f.meeting(editor, board["id"], 84)
    assert later["mode"] == "urban_development"
    [carried] = agenda(editor, later["id"])
    assert carried["carried_from_id"] == item["id"]
    assert carried["within_plan"] is False and carried["title"] == item["title"]
    row = db.get(AgendaItem, uuid.UUID(carried["id"]))
    assert row is not None and row.carried_from_id == uuid.UUID(item["id"])


def test_patch_meeting_id_moves_the_item_keeping_its_id(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    other_body = f.meeting(editor, org["steering"]["id"], 7)
    routine = f.decision(editor, org["steering"]["id"])
    manual = editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items", json={"title": "Budget"}
    ).json()
    [report, _manual] = agenda(editor, first["id"])
    moved = editor.patch(f"/api/v1/agenda-items/{report['id']}", json={"meeting_id": second["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["id"] == report["id"] and moved.json()["meeting_id"] == second["id"]
    assert [i["id"] for i in agenda(editor, first["id"])] == [manual["id"]]
    assert agenda(editor, first["id"])[0]["position"] == 1
    assert inbox(editor, org["board"]["id"]) == {routine["id"]: second["id"]}
    log = db.execute(
        select(Change.action, Change.changed_fields).where(
            Change.resource_id == uuid.UUID(report["id"])
        )
    ).all()
    assert ("updated", ["meeting_id", "position"]) in [tuple(r) for r in log]
    assert "deleted" not in [r[0] for r in log]
    # with a position it lands there
    editor.patch(
        f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": second["id"], "position": 1}
    )
    assert [i["id"] for i in agenda(editor, second["id"])] == [manual["id"], report["id"]]
    # the crooked paths
    body = assert_problem(
        editor.patch(f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": other_body["id"]}),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "meeting_id"]
    assert_problem(
        editor.patch(
            f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": str(uuid.uuid4())}
        ),
        422,
    )
    assert_problem(
        editor.patch(f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": None}), 422
    )
    assert_problem(
        reader.patch(f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": first["id"]}),
        403,
    )
    record = editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items", json={"title": "Status"}
    ).json()
    held(editor, first["id"])
    body = assert_problem(
        editor.patch(f"/api/v1/agenda-items/{record['id']}", json={"meeting_id": second["id"]}),
        409,
    )
    assert "postponed" in body["detail"]
    cancelled = f.meeting(editor, org["board"]["id"], 70)
    editor.patch(f"/api/v1/meetings/{cancelled['id']}", json={"status": "cancelled"})
    assert_problem(
        editor.patch(f"/api/v1/agenda-items/{manual['id']}", json={"meeting_id": cancelled["id"]}),
        409,
    )


def test_moving_an_item_obeys_the_targets_scope(editor: ApiClient) -> None:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    review = f.meeting(editor, board["id"], 0, mode="plan_review")
    urban = f.meeting(editor, board["id"], 28)
    outside = editor.post(
        f"/api/v1/meetings/{urban['id']}/agenda-items",
        json={"title": "Byen som helhed", "within_plan": False},
    ).json()
    body = assert_problem(
        editor.patch(f"/api/v1/agenda-items/{outside['id']}", json={"meeting_id": review["id"]}),
        409,
    )
    assert body["rule"] == "scope"
    assert agenda(editor, urban["id"])[0]["id"] == outside["id"]


def test_a_limited_key_cannot_move_into_another_plan(
    editor: ApiClient, org: dict[str, Any], make_key: Any, client_for: Any
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    item = editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items", json={"title": "Budget"}
    ).json()
    other = f.plan(editor, name="Anden plan")
    limited = client_for(make_key(Role.editor, "other-plan", [uuid.UUID(other["id"])]))
    assert_problem(
        limited.patch(f"/api/v1/agenda-items/{item['id']}", json={"meeting_id": first["id"]}),
        404,
    )


def test_a_moved_meeting_passes_items_it_no_longer_qualifies_for(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    sg_meeting = f.meeting(editor, org["steering"]["id"], 10)
    board_first = f.meeting(editor, org["board"]["id"], 14)
    board_second = f.meeting(editor, org["board"]["id"], 42)
    routine = f.decision(editor, org["steering"]["id"], meeting_id=sg_meeting["id"])
    [report] = agenda(editor, board_first["id"])
    # the board's meeting moves to before the steering group decided: the report moves on
    moved = editor.patch(
        f"/api/v1/meetings/{board_first['id']}",
        json={"starts_at": f.iso(f.at(3)), "ends_at": f.iso(f.at(3, 2))},
    )
    assert moved.status_code == 200, moved.text
    assert agenda(editor, board_first["id"]) == []
    assert [i["id"] for i in agenda(editor, board_second["id"])] == [report["id"]]
    assert inbox(editor, org["board"]["id"]) == {routine["id"]: board_second["id"]}


def test_a_carried_item_moves_on_when_its_meeting_is_cancelled(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    item = editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items",
        json={"title": "Budget 2031", "outcome_status": "postponed"},
    ).json()
    held(editor, first["id"])
    second = f.meeting(editor, org["board"]["id"], 35)
    [carried] = agenda(editor, second["id"])
    assert carried["carried_from_id"] == item["id"]
    # no open meeting: the cancelled meeting keeps it until one opens
    editor.patch(f"/api/v1/meetings/{second['id']}", json={"status": "cancelled"})
    assert [i["id"] for i in agenda(editor, second["id"])] == [carried["id"]]
    third = f.meeting(editor, org["board"]["id"], 63)
    assert [i["id"] for i in agenda(editor, third["id"])] == [carried["id"]]
    assert agenda(editor, second["id"]) == []
    # deleting the meeting it sits on carries the postponed item again
    editor.delete(f"/api/v1/meetings/{third['id']}")
    fourth = f.meeting(editor, org["board"]["id"], 91)
    [again] = agenda(editor, fourth["id"])
    assert again["carried_from_id"] == item["id"]


def test_deleting_the_carried_copy_drops_the_matter(editor: ApiClient, org: dict[str, Any]) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    editor.post(
        f"/api/v1/meetings/{first['id']}/agenda-items",
        json={"title": "Budget 2031", "outcome_status": "postponed"},
    )
    held(editor, first["id"])
    second = f.meeting(editor, org["board"]["id"], 35)
    [carried] = agenda(editor, second["id"])
    assert editor.delete(f"/api/v1/agenda-items/{carried['id']}").status_code == 204
    third = f.meeting(editor, org["board"]["id"], 63)
    assert agenda(editor, third["id"]) == []
    assert agenda(editor, first["id"])[0]["outcome_status"] == "postponed"
