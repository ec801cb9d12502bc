"""Contact search, filters, order and the fixed number of queries per list."""

import pytest
from fastapi import FastAPI

from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.directory.contacts_support import add_body, contact, plan_with_body, seat
from tests.helpers import municipality, organization


def _names(client: ApiClient, **params: str) -> list[str]:
    response = client.get("/api/v1/contacts", params=params)
    assert response.status_code == 200, response.text
    return [c["display_name"] for c in response.json()["items"]]


def test_search_is_case_insensitive_with_danish_letters(
    editor: ApiClient, reader: ApiClient
) -> None:
    contact(editor, given="Søren", family="Østergaard")
    contact(editor, given="Åse", family="Ærø")
    contact(editor, given="Bo", family="Vestergaard")
    assert _names(reader, q="ØSTERGAARD") == ["Søren Østergaard"]
    assert _names(reader, q="østergaard") == ["Søren Østergaard"]
    assert _names(reader, q="STERGAARD") == ["Bo Vestergaard", "Søren Østergaard"]
    assert _names(reader, q="ærø") == ["Åse Ærø"]
    assert _names(reader, q="ÅSE ÆRØ") == ["Åse Ærø"]
    assert _names(reader, q="nobody") == []


def test_search_covers_title_organization_and_responsibilities(
    editor: ApiClient, reader: ApiClient
) -> None:
    org = organization(editor, name="Boligforeningen Gudenå", kind="housing_organization")
    contact(editor, given="Anna", family="Berg", job_title="Direktør for Teknik og Miljø")
    contact(editor, given="Bent", family="Dahl", organization_id=org["id"])
    contact(editor, given="Carl", family="Eriksen", responsibilities=["Beskæftigelse"])
    contact(editor, given="Dorte", family="Friis", department="Teknik")
    assert _names(reader, q="teknik og") == ["Anna Berg"]
    assert _names(reader, q="GUDENÅ") == ["Bent Dahl"]
    assert _names(reader, q="beskæft") == ["Carl Eriksen"]
    # each word is found on its own, in any field (Danish search, issue 13)
    assert _names(reader, q="berg direktør") == ["Anna Berg"]
    assert _names(reader, q="direktør dahl") == []
    assert _names(reader, q="teknik") == ["Anna Berg", "Dorte Friis"]


def test_percent_and_underscore_are_literal(editor: ApiClient, reader: ApiClient) -> None:
    contact(editor, given="Anna", family="Berg", job_title="Leder 100% på_skolen")
    contact(editor, given="Bo", family="Holm", job_title="Leder 100 på skolen")
    assert _names(reader, q="%") == ["Anna Berg"]
    assert _names(reader, q="100%") == ["Anna Berg"]
    assert _names(reader, q="på_s") == ["Anna Berg"]
    assert _names(reader, q="_") == ["Anna Berg"]
    assert _names(reader, q="\\") == []


def test_search_follows_changes_to_contact_and_organization(
    editor: ApiClient, reader: ApiClient
) -> None:
    org = organization(editor, name="Boligselskabet Kronjylland", kind="housing_organization")
    other = organization(editor, name="Vestkystens Boligselskab", kind="housing_organization")
    person = contact(editor, given="Anna", family="Berg", organization_id=org["id"])
    assert _names(reader, q="kronjylland") == ["Anna Berg"]
    renamed = editor.patch(
        f"/api/v1/organizations/{org['id']}", json={"name": "Boligselskabet Randers"}
    )
    assert renamed.status_code == 200
    assert _names(reader, q="kronjylland") == []
    assert _names(reader, q="boligselskabet randers") == ["Anna Berg"]
    got = reader.get(f"/api/v1/contacts/{person['id']}").json()
    assert got["organization"]["name"] == "Boligselskabet Randers"
    editor.patch(f"/api/v1/contacts/{person['id']}", json={"organization_id": other["id"]})
    assert _names(reader, q="randers") == []
    assert _names(reader, q="vestkyst") == ["Anna Berg"]
    editor.patch(
        f"/api/v1/contacts/{person['id']}", json={"family_name": "Bøgh", "job_title": "Chef"}
    )
    assert _names(reader, q="berg") == []
    assert _names(reader, q="bøgh") == ["Anna Bøgh"]
    assert _names(reader, q="CHEF") == ["Anna Bøgh"]
    editor.patch(f"/api/v1/contacts/{person['id']}", json={"organization_id": None})
    assert _names(reader, q="vestkyst") == []


