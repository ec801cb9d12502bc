"""Bodies through the API: one board per plan, reporting lines, rotations."""

import uuid

from sqlalchemy import select

from app.changes.models import Change
from app.governance.models import Body
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.governance.factories import body, contact, member, plan
from tests.helpers import assert_problem


def test_create_get_and_list(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    created = body(
        editor,
        p["id"],
        "board",
        name="Bestyrelsen",
        mandate="Træffer de store beslutninger.",
        meeting_rotation=["plan_review", "urban_development"],
    )
    assert created["plan_id"] == p["id"]
    assert created["meeting_rotation"] == ["plan_review", "urban_development"]
    assert created["agenda_format"] == "standard"
    assert created["active"] is True
    assert created["reports_to_id"] is None
    got = reader.get(f"/api/v1/bodies/{created['id']}")
    assert got.status_code == 200 and got.json() == created
    assert reader.get("/api/v1/bodies").json()["items"] == [created]
    row = db.get(Body, uuid.UUID(created["id"]))
    assert row is not None and row.meeting_rotation == ["plan_review", "urban_development"]


def test_create_answers_location(editor: ApiClient) -> None:
    p = plan(editor)
    response = editor.post(
        "/api/v1/bodies", json={"plan_id": p["id"], "kind": "other", "name": "Netværk"}
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/bodies/{response.json()['id']}"


def test_rotation_defaults_by_kind(editor: ApiClient) -> None:
    p = plan(editor)
    assert body(editor, p["id"], "board")["meeting_rotation"] == ["plan_review"]
    for kind in ("steering_group", "working_group", "follow_up_group", "secretariat", "other"):
        assert body(editor, p["id"], kind)["meeting_rotation"] == ["regular"]


def test_rotation_is_a_non_empty_list_of_modes(editor: ApiClient) -> None:
    p = plan(editor)
    for rotation in ([], ["weekly"], "plan_review"):
        response = editor.post(
            "/api/v1/bodies",
            json={"plan_id": p["id"], "kind": "board", "name": "B", "meeting_rotation": rotation},
        )
        assert assert_problem(response, 422)["errors"][0]["loc"][:2] == ["body", "meeting_rotation"]
    board = body(editor, p["id"])
    response = editor.patch(f"/api/v1/bodies/{board['id']}", json={"meeting_rotation": []})
    assert_problem(response, 422)
    response = editor.patch(f"/api/v1/bodies/{board['id']}", json={"meeting_rotation": None})
    assert_problem(response, 422)
    response = editor.patch(
        f"/api/v1/bodies/{board['id']}",
        json={"meeting_rotation": ["plan_review", "urban_development"]},
    )
    assert response.json()["meeting_rotation"] == ["plan_review", "urban_development"]


def test_plan_must_exist(editor: ApiClient) -> None:
    response = editor.post(
        "/api/v1/bodies", json={"plan_id": str(uuid.uuid4()), "kind": "board", "name": "B"}
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "plan_id"]


def test_single_active_board_per_plan(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    first = body(editor, p["id"], "board", name="Bestyrelsen")
    response = editor.post(
        "/api/v1/bodies", json={"plan_id": p["id"], "kind": "board", "name": "Bestyrelse 2"}
    )
    problem = assert_problem(response, 409, "rule-violation")
    assert problem["rule"] == "single-board"
    assert db.scalars(select(Body.name)).all() == ["Bestyrelsen"]
    # an inactive second board is fine, and cannot be activated while the first is active
    second = body(editor, p["id"], "board", name="Gammel bestyrelse", active=False)
    response = editor.patch(f"/api/v1/bodies/{second['id']}", json={"active": True})
    assert assert_problem(response, 409)["rule"] == "single-board"
    # nor can another body turn into a board
    group = body(editor, p["id"], "steering_group")
    response = editor.patch(f"/api/v1/bodies/{group['id']}", json={"kind": "board"})
    assert assert_problem(response, 409)["rule"] == "single-board"
    # once the first is deactivated, the second may take over
    editor.patch(f"/api/v1/bodies/{first['id']}", json={"active": False})
    response = editor.patch(f"/api/v1/bodies/{second['id']}", json={"active": True})
    assert response.status_code == 200, response.text
    # another plan has its own board
    assert body(editor, plan(editor)["id"], "board")["kind"] == "board"


def test_reports_to_a_body_of_the_same_plan(editor: ApiClient) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    group = body(editor, p["id"], "steering_group", reports_to_id=board["id"])
    assert group["reports_to_id"] == board["id"]
    foreign = body(editor, plan(editor)["id"], "board")
    for target in (foreign["id"], str(uuid.uuid4())):
        response = editor.post(
            "/api/v1/bodies",
            json={
                "plan_id": p["id"],
                "kind": "working_group",
                "name": "W",
                "reports_to_id": target,
            },
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "reports_to_id"]


def test_reporting_lines_make_no_cycle(editor: ApiClient) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    group = body(editor, p["id"], "steering_group", reports_to_id=board["id"])
    work = body(editor, p["id"], "working_group", reports_to_id=group["id"])
    for target, source in ((work, board), (group, group)):
        response = editor.patch(
            f"/api/v1/bodies/{source['id']}", json={"reports_to_id": target["id"]}
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "reports_to_id"]
    # moving a body elsewhere in the tree is fine, and so is reporting to none
    response = editor.patch(f"/api/v1/bodies/{work['id']}", json={"reports_to_id": board["id"]})
    assert response.json()["reports_to_id"] == board["id"]
    response = editor.patch(f"/api/v1/bodies/{work['id']}", json={"reports_to_id": None})
    assert response.json()["reports_to_id"] is None


def test_plan_cannot_change(editor: ApiClient) -> None:
    p = plan(editor)
    board = body(editor, p["id"])
    other = plan(editor)
    response = editor.patch(f"/api/v1/bodies/{board['id']}", json={"plan_id": other["id"]})
    assert_problem(response, 422)


def test_filters_and_order(editor: ApiClient, reader: ApiClient) -> None:
    p = plan(editor)
    q = plan(editor)
    body(editor, p["id"], "steering_group", name="Styregruppen")
    body(editor, p["id"], "board", name="bestyrelsen")
    body(editor, q["id"], "board", name="Åbestyrelsen")
    body(editor, q["id"], "working_group", name="Arbejdsgruppe", active=False)

    def names(**params: str) -> list[str]:
        return [b["name"] for b in reader.get("/api/v1/bodies", params=params).json()["items"]]

    assert names() == ["Arbejdsgruppe", "bestyrelsen", "Styregruppen", "Åbestyrelsen"]
    assert names(plan_id=p["id"]) == ["bestyrelsen", "Styregruppen"]
    assert names(kind="board") == ["bestyrelsen", "Åbestyrelsen"]
    assert names(active="false") == ["Arbejdsgruppe"]
    assert_problem(reader.get("/api/v1/bodies", params={"kind": "committee"}), 422)


def test_delete_unreferenced_body(editor: ApiClient) -> None:
    board = body(editor, plan(editor)["id"])
    assert editor.delete(f"/api/v1/bodies/{board['id']}").status_code == 204
    assert_problem(editor.get(f"/api/v1/bodies/{board['id']}"), 404)


def test_delete_referenced_body_is_409(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    board = body(editor, p["id"])
    group = body(editor, p["id"], "steering_group", reports_to_id=board["id"])
    body_ = assert_problem(editor.delete(f"/api/v1/bodies/{board['id']}"), 409)
    assert "active: false" in body_["detail"]
    member(editor, group["id"], contact(db))
    assert_problem(editor.delete(f"/api/v1/bodies/{group['id']}"), 409)
    assert db.get(Body, uuid.UUID(group["id"])) is not None


def test_reader_cannot_write(editor: ApiClient, reader: ApiClient) -> None:
    p = plan(editor)
    board = body(editor, p["id"])
    payload = {"plan_id": p["id"], "kind": "other", "name": "X"}
    assert_problem(reader.post("/api/v1/bodies", json=payload), 403)
    assert_problem(reader.patch(f"/api/v1/bodies/{board['id']}", json={"name": "X"}), 403)
    assert_problem(reader.delete(f"/api/v1/bodies/{board['id']}"), 403)


def test_etags(editor: ApiClient) -> None:
    board = body(editor, plan(editor)["id"])
    url = f"/api/v1/bodies/{board['id']}"
    etag = editor.get(url).headers["etag"]
    assert editor.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(editor.patch(url, json={"name": "X"}, headers={"If-Match": '"old"'}), 412)
    assert editor.patch(url, json={"name": "X"}, headers={"If-Match": etag}).status_code == 200


def test_writes_are_logged_with_the_plan(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    board = body(editor, p["id"])
    editor.patch(f"/api/v1/bodies/{board['id']}", json={"name": "Bestyrelsen", "active": True})
    editor.delete(f"/api/v1/bodies/{board['id']}")
    entries = db.execute(
        select(Change.action, Change.changed_fields, Change.plan_id)
        .where(Change.resource == "body")
        .order_by(Change.seq)
    ).all()
    assert [e.action for e in entries] == ["created", "updated", "deleted"]
    assert entries[1].changed_fields == ["name"]
    assert {e.plan_id for e in entries} == {uuid.UUID(p["id"])}


def test_list_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, count_queries: QueryCounter
) -> None:
    p = plan(editor)
    body(editor, p["id"])
    count_queries.count = 0
    reader.get("/api/v1/bodies")
    few = count_queries.count
    for i in range(8):
        body(editor, p["id"], "working_group", name=f"Gruppe {i}")
    count_queries.count = 0
    assert reader.get("/api/v1/bodies").json()["total"] == 9
    assert count_queries.count == few
