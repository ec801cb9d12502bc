"""The meetings' rules of the governance check."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.governance import vocabularies
from app.governance.check_texts import LANGUAGES, TEXTS
from app.governance.models import Body, Plan
from app.meetings.check_rules import meeting_findings
from app.meetings.models import Meeting
from tests.aio import ApiClient, DbSession
from tests.aio import run as run_async
from tests.helpers import create
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    steering = f.steering_group(editor, plan["id"], board["id"])
    return {"plan": plan, "board": board, "steering": steering}


def _findings(client: ApiClient, plan_id: str, rule: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/plans/{plan_id}/governance-check")
    assert response.status_code == 200, response.text
    return [x for x in response.json()["findings"] if x["rule"] == rule]


def _soon(client: ApiClient, body_id: str, days: int, **fields: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    payload = {
        "body_id": body_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        **fields,
    }
    response = client.post("/api/v1/meetings", json=payload)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_mode_rotation_broken_by_old_data(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    f.meeting(editor, org["board"]["id"], 0)
    assert _findings(reader, org["plan"]["id"], "mode-rotation") == []
    stray = Meeting(
        body_id=uuid.UUID(org["board"]["id"]),
        title="Gammelt møde",
        mode="plan_review",
        starts_at=f.at(14),
        ends_at=f.at(14, 2),
        status="held",
        sequence=0,
    )
    db.add(stray)
    db.commit()
    [finding] = _findings(reader, org["plan"]["id"], "mode-rotation")
    assert finding["severity"] == "error"
    assert finding["subject"] == {"type": "meeting", "id": str(stray.id)}
    assert "urban_development" in finding["message"]


def test_escalation_overdue(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    meeting = f.meeting(editor, org["board"]["id"], 7)
    major = f.decision(editor, org["steering"]["id"], impact="major", title="Stor sag")
    assert _findings(reader, org["plan"]["id"], "escalation-overdue") == []
    editor.patch(f"/api/v1/meetings/{meeting['id']}", json={"status": "held"})
    [finding] = _findings(reader, org["plan"]["id"], "escalation-overdue")
    assert finding["severity"] == "warning" and finding["subject"] == {
        "type": "decision",
        "id": major["id"],
    }
    f.decision(editor, org["board"]["id"], origin_decision_id=major["id"])
    assert _findings(reader, org["plan"]["id"], "escalation-overdue") == []


def test_report_overdue(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    later = f.meeting(editor, org["board"]["id"], 30)
    routine = f.decision(editor, org["steering"]["id"], decided_at="2030-01-01T10:00:00Z")
    assert _findings(reader, org["plan"]["id"], "report-overdue") == []
    # the board holds another meeting (not the one the report is on) after the decision
    other = f.meeting(
        editor, org["board"]["id"], 7, mode_override_reason="Ekstra", mode="plan_review"
    )
    editor.patch(f"/api/v1/meetings/{other['id']}", json={"status": "held"})
    [finding] = _findings(reader, org["plan"]["id"], "report-overdue")
    assert finding["severity"] == "warning" and finding["subject"]["id"] == routine["id"]
    editor.patch(f"/api/v1/meetings/{later['id']}", json={"status": "held"})
    assert _findings(reader, org["plan"]["id"], "report-overdue") == []


def test_no_upcoming_meeting(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    found = _findings(reader, org["plan"]["id"], "no-upcoming-meeting")
    assert {x["subject"]["id"] for x in found} == {org["board"]["id"], org["steering"]["id"]}
    assert all(x["severity"] == "info" for x in found)
    _soon(editor, org["board"]["id"], 30)
    cancelled = _soon(editor, org["steering"]["id"], 20)
    editor.patch(f"/api/v1/meetings/{cancelled['id']}", json={"status": "cancelled"})
    _soon(editor, org["steering"]["id"], 120)
    found = _findings(reader, org["plan"]["id"], "no-upcoming-meeting")
    assert [x["subject"]["id"] for x in found] == [org["steering"]["id"]]


def test_fixed_number_of_queries(
    editor: ApiClient, org: dict[str, Any], db: DbSession, count_queries: Any
) -> None:
    plan = db.get(Plan, uuid.UUID(org["plan"]["id"]))
    assert plan is not None

    def run() -> int:
        bodies = list(db.scalars(select(Body).where(Body.plan_id == plan.id)))
        count_queries.count = 0
        run_async(meeting_findings(db.session, plan, bodies))
        return int(count_queries.count)

    f.meeting(editor, org["board"]["id"], 7)
    f.decision(editor, org["steering"]["id"], impact="major")
    few = run()
    for days in (21, 35, 49):
        f.meeting(editor, org["board"]["id"], days)
        f.decision(editor, org["steering"]["id"], impact="major")
        f.decision(editor, org["steering"]["id"])
        create(
            editor,
            "/api/v1/actions",
            {"body_id": org["board"]["id"], "title": "Gammel", "due_date": "2020-01-01"},
        )
    assert run() == few == 4


def test_escalation_waiting_in_the_inbox(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    major = f.decision(
        editor,
        org["steering"]["id"],
        impact="major",
        title="Ny lokalplan",
        decided_at="2030-01-01T10:00:00Z",
    )
    assert _findings(reader, org["plan"]["id"], "escalation-waiting") == []
    # the board meets (entered as held) without the matter on its agenda: it still waits
    f.meeting(editor, org["board"]["id"], 1, status="held")
    [finding] = _findings(reader, org["plan"]["id"], "escalation-waiting")
    assert finding["severity"] == "warning"
    assert finding["subject"] == {"type": "decision", "id": major["id"]}
    assert finding["message"] == (
        "Den eskalerede beslutning »Ny lokalplan« fra »Styregruppen« venter i indbakken hos "
        "»Bestyrelsen«, selvom »Bestyrelsen« har holdt møde siden (8. januar 2030)."
    )
    assert finding["action"].startswith("Planlæg et møde i »Bestyrelsen«")
    # once it is on a planned meeting it no longer waits
    f.meeting(editor, org["board"]["id"], 14)
    assert _findings(reader, org["plan"]["id"], "escalation-waiting") == []


def test_plan_period_ended(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    editor.patch(f"/api/v1/plans/{org['plan']['id']}", json={"period_end": "2030-01-10"})
    inside = f.meeting(editor, org["board"]["id"], 0)
    after = f.meeting(editor, org["board"]["id"], 7)
    held_after = f.meeting(editor, org["steering"]["id"], 8, status="held")
    found = _findings(reader, org["plan"]["id"], "plan-period-ended")
    assert [x["subject"]["id"] for x in found] == [after["id"]]
    assert inside["id"] != after["id"] != held_after["id"]
    english = reader.get(
        f"/api/v1/plans/{org['plan']['id']}/governance-check",
        headers={"Accept-Language": "da;q=0.5, en;q=0.9"},
    ).json()["findings"]
    [finding] = [x for x in english if x["rule"] == "plan-period-ended"]
    assert finding["message"] == (
        "The meeting 'Bestyrelsen' of 'Bestyrelsen' on 2030-01-14 lies after the plan's "
        "period (ended 2030-01-10)."
    )
    assert finding["action"] == "Cancel or move the meeting, or correct the plan's period_end."
    editor.patch(f"/api/v1/meetings/{after['id']}", json={"status": "cancelled"})
    assert _findings(reader, org["plan"]["id"], "plan-period-ended") == []


def test_action_overdue(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    owner = f.contact(db, "Karen", "Krog")
    late = create(
        editor,
        "/api/v1/actions",
        {
            "body_id": org["board"]["id"],
            "title": "Send budget",
            "due_date": "2020-03-01",
            "owner_id": str(owner),
        },
    )
    create(
        editor,
        "/api/v1/actions",
        {"body_id": org["board"]["id"], "title": "Senere", "due_date": "2099-01-01"},
    )
    [finding] = _findings(reader, org["plan"]["id"], "action-overdue")
    assert finding["severity"] == "warning"
    assert finding["subject"] == {"type": "action", "id": late["id"]}
    assert finding["message"] == (
        "Opfølgningspunktet »Send budget« i »Bestyrelsen« skulle være klaret 1. marts 2020."
    )
    assert "Karen Krog" in finding["action"]
    editor.patch(f"/api/v1/actions/{late['id']}", json={"status": "done"})
    assert _findings(reader, org["plan"]["id"], "action-overdue") == []


def test_languages(reader: ApiClient, org: dict[str, Any]) -> None:
    url = f"/api/v1/plans/{org['plan']['id']}/governance-check"
    for header, lang in [
        (None, "da"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("da, en;q=0.8", "da"),
        ("fr", "da"),
        ("en;q=x, da;q=0.1", "da"),
    ]:
        headers = {} if header is None else {"Accept-Language": header}
        response = reader.get(url, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-language"] == lang, header
        assert "Accept-Language" in response.headers["vary"]
        messages = [x["message"] for x in response.json()["findings"]]
        assert messages and all(x["action"] for x in response.json()["findings"])
        if lang == "da":
            assert any("har intet møde planlagt" in m for m in messages)
        else:
            assert any("has no meeting planned" in m for m in messages)


def test_every_rule_has_words_in_both_languages_and_a_label() -> None:
    assert set(TEXTS) == set(vocabularies.CHECK_RULES)
    for rule, by_language in TEXTS.items():
        assert set(by_language) == set(LANGUAGES), rule
        for message, action in by_language.values():
            assert message and action, rule
