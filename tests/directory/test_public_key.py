"""Issue 13, point 4: a `public` key sees what a public web page may show — public contact
details of active contacts, no notes, no memberships, only public agenda items and the
decisions made on them — and nothing else (403)."""

from collections.abc import Callable
from typing import Any

import pytest

from app.core.security import Role
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.directory.contacts_support import contact, plan_with_body, seat
from tests.helpers import assert_problem, create, organization
from tests.meetings import factories as f


@pytest.fixture
def public(client_for: Callable[[str], ApiClient], make_key: Callable[..., str]) -> ApiClient:
    return client_for(make_key(Role.public, "website"))


def _person(editor: ApiClient, **fields: Any) -> dict[str, Any]:
    return contact(
        editor,
        given="Søren",
        family="Østergaard",
        emails=[
            {"address": "soeren@example.org", "visibility": "public"},
            {"address": "intern@example.org"},
            {"address": "privat@example.org", "visibility": "restricted"},
        ],
        phones=[
            {"number": "12 34 56 01", "visibility": "public"},
            {"number": "12 34 56 02"},
            {"number": "12 34 56 03", "visibility": "restricted"},
        ],
        notes="Intern note",
        **fields,
    )


def test_public_contact_view(
    editor: ApiClient, reader: ApiClient, public: ApiClient, db: DbSession
) -> None:
    person = _person(editor)
    archived = contact(editor, given="Eva", family="Holm", archived=True)
    _plan, board = plan_with_body(db)
    seat(db, board, person["id"], role="chair")
    assert reader.get(f"/api/v1/contacts/{person['id']}").json()["memberships"]

    got = public.get(f"/api/v1/contacts/{person['id']}")
    assert got.status_code == 200
    body = got.json()
    assert [e["address"] for e in body["emails"]] == ["soeren@example.org"]
    assert [p["number"] for p in body["phones"]] == ["+4512345601"]
    assert body["notes"] is None and body["memberships"] == []
    [listed] = public.get("/api/v1/contacts").json()["items"]
    assert listed == body
    # archived contacts do not exist for a public key, whatever it asks
    everyone = public.get("/api/v1/contacts", params={"include_archived": "true"}).json()
    assert [c["id"] for c in everyone["items"]] == [person["id"]] and everyone["total"] == 1
    assert_problem(public.get(f"/api/v1/contacts/{archived['id']}"), 404)
    assert_problem(public.get(f"/api/v1/contacts/{archived['id']}.vcf"), 404)
    assert reader.get(f"/api/v1/contacts/{archived['id']}").status_code == 200
    # the exports show the same
    for path in ("/api/v1/contacts.vcf", f"/api/v1/contacts/{person['id']}.vcf"):
        card = public.get(path, params={"include_archived": "true"} if "s.vcf" in path else {})
        assert card.status_code == 200
        assert "soeren@example.org" in card.text and "+4512345601" in card.text
        for hidden in ("intern@", "privat@", "+4512345602", "+4512345603", "Intern note", "Eva"):
            assert hidden not in card.text, (path, hidden)
    sheet = public.get("/api/v1/contacts.csv", params={"include_archived": "true"}).text
    assert "soeren@example.org" in sheet and "+4512345601" in sheet
    assert "intern@" not in sheet and "+4512345602" not in sheet and "Holm" not in sheet


def test_public_organizations(editor: ApiClient, public: ApiClient) -> None:
    active = organization(editor, name="Boligforeningen Gudenå")
    old = organization(editor, name="Gammel Forening", archived=True)
    listed = public.get("/api/v1/organizations", params={"include_archived": "true"}).json()
    assert [o["id"] for o in listed["items"]] == [active["id"]]
    assert public.get(f"/api/v1/organizations/{active['id']}").status_code == 200
    assert_problem(public.get(f"/api/v1/organizations/{old['id']}"), 404)
    assert public.get("/api/v1/vocabularies").status_code == 200


