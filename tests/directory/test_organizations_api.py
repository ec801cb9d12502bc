"""Organizations through the API: the foundation's example resource."""

from sqlalchemy import select

from app.changes.models import Change
from app.directory.models import Contact, Organization
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem, create, municipality, organization

VALID_CVR = "29100888"
OTHER_VALID_CVR = "29101221"


def test_create_get_and_list(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    created = municipality(editor)
    assert created["name"] == "Randers Kommune"
    assert created["municipality_code"] == "730"
    assert created["archived"] is False
    assert created["created_at"].endswith(("Z", "+00:00"))

    got = reader.get(f"/api/v1/organizations/{created['id']}")
    assert got.status_code == 200
    assert got.json() == created
    assert got.headers["etag"].startswith('"')

    row = db.get(Organization, __import__("uuid").UUID(created["id"]))
    assert row is not None and row.kind == "municipality"

    listing = reader.get("/api/v1/organizations").json()
    assert listing["total"] == 1 and listing["limit"] == 50 and listing["offset"] == 0
    assert listing["items"][0]["id"] == created["id"]


def test_create_answers_location(editor: ApiClient) -> None:
    response = editor.post("/api/v1/organizations", json={"name": "A", "kind": "other"})
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/organizations/{response.json()['id']}"


def test_municipality_needs_code(editor: ApiClient) -> None:
    body = assert_problem(
        editor.post(
            "/api/v1/organizations", json={"name": "Varde Kommune", "kind": "municipality"}
        ),
        422,
    )
    assert body["errors"]


def test_municipality_code_is_three_digits(editor: ApiClient) -> None:
    response = editor.post(
        "/api/v1/organizations",
        json={"name": "X", "kind": "municipality", "municipality_code": "7300"},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "municipality_code"]


def test_cvr_must_pass_modulus_11(editor: ApiClient) -> None:
    body = assert_problem(organization_response(editor, cvr="29100889"), 422)
    assert body["errors"][0]["loc"] == ["body", "cvr"]
    assert organization(editor, cvr=VALID_CVR)["cvr"] == VALID_CVR


def organization_response(client: ApiClient, **fields: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/organizations", json={"name": "Org", "kind": "other", **fields})


def test_duplicate_cvr_is_409_and_changes_nothing(editor: ApiClient, db: DbSession) -> None:
    organization(editor, name="First", cvr=VALID_CVR)
    assert_problem(organization_response(editor, name="Second", cvr=VALID_CVR), 409)
    other = organization(editor, name="Third", cvr=OTHER_VALID_CVR)
    assert_problem(
        editor.patch(f"/api/v1/organizations/{other['id']}", json={"cvr": VALID_CVR}), 409
    )
    names = set(db.scalars(select(Organization.name)))
    assert names == {"First", "Third"}


def test_patch_changes_only_sent_fields(editor: ApiClient) -> None:
    org = organization(
        editor, name="Boligforeningen", email="a@example.org", phone="+45 12 34 56 78"
    )
    response = editor.patch(
        f"/api/v1/organizations/{org['id']}", json={"name": "Boligforeningen Ny"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Boligforeningen Ny"
    assert body["email"] == "a@example.org"
    assert body["updated_at"] > org["updated_at"]


def test_patch_refuses_null_for_required_fields(editor: ApiClient) -> None:
    org = organization(editor)
    assert_problem(editor.patch(f"/api/v1/organizations/{org['id']}", json={"name": None}), 422)
    assert_problem(editor.patch(f"/api/v1/organizations/{org['id']}", json={"kind": None}), 422)


def test_turning_into_municipality_needs_code(editor: ApiClient) -> None:
    org = organization(editor)
    body = assert_problem(
        editor.patch(f"/api/v1/organizations/{org['id']}", json={"kind": "municipality"}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "municipality_code"]


def test_parent_must_exist_and_make_no_cycle(editor: ApiClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    body = assert_problem(organization_response(editor, parent_id=missing), 422)
    assert body["errors"][0]["loc"] == ["body", "parent_id"]
    parent = organization(editor, name="Parent")
    child = organization(editor, name="Child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    body = assert_problem(
        editor.patch(f"/api/v1/organizations/{parent['id']}", json={"parent_id": child["id"]}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "parent_id"]


def test_filters(editor: ApiClient, reader: ApiClient) -> None:
    randers = municipality(editor)
    organization(editor, name="Østjyllands Politi", kind="police")
    organization(editor, name="Afdeling Nord", kind="housing_department", parent_id=randers["id"])

    def names(**params: str) -> list[str]:
        return [
            o["name"] for o in reader.get("/api/v1/organizations", params=params).json()["items"]
        ]

    assert names(kind="police") == ["Østjyllands Politi"]
    assert names(q="ØSTJYLL") == ["Østjyllands Politi"]
    assert names(q="politi") == ["Østjyllands Politi"]
    assert names(parent_id=randers["id"]) == ["Afdeling Nord"]
    assert names() == ["Afdeling Nord", "Randers Kommune", "Østjyllands Politi"]
    assert names(q="%") == []


def test_archived_hidden_unless_asked(editor: ApiClient, reader: ApiClient) -> None:
    org = organization(editor, name="Gammel")
    archived = editor.patch(f"/api/v1/organizations/{org['id']}", json={"archived": True})
    assert archived.json()["archived"] is True
    assert reader.get("/api/v1/organizations").json()["total"] == 0
    listed = reader.get("/api/v1/organizations", params={"include_archived": "true"}).json()
    assert [o["id"] for o in listed["items"]] == [org["id"]]
    assert reader.get(f"/api/v1/organizations/{org['id']}").status_code == 200


def test_delete_unreferenced_then_404(editor: ApiClient, reader: ApiClient) -> None:
    org = organization(editor)
    assert editor.delete(f"/api/v1/organizations/{org['id']}").status_code == 204
    assert_problem(reader.get(f"/api/v1/organizations/{org['id']}"), 404)


def test_delete_referenced_is_409(editor: ApiClient, db: DbSession) -> None:
    parent = organization(editor, name="Parent")
    organization(editor, name="Child", parent_id=parent["id"])
    body = assert_problem(editor.delete(f"/api/v1/organizations/{parent['id']}"), 409)
    assert "archive" in body["detail"]
    # a contact refers to it as well, through the database's own constraint
    other = organization(editor, name="Employer")
    db.add(
        Contact(
            given_name="Anna",
            family_name="Berg",
            organization_id=__import__("uuid").UUID(other["id"]),
        )
    )
    db.commit()
    assert_problem(editor.delete(f"/api/v1/organizations/{other['id']}"), 409)
    assert editor.get(f"/api/v1/organizations/{other['id']}").status_code == 200


def test_reader_cannot_write(reader: ApiClient) -> None:
    assert_problem(reader.post("/api/v1/organizations", json={"name": "X", "kind": "other"}), 403)


def test_writes_are_in_the_change_log(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    org = organization(editor, name="Logget", email="x@example.org")
    editor.patch(
        f"/api/v1/organizations/{org['id']}", json={"name": "Logget 2", "email": "x@example.org"}
    )
    editor.delete(f"/api/v1/organizations/{org['id']}")
    entries = reader.get("/api/v1/changes").json()["items"]
    assert [(e["resource"], e["action"]) for e in entries] == [
        ("organization", "created"),
        ("organization", "updated"),
        ("organization", "deleted"),
    ]
    assert entries[0]["actor"] == "editor"
    assert entries[1]["changed_fields"] == ["name"]
    assert "Logget" not in str(entries)
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    after = reader.get("/api/v1/changes", params={"after": seqs[0]}).json()
    assert [e["seq"] for e in after["items"]] == seqs[1:]
    assert db.scalar(select(Change.resource_id).where(Change.seq == seqs[0])) is not None


def test_create_via_helper_roundtrip(editor: ApiClient) -> None:
    created = create(editor, "/api/v1/organizations", {"name": "Helper", "kind": "institution"})
    assert created["kind"] == "institution"
