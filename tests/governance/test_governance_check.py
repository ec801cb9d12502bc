"""The governance check: each rule on its own, then the order of findings."""

import uuid
from typing import Any

from app.governance.check import STRUCTURE_RULES, sort_findings
from app.governance.schemas import Finding, Severity, Subject
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.governance.factories import body, contact, housing, member, plan
from tests.helpers import assert_problem, municipality


def _check(client: ApiClient, plan_id: str) -> list[dict[str, Any]]:
    """The structure rules' findings (the meetings' rules are tested with the meetings)."""
    response = client.get(f"/api/v1/plans/{plan_id}/governance-check")
    assert response.status_code == 200, response.text
    findings: list[dict[str, Any]] = response.json()["findings"]
    return [f for f in findings if f["rule"] in STRUCTURE_RULES]


def _rules(findings: list[dict[str, Any]]) -> list[str]:
    return [f["rule"] for f in findings]


def _healthy(editor: ApiClient, db: DbSession) -> dict[str, Any]:
    """A plan that passes every rule: a chaired board with both partners, a linked group."""
    randers = municipality(editor)
    gudenaa = housing(editor)
    p = plan(editor, randers["id"], partner_ids=[gudenaa["id"]])
    board = body(editor, p["id"], "board", name="Bestyrelsen")
    group = body(editor, p["id"], "steering_group", name="Styregruppen", reports_to_id=board["id"])
    director = contact(db, "Tove", "Thomsen", randers["id"])
    housing_director = contact(db, "Gert", "Gram", gudenaa["id"])
    chair = member(editor, board["id"], director, role="chair", on_behalf_of_id=randers["id"])
    seat = member(editor, board["id"], housing_director, on_behalf_of_id=gudenaa["id"])
    link = member(editor, group["id"], housing_director)
    member(editor, group["id"], contact(db, "Sif", "Sand"), role="chair")
    return {
        "plan": p,
        "board": board,
        "group": group,
        "randers": randers,
        "gudenaa": gudenaa,
        "chair": chair,
        "seat": seat,
        "link": link,
    }


