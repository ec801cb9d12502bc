"""Follow-ups (actions) through the API: fields, origins, status, lists, filters, the
"Opfølgning" item, authorisation, plan scope, change log, query counts."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.meetings.models import Action
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient, db: DbSession) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    meeting = f.meeting(editor, board["id"], 0)
    return {
        "plan": plan,
        "board": board,
        "meeting": meeting,
        "anna": f.contact(db, "Anna", "Berg"),
        "bo": f.contact(db, "Bo", "Holm"),
    }


def _action(client: ApiClient, body_id: str, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/actions", json={"body_id": body_id, "title": "Undersøg lokaler", **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_get_patch_delete(editor: ApiClient, org: dict[str, Any], db: DbSession) -> None:
    response = editor.post(
        "/api/v1/actions",
        json={
            "body_id": org["board"]["id"],
            "title": "Indhent tilbud på lektiecafé",
            "owner_id": str(org["anna"]),
            "due_date": "2030-02-01",
            "meeting_id": org["meeting"]["id"],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/actions/{created['id']}"
    assert created["status"] == "open" and created["closed_at"] is None
    assert created["due_date"] == "2030-02-01"
    got = editor.get(f"/api/v1/actions/{created['id']}")
    assert got.json() == created and got.headers["etag"] == response.headers["etag"]
    # stale If-Match → 412; done closes it
    url = f"/api/v1/actions/{created['id']}"
    assert_problem(editor.patch(url, json={"status": "done"}, headers={"If-Match": '"x"'}), 412)
    done = editor.patch(url, json={"status": "done"}, headers={"If-Match": got.headers["etag"]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["closed_at"] is not None
    reopened = editor.patch(url, json={"status": "open"}).json()
    assert reopened["closed_at"] is None
    assert editor.delete(url).status_code == 204
    assert_problem(editor.get(url), 404)
    assert db.get(Action, uuid.UUID(created["id"])) is None
    logged = db.scalars(
        select(Change.action)
        .where(Change.resource_id == uuid.UUID(created["id"]))
        .order_by(Change.seq)
    )
    assert list(logged) == ["created", "updated", "updated", "deleted"]


def test_references_are_checked(editor: ApiClient, org: dict[str, Any]) -> None:
    other = f.body(editor, org["plan"]["id"], "steering_group", name="Styregruppen")
    foreign_meeting = f.meeting(editor, other["id"], 3)
    cases = [
        ({"body_id": str(uuid.uuid4())}, "body_id"),
        ({"owner_id": str(uuid.uuid4())}, "owner_id"),
        ({"meeting_id": foreign_meeting["id"]}, "meeting_id"),
        ({"agenda_item_id": str(uuid.uuid4())}, "agenda_item_id"),
        ({"decision_id": str(uuid.uuid4())}, "decision_id"),
    ]
    for fields, loc in cases:
        payload = {"body_id": org["board"]["id"], "title": "x", **fields}
        body = assert_problem(editor.post("/api/v1/actions", json=payload), 422)
        assert body["errors"][0]["loc"] == ["body", loc], body
    assert_problem(
        editor.post(
            "/api/v1/actions",
            json={"body_id": org["board"]["id"], "title": "x", "due_date": "1. februar"},
        ),
        422,
    )
    assert_problem(
        editor.post(
            "/api/v1/actions", json={"body_id": org["board"]["id"], "title": "x", "status": "w"}
        ),
        422,
    )
    decision = f.decision(editor, org["board"]["id"], meeting_id=org["meeting"]["id"])
    made = _action(editor, org["board"]["id"], decision_id=decision["id"])
    assert made["decision_id"] == decision["id"]
    assert_problem(
        editor.patch(f"/api/v1/actions/{made['id']}", json={"owner_id": str(uuid.uuid4())}), 422
    )
    assert_problem(editor.patch(f"/api/v1/actions/{made['id']}", json={"title": None}), 422)


def test_lists_filter_and_order(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    board = org["board"]["id"]
    late = _action(editor, board, title="Sent", due_date="2030-03-01", owner_id=str(org["anna"]))
    undated = _action(editor, board, title="Udateret", owner_id=str(org["anna"]))
    early = _action(editor, board, title="Tidligt", due_date="2030-01-15", owner_id=str(org["bo"]))
    closed = _action(editor, board, title="Lukket", due_date="2030-01-20", status="dropped")

    def ids(path: str, **params: str) -> list[str]:
        response = reader.get(path, params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    body_path = f"/api/v1/bodies/{board}/actions"
    assert ids(body_path) == [early["id"], closed["id"], late["id"], undated["id"]]
    assert ids(body_path, status="open") == [early["id"], late["id"], undated["id"]]
    assert ids(body_path, due_to="2030-01-31") == [early["id"], closed["id"]]
    assert ids(body_path, due_from="2030-01-16", due_to="2030-03-01") == [
        closed["id"],
        late["id"],
    ]
    assert ids(body_path, owner_id=str(org["bo"])) == [early["id"]]
    # the plan-wide list: the same order; filters by plan and body
    assert ids("/api/v1/actions", plan_id=org["plan"]["id"]) == ids(body_path)
    assert ids("/api/v1/actions", plan_id=str(uuid.uuid4())) == []
    assert ids("/api/v1/actions", body_id=board, status="dropped") == [closed["id"]]
    anna_path = f"/api/v1/contacts/{org['anna']}/actions"
    assert ids(anna_path) == [late["id"], undated["id"]]
    assert ids(anna_path, status="done") == []
    # bad filters and unknown parameters are refused, naming them
    assert_problem(reader.get(body_path, params={"status": "closed"}), 422)
    assert_problem(reader.get(body_path, params={"due_to": "31-01-2030"}), 422)
    for path in (body_path, anna_path, "/api/v1/actions"):
        refused = assert_problem(reader.get(path, params={"due_before": "2030-01-01"}), 422)
        assert "due_before" in refused["detail"]
    assert_problem(reader.get(f"/api/v1/bodies/{uuid.uuid4()}/actions"), 404)
    assert_problem(reader.get(f"/api/v1/contacts/{uuid.uuid4()}/actions"), 404)
    paged = reader.get(body_path, params={"limit": 1})
    assert paged.json()["total"] == 4 and 'rel="next"' in paged.headers["link"]


def test_lists_run_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], count_queries: Any
) -> None:
    board = org["board"]["id"]
    _action(editor, board, owner_id=str(org["anna"]))
    paths = [
        f"/api/v1/bodies/{board}/actions",
        f"/api/v1/contacts/{org['anna']}/actions",
        f"/api/v1/actions?plan_id={org['plan']['id']}",
    ]
    few = []
    for path in paths:
        reader.get(path)
        count_queries.count = 0
        reader.get(path)
        few.append(count_queries.count)
    for n in range(12):
        _action(editor, board, title=f"Punkt {n}", owner_id=str(org["anna"]))
    for path, expected in zip(paths, few, strict=True):
        count_queries.count = 0
        assert reader.get(path).json()["total"] == 13
        assert count_queries.count == expected


def test_authorisation_and_plan_scope(
    editor: ApiClient,
    reader: ApiClient,
    org: dict[str, Any],
    make_key: Any,
    client_for: Any,
    anon: ApiClient,
) -> None:
    made = _action(editor, org["board"]["id"], owner_id=str(org["anna"]))
    url = f"/api/v1/actions/{made['id']}"
    payload = {"body_id": org["board"]["id"], "title": "x"}
    assert_problem(reader.post("/api/v1/actions", json=payload), 403)
    assert_problem(reader.patch(url, json={"status": "done"}), 403)
    assert_problem(reader.delete(url), 403)
    assert_problem(anon.get(url), 401)
    assert_problem(anon.get(f"/api/v1/bodies/{org['board']['id']}/actions"), 401)
    other_plan = f.plan(editor, name="Anden plan")
    limited: ApiClient = client_for(
        make_key(Role.editor, "other-plan", [uuid.UUID(other_plan["id"])])
    )
    assert_problem(limited.get(url), 404)
    assert_problem(limited.patch(url, json={"status": "done"}), 404)
    assert_problem(limited.delete(url), 404)
    refused = assert_problem(limited.post("/api/v1/actions", json=payload), 422)
    assert refused["errors"][0]["loc"] == ["body", "body_id"]
    # the contact is shared, its actions in other plans are not shown
    listed = limited.get(f"/api/v1/contacts/{org['anna']}/actions")
    assert listed.status_code == 200 and listed.json()["total"] == 0
    assert limited.get("/api/v1/actions").json()["total"] == 0
    assert reader.get("/api/v1/actions").json()["total"] >= 1
    assert editor.get(url).json()["status"] == "open"


def test_the_follow_up_item_lists_open_actions(editor: ApiClient, org: dict[str, Any]) -> None:
    mid = org["meeting"]["id"]
    added = editor.post(f"/api/v1/meetings/{mid}/agenda-draft")
    assert added.status_code == 201, added.text
    item = next(i for i in added.json()["items"] if i["topic"] == "follow_up")
    assert item["title"] == "Opfølgning"
    assert item["description"] == "Ingen åbne opfølgningspunkter."
    made = _action(
        editor,
        org["board"]["id"],
        title="Ring til politiet",
        owner_id=str(org["anna"]),
        due_date="2030-01-31",
    )
    got = editor.get(f"/api/v1/agenda-items/{item['id']}").json()
    assert (
        got["description"] == "- Ring til politiet (ansvarlig: Anna Berg, frist: 31. januar 2030)"
    )
    editor.patch(f"/api/v1/actions/{made['id']}", json={"status": "done"})
    got = editor.get(f"/api/v1/agenda-items/{item['id']}").json()
    assert got["description"] == "Ingen åbne opfølgningspunkter."
