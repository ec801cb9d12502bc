"""Contacts through the API: fields, validation, visibility, writes, deletion and erasure."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.directory.models import Contact
from app.governance.models import Membership
from tests.aio import ApiClient, DbSession
from tests.directory.contacts_support import contact, plan_with_body, seat
from tests.helpers import assert_problem, municipality, organization

MISSING = "00000000-0000-4000-8000-000000000000"


def _full(org_id: str | None = None) -> dict[str, Any]:
    return {
        "job_title": "Skolechef",
        "department": "Børn og Unge",
        "organization_id": org_id,
        "emails": [
            {"address": "anna.berg@example.org"},
            {"address": "anna.privat@example.org", "label": "home", "visibility": "restricted"},
            {"address": "skole@example.org", "visibility": "public"},
        ],
        "phones": [
            {"number": "12 34 56 01"},
            {"number": "+45 12 34 56 02", "label": "mobile", "visibility": "restricted"},
        ],
        "responsibilities": ["skole", "beskæftigelse"],
        "notes": "Foretrækker opkald før kl. 9.",
    }


def test_create_returns_derived_fields_and_defaults(editor: ApiClient, db: DbSession) -> None:
    org = municipality(editor)
    response = editor.post(
        "/api/v1/contacts", json={"given_name": "Anna", "family_name": "Berg", **_full(org["id"])}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/contacts/{body['id']}"
    assert response.headers["etag"].startswith('"')
    assert body["display_name"] == "Anna Berg"
    assert body["organization"] == {
        "id": org["id"],
        "name": "Randers Kommune",
        "kind": "municipality",
    }
    assert body["emails"][0] == {
        "address": "anna.berg@example.org",
        "label": "work",
        "visibility": "partnership",
    }
    assert body["phones"] == [
        {"number": "+4512345601", "label": "work", "visibility": "partnership"},
        {"number": "+4512345602", "label": "mobile", "visibility": "restricted"},
    ]
    assert body["responsibilities"] == ["skole", "beskæftigelse"]
    assert body["archived"] is False and body["erased"] is False
    assert body["memberships"] == []
    row = db.get(Contact, uuid.UUID(body["id"]))
    assert row is not None
    assert row.phones[0]["number"] == "+4512345601"
    assert "randers kommune" in row.search_text and "skolechef" in row.search_text


def test_minimal_contact_needs_no_organization(editor: ApiClient, reader: ApiClient) -> None:
    created = contact(editor)
    assert created["organization_id"] is None and created["organization"] is None
    assert created["emails"] == [] and created["phones"] == [] and created["notes"] is None
    got = reader.get(f"/api/v1/contacts/{created['id']}")
    assert got.status_code == 200
    assert got.json() == created


def test_names_are_required(editor: ApiClient) -> None:
    body = assert_problem(editor.post("/api/v1/contacts", json={"given_name": "Anna"}), 422)
    assert ["body", "family_name"] in [e["loc"] for e in body["errors"]]
    body = assert_problem(
        editor.post("/api/v1/contacts", json={"given_name": "", "family_name": "Berg"}), 422
    )
    assert body["errors"][0]["loc"] == ["body", "given_name"]


def test_unknown_organization_is_422_naming_the_field(editor: ApiClient, db: DbSession) -> None:
    response = editor.post(
        "/api/v1/contacts",
        json={"given_name": "Anna", "family_name": "Berg", "organization_id": MISSING},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "organization_id"]
    assert db.scalar(select(Contact.id)) is None
    created = contact(editor)
    response = editor.patch(f"/api/v1/contacts/{created['id']}", json={"organization_id": MISSING})
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "organization_id"]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("12 34 56 01", "+4512345601"),
        ("+45 12 34 56 01", "+4512345601"),
        ("0045 12345601", "+4512345601"),
        ("(+45) 12-34-56-01", "+4512345601"),
        ("+46 8 123 456 78", "+46812345678"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(editor: ApiClient, raw: str, e164: str) -> None:
    created = contact(editor, phones=[{"number": raw}])
    assert created["phones"][0]["number"] == e164


@pytest.mark.parametrize("raw", ["1234", "12 34 56 01 99", "abc", "+45 12 34 56 01 x2", "", "+"])
def test_impossible_phone_numbers_are_refused(editor: ApiClient, db: DbSession, raw: str) -> None:
    response = editor.post(
        "/api/v1/contacts",
        json={
            "given_name": "Anna",
            "family_name": "Berg",
            "phones": [{"number": "12 34 56 01"}, {"number": raw, "label": "mobile"}],
        },
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["body", "phones", 1, "number"]
    assert db.scalar(select(Contact.id)) is None


def test_emails_labels_and_visibility_are_validated(editor: ApiClient) -> None:
    def loc(payload: dict[str, Any]) -> list[Any]:
        response = editor.post(
            "/api/v1/contacts", json={"given_name": "A", "family_name": "B", **payload}
        )
        return assert_problem(response, 422)["errors"][0]["loc"]  # type: ignore[no-any-return]

    assert loc({"emails": [{"address": "not-an-address"}]}) == ["body", "emails", 0, "address"]
    assert loc({"emails": [{"address": "a@example.org", "visibility": "secret"}]}) == [
        "body",
        "emails",
        0,
        "visibility",
    ]
    assert loc({"phones": [{"number": "12345678", "label": "pager"}]}) == [
        "body",
        "phones",
        0,
        "label",
    ]
    assert loc({"responsibilities": ["x" * 101]}) == ["body", "responsibilities", 0]
    assert loc({"surname": "B"}) == ["body", "surname"]


def test_duplicate_responsibilities_are_dropped(editor: ApiClient) -> None:
    created = contact(editor, responsibilities=["Skole", "skole", "SSP"])
    assert created["responsibilities"] == ["Skole", "SSP"]


def test_reader_never_receives_restricted_values_or_notes(
    editor: ApiClient, reader: ApiClient, admin: ApiClient
) -> None:
    created = contact(editor, **_full())
    for client in (editor, admin):
        seen = client.get(f"/api/v1/contacts/{created['id']}").json()
        assert len(seen["emails"]) == 3 and len(seen["phones"]) == 2
        assert seen["notes"] == "Foretrækker opkald før kl. 9."
    as_reader = reader.get(f"/api/v1/contacts/{created['id']}")
    assert as_reader.status_code == 200
    body = as_reader.json()
    assert [e["address"] for e in body["emails"]] == ["anna.berg@example.org", "skole@example.org"]
    assert [p["number"] for p in body["phones"]] == ["+4512345601"]
    assert body["notes"] is None
    assert "privat" not in as_reader.text and "+4512345602" not in as_reader.text
    assert "Foretrækker" not in as_reader.text
    listed = reader.get("/api/v1/contacts")
    assert listed.json()["items"] == [body]
    assert "privat" not in listed.text and "Foretrækker" not in listed.text


def test_patch_changes_only_sent_fields_and_replaces_lists(editor: ApiClient) -> None:
    created = contact(editor, **_full())
    response = editor.patch(
        f"/api/v1/contacts/{created['id']}",
        json={
            "job_title": "Direktør",
            "phones": [{"number": "12 34 56 09", "label": "switchboard"}],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["job_title"] == "Direktør"
    assert body["phones"] == [
        {"number": "+4512345609", "label": "switchboard", "visibility": "partnership"}
    ]
    assert body["emails"] == created["emails"]
    assert body["department"] == "Børn og Unge"
    assert body["updated_at"] > created["updated_at"]


def test_patch_refuses_null_for_required_fields(editor: ApiClient) -> None:
    created = contact(editor)
    for field in ("given_name", "family_name", "emails", "phones", "responsibilities", "archived"):
        response = editor.patch(f"/api/v1/contacts/{created['id']}", json={field: None})
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", field]
    cleared = editor.patch(f"/api/v1/contacts/{created['id']}", json={"job_title": None})
    assert cleared.status_code == 200 and cleared.json()["job_title"] is None


def test_etags_if_match_and_if_none_match(editor: ApiClient) -> None:
    created = contact(editor)
    path = f"/api/v1/contacts/{created['id']}"
    first = editor.get(path)
    etag = first.headers["etag"]
    assert editor.get(path, headers={"If-None-Match": etag}).status_code == 304
    changed = editor.patch(path, json={"job_title": "Leder"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    stale = editor.patch(path, json={"job_title": "Chef"}, headers={"If-Match": etag})
    assert_problem(stale, 412)
    assert editor.get(path).json()["job_title"] == "Leder"
    assert_problem(editor.delete(path, headers={"If-Match": etag}), 412)


def test_unknown_and_malformed_ids(reader: ApiClient, editor: ApiClient) -> None:
    assert_problem(reader.get(f"/api/v1/contacts/{MISSING}"), 404, "not-found")
    assert_problem(editor.patch(f"/api/v1/contacts/{MISSING}", json={}), 404)
    assert_problem(editor.delete(f"/api/v1/contacts/{MISSING}"), 404)
    assert_problem(reader.get(f"/api/v1/contacts/{MISSING}.vcf"), 404)
    body = assert_problem(reader.get("/api/v1/contacts/not-a-uuid"), 422)
    assert body["errors"][0]["loc"] == ["path", "contact_id"]


def test_roles(reader: ApiClient, editor: ApiClient, anon: ApiClient) -> None:
    assert_problem(anon.get("/api/v1/contacts"), 401)
    assert_problem(
        reader.post("/api/v1/contacts", json={"given_name": "A", "family_name": "B"}), 403
    )
    created = contact(editor)
    assert_problem(reader.patch(f"/api/v1/contacts/{created['id']}", json={"job_title": "X"}), 403)
    assert_problem(reader.delete(f"/api/v1/contacts/{created['id']}"), 403)
    assert_problem(editor.post(f"/api/v1/contacts/{created['id']}/erase"), 403)
    assert_problem(anon.get(f"/api/v1/contacts/{created['id']}.vcf"), 401)


def test_archived_hidden_unless_asked(editor: ApiClient, reader: ApiClient) -> None:
    kept = contact(editor, given="Bo", family="Aagaard")
    gone = contact(editor, given="Eva", family="Holm", archived=True)
    assert [c["id"] for c in reader.get("/api/v1/contacts").json()["items"]] == [kept["id"]]
    listed = reader.get("/api/v1/contacts", params={"include_archived": "true"}).json()
    assert {c["id"] for c in listed["items"]} == {kept["id"], gone["id"]}
    assert reader.get(f"/api/v1/contacts/{gone['id']}").json()["archived"] is True


def test_delete_unreferenced_then_404(editor: ApiClient, db: DbSession) -> None:
    created = contact(editor)
    assert editor.delete(f"/api/v1/contacts/{created['id']}").status_code == 204
    assert_problem(editor.get(f"/api/v1/contacts/{created['id']}"), 404)
    assert db.get(Contact, uuid.UUID(created["id"])) is None


def test_delete_referenced_is_409_pointing_to_erase(editor: ApiClient, db: DbSession) -> None:
    created = contact(editor)
    _plan, body = plan_with_body(db)
    seat(db, body, created["id"])
    response = editor.delete(f"/api/v1/contacts/{created['id']}")
    problem = assert_problem(response, 409, "conflict")
    assert f"POST /api/v1/contacts/{created['id']}/erase" in problem["detail"]
    assert editor.get(f"/api/v1/contacts/{created['id']}").status_code == 200
    db.expire_all()
    assert db.get(Contact, uuid.UUID(created["id"])) is not None
    deletions = db.scalars(select(Change).where(Change.action == "deleted")).all()
    assert deletions == []


def test_erase_wipes_the_person_and_keeps_the_id(
    admin: ApiClient, editor: ApiClient, reader: ApiClient, db: DbSession
) -> None:
    org = municipality(editor)
    created = contact(editor, given="Søren", family="Østergaard", **_full(org["id"]))
    _plan, body = plan_with_body(db)
    membership = seat(db, body, created["id"], role="chair")
    response = admin.post(f"/api/v1/contacts/{created['id']}/erase")
    assert response.status_code == 200, response.text
    erased = response.json()
    assert erased["id"] == created["id"]
    assert erased["erased"] is True and erased["archived"] is True
    assert erased["display_name"] == "Slettet kontakt"
    assert erased["given_name"] is None and erased["family_name"] is None
    assert erased["job_title"] is None and erased["department"] is None
    assert erased["emails"] == [] and erased["phones"] == []
    assert erased["responsibilities"] == [] and erased["notes"] is None
    assert erased["organization_id"] == org["id"]
    membership_id = membership.id
    db.expire_all()
    row = db.get(Contact, uuid.UUID(created["id"]))
    assert row is not None
    assert (row.given_name, row.family_name, row.job_title, row.notes) == ("", "", None, None)
    assert row.emails == [] and row.phones == [] and row.search_text == ""
    assert db.get(Membership, membership_id) is not None
    # gone from the directory and from search, still there by id and for history
    assert reader.get("/api/v1/contacts").json()["total"] == 0
    assert (
        reader.get(
            "/api/v1/contacts", params={"q": "østergaard", "include_archived": "true"}
        ).json()["total"]
        == 0
    )
    assert (
        reader.get(f"/api/v1/contacts/{created['id']}").json()["display_name"] == "Slettet kontakt"
    )
    # the change log says that it happened, not what was there
    entry = db.scalars(
        select(Change).where(Change.resource == "contact", Change.action == "erased")
    ).one()
    assert entry.resource_id == uuid.UUID(created["id"]) and entry.actor == "admin"
    log = reader.get("/api/v1/changes").text
    assert "Østergaard" not in log and "example.org" not in log and "+45" not in log
    # an erased contact cannot be changed; erasing again changes nothing
    assert_problem(editor.patch(f"/api/v1/contacts/{created['id']}", json={"given_name": "X"}), 409)
    again = admin.post(f"/api/v1/contacts/{created['id']}/erase")
    assert again.status_code == 200 and again.json() == erased
    assert len(db.scalars(select(Change).where(Change.action == "erased")).all()) == 1


def test_erase_unknown_contact_is_404(admin: ApiClient) -> None:
    assert_problem(admin.post(f"/api/v1/contacts/{MISSING}/erase"), 404)


def test_writes_are_in_the_change_log(editor: ApiClient, reader: ApiClient) -> None:
    created = contact(editor, notes="hemmelig note")
    editor.patch(
        f"/api/v1/contacts/{created['id']}", json={"job_title": "Chef", "given_name": "Anna"}
    )
    editor.patch(f"/api/v1/contacts/{created['id']}", json={})
    editor.delete(f"/api/v1/contacts/{created['id']}")
    entries = [
        e for e in reader.get("/api/v1/changes").json()["items"] if e["resource"] == "contact"
    ]
    assert [e["action"] for e in entries] == ["created", "updated", "deleted"]
    assert {e["resource_id"] for e in entries} == {created["id"]}
    assert entries[0]["actor"] == "editor"
    assert "given_name" in entries[0]["changed_fields"] and "notes" in entries[0]["changed_fields"]
    assert entries[1]["changed_fields"] == ["job_title"]
    assert "hemmelig" not in str(entries) and "Chef" not in str(entries)


def test_memberships_are_current_and_limited_to_the_keys_plans(
    editor: ApiClient,
    db: DbSession,
    make_key: Callable[..., str],
    client_for: Callable[[str | None], ApiClient],
) -> None:
    created = contact(editor)
    plan_a, board_a = plan_with_body(db, "Plan A", "Bestyrelsen A")
    _plan_b, board_b = plan_with_body(db, "Plan B", "Bestyrelsen B")
    today = date.today()
    seat(db, board_a, created["id"], role="chair", start=today - timedelta(days=30))
    seat(db, board_b, created["id"], role="member")
    seat(db, board_a, created["id"], role="member", end=today - timedelta(days=400))
    seat(db, board_b, created["id"], role="observer", start=today + timedelta(days=400))
    got = editor.get(f"/api/v1/contacts/{created['id']}").json()
    assert got["memberships"] == [
        {"body_id": str(board_a.id), "body_name": "Bestyrelsen A", "role": "chair"},
        {"body_id": str(board_b.id), "body_name": "Bestyrelsen B", "role": "member"},
    ]
    limited = client_for(make_key(Role.reader, "plan-a", [plan_a.id]))
    mine = limited.get(f"/api/v1/contacts/{created['id']}")
    assert mine.status_code == 200
    assert mine.json()["memberships"] == [got["memberships"][0]]
    assert "Bestyrelsen B" not in mine.text
    listed = limited.get("/api/v1/contacts").json()["items"]
    assert listed[0]["memberships"] == [got["memberships"][0]]
    # filters by body and role follow the same limits
    assert limited.get("/api/v1/contacts", params={"body_id": str(board_b.id)}).json()["total"] == 0
    assert editor.get("/api/v1/contacts", params={"body_id": str(board_b.id)}).json()["total"] == 1
    assert limited.get("/api/v1/contacts", params={"role": "member"}).json()["total"] == 0
    assert editor.get("/api/v1/contacts", params={"role": "member"}).json()["total"] == 1
    assert editor.get("/api/v1/contacts", params={"role": "observer"}).json()["total"] == 0
    assert (
        editor.get(
            "/api/v1/contacts", params={"body_id": str(board_a.id), "role": "member"}
        ).json()["total"]
        == 0
    )


def test_organization_can_still_be_archived_not_deleted_with_contacts(editor: ApiClient) -> None:
    org = organization(editor, name="Arbejdsgiver")
    contact(editor, organization_id=org["id"])
    assert_problem(editor.delete(f"/api/v1/organizations/{org['id']}"), 409)


def test_meeting_attendance_also_blocks_deletion(editor: ApiClient, db: DbSession) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from app.meetings.models import Meeting, meeting_attendees

    created = contact(editor)
    _plan, body = plan_with_body(db)
    meeting = Meeting(
        id=uuid.uuid4(),
        body_id=body.id,
        title="Bestyrelsesmøde",
        mode="plan_review",
        starts_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        ends_at=datetime(2026, 3, 1, 11, tzinfo=UTC),
    )
    db.add(meeting)
    db.flush()
    db.execute(
        insert(meeting_attendees).values(meeting_id=meeting.id, contact_id=uuid.UUID(created["id"]))
    )
    db.commit()
    problem = assert_problem(editor.delete(f"/api/v1/contacts/{created['id']}"), 409)
    assert "/erase" in problem["detail"]
    assert editor.get(f"/api/v1/contacts/{created['id']}").status_code == 200


def test_export_queries_are_fixed(editor: ApiClient, reader: ApiClient, count_queries: Any) -> None:
    org = municipality(editor)
    for i in range(3):
        contact(editor, given=f"P{i}", organization_id=org["id"])
    count_queries.count = 0
    assert reader.get("/api/v1/contacts.csv").status_code == 200
    few = count_queries.count
    for i in range(20):
        contact(editor, given=f"Q{i}", organization_id=org["id"])
    count_queries.count = 0
    assert reader.get("/api/v1/contacts.vcf").status_code == 200
    assert count_queries.count == few <= 3
