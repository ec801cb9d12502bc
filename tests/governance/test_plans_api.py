"""Plans through the API."""

import uuid

from sqlalchemy import select

from app.changes.models import Change
from app.governance.models import Plan, PlanPartner
from tests.aio import ApiClient, DbSession
from tests.governance.factories import body, housing, plan
from tests.helpers import assert_problem, municipality, organization

DEFAULT_2019 = [
    {"key": "education_and_life_chances", "name": "Uddannelse og livschancer"},
    {"key": "employment", "name": "Beskæftigelse"},
    {"key": "crime_prevention", "name": "Kriminalitetsforebyggelse"},
    {"key": "cohesion_and_citizenship", "name": "Sammenhængskraft og medborgerskab"},
]


def test_create_get_and_list(editor: ApiClient, reader: ApiClient, db: DbSession) -> None:
    randers = municipality(editor)
    gudenaa = housing(editor)
    created = plan(
        editor,
        randers["id"],
        name="Helhedsplan Randers Nord",
        partner_ids=[gudenaa["id"], gudenaa["id"]],
        areas=["Nordbyen", "Vorup"],
        funding_round="2019-2026",
        period_start="2022-01-01",
        period_end="2025-12-31",
        status="active",
    )
    assert created["municipality_id"] == randers["id"]
    assert created["partner_ids"] == [gudenaa["id"]]
    assert created["areas"] == ["Nordbyen", "Vorup"]
    assert created["status"] == "active"
    assert created["period_end"] == "2025-12-31"
    assert created["focus_areas"] == DEFAULT_2019

    got = reader.get(f"/api/v1/plans/{created['id']}")
    assert got.status_code == 200
    assert got.json() == created
    assert got.headers["etag"].startswith('"')

    listing = reader.get("/api/v1/plans").json()
    assert listing["total"] == 1
    assert listing["items"] == [created]

    row = db.get(Plan, uuid.UUID(created["id"]))
    assert row is not None and row.status == "active"
    links = db.scalars(select(PlanPartner.organization_id)).all()
    assert links == [uuid.UUID(gudenaa["id"])]


def test_create_answers_location_and_defaults(editor: ApiClient) -> None:
    randers = municipality(editor)
    response = editor.post(
        "/api/v1/plans", json={"name": "Ny plan", "municipality_id": randers["id"]}
    )
    assert response.status_code == 201, response.text
    body_ = response.json()
    assert response.headers["location"] == f"/api/v1/plans/{body_['id']}"
    assert body_["status"] == "draft"
    assert body_["partner_ids"] == [] and body_["areas"] == []
    assert body_["focus_areas"] == []  # no funding round, no default list


def test_explicit_focus_areas_are_kept(editor: ApiClient) -> None:
    areas = [{"key": "youth", "name": "Unge"}]
    created = plan(editor, funding_round="2019-2026", focus_areas=areas)
    assert created["focus_areas"] == areas
    assert plan(editor, funding_round="2019-2026", focus_areas=[])["focus_areas"] == []


def test_focus_area_keys_are_unique_codes(editor: ApiClient) -> None:
    randers = municipality(editor)
    for areas in (
        [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}],
        [{"key": "Not A Code", "name": "A"}],
    ):
        response = editor.post(
            "/api/v1/plans",
            json={"name": "P", "municipality_id": randers["id"], "focus_areas": areas},
        )
        body_ = assert_problem(response, 422)
        assert body_["errors"][0]["loc"][:2] == ["body", "focus_areas"]


def test_municipality_must_be_a_municipality(editor: ApiClient, db: DbSession) -> None:
    other = organization(editor, name="Politiet", kind="police")
    body_ = assert_problem(
        editor.post("/api/v1/plans", json={"name": "P", "municipality_id": other["id"]}), 422
    )
    assert body_["errors"][0]["loc"] == ["body", "municipality_id"]
    missing = str(uuid.uuid4())
    body_ = assert_problem(
        editor.post("/api/v1/plans", json={"name": "P", "municipality_id": missing}), 422
    )
    assert body_["errors"][0]["loc"] == ["body", "municipality_id"]
    assert db.scalar(select(Plan.id)) is None


