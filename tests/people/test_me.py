"""`/me`, people and their contacts, and the personal calendar feed."""

import uuid
from collections.abc import Callable
from typing import Any

import icalendar
import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.directory.models import Contact
from app.people.dev_issuer import DevIssuer
from app.people.models import User
from tests.aio import ApiClient, DbSession
from tests.conftest import AUDIENCE
from tests.governance.factories import member
from tests.helpers import assert_problem
from tests.meetings.factories import body, contact, meeting, plan

ME = "/api/v1/me"
TOKEN = "/api/v1/me/calendar-token"
FEED = "/api/v1/me/meetings.ics"
# the meetings lie in 2030 (tests/meetings/factories.py), past the default window
WINDOW = {"from": "2029-01-01", "to": "2031-01-01"}


def _contact_with_email(db: DbSession, email: str, given: str = "Anna") -> uuid.UUID:
    contact_id = contact(db, given=given)
    row = db.get(Contact, contact_id)
    assert row is not None
    row.emails = [{"address": email, "label": "work", "visibility": "partnership"}]
    db.commit()
    return contact_id


@pytest.fixture
def world(admin: ApiClient, db: DbSession) -> dict[str, Any]:
    """Two plans; Anna sits in plan A's board and in plan B's steering group (and sat in a
    follow-up group until last year); meetings in each, and in a body she is not in."""
    plan_a, plan_b = plan(admin, name="Plan A"), plan(admin, name="Plan B")
    board_a = body(admin, plan_a["id"], "board", name="Bestyrelsen A")
    other_a = body(admin, plan_a["id"], "working_group", name="Arbejdsgruppen A")
    group_b = body(admin, plan_b["id"], "steering_group", name="Styregruppen B")
    old_a = body(admin, plan_a["id"], "follow_up_group", name="Følgegruppen A")
    anna = _contact_with_email(db, "Anna.Berg@example.org")
    member(admin, board_a["id"], anna, role="chair")
    member(admin, group_b["id"], anna)
    member(admin, old_a["id"], anna, start_date="2020-01-01", end_date="2021-12-31")
    meetings = {
        "a_next": meeting(admin, board_a["id"], 10, title="Bestyrelsesmøde"),
        "a_later": meeting(admin, board_a["id"], 40, title="Næste bestyrelsesmøde"),
        "a_past": meeting(admin, board_a["id"], -3000, title="Gammelt møde"),
        "b_next": meeting(admin, group_b["id"], 5, title="Styregruppemøde"),
        "other": meeting(admin, other_a["id"], 7, title="Ikke Annas møde"),
        "old": meeting(admin, old_a["id"], 8, title="Følgegruppemøde"),
    }
    cancelled = meeting(admin, board_a["id"], 20, title="Aflyst")
    assert (
        admin.patch(f"/api/v1/meetings/{cancelled['id']}", json={"status": "cancelled"}).status_code
        == 200
    )
    return {
        "plans": {"a": plan_a["id"], "b": plan_b["id"]},
        "bodies": {"board_a": board_a["id"], "group_b": group_b["id"]},
        "anna": anna,
        "meetings": meetings,
        "cancelled": cancelled,
    }


def _anna(
    issuer: DevIssuer, sign_in: Callable[..., str], plan_ids: Any = None, **claims: Any
) -> str:
    sign_in(Role.reader, "anna-group", plan_ids)
    person = {"name": "Anna Berg", "email": "anna.berg@EXAMPLE.org", "groups": ["group-anna-group"]}
    return issuer.token("sub-anna", AUDIENCE, claims={**person, **claims})


def test_a_key_sees_itself(reader: ApiClient) -> None:
    me = reader.get(ME)
    assert me.status_code == 200
    body = me.json()
    assert (body["kind"], body["name"], body["role"], body["plan_ids"]) == (
        "key",
        "reader",
        "reader",
        None,
    )
    assert body["contact"] is None and body["seats"] == body["next_meetings"] == []
    assert body["open_actions"] == [] and body["has_calendar_token"] is False
    assert me.headers["ETag"]
    assert reader.get(ME, params={"fields": "kind,name"}).json() == {
        "kind": "key",
        "name": "reader",
    }