def test_filters(editor: ApiClient, reader: ApiClient) -> None:
    randers = municipality(editor)
    police = organization(editor, name="Østjyllands Politi", kind="police")
    contact(
        editor,
        given="Anna",
        family="Berg",
        organization_id=randers["id"],
        responsibilities=["skole"],
    )
    contact(
        editor, given="Bo", family="Dahl", organization_id=police["id"], responsibilities=["SSP"]
    )
    contact(editor, given="Eva", family="Holm", responsibilities=["skolesocialrådgiver"])
    assert _names(reader, organization_id=randers["id"]) == ["Anna Berg"]
    assert _names(reader, organization_kind="police") == ["Bo Dahl"]
    assert _names(reader, responsibility="SKOLE") == ["Anna Berg"]
    assert _names(reader, responsibility="ssp") == ["Bo Dahl"]
    assert _names(reader, responsibility="sko") == []
    assert _names(reader, responsibility="skole", organization_kind="police") == []
    assert _names(reader, q="skole") == ["Anna Berg", "Eva Holm"]


def test_invalid_filters_are_422(reader: ApiClient) -> None:
    for params in (
        {"organization_kind": "bank"},
        {"role": "king"},
        {"body_id": "x"},
        {"organization_id": "1"},
        {"limit": "0"},
        {"q": "x" * 201},
        {"include_archived": "maybe"},
    ):
        response = reader.get("/api/v1/contacts", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_order_is_family_then_given_name_in_danish_order(
    editor: ApiClient, reader: ApiClient
) -> None:
    for given, family in [
        ("Åse", "Østergaard"),
        ("Bo", "Ærø"),
        ("Carl", "Zacho"),
        ("Anna", "Åberg"),
        ("Anna", "Østergaard"),
        ("Dorte", "berg"),
        ("anders", "Berg"),
    ]:
        contact(editor, given=given, family=family)
    assert _names(reader) == [
        "anders Berg",
        "Dorte berg",
        "Carl Zacho",
        "Bo Ærø",
        "Anna Østergaard",
        "Åse Østergaard",
        "Anna Åberg",
    ]


def test_paging_total_and_links(editor: ApiClient, reader: ApiClient) -> None:
    for i in range(5):
        contact(editor, given=f"Person {i}", family="Hansen")
    page = reader.get("/api/v1/contacts", params={"limit": 2, "offset": 2})
    body = page.json()
    assert body["total"] == 5 and body["limit"] == 2 and body["offset"] == 2
    assert [c["given_name"] for c in body["items"]] == ["Person 2", "Person 3"]
    assert 'rel="next"' in page.headers["link"] and 'rel="prev"' in page.headers["link"]
    beyond = reader.get("/api/v1/contacts", params={"offset": 10}).json()
    assert beyond["items"] == [] and beyond["total"] == 5
    # a search carries its total with the page, and past the last page too
    found = reader.get("/api/v1/contacts", params={"q": "hansen", "limit": 2, "offset": 4}).json()
    assert [c["given_name"] for c in found["items"]] == ["Person 4"] and found["total"] == 5
    past = reader.get("/api/v1/contacts", params={"q": "hansen", "offset": 10}).json()
    assert past["items"] == [] and past["total"] == 5
    none = reader.get("/api/v1/contacts", params={"q": "nobody"}).json()
    assert none["items"] == [] and none["total"] == 0


def test_modified_since(editor: ApiClient, reader: ApiClient) -> None:
    first = contact(editor, given="Anna", family="Berg")
    second = contact(editor, given="Bo", family="Dahl")
    listed = reader.get("/api/v1/contacts", params={"modified_since": second["updated_at"]}).json()
    assert [c["id"] for c in listed["items"]] == [second["id"]]
    assert first["updated_at"] <= second["updated_at"]
    bad = reader.get("/api/v1/contacts", params={"modified_since": "2026-01-01T00:00:00"})
    assert bad.status_code == 422


def test_list_runs_a_fixed_number_of_queries(
    app: FastAPI,
    editor: ApiClient,
    reader: ApiClient,
    db: DbSession,
    count_queries: QueryCounter,
) -> None:
    randers = municipality(editor)
    police = organization(editor, name="Østjyllands Politi", kind="police")
    _plan, board = plan_with_body(db)
    group = add_body(db, _plan, "Styregruppen")
    for i in range(60):
        org = randers if i % 2 else police
        person = contact(
            editor, given=f"Person {i:02d}", family="Hansen", organization_id=org["id"]
        )
        if i % 3 == 0:
            seat(db, board, person["id"])
            seat(db, group, person["id"], role="chair")

    def queries(**params: str) -> tuple[int, int]:
        count_queries.count = 0
        response = reader.get("/api/v1/contacts", params=params)
        assert response.status_code == 200
        return count_queries.count, len(response.json()["items"])

    for extra in (
        {},
        {"q": "hansen"},
        {"organization_kind": "police", "role": "member"},
        {"q": "person", "body_id": str(board.id)},
    ):
        small, n_small = queries(limit="5", **extra)
        large, n_large = queries(limit="50", **extra)
        assert n_small == 5 and n_large > 5, extra
        if "body_id" in extra:
            listed = reader.get("/api/v1/contacts", params={"limit": "50", **extra}).json()
            assert listed["total"] == 20
            assert all(c["memberships"] for c in listed["items"])
        assert small == large, (extra, count_queries.statements)
        # PostgreSQL: the key, then the page with its total and memberships as JSON
        # (directory/reads.py); SQLite: the page with its total, then the memberships
        assert large == 2 if app.state.json_reads else large <= 4


def test_single_get_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, db: DbSession, count_queries: QueryCounter
) -> None:
    person = contact(editor, organization_id=municipality(editor)["id"])
    plan, board = plan_with_body(db)
    seat(db, board, person["id"])
    count_queries.count = 0
    assert reader.get(f"/api/v1/contacts/{person['id']}").json()["memberships"]
    one = count_queries.count
    for i in range(5):
        seat(db, add_body(db, plan, f"Gruppe {i}"), person["id"])
    count_queries.count = 0
    got = reader.get(f"/api/v1/contacts/{person['id']}").json()["memberships"]
    assert count_queries.count == one == 2  # the key, then the contact with its seats
    assert len(got) == 6
    # the single read's seats (in its own query) and the list's (a query per page) agree,
    # order included: by body name
    assert [m["body_name"] for m in got] == sorted(m["body_name"] for m in got)
    listed = reader.get("/api/v1/contacts", params={"limit": "200"}).json()["items"]
    assert next(c for c in listed if c["id"] == person["id"])["memberships"] == got