def test_public_agenda_items_and_decisions(
    editor: ApiClient, reader: ApiClient, public: ApiClient
) -> None:
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    meeting = f.meeting(editor, board["id"], 3, mode="plan_review")
    items = f"/api/v1/meetings/{meeting['id']}/agenda-items"
    open_item = create(editor, items, {"title": "Ny legeplads", "public": True})
    closed_item = create(editor, items, {"title": "Personalesag", "public": False})
    shown = f.decision(
        editor,
        board["id"],
        title="Legepladsen bygges",
        meeting_id=meeting["id"],
        agenda_item_id=open_item["id"],
    )
    hidden = f.decision(
        editor,
        board["id"],
        title="Personalesagen",
        meeting_id=meeting["id"],
        agenda_item_id=closed_item["id"],
    )
    loose = f.decision(editor, board["id"], title="Uden punkt")

    assert [i["id"] for i in reader.get(items).json()["items"]] == [
        open_item["id"],
        closed_item["id"],
    ]
    listed = public.get(items).json()
    assert [i["id"] for i in listed["items"]] == [open_item["id"]] and listed["total"] == 1
    assert public.get(f"/api/v1/agenda-items/{open_item['id']}").status_code == 200
    assert_problem(public.get(f"/api/v1/agenda-items/{closed_item['id']}"), 404)

    # the calendar feeds hold every meeting's location and online link: not for a public
    # key (as the meetings' JSON is not); a reader's feed shows public items only
    for feed_path in (
        f"/api/v1/bodies/{board['id']}/meetings.ics",
        f"/api/v1/meetings/{meeting['id']}.ics",
        "/api/v1/calendar.ics",
    ):
        assert_problem(public.get(feed_path), 403)
    feed = reader.get(
        f"/api/v1/bodies/{board['id']}/meetings.ics",
        params={"from": "2029-01-01", "to": "2031-01-01"},
    )
    assert feed.status_code == 200
    assert "Ny legeplads" in feed.text and "Personalesag" not in feed.text

    assert len(reader.get("/api/v1/decisions").json()["items"]) == 3
    decisions = public.get("/api/v1/decisions").json()
    assert [d["id"] for d in decisions["items"]] == [shown["id"]] and decisions["total"] == 1
    assert public.get(f"/api/v1/decisions/{shown['id']}").status_code == 200
    for other in (hidden, loose):
        assert_problem(public.get(f"/api/v1/decisions/{other['id']}"), 404)
        assert reader.get(f"/api/v1/decisions/{other['id']}").status_code == 200


def test_a_public_item_shows_only_public_source_decisions(
    editor: ApiClient, reader: ApiClient, public: ApiClient
) -> None:
    # a report item ("Orientering fra Styregruppen") made public carries the steering
    # group's decisions; only those made on a public item of their own are shown to a
    # public key, not even the ids of the others
    plan = f.plan(editor)
    board = f.body(editor, plan["id"], "board", name="Bestyrelsen")
    steering = f.steering_group(editor, plan["id"], board["id"])
    own = f.meeting(editor, steering["id"], 1)
    own_items = f"/api/v1/meetings/{own['id']}/agenda-items"
    shown_on = create(editor, own_items, {"title": "Lektiecafé", "public": True})
    hidden_on = create(editor, own_items, {"title": "Personale", "public": False})
    board_meeting = f.meeting(editor, board["id"], 7)
    shown = f.decision(
        editor,
        steering["id"],
        title="Lektiecafé",
        meeting_id=own["id"],
        agenda_item_id=shown_on["id"],
    )
    hidden = f.decision(
        editor,
        steering["id"],
        title="Personale",
        meeting_id=own["id"],
        agenda_item_id=hidden_on["id"],
    )
    items = f"/api/v1/meetings/{board_meeting['id']}/agenda-items"
    [report] = [i for i in reader.get(items).json()["items"] if i["source_decision_ids"]]
    assert sorted(report["source_decision_ids"]) == sorted([shown["id"], hidden["id"]])
    made_public = editor.patch(f"/api/v1/agenda-items/{report['id']}", json={"public": True})
    assert made_public.status_code == 200, made_public.text

    [listed] = public.get(items).json()["items"]
    assert listed["id"] == report["id"] and listed["source_decision_ids"] == [shown["id"]]
    one = public.get(f"/api/v1/agenda-items/{report['id']}").json()
    assert one["source_decision_ids"] == [shown["id"]]
    # a reader still sees both
    both = reader.get(f"/api/v1/agenda-items/{report['id']}").json()["source_decision_ids"]
    assert sorted(both) == sorted([shown["id"], hidden["id"]])


def test_what_a_public_key_may_not_read(
    editor: ApiClient, public: ApiClient, db: DbSession
) -> None:
    person = _person(editor)
    plan, board = plan_with_body(db)
    membership = seat(db, board, person["id"])
    for path in (
        "/api/v1/changes",
        "/api/v1/plans",
        f"/api/v1/plans/{plan.id}",
        f"/api/v1/bodies/{board.id}",
        f"/api/v1/bodies/{board.id}/memberships",
        f"/api/v1/memberships/{membership.id}",
        "/api/v1/meetings",
        "/api/v1/api-keys",
    ):
        assert_problem(public.get(path), 403)
    # memberships are not shown, so they cannot be asked about through filters either
    for params in ({"body_id": str(board.id)}, {"role": "member"}):
        for path in ("/api/v1/contacts", "/api/v1/contacts.csv", "/api/v1/contacts.vcf"):
            assert_problem(public.get(path, params=params), 403)
    assert_problem(public.post("/api/v1/contacts", json={"given_name": "A"}), 403)
    assert_problem(public.patch(f"/api/v1/contacts/{person['id']}", json={}), 403)


def test_public_list_runs_a_fixed_number_of_queries(
    editor: ApiClient, public: ApiClient, count_queries: QueryCounter
) -> None:
    for i in range(12):
        _person(editor, job_title=f"Leder {i}")

    def queries(limit: str, **params: str) -> int:
        count_queries.count = 0
        response = public.get("/api/v1/contacts", params={"limit": limit, **params})
        assert response.status_code == 200 and len(response.json()["items"]) == int(limit)
        return count_queries.count

    assert queries("2") == queries("12") <= 3
    assert queries("2", q="leder soren") == queries("12", q="leder soren") <= 3