def test_anonymous_and_calendar_keys_get_no_me(
    anon: ApiClient, make_key: Callable[..., str], client_for: Callable[[str], ApiClient]
) -> None:
    assert_problem(anon.get(ME), 401)
    assert_problem(client_for(make_key(Role.calendar, "cal")).get(ME), 403)


def test_a_person_is_linked_by_email_and_sees_seats_and_next_meetings(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    me = client_for(_anna(issuer, sign_in)).get(ME)
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["kind"], body["name"], body["email"], body["role"]) == (
        "user",
        "Anna Berg",
        "anna.berg@EXAMPLE.org",
        "reader",
    )
    assert body["contact"] == {"id": str(world["anna"]), "display_name": "Anna Berg"}
    assert [(s["body_name"], s["role"]) for s in body["seats"]] == [
        ("Bestyrelsen A", "chair"),
        ("Styregruppen B", "member"),
    ]
    m = world["meetings"]
    assert [x["id"] for x in body["next_meetings"]] == [
        m["b_next"]["id"],
        m["a_next"]["id"],
        m["a_later"]["id"],
    ]
    assert body["next_meetings"][0]["body_name"] == "Styregruppen B"
    user = db.scalars(select(User).where(User.subject == "sub-anna")).one()
    assert user.contact_id == world["anna"] and user.issuer == issuer.url
    assert user.first_seen_at <= user.last_seen_at
    assert "exp" not in user.claims and user.claims["groups"] == ["group-anna-group"]


def test_a_plan_limited_person_sees_only_their_plans(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
) -> None:
    token = _anna(issuer, sign_in, [uuid.UUID(world["plans"]["a"])])
    body = client_for(token).get(ME).json()
    assert body["plan_ids"] == [world["plans"]["a"]]
    assert [s["body_name"] for s in body["seats"]] == ["Bestyrelsen A"]
    assert world["meetings"]["b_next"]["id"] not in [x["id"] for x in body["next_meetings"]]


