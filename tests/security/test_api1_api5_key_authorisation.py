"""OWASP API1 / API5 (2023): a plan-limited key stays inside its plans, also over other keys.

Every test runs for a key and for a signed-in person of the same role and plans
(tests/security/conftest.py).

A limited admin may create only keys limited to some of its own plans and no higher role,
sees and revokes only such keys (others are 404, as any record of another plan), and may not
erase from the shared directory. Key names are unique and single-line, and the change log
names the acting key by id, so a key named like another cannot pass as it.
"""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.keys.models import ApiKey
from tests.aio import ApiClient, DbSession
from tests.governance.factories import contact, plan
from tests.helpers import assert_problem

KEYS = "/api/v1/api-keys"


@pytest.fixture
def plans(editor: ApiClient) -> dict[str, str]:
    """Plans A and B."""
    return {"a": plan(editor, name="Plan A")["id"], "b": plan(editor, name="Plan B")["id"]}


@pytest.fixture
def limited_admin(
    plans: dict[str, str],
    make_key: Callable[..., str],
    client_for: Callable[[str | None], ApiClient],
) -> ApiClient:
    """An admin key limited to plan A."""
    return client_for(make_key(Role.admin, "admin-a", [uuid.UUID(plans["a"])]))


def _create(client: ApiClient, name: str, role: str, plan_ids: Any) -> Any:
    return client.post(KEYS, json={"name": name, "role": role, "plan_ids": plan_ids})


@pytest.mark.parametrize("plan_ids", [None, []])
def test_limited_admin_cannot_create_unlimited_keys(
    limited_admin: ApiClient, plan_ids: Any, db: DbSession
) -> None:
    problem = assert_problem(_create(limited_admin, "wide", "reader", plan_ids), 403)
    assert "plan_ids" in problem["detail"]
    assert db.scalar(select(ApiKey).where(ApiKey.name == "wide")) is None


def test_limited_admin_cannot_create_keys_for_other_plans(
    limited_admin: ApiClient, plans: dict[str, str], db: DbSession
) -> None:
    assert_problem(_create(limited_admin, "b-only", "reader", [plans["b"]]), 403)
    assert_problem(_create(limited_admin, "a-and-b", "reader", [plans["a"], plans["b"]]), 403)
    assert db.scalar(select(ApiKey).where(ApiKey.name.in_(["b-only", "a-and-b"]))) is None


def test_limited_admin_creates_keys_inside_its_plans(
    limited_admin: ApiClient, plans: dict[str, str], client_for: Callable[[str], ApiClient]
) -> None:
    for role in ("calendar", "reader", "editor", "admin"):
        created = _create(limited_admin, f"a-{role}", role, [plans["a"]])
        assert created.status_code == 201, created.text
        assert created.json()["plan_ids"] == [plans["a"]]
    # what it created is as limited as it is
    editor_a = client_for(created.json()["secret"])
    assert editor_a.get(f"/api/v1/plans/{plans['b']}").status_code == 404


@pytest.mark.parametrize(
    ("caller", "target"),
    [("editor", "admin"), ("reader", "editor"), ("calendar", "reader")],
)
def test_no_key_is_created_above_the_callers_role(
    caller: str, target: str, plans: dict[str, str]
) -> None:
    # Only admins reach the endpoint today; the rule holds below them too.
    from app.core.errors import Forbidden
    from app.core.security import Principal
    from app.keys.service import authorise_new_key

    principal = Principal(
        key_id=uuid.uuid4(),
        name="x",
        role=Role(caller),
        plan_ids=frozenset({uuid.UUID(plans["a"])}),
    )
    with pytest.raises(Forbidden):
        authorise_new_key(principal, Role(target), [uuid.UUID(plans["a"])])
    authorise_new_key(principal, Role(caller), [uuid.UUID(plans["a"])])


def test_limited_admin_sees_and_revokes_only_keys_inside_its_plans(
    limited_admin: ApiClient,
    admin: ApiClient,
    plans: dict[str, str],
    caller_kind: str,
) -> None:
    unlimited = _create(admin, "everything", "reader", None).json()
    other_plan = _create(admin, "plan-b", "reader", [plans["b"]]).json()
    both = _create(admin, "a-and-b", "reader", [plans["a"], plans["b"]]).json()
    inside = _create(admin, "plan-a", "reader", [plans["a"]]).json()

    listed = limited_admin.get(KEYS).json()
    names = [k["name"] for k in listed["items"]]
    # the callers are keys in the list themselves, or people (who are not keys)
    assert "plan-a" in names and ("admin-a" in names) == (caller_kind == "key")
    assert not {"everything", "plan-b", "a-and-b", "admin"} & set(names)
    assert listed["total"] == len(names)
    with_revoked = limited_admin.get(KEYS, params={"include_revoked": "true"}).json()
    assert {k["name"] for k in with_revoked["items"]} == set(names)

    for outside in (unlimited, other_plan, both):
        assert_problem(limited_admin.get(f"{KEYS}/{outside['id']}"), 404)
        assert_problem(limited_admin.delete(f"{KEYS}/{outside['id']}"), 404)
        # still working: the refused revocation changed nothing
        assert admin.get(f"{KEYS}/{outside['id']}").status_code == 200
    admins = admin.get(KEYS).json()["items"]
    unlimited_admin = _create(admin, "another-admin", "admin", None).json()
    for key_id in [k["id"] for k in admins if k["name"] == "admin"] + [unlimited_admin["id"]]:
        assert_problem(limited_admin.delete(f"{KEYS}/{key_id}"), 404)

    assert limited_admin.get(f"{KEYS}/{inside['id']}").status_code == 200
    assert limited_admin.delete(f"{KEYS}/{inside['id']}").status_code == 204
    assert_problem(admin.get(f"{KEYS}/{inside['id']}"), 404)


