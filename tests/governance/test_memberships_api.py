"""Memberships through the API: references, periods, overlaps, filters."""

import uuid

from sqlalchemy import select

from app.changes.models import Change
from app.governance.models import Membership
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.governance.factories import body, contact, housing, member, plan
from tests.helpers import assert_problem


def _board(editor: ApiClient) -> dict[str, object]:
    return body(editor, plan(editor)["id"], "board", name="Bestyrelsen")


def test_create_get_and_list(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    gudenaa = housing(editor)
    anna = contact(db, "Anna", "Berg", gudenaa["id"])
    created = member(
        editor,
        str(board["id"]),
        anna,
        role="chair",
        on_behalf_of_id=gudenaa["id"],
        start_date="2024-01-01",
        note="Formand fra 2024",
    )
    assert created["body_id"] == board["id"]
    assert created["contact_id"] == str(anna)
    assert created["role"] == "chair"
    assert created["voting_right"] is True
    assert created["end_date"] is None
    got = reader.get(f"/api/v1/memberships/{created['id']}")
    assert got.status_code == 200 and got.json() == created
    listing = reader.get(f"/api/v1/bodies/{board['id']}/memberships").json()
    assert listing["items"] == [created] and listing["total"] == 1
    row = db.get(Membership, uuid.UUID(created["id"]))
    assert row is not None and row.on_behalf_of_id == uuid.UUID(gudenaa["id"])


def test_create_answers_location(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    response = editor.post(
        f"/api/v1/bodies/{board['id']}/memberships", json={"contact_id": str(contact(db))}
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/memberships/{response.json()['id']}"
    assert response.json()["role"] == "member"


def test_voting_right_defaults_by_role(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    secretary = member(editor, str(board["id"]), contact(db, "Sara"), role="secretary")
    observer = member(editor, str(board["id"]), contact(db, "Ole"), role="observer")
    voting_observer = member(
        editor, str(board["id"]), contact(db, "Vera"), role="observer", voting_right=True
    )
    assert (secretary["voting_right"], observer["voting_right"]) == (False, False)
    assert voting_observer["voting_right"] is True


def test_references_must_exist(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    url = f"/api/v1/bodies/{board['id']}/memberships"
    anna = str(contact(db))
    nothing = str(uuid.uuid4())
    for field, payload in (
        ("contact_id", {"contact_id": nothing}),
        ("on_behalf_of_id", {"contact_id": anna, "on_behalf_of_id": nothing}),
        ("substitute_for_id", {"contact_id": anna, "substitute_for_id": nothing}),
        ("substitute_for_id", {"contact_id": anna, "substitute_for_id": anna}),
    ):
        problem = assert_problem(editor.post(url, json=payload), 422)
        assert problem["errors"][0]["loc"] == ["body", field]
    created = member(editor, str(board["id"]), anna)
    response = editor.patch(f"/api/v1/memberships/{created['id']}", json={"contact_id": nothing})
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "contact_id"]
    assert db.scalar(select(Membership.contact_id)) == uuid.UUID(anna)


def test_substitute_for_another_member(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    anna, bo = contact(db, "Anna"), contact(db, "Bo")
    sub = member(editor, str(board["id"]), bo, role="substitute", substitute_for_id=str(anna))
    assert sub["substitute_for_id"] == str(anna)
    assert sub["voting_right"] is False


def test_end_not_before_start(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    url = f"/api/v1/bodies/{board['id']}/memberships"
    payload = {"contact_id": str(contact(db)), "start_date": "2024-05-01", "end_date": "2024-04-30"}
    assert assert_problem(editor.post(url, json=payload), 422)["errors"][0]["loc"] == [
        "body",
        "end_date",
    ]
    one_day = member(
        editor, str(board["id"]), contact(db, "Bo"), start_date="2024-05-01", end_date="2024-05-01"
    )
    assert one_day["end_date"] == "2024-05-01"


def test_same_role_twice_over_overlapping_dates_is_409(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    bid = str(board["id"])
    url = f"/api/v1/bodies/{bid}/memberships"
    anna = str(contact(db))
    first = member(editor, bid, anna, start_date="2022-01-01", end_date="2023-12-31")
    for period in (
        {},  # open on both ends overlaps everything
        {"start_date": "2023-12-31"},
        {"start_date": "2021-01-01", "end_date": "2022-01-01"},
        {"end_date": "2022-06-30"},
    ):
        response = editor.post(url, json={"contact_id": anna, **period})
        assert_problem(response, 409)
    assert db.scalar(select(Membership.id).where(Membership.id != uuid.UUID(first["id"]))) is None
    # the next period, another role in the same body, or another body are fine
    member(editor, bid, anna, start_date="2024-01-01")
    member(editor, bid, anna, role="liaison", start_date="2022-06-01")
    group = body(editor, str(board["plan_id"]), "steering_group")
    member(editor, str(group["id"]), anna)
    # moving a seat into an overlap by PATCH is refused too
    response = editor.patch(f"/api/v1/memberships/{first['id']}", json={"end_date": None})
    assert_problem(response, 409)


def test_patch_changes_only_sent_fields(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    created = member(editor, str(board["id"]), contact(db), note="Ny", start_date="2024-01-01")
    response = editor.patch(
        f"/api/v1/memberships/{created['id']}", json={"end_date": "2025-06-30", "role": "chair"}
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["end_date"], patched["role"], patched["note"]) == ("2025-06-30", "chair", "Ny")
    for field in ("contact_id", "role", "voting_right"):
        response = editor.patch(f"/api/v1/memberships/{created['id']}", json={field: None})
        assert_problem(response, 422)
    response = editor.patch(
        f"/api/v1/memberships/{created['id']}", json={"body_id": str(uuid.uuid4())}
    )
    assert_problem(response, 422)


def test_filters_and_order(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    bid = str(board["id"])
    old = member(editor, bid, contact(db, "Gammel"), start_date="2019-01-01", end_date="2021-12-31")
    undated = member(editor, bid, contact(db, "Altid"), role="secretary")
    chair = member(editor, bid, contact(db, "Formand"), role="chair", start_date="2022-01-01")
    future = member(editor, bid, contact(db, "Ny"), start_date="2030-01-01")

    def ids(**params: str) -> list[str]:
        response = reader.get(f"/api/v1/bodies/{bid}/memberships", params=params)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert ids() == [undated["id"], old["id"], chair["id"], future["id"]]
    assert ids(active_on="2021-12-31") == [undated["id"], old["id"]]
    assert ids(active_on="2025-03-01") == [undated["id"], chair["id"]]
    assert ids(role="chair") == [chair["id"]]
    assert ids(active_on="2025-03-01", role="secretary") == [undated["id"]]
    for bad in ({"active_on": "20"}, {"active_on": "yesterday"}, {"role": "king"}):
        assert_problem(reader.get(f"/api/v1/bodies/{bid}/memberships", params=bad), 422)
    assert_problem(reader.get(f"/api/v1/bodies/{uuid.uuid4()}/memberships"), 404)


def test_delete(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    created = member(editor, str(board["id"]), contact(db))
    assert editor.delete(f"/api/v1/memberships/{created['id']}").status_code == 204
    assert_problem(editor.get(f"/api/v1/memberships/{created['id']}"), 404)
    assert db.scalar(select(Membership.id)) is None


def test_contact_with_memberships_cannot_be_deleted(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    anna = contact(db)
    member(editor, str(board["id"]), anna)
    response = editor.delete(f"/api/v1/contacts/{anna}")
    assert_problem(response, 409)


def test_reader_cannot_write(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    anna = contact(db)
    created = member(editor, str(board["id"]), anna)
    url = f"/api/v1/bodies/{board['id']}/memberships"
    assert_problem(reader.post(url, json={"contact_id": str(anna)}), 403)
    assert_problem(reader.patch(f"/api/v1/memberships/{created['id']}", json={"note": "x"}), 403)
    assert_problem(reader.delete(f"/api/v1/memberships/{created['id']}"), 403)


def test_etags(editor: ApiClient, db: DbSession) -> None:
    created = member(editor, str(_board(editor)["id"]), contact(db))
    url = f"/api/v1/memberships/{created['id']}"
    etag = editor.get(url).headers["etag"]
    assert editor.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(editor.patch(url, json={"note": "x"}, headers={"If-Match": '"old"'}), 412)
    assert_problem(editor.delete(url, headers={"If-Match": '"old"'}), 412)
    assert editor.delete(url, headers={"If-Match": etag}).status_code == 204


def test_writes_are_logged_with_the_plan(editor: ApiClient, db: DbSession) -> None:
    board = _board(editor)
    created = member(editor, str(board["id"]), contact(db))
    editor.patch(f"/api/v1/memberships/{created['id']}", json={"note": "n", "role": "member"})
    editor.delete(f"/api/v1/memberships/{created['id']}")
    entries = db.execute(
        select(Change.action, Change.changed_fields, Change.plan_id)
        .where(Change.resource == "membership")
        .order_by(Change.seq)
    ).all()
    assert [e.action for e in entries] == ["created", "updated", "deleted"]
    assert entries[1].changed_fields == ["note"]
    assert {e.plan_id for e in entries} == {uuid.UUID(str(board["plan_id"]))}


def test_list_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, db: DbSession, count_queries: QueryCounter
) -> None:
    board = _board(editor)
    url = f"/api/v1/bodies/{board['id']}/memberships"
    member(editor, str(board["id"]), contact(db))
    count_queries.count = 0
    reader.get(url)
    few = count_queries.count
    for i in range(8):
        member(editor, str(board["id"]), contact(db, f"Person {i}"))
    count_queries.count = 0
    assert reader.get(url).json()["total"] == 9
    assert count_queries.count == few