def test_a_person_sees_their_open_follow_ups(
    world: dict[str, Any],
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    anna, board_a, group_b = world["anna"], world["bodies"]["board_a"], world["bodies"]["group_b"]
    other = contact(db, given="Bo")

    def action(body_id: str, title: str, **fields: Any) -> dict[str, Any]:
        response = admin.post(
            "/api/v1/actions", json={"body_id": body_id, "title": title, **fields}
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    later = action(board_a, "Budget", owner_id=str(anna), due_date="2031-03-01")
    undated = action(board_a, "Lokaler", owner_id=str(anna))
    soon = action(group_b, "Kontrakt", owner_id=str(anna), due_date="2030-01-15")
    done = action(board_a, "Referat", owner_id=str(anna), due_date="2029-01-01")
    assert admin.patch(f"/api/v1/actions/{done['id']}", json={"status": "done"}).status_code == 200
    action(board_a, "Ikke Annas", owner_id=str(other), due_date="2029-06-01")

    mine = client_for(_anna(issuer, sign_in)).get(ME).json()["open_actions"]
    assert [a["id"] for a in mine] == [soon["id"], later["id"], undated["id"]]
    assert mine[0] == {
        "id": soon["id"],
        "title": "Kontrakt",
        "due_date": "2030-01-15",
        "status": "open",
        "body_id": group_b,
    }
    # within the person's plans only (a second person with Anna's address would not be
    # linked: the same person, signed in under a mapping limited to plan A)
    for mapping in admin.get("/api/v1/role-mappings").json()["items"]:
        assert admin.delete(f"/api/v1/role-mappings/{mapping['id']}").status_code == 204
    limited = _anna(issuer, sign_in, [uuid.UUID(world["plans"]["a"])])
    assert [a["id"] for a in client_for(limited).get(ME).json()["open_actions"]] == [
        later["id"],
        undated["id"],
    ]


@pytest.mark.parametrize("claims", [{"email_verified": False}, {"email": None}])
def test_no_link_without_a_verified_address(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    claims: dict[str, Any],
) -> None:
    token = _anna(issuer, sign_in, **claims)
    body = client_for(token).get(ME).json()
    assert body["contact"] is None and body["seats"] == [] and body["next_meetings"] == []


def test_no_link_when_two_contacts_share_the_address(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    _contact_with_email(db, "anna.berg@example.org", given="Anden")
    assert client_for(_anna(issuer, sign_in)).get(ME).json()["contact"] is None


def test_an_admin_links_and_unlinks_a_person(
    world: dict[str, Any],
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    make_key: Callable[..., str],
    db: DbSession,
) -> None:
    anna = client_for(_anna(issuer, sign_in, email_verified=False))
    assert anna.get(ME).json()["contact"] is None
    users = admin.get("/api/v1/users").json()["items"]
    user = next(u for u in users if u["subject"] == "sub-anna")
    assert user["contact_id"] is None and user["has_calendar_token"] is False
    path = f"/api/v1/users/{user['id']}"
    etag = admin.get(path).headers["ETag"]

    limited = client_for(make_key(Role.admin, "admin-a", [uuid.UUID(world["plans"]["a"])]))
    assert_problem(limited.get("/api/v1/users"), 403)
    assert_problem(limited.patch(path, json={"contact_id": str(world["anna"])}), 403)
    assert_problem(anna.patch(path, json={"contact_id": str(world["anna"])}), 403)
    assert_problem(admin.patch(path, json={"contact_id": str(uuid.uuid4())}), 422)
    assert_problem(admin.get(f"/api/v1/users/{uuid.uuid4()}"), 404)

    linked = admin.patch(path, json={"contact_id": str(world["anna"])}, headers={"If-Match": etag})
    assert linked.status_code == 200, linked.text
    assert linked.json()["contact_id"] == str(world["anna"])
    assert len(anna.get(ME).json()["seats"]) == 2
    assert_problem(admin.patch(path, json={"contact_id": None}, headers={"If-Match": etag}), 412)
    assert admin.patch(path, json={"contact_id": None}).json()["contact_id"] is None
    assert anna.get(ME).json()["seats"] == []
    logged = db.scalars(select(Change).where(Change.resource == "user")).all()
    assert [(c.action, c.changed_fields, c.actor_kind) for c in logged] == [
        ("updated", ["contact_id"], "key"),
        ("updated", ["contact_id"], "key"),
    ]


def test_user_list_runs_a_fixed_number_of_queries(
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    count_queries: Any,
) -> None:
    client_for(sign_in(Role.reader, "first")).get(ME)
    count_queries.count = 0
    assert admin.get("/api/v1/users").status_code == 200
    few = count_queries.count
    for i in range(8):
        client_for(sign_in(Role.reader, f"more-{i}")).get(ME)
    count_queries.count = 0
    assert len(admin.get("/api/v1/users").json()["items"]) == 9
    assert count_queries.count == few


def test_the_change_log_names_the_person(
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    person = client_for(sign_in(Role.editor, "Bodil Sekretær"))
    org = person.post("/api/v1/organizations", json={"name": "Org", "kind": "other"}).json()
    user_id = person.get(ME).json()["id"]
    entry = db.scalars(select(Change).where(Change.resource_id == uuid.UUID(org["id"]))).one()
    assert (entry.actor, entry.actor_kind, entry.actor_id) == (
        "Bodil Sekretær",
        "user",
        uuid.UUID(user_id),
    )
    feed = person.get("/api/v1/changes").json()["items"]
    logged = next(c for c in feed if c["resource_id"] == org["id"])
    assert (logged["actor"], logged["actor_kind"], logged["actor_id"]) == (
        "Bodil Sekretær",
        "user",
        user_id,
    )


def test_a_persons_name_and_claims_follow_their_token(
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    sign_in(Role.reader, "g")
    first = issuer.token("sub-p", AUDIENCE, claims={"name": "Per", "groups": ["group-g"]})
    assert client_for(first).get(ME).json()["name"] == "Per"
    renamed = issuer.token("sub-p", AUDIENCE, claims={"name": "Per Hansen", "groups": ["group-g"]})
    assert client_for(renamed).get(ME).json()["name"] == "Per Hansen"
    users = db.scalars(select(User).where(User.subject == "sub-p")).all()
    assert [u.name for u in users] == ["Per Hansen"]


# --- the personal calendar ---------------------------------------------------------------


def _events(feed: bytes) -> list[str]:
    cal = icalendar.Calendar.from_ical(feed)
    return sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))


def test_a_person_gets_a_feed_of_their_bodies_only(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    anon: ApiClient,
    db: DbSession,
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    issued = anna.post(TOKEN)
    assert issued.status_code == 201, issued.text
    assert issued.headers["Cache-Control"] == "no-store"
    secret = issued.json()["secret"]
    assert issued.json()["feed_url"] == f"{FEED}?token={secret}"
    assert anna.get(ME).json()["has_calendar_token"] is True
    stored = db.scalar(select(User.calendar_token_hash).where(User.subject == "sub-anna"))
    assert stored and secret not in stored  # only a hash is kept

    feed = anon.get(FEED, params={"token": secret, **WINDOW})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    # the bodies she sits in today, not the old one she left nor the others
    assert _events(feed.content) == sorted(
        ["Bestyrelsesmøde", "Næste bestyrelsesmøde", "Styregruppemøde", "Aflyst"]
    )
    # the same feed for the signed-in person through the header
    assert _events(anna.get(FEED, params=WINDOW).content) == _events(feed.content)
    # the default window (90 days back, two years ahead) holds none of them
    assert _events(anon.get(FEED, params={"token": secret}).content) == []


def test_the_feed_token_opens_that_feed_only(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    anon: ApiClient,
    make_key: Callable[..., str],
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    secret = anna.post(TOKEN).json()["secret"]
    others = [
        "/api/v1/calendar.ics",
        f"/api/v1/bodies/{world['bodies']['board_a']}/meetings.ics",
        f"/api/v1/plans/{world['plans']['a']}/meetings.ics",
        f"/api/v1/meetings/{world['meetings']['a_next']['id']}.ics",
    ]
    for path in others:
        problem = assert_problem(anon.get(path, params={"token": secret}), 401)
        assert "/api/v1/me/meetings.ics" in problem["detail"]
        assert_problem(client_for(secret).get(path), 401)
    assert_problem(client_for(secret).get(ME), 401)
    assert_problem(client_for(secret).get("/api/v1/organizations"), 401)
    # and no other credential opens the personal feed from a URL
    calendar_key = make_key(Role.calendar, "cal")
    assert_problem(anon.get(FEED, params={"token": calendar_key}), 401)
    assert_problem(anon.get(FEED, params={"token": "samcal_nope"}), 401)
    assert_problem(anon.get(FEED), 401)
    # a key has no personal feed
    assert_problem(client_for(calendar_key).get(FEED), 403)
    assert_problem(client_for(make_key(Role.admin, "k")).post(TOKEN), 403)


def test_rotating_and_revoking_the_feed_token(
    world: dict[str, Any],
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    anon: ApiClient,
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    first = anna.post(TOKEN).json()["secret"]
    second = anna.post(TOKEN).json()["secret"]
    assert first != second
    assert_problem(anon.get(FEED, params={"token": first}), 401)
    assert anon.get(FEED, params={"token": second}).status_code == 200
    assert anna.delete(TOKEN).status_code == 204
    assert_problem(anon.get(FEED, params={"token": second}), 401)
    assert anna.get(ME).json()["has_calendar_token"] is False


def test_the_feed_follows_the_current_role_mappings(
    world: dict[str, Any],
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    anon: ApiClient,
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    secret = anna.post(TOKEN).json()["secret"]
    mapping = next(
        m
        for m in admin.get("/api/v1/role-mappings").json()["items"]
        if m["value"] == "group-anna-group"
    )
    path = f"/api/v1/role-mappings/{mapping['id']}"
    assert admin.patch(path, json={"plan_ids": [world["plans"]["b"]]}).status_code == 200
    assert _events(anon.get(FEED, params={"token": secret, **WINDOW}).content) == [
        "Styregruppemøde"
    ]
    assert admin.delete(path).status_code == 204
    assert_problem(anon.get(FEED, params={"token": secret}), 403)


def test_an_admin_forgets_a_person_and_their_feed_closes(
    world: dict[str, Any],
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    anon: ApiClient,
    make_key: Callable[..., str],
    db: DbSession,
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    secret = anna.post(TOKEN).json()["secret"]
    user_id = anna.get(ME).json()["id"]
    limited = client_for(make_key(Role.admin, "admin-a", [uuid.UUID(world["plans"]["a"])]))
    assert_problem(limited.delete(f"/api/v1/users/{user_id}"), 403)
    assert admin.delete(f"/api/v1/users/{user_id}").status_code == 204
    assert_problem(anon.get(FEED, params={"token": secret}), 401)
    assert_problem(admin.get(f"/api/v1/users/{user_id}"), 404)
    entry = db.scalars(
        select(Change).where(Change.resource == "user", Change.action == "deleted")
    ).one()
    assert entry.resource_id == uuid.UUID(user_id)
    # signing in again records them afresh, without a feed
    again = anna.get(ME).json()
    assert again["id"] != user_id and again["has_calendar_token"] is False


def test_me_runs_a_fixed_number_of_queries(
    world: dict[str, Any],
    admin: ApiClient,
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    count_queries: Any,
) -> None:
    anna = client_for(_anna(issuer, sign_in))
    anna.get(ME)  # the first request records her
    count_queries.count = 0
    assert len(anna.get(ME).json()["seats"]) == 2
    few = count_queries.count
    for i in range(6):
        extra = body(admin, world["plans"]["a"], "working_group", name=f"Gruppe {i}")
        member(admin, extra["id"], world["anna"])
        meeting(admin, extra["id"], 3 + i, title=f"Møde {i}")
    count_queries.count = 0
    assert len(anna.get(ME).json()["seats"]) == 8
    assert count_queries.count == few


def test_a_new_token_of_the_same_person_writes_nothing(
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    count_queries: Any,
) -> None:
    sign_in(Role.reader, "g")
    claims = {"name": "Per", "groups": ["group-g"]}
    client_for(issuer.token("sub-p", AUDIENCE, claims={**claims, "uti": "a", "rh": "1"})).get(ME)
    count_queries.statements.clear()
    fresh = issuer.token("sub-p", AUDIENCE, claims={**claims, "uti": "b", "rh": "2"})
    assert client_for(fresh).get(ME).status_code == 200
    writes = [
        s for s in count_queries.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []


def test_a_first_sign_in_that_loses_the_race_reads_the_winners_row(
    issuer: DevIssuer,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    monkeypatch: pytest.MonkeyPatch,
    db: DbSession,
) -> None:
    from app.people import repository

    sign_in(Role.reader, "g")
    token = issuer.token("sub-r", AUDIENCE, claims={"name": "R", "groups": ["group-g"]})
    winner = client_for(token).get(ME).json()["id"]
    # the next request looks the person up before the winner's row is visible, twice (the
    # read and the re-read in the write): its insert then meets the unique issuer + sub
    real = repository.user_by_subject
    lookups: list[str] = []

    async def not_yet(session: Any, issuer_url: str, subject: str) -> Any:
        lookups.append(subject)
        return None if len(lookups) <= 2 else await real(session, issuer_url, subject)

    monkeypatch.setattr(repository, "user_by_subject", not_yet)
    renamed = issuer.token("sub-r", AUDIENCE, claims={"name": "R2", "groups": ["group-g"]})
    me = client_for(renamed).get(ME)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == winner and len(lookups) == 3
    assert len(db.scalars(select(User).where(User.subject == "sub-r")).all()) == 1
