"""The organisation chart: `GET /api/v1/plans/{id}/structure`."""

import uuid
from typing import Any

from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.governance.factories import body, contact, housing, member, plan
from tests.helpers import assert_problem, municipality


def _varde(editor: ApiClient, db: DbSession) -> dict[str, Any]:
    varde = municipality(editor, "Varde Kommune", "573")
    vestkyst = housing(editor, "Vestkystens Boligselskab")
    p = plan(editor, varde["id"], name="Helhedsplan Varde", partner_ids=[vestkyst["id"]])
    board = body(editor, p["id"], "board", name="Bestyrelsen")
    group = body(
        editor,
        p["id"],
        "steering_group",
        name="Styregruppen",
        reports_to_id=board["id"],
        agenda_format="trouble_and_success",
    )
    director = contact(db, "Dorthe", "Dam", varde["id"], "Direktør for Social og Sundhed")
    chief = contact(db, "Carl", "Clausen", varde["id"], "Skolechef")
    housing_director = contact(db, "Henrik", "Holm", vestkyst["id"], "Direktør")
    former = contact(db, "Frede", "Fisker", varde["id"])
    member(editor, board["id"], director, role="chair", on_behalf_of_id=varde["id"])
    member(editor, board["id"], housing_director, on_behalf_of_id=vestkyst["id"])
    member(editor, board["id"], former, start_date="2019-01-01", end_date="2020-12-31")
    member(editor, board["id"], chief, start_date="2999-01-01")  # not yet
    member(editor, group["id"], director, role="liaison")
    member(editor, group["id"], chief, role="chair")
    return {
        "plan": p,
        "board": board,
        "group": group,
        "director": director,
        "chief": chief,
        "housing_director": housing_director,
        "varde": varde,
        "vestkyst": vestkyst,
    }


def test_structure_shape(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    world = _varde(editor, db)
    response = reader.get(f"/api/v1/plans/{world['plan']['id']}/structure")
    assert response.status_code == 200, response.text
    assert response.headers["etag"]
    doc = response.json()
    assert doc["plan"] == world["plan"]
    assert [b["name"] for b in doc["bodies"]] == ["Bestyrelsen", "Styregruppen"]
    board, group = doc["bodies"]
    assert board == {
        "id": world["board"]["id"],
        "kind": "board",
        "name": "Bestyrelsen",
        "reports_to_id": None,
        "members": [
            {
                "contact_id": str(world["director"]),
                "display_name": "Dorthe Dam",
                "job_title": "Direktør for Social og Sundhed",
                "organization_name": "Varde Kommune",
                "role": "chair",
                "on_behalf_of_id": world["varde"]["id"],
            },
            {
                "contact_id": str(world["housing_director"]),
                "display_name": "Henrik Holm",
                "job_title": "Direktør",
                "organization_name": "Vestkystens Boligselskab",
                "role": "member",
                "on_behalf_of_id": world["vestkyst"]["id"],
            },
        ],
        "liaisons": [],
    }
    assert group["reports_to_id"] == world["board"]["id"]
    assert [(m["display_name"], m["role"]) for m in group["members"]] == [
        ("Carl Clausen", "chair"),
        ("Dorthe Dam", "liaison"),
    ]
    assert group["liaisons"] == [
        {
            "contact_id": str(world["director"]),
            "display_name": "Dorthe Dam",
            "to_body_id": world["board"]["id"],
        }
    ]


def test_someone_in_both_bodies_is_a_liaison(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    group = body(editor, p["id"], "steering_group", reports_to_id=board["id"])
    both = contact(db, "Bente", "Begge")
    member(editor, board["id"], both)
    member(editor, group["id"], both)
    member(editor, group["id"], contact(db, "Kun", "Gruppe"))
    doc = editor.get(f"/api/v1/plans/{p['id']}/structure").json()
    group_doc = next(b for b in doc["bodies"] if b["id"] == group["id"])
    assert [(x["contact_id"], x["to_body_id"]) for x in group_doc["liaisons"]] == [
        (str(both), board["id"])
    ]


def test_inactive_bodies_and_past_members_are_left_out(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    body(editor, p["id"], "working_group", name="Nedlagt", active=False)
    member(editor, board["id"], contact(db), end_date="2020-01-01")
    doc = editor.get(f"/api/v1/plans/{p['id']}/structure").json()
    assert [b["id"] for b in doc["bodies"]] == [board["id"]]
    assert doc["bodies"][0]["members"] == []


def test_unknown_plan_is_404(reader: ApiClient) -> None:
    assert_problem(reader.get(f"/api/v1/plans/{uuid.uuid4()}/structure"), 404)


def _grow(editor: ApiClient, db: DbSession, plan_id: str, parent_id: str, n: int) -> None:
    for i in range(n):
        group = body(editor, plan_id, "working_group", name=f"Gruppe {i}", reports_to_id=parent_id)
        for j in range(3):
            member(editor, group["id"], contact(db, f"P{i}", f"M{j}"))


def test_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, db: DbSession, count_queries: QueryCounter
) -> None:
    small = _varde(editor, db)
    large = plan(editor, name="Stor plan")
    large_board = body(editor, large["id"], "board")
    _grow(editor, db, large["id"], large_board["id"], 12)
    count_queries.count = 0
    reader.get(f"/api/v1/plans/{small['plan']['id']}/structure")
    small_count = count_queries.count
    count_queries.count = 0
    doc = reader.get(f"/api/v1/plans/{large['id']}/structure").json()
    assert len(doc["bodies"]) == 13
    assert sum(len(b["members"]) for b in doc["bodies"]) == 36
    assert count_queries.count == small_count
    assert small_count <= 5, count_queries.statements


def test_a_secretary_serving_both_bodies_is_no_liaison(editor: ApiClient, db: DbSession) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    group = body(editor, p["id"], "steering_group", reports_to_id=board["id"])
    lead = contact(db, "Line", "Leder")
    member(editor, board["id"], lead, role="secretary")
    member(editor, group["id"], lead, role="secretary")
    doc = editor.get(f"/api/v1/plans/{p['id']}/structure").json()
    group_doc = next(b for b in doc["bodies"] if b["id"] == group["id"])
    assert group_doc["liaisons"] == []
    assert [m["role"] for m in group_doc["members"]] == ["secretary"]


def test_an_erased_member_shows_as_erased(
    editor: ApiClient, admin: ApiClient, db: DbSession
) -> None:
    p = plan(editor)
    board = body(editor, p["id"], "board")
    anna = contact(db, "Anna", "Berg", job_title="Direktør")
    member(editor, board["id"], anna, role="chair")
    assert admin.post(f"/api/v1/contacts/{anna}/erase").status_code == 200
    doc = editor.get(f"/api/v1/plans/{p['id']}/structure").json()
    (seat,) = doc["bodies"][0]["members"]
    assert seat["contact_id"] == str(anna)
    assert seat["display_name"] == "Slettet kontakt"
    assert seat["job_title"] is None