def test_partners_must_exist(editor: ApiClient) -> None:
    randers = municipality(editor)
    response = editor.post(
        "/api/v1/plans",
        json={"name": "P", "municipality_id": randers["id"], "partner_ids": [str(uuid.uuid4())]},
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "partner_ids"]


def test_period_start_before_end(editor: ApiClient) -> None:
    randers = municipality(editor)
    payload = {
        "name": "P",
        "municipality_id": randers["id"],
        "period_start": "2026-01-01",
        "period_end": "2026-01-01",
    }
    body_ = assert_problem(editor.post("/api/v1/plans", json=payload), 422)
    assert body_["errors"][0]["loc"] == ["body", "period_end"]
    created = plan(editor, randers["id"], period_start="2022-01-01", period_end="2026-12-31")
    # PATCH checks the period as it would become
    response = editor.patch(f"/api/v1/plans/{created['id']}", json={"period_start": "2027-01-01"})
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "period_end"]


def test_patch_changes_only_sent_fields(editor: ApiClient, db: DbSession) -> None:
    gudenaa = housing(editor)
    kronjylland = housing(editor, "Boligselskabet Kronjylland")
    created = plan(editor, funding_round="2019-2026", partner_ids=[gudenaa["id"]])
    response = editor.patch(
        f"/api/v1/plans/{created['id']}",
        json={"name": "Omdøbt", "partner_ids": [kronjylland["id"], gudenaa["id"]]},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "Omdøbt"
    assert patched["partner_ids"] == sorted([gudenaa["id"], kronjylland["id"]])
    assert patched["focus_areas"] == created["focus_areas"]
    assert patched["updated_at"] > created["updated_at"]
    response = editor.patch(f"/api/v1/plans/{created['id']}", json={"partner_ids": []})
    assert response.json()["partner_ids"] == []
    assert db.scalar(select(PlanPartner.plan_id)) is None
    for field in ("name", "status", "municipality_id", "partner_ids", "focus_areas"):
        assert_problem(editor.patch(f"/api/v1/plans/{created['id']}", json={field: None}), 422)


def test_filters_and_order_by_name(editor: ApiClient, reader: ApiClient) -> None:
    randers = municipality(editor)
    varde = municipality(editor, "Varde Kommune", "573")
    plan(editor, randers["id"], name="Ærøvej")
    plan(editor, varde["id"], name="bredstrup", status="active")
    plan(editor, randers["id"], name="Apotekerhaven")

    def names(**params: str) -> list[str]:
        return [p["name"] for p in reader.get("/api/v1/plans", params=params).json()["items"]]

    assert names() == ["Apotekerhaven", "bredstrup", "Ærøvej"]
    assert names(status="active") == ["bredstrup"]
    assert names(municipality_id=randers["id"]) == ["Apotekerhaven", "Ærøvej"]
    listing = reader.get("/api/v1/plans", params={"limit": 2})
    assert 'rel="next"' in listing.headers["link"]
    assert listing.json()["total"] == 3


def test_etags_and_conditional_requests(editor: ApiClient) -> None:
    created = plan(editor)
    url = f"/api/v1/plans/{created['id']}"
    first = editor.get(url)
    etag = first.headers["etag"]
    assert editor.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert_problem(editor.patch(url, json={"name": "X"}, headers={"If-Match": '"stale"'}), 412)
    changed = editor.patch(url, json={"name": "X"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert_problem(editor.delete(url, headers={"If-Match": etag}), 412)


def test_delete_plan_without_bodies(editor: ApiClient, db: DbSession) -> None:
    gudenaa = housing(editor)
    created = plan(editor, partner_ids=[gudenaa["id"]])
    assert editor.delete(f"/api/v1/plans/{created['id']}").status_code == 204
    assert_problem(editor.get(f"/api/v1/plans/{created['id']}"), 404)
    assert db.scalar(select(PlanPartner.plan_id)) is None


def test_delete_plan_with_bodies_is_409(editor: ApiClient) -> None:
    created = plan(editor)
    body(editor, created["id"])
    assert_problem(editor.delete(f"/api/v1/plans/{created['id']}"), 409)
    assert editor.get(f"/api/v1/plans/{created['id']}").status_code == 200


def test_reader_cannot_write(editor: ApiClient, reader: ApiClient) -> None:
    created = plan(editor)
    randers = municipality(editor, "Aarhus Kommune", "751")
    assert_problem(
        reader.post("/api/v1/plans", json={"name": "P", "municipality_id": randers["id"]}), 403
    )
    assert_problem(reader.patch(f"/api/v1/plans/{created['id']}", json={"name": "P"}), 403)
    assert_problem(reader.delete(f"/api/v1/plans/{created['id']}"), 403)


def test_anonymous_gets_401_not_404(anon: ApiClient) -> None:
    assert_problem(anon.get(f"/api/v1/plans/{uuid.uuid4()}"), 401)
    assert_problem(anon.get("/api/v1/plans"), 401)


def test_writes_are_in_the_change_log_with_the_plan(
    editor: ApiClient, reader: ApiClient, db: DbSession
) -> None:
    created = plan(editor, name="Logget")
    editor.patch(f"/api/v1/plans/{created['id']}", json={"name": "Logget 2", "areas": []})
    editor.delete(f"/api/v1/plans/{created['id']}")
    entries = [e for e in reader.get("/api/v1/changes").json()["items"] if e["resource"] == "plan"]
    assert [e["action"] for e in entries] == ["created", "updated", "deleted"]
    assert entries[1]["changed_fields"] == ["name"]
    assert "Logget" not in str(entries)
    plan_ids = set(db.scalars(select(Change.plan_id).where(Change.resource == "plan")))
    assert plan_ids == {uuid.UUID(created["id"])}


def test_list_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, count_queries: object
) -> None:
    from tests.conftest import QueryCounter

    assert isinstance(count_queries, QueryCounter)
    gudenaa = housing(editor)
    randers = municipality(editor, "Aarhus Kommune", "751")
    plan(editor, randers["id"], partner_ids=[gudenaa["id"]])
    count_queries.count = 0
    reader.get("/api/v1/plans")
    few = count_queries.count
    for i in range(6):
        plan(editor, randers["id"], name=f"Plan {i}", partner_ids=[gudenaa["id"]])
    count_queries.count = 0
    listing = reader.get("/api/v1/plans").json()
    assert listing["total"] == 7
    assert count_queries.count == few


def test_patch_municipality_must_be_a_municipality(editor: ApiClient) -> None:
    created = plan(editor)
    police = organization(editor, name="Østjyllands Politi", kind="police")
    response = editor.patch(
        f"/api/v1/plans/{created['id']}", json={"municipality_id": police["id"]}
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "municipality_id"]
    varde = municipality(editor, "Varde Kommune", "573")
    response = editor.patch(f"/api/v1/plans/{created['id']}", json={"municipality_id": varde["id"]})
    assert response.json()["municipality_id"] == varde["id"]


def test_modified_since(editor: ApiClient, reader: ApiClient) -> None:
    first = plan(editor, name="Først")
    second = plan(editor, name="Siden")
    editor.patch(f"/api/v1/plans/{first['id']}", json={"areas": ["Nord"]})
    since = second["updated_at"]
    listed = reader.get("/api/v1/plans", params={"modified_since": since}).json()["items"]
    assert sorted(p["name"] for p in listed) == ["Først", "Siden"]
    bodies = reader.get("/api/v1/bodies", params={"modified_since": "2199-01-01T00:00:00Z"})
    assert bodies.json()["items"] == []
    assert_problem(
        reader.get("/api/v1/plans", params={"modified_since": "2024-01-01T00:00:00"}), 422
    )
