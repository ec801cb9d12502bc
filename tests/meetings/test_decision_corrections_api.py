"""Decisions can be corrected or withdrawn until they are final (issue 11 point 2)."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.meetings.models import AgendaItem, Decision
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem
from tests.meetings import factories as f
from tests.meetings.test_postponement_api import agenda, decision, held, inbox


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    steering = f.steering_group(editor, plan["id"], board["id"])
    return {"plan": plan, "board": board, "steering": steering}


def patch(client: ApiClient, decision_id: str, **fields: Any) -> dict[str, Any]:
    response = client.patch(f"/api/v1/decisions/{decision_id}", json=fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_misclassified_routine_decision_becomes_an_escalation_and_back(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    """Situation 2: PATCH impact used to be 422."""
    meeting = f.meeting(editor, org["board"]["id"], 7)
    keep = f.decision(editor, org["steering"]["id"], title="Lektiecafé")
    wrong = f.decision(editor, org["steering"]["id"], title="Nyt medborgerhus", text="Indstilling")
    [report] = agenda(editor, meeting["id"])
    assert sorted(report["source_decision_ids"]) == sorted([keep["id"], wrong["id"]])
    corrected = patch(editor, wrong["id"], impact="major")
    assert corrected["impact"] == "major" and corrected["status"] == "escalated"
    assert corrected["reported"] is None
    items = agenda(editor, meeting["id"])
    assert [(i["kind"], i["title"]) for i in items] == [
        ("information", "Orientering fra Styregruppen"),
        ("decision", "Nyt medborgerhus"),
    ]
    assert items[0]["id"] == report["id"] and items[0]["source_decision_ids"] == [keep["id"]]
    assert "Nyt medborgerhus" not in (items[0]["description"] or "")
    assert items[1]["source_decision_ids"] == [wrong["id"]]
    assert items[1]["description"] == "Indstilling"
    # and back: out of its own item (which goes away), into the report
    back = patch(editor, wrong["id"], impact="routine")
    assert back["status"] == "decided" and back["reported"] is False
    items = agenda(editor, meeting["id"])
    assert len(items) == 1 and items[0]["id"] == report["id"]
    assert sorted(items[0]["source_decision_ids"]) == sorted([keep["id"], wrong["id"]])
    assert db.get(AgendaItem, uuid.UUID(items[0]["id"])) is not None
    log = db.scalars(
        select(Change.changed_fields).where(
            Change.resource == "decision",
            Change.resource_id == uuid.UUID(wrong["id"]),
            Change.action == "updated",
        )
    )
    assert list(log) == [["impact", "reported", "status"], ["impact", "reported", "status"]]


def test_a_corrected_title_shows_on_the_items(editor: ApiClient, org: dict[str, Any]) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    major = f.decision(editor, org["steering"]["id"], impact="major", title="Medborgerhus")
    routine = f.decision(editor, org["steering"]["id"], title="Legeplds")
    patch(editor, major["id"], title="Nyt medborgerhus", text="Ny indstilling")
    patch(editor, routine["id"], title="Ny legeplads")
    items = {i["kind"]: i for i in agenda(editor, meeting["id"])}
    assert items["decision"]["title"] == "Nyt medborgerhus"
    assert items["decision"]["description"] == "Ny indstilling"
    assert "- Ny legeplads" in items["information"]["description"]
    assert "Legeplds" not in items["information"]["description"]


def test_withdrawing_takes_it_off_every_item_and_an_emptied_report_goes(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    """Situation 2: a duplicate stayed in the board's report for good."""
    first = f.meeting(editor, org["board"]["id"], 7)
    duplicate = f.decision(editor, org["steering"]["id"], title="Ny legeplads")
    [report] = agenda(editor, first["id"])
    withdrawn = patch(editor, duplicate["id"], status="withdrawn")
    assert withdrawn["status"] == "withdrawn"
    assert agenda(editor, first["id"]) == []
    assert inbox(editor, org["board"]["id"]) == {}
    assert db.scalar(
        select(Change.action).where(
            Change.resource_id == uuid.UUID(report["id"]), Change.action == "deleted"
        )
    )
    # withdrawn is final; the record keeps it
    body = assert_problem(
        editor.patch(f"/api/v1/decisions/{duplicate['id']}", json={"title": "x"}), 409
    )
    assert body["rule"] == "decision-final"
    assert_problem(editor.delete(f"/api/v1/decisions/{duplicate['id']}"), 409)
    listed = editor.get("/api/v1/decisions", params={"status": "withdrawn"}).json()["items"]
    assert [d["id"] for d in listed] == [duplicate["id"]]