def test_broad_search_takes_the_counting_path(
    editor: ApiClient,
    reader: ApiClient,
    count_queries: QueryCounter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.directory import contacts

    for i in range(6):
        contact(editor, given=f"Person {i}", family="Hansen")
    contact(editor, given="Anna", family="Berg")
    narrow = reader.get("/api/v1/contacts", params={"q": "hansen", "limit": 4}).json()
    monkeypatch.setattr(contacts, "SEARCH_SORT_MAX", 3)
    broad = reader.get("/api/v1/contacts", params={"q": "hansen", "limit": 4}).json()
    assert broad == narrow
    assert broad["total"] == 6
    assert [c["given_name"] for c in broad["items"]] == [f"Person {i}" for i in range(4)]
    counts = []
    for limit in ("2", "5"):
        count_queries.count = 0
        assert (
            reader.get("/api/v1/contacts", params={"q": "hansen", "limit": limit}).status_code
            == 200
        )
        counts.append(count_queries.count)
    assert counts[0] == counts[1] <= 5


def test_an_organization_change_moves_its_contacts_updated_at(
    editor: ApiClient, reader: ApiClient
) -> None:
    org = organization(editor, name="Boligforeningen Gudenå", kind="housing_organization")
    person = contact(editor, given="Anna", family="Berg", organization_id=org["id"])
    bystander = contact(editor, given="Bo", family="Dahl")
    url = f"/api/v1/contacts/{person['id']}"
    etag = reader.get(url).headers["etag"]
    since = reader.get(url).json()["updated_at"]
    editor.patch(f"/api/v1/organizations/{org['id']}", json={"kind": "other"})
    got = reader.get(url)
    assert got.json()["organization"]["kind"] == "other"
    assert got.json()["updated_at"] > since
    assert got.headers["etag"] != etag
    changed = reader.get(
        "/api/v1/contacts", params={"modified_since": got.json()["updated_at"]}
    ).json()["items"]
    assert [c["id"] for c in changed] == [person["id"]]
    assert bystander["id"] not in [c["id"] for c in changed]