def test_unlimited_admin_manages_every_key(
    admin: ApiClient, plans: dict[str, str], caller_kind: str
) -> None:
    created = [
        _create(admin, "k-none", "admin", None).json(),
        _create(admin, "k-b", "editor", [plans["b"]]).json(),
    ]
    names = {k["name"] for k in admin.get(KEYS).json()["items"]}
    assert {"k-none", "k-b"} <= names
    assert ("admin" in names) == (caller_kind == "key")
    for key in created:
        assert admin.delete(f"{KEYS}/{key['id']}").status_code == 204


def test_key_list_runs_a_fixed_number_of_queries(
    limited_admin: ApiClient,
    admin: ApiClient,
    plans: dict[str, str],
    count_queries: Any,
    caller_kind: str,
) -> None:
    _create(admin, "first", "reader", [plans["a"]])
    limited_admin.get(KEYS)  # a person's first request records them: not part of the list
    count_queries.count = 0
    assert limited_admin.get(KEYS).status_code == 200
    few = count_queries.count
    for i in range(12):
        _create(admin, f"more-{i}", "reader", [plans["a"]] if i % 2 else [plans["b"]])
    count_queries.count = 0
    # six of plan A and "first", and the caller itself when it is a key
    assert len(limited_admin.get(KEYS).json()["items"]) == (8 if caller_kind == "key" else 7)
    assert count_queries.count == few


def test_only_an_unlimited_admin_erases(
    limited_admin: ApiClient, admin: ApiClient, editor: ApiClient, db: DbSession
) -> None:
    person = contact(db)
    path = f"/api/v1/contacts/{person}/erase"
    problem = assert_problem(limited_admin.post(path), 403)
    assert "not limited to plans" in problem["detail"]
    assert_problem(editor.post(path), 403)
    kept = admin.get(f"/api/v1/contacts/{person}").json()
    assert kept["given_name"] and kept["erased"] is False
    assert admin.post(path).status_code == 200
    assert admin.get(f"/api/v1/contacts/{person}").json()["erased"] is True


def test_key_names_are_unique(admin: ApiClient, db: DbSession) -> None:
    first = _create(admin, "intranet-sync", "reader", None)
    assert first.status_code == 201
    problem = assert_problem(_create(admin, "intranet-sync", "admin", None), 409)
    assert "intranet-sync" in problem["detail"]
    # a revoked key keeps its name, so the name never points at two keys in the log
    assert admin.delete(f"{KEYS}/{first.json()['id']}").status_code == 204
    assert_problem(_create(admin, "intranet-sync", "reader", None), 409)
    assert len(db.scalars(select(ApiKey).where(ApiKey.name == "intranet-sync")).all()) == 1


@pytest.mark.parametrize(
    "name", ["two\nlines", "carriage\rreturn", "tab\there", "nul\x00", "bidi\u202eevil"]
)
def test_key_names_are_single_line(admin: ApiClient, name: str) -> None:
    problem = assert_problem(_create(admin, name, "reader", None), 422)
    assert problem["errors"][0]["loc"] == ["body", "name"]


def test_change_log_names_the_acting_key_by_id(
    admin: ApiClient,
    client_for: Callable[[str], ApiClient],
    db: DbSession,
) -> None:
    created = _create(admin, "editor-one", "editor", None).json()
    editor_one = client_for(created["secret"])
    org = editor_one.post("/api/v1/organizations", json={"name": "Org", "kind": "other"}).json()
    entry = db.scalars(select(Change).where(Change.resource_id == uuid.UUID(org["id"]))).one()
    assert entry.actor == "editor-one"
    assert (entry.actor_kind, entry.actor_id) == ("key", uuid.UUID(created["id"]))
    feed = admin.get("/api/v1/changes").json()["items"]
    logged = next(c for c in feed if c["resource_id"] == org["id"])
    assert logged["actor"] == "editor-one"
    assert (logged["actor_kind"], logged["actor_id"]) == ("key", created["id"])