def test_delete_removes_a_decision_entered_by_mistake(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    keep = f.decision(editor, org["steering"]["id"])
    mistake = f.decision(editor, org["steering"]["id"])
    escalation = f.decision(editor, org["steering"]["id"], impact="major")
    assert_problem(reader.delete(f"/api/v1/decisions/{mistake['id']}"), 403)
    assert_problem(
        editor.delete(f"/api/v1/decisions/{mistake['id']}", headers={"If-Match": '"stale"'}), 412
    )
    assert editor.delete(f"/api/v1/decisions/{mistake['id']}").status_code == 204
    assert editor.delete(f"/api/v1/decisions/{escalation['id']}").status_code == 204
    assert_problem(reader.get(f"/api/v1/decisions/{mistake['id']}"), 404)
    assert db.get(Decision, uuid.UUID(mistake["id"])) is None
    [report] = agenda(editor, meeting["id"])
    assert report["source_decision_ids"] == [keep["id"]]
    assert "deleted" in list(
        db.scalars(select(Change.action).where(Change.resource_id == uuid.UUID(mistake["id"])))
    )
    assert_problem(editor.delete(f"/api/v1/decisions/{uuid.uuid4()}"), 404)


def test_reported_or_resolved_decisions_are_final(editor: ApiClient, org: dict[str, Any]) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    routine = f.decision(editor, org["steering"]["id"])
    major = f.decision(editor, org["steering"]["id"], impact="major")
    [_report, item] = agenda(editor, meeting["id"])
    f.decision(
        editor,
        org["board"]["id"],
        meeting_id=meeting["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
    )
    held(editor, meeting["id"])
    assert decision(editor, routine["id"])["reported"] is True
    for target, fields in [
        (routine["id"], {"impact": "major"}),
        (routine["id"], {"title": "Ny"}),
        (major["id"], {"status": "withdrawn"}),
        (major["id"], {"text": "x"}),
    ]:
        body = assert_problem(editor.patch(f"/api/v1/decisions/{target}", json=fields), 409)
        assert body["rule"] == "decision-final"
    for target in (routine["id"], major["id"]):
        body = assert_problem(editor.delete(f"/api/v1/decisions/{target}"), 409)
        assert body["rule"] == "decision-final"


def test_a_decision_a_held_meeting_postponed_is_withdrawn_not_deleted(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    second = f.meeting(editor, org["board"]["id"], 35)
    major = f.decision(editor, org["steering"]["id"], impact="major")
    held(editor, first["id"])
    body = assert_problem(editor.delete(f"/api/v1/decisions/{major['id']}"), 409)
    assert body["rule"] == "decision-on-record"
    patch(editor, major["id"], status="withdrawn")
    # the held record keeps it; the carried item goes
    assert agenda(editor, first["id"])[0]["source_decision_ids"] == [major["id"]]
    assert agenda(editor, second["id"]) == []
    # and a later meeting does not carry it again
    later = f.meeting(editor, org["board"]["id"], 63)
    assert agenda(editor, later["id"]) == []


def test_a_withdrawn_resolution_reopens_the_escalation(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    first = f.meeting(editor, org["board"]["id"], 7)
    major = f.decision(editor, org["steering"]["id"], impact="major", title="Medborgerhus")
    [item] = agenda(editor, first["id"])
    resolution = f.decision(
        editor,
        org["board"]["id"],
        meeting_id=first["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
    )
    assert decision(editor, major["id"])["status"] == "resolved"
    patch(editor, resolution["id"], status="withdrawn")
    assert decision(editor, major["id"])["status"] == "escalated"
    assert inbox(editor, org["board"]["id"]) == {major["id"]: first["id"]}
    # still under its own item, once
    assert [i["id"] for i in agenda(editor, first["id"])] == [item["id"]]
    # resolved again at the meeting, then withdrawn once the meeting was held: it flows on
    second = f.meeting(editor, org["board"]["id"], 35)
    again = f.decision(
        editor,
        org["board"]["id"],
        meeting_id=first["id"],
        agenda_item_id=item["id"],
        origin_decision_id=major["id"],
    )
    held(editor, first["id"])
    assert agenda(editor, second["id"]) == []
    patch(editor, again["id"], status="withdrawn")
    assert decision(editor, major["id"])["status"] == "escalated"
    [reopened] = agenda(editor, second["id"])
    assert reopened["source_decision_ids"] == [major["id"]]
    assert inbox(editor, org["board"]["id"]) == {major["id"]: second["id"]}


def test_corrections_are_checked(
    editor: ApiClient,
    reader: ApiClient,
    org: dict[str, Any],
    make_key: Any,
    client_for: Any,
) -> None:
    d = f.decision(editor, org["steering"]["id"])
    for payload in (
        {"impact": None},
        {"status": "decided"},
        {"status": None},
        {"impact": "huge"},
        {"body_id": org["board"]["id"]},
        {"focus_area": "ukendt"},
    ):
        assert_problem(editor.patch(f"/api/v1/decisions/{d['id']}", json=payload), 422)
    assert_problem(reader.patch(f"/api/v1/decisions/{d['id']}", json={"impact": "major"}), 403)
    other = f.plan(editor, name="Anden plan")
    limited = client_for(make_key(Role.editor, "other", [uuid.UUID(other["id"])]))
    assert_problem(limited.patch(f"/api/v1/decisions/{d['id']}", json={"impact": "major"}), 404)
    assert_problem(limited.delete(f"/api/v1/decisions/{d['id']}"), 404)
    assert decision(editor, d["id"])["impact"] == "routine"


def test_concurrent_corrections_with_one_etag_one_wins(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    d = editor.post(
        "/api/v1/decisions", json={"body_id": org["steering"]["id"], "title": "Beslutning"}
    )
    etag = d.headers["ETag"]
    first = editor.patch(
        f"/api/v1/decisions/{d.json()['id']}", json={"impact": "major"}, headers={"If-Match": etag}
    )
    second = editor.patch(
        f"/api/v1/decisions/{d.json()['id']}",
        json={"status": "withdrawn"},
        headers={"If-Match": etag},
    )
    assert first.status_code == 200
    assert_problem(second, 412)


def test_top_body_decisions_change_impact_without_flow(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    d = f.decision(editor, org["board"]["id"])
    changed = patch(editor, d["id"], impact="major")
    assert changed["impact"] == "major" and changed["status"] == "decided"
    assert changed["reported"] is None