def test_healthy_plan_has_no_findings(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    world = _healthy(editor, db)
    response = reader.get(f"/api/v1/plans/{world['plan']['id']}/governance-check")
    assert response.headers["etag"]
    assert _check(reader, world["plan"]["id"]) == []


def test_board_missing(editor: ApiClient) -> None:
    p = plan(editor)
    body(editor, p["id"], "steering_group")
    body(editor, p["id"], "board", name="Tidligere bestyrelse", active=False)
    findings = [f for f in _check(editor, p["id"]) if f["rule"] == "board-missing"]
    assert findings == [
        {
            "rule": "board-missing",
            "severity": "error",
            "message": "Helhedsplanen »Helhedsplan Nordbyen« har ingen aktiv bestyrelse.",
            "action": "Opret bestyrelsen, eller genaktivér den (active: true).",
            "subject": {"type": "plan", "id": p["id"]},
        }
    ]
    english = editor.get(
        f"/api/v1/plans/{p['id']}/governance-check", headers={"Accept-Language": "en-GB"}
    )
    assert english.headers["content-language"] == "en"
    assert english.json()["findings"][0]["message"] == (
        "The plan 'Helhedsplan Nordbyen' has no active board."
    )


def test_chair_missing(editor: ApiClient, db: DbSession) -> None:
    world = _healthy(editor, db)
    editor.patch(f"/api/v1/memberships/{world['chair']['id']}", json={"role": "vice_chair"})
    findings = _check(editor, world["plan"]["id"])
    assert _rules(findings) == ["chair-missing"]
    assert findings[0]["severity"] == "error"
    assert findings[0]["subject"] == {"type": "body", "id": world["board"]["id"]}
    # two co-chairs are a chair
    editor.patch(f"/api/v1/memberships/{world['chair']['id']}", json={"role": "co_chair"})
    assert _check(editor, world["plan"]["id"]) == []
    # a chair whose seat has ended is no chair
    editor.patch(f"/api/v1/memberships/{world['chair']['id']}", json={"end_date": "2020-01-01"})
    assert "chair-missing" in _rules(_check(editor, world["plan"]["id"]))


def test_management_representation(editor: ApiClient, db: DbSession) -> None:
    world = _healthy(editor, db)
    kronjylland = housing(editor, "Boligselskabet Kronjylland")
    editor.patch(
        f"/api/v1/plans/{world['plan']['id']}",
        json={"partner_ids": [world["gudenaa"]["id"], kronjylland["id"]]},
    )
    findings = _check(editor, world["plan"]["id"])
    assert _rules(findings) == ["management-representation"]
    assert findings[0]["severity"] == "warning"
    assert findings[0]["subject"] == {"type": "organization", "id": kronjylland["id"]}
    assert "Boligselskabet Kronjylland" in findings[0]["message"]
    # a seat counts for its contact's organization when on_behalf_of is not given
    member(editor, world["board"]["id"], contact(db, "Kaj", "Krog", kronjylland["id"]))
    assert _check(editor, world["plan"]["id"]) == []
    # a secretary does not represent anyone
    world2 = _healthy(editor, db)
    editor.delete(f"/api/v1/memberships/{world2['seat']['id']}")
    member(
        editor,
        world2["board"]["id"],
        contact(db, "Sekretær", "Sørensen", world2["gudenaa"]["id"]),
        role="secretary",
    )
    findings = _check(editor, world2["plan"]["id"])
    assert "management-representation" in _rules(findings)


def test_liaison_missing(editor: ApiClient, db: DbSession) -> None:
    world = _healthy(editor, db)
    editor.delete(f"/api/v1/memberships/{world['link']['id']}")
    findings = _check(editor, world["plan"]["id"])
    assert _rules(findings) == ["liaison-missing"]
    assert findings[0]["severity"] == "warning"
    assert findings[0]["subject"] == {"type": "body", "id": world["group"]["id"]}
    # someone holding the liaison role in the group links it, too
    member(editor, world["group"]["id"], contact(db, "Lise", "Led"), role="liaison")
    assert _check(editor, world["plan"]["id"]) == []


def test_findings_ordered_by_severity_then_rule(editor: ApiClient, db: DbSession) -> None:
    randers = municipality(editor)
    p = plan(editor, randers["id"], partner_ids=[housing(editor)["id"]])
    board = body(editor, p["id"], "board")
    body(editor, p["id"], "steering_group", name="A", reports_to_id=board["id"])
    body(editor, p["id"], "working_group", name="B", reports_to_id=board["id"])
    findings = _check(editor, p["id"])
    assert _rules(findings) == [
        "chair-missing",  # the board: an error
        "chair-missing",  # the steering group: a warning (the working group needs none)
        "liaison-missing",
        "liaison-missing",
        "management-representation",
        "management-representation",
    ]
    assert [f["severity"] for f in findings[:2]] == ["error", "warning"]
    assert [f["subject"]["type"] for f in findings[4:]] == ["organization", "organization"]
    assert findings[4]["subject"]["id"] == randers["id"]  # the municipality first
    assert findings == _check(editor, p["id"])


def test_sort_findings_keeps_each_rules_order() -> None:
    def finding(rule: str, severity: Severity, n: int) -> Finding:
        subject = Subject(type="body", id=uuid.UUID(int=n))
        return Finding(rule=rule, severity=severity, message=str(n), action="", subject=subject)

    unsorted = [
        finding("report-overdue", Severity.info, 1),
        finding("liaison-missing", Severity.warning, 2),
        finding("board-missing", Severity.error, 3),
        finding("escalation-overdue", Severity.warning, 4),
        finding("liaison-missing", Severity.warning, 5),
    ]
    assert [f.message for f in sort_findings(unsorted)] == ["3", "4", "2", "5", "1"]


def test_unknown_plan_is_404(reader: ApiClient) -> None:
    assert_problem(reader.get(f"/api/v1/plans/{uuid.uuid4()}/governance-check"), 404)


def test_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, db: DbSession, count_queries: QueryCounter
) -> None:
    small = _healthy(editor, db)
    large = _healthy(editor, db)
    for i in range(10):
        group = body(
            editor,
            large["plan"]["id"],
            "working_group",
            name=f"G{i}",
            reports_to_id=large["board"]["id"],
        )
        member(editor, group["id"], contact(db, f"P{i}"))
    count_queries.count = 0
    _check(reader, small["plan"]["id"])
    small_count = count_queries.count
    count_queries.count = 0
    assert len(_check(reader, large["plan"]["id"])) == 10  # liaison-missing per new group
    assert count_queries.count == small_count, count_queries.statements
