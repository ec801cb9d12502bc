"""Role mappings: only an unlimited admin manages them; the matching mappings give a person
their role and plans; no mapping is a 403 that says so."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app.changes.models import Change
from app.core.security import Role
from app.people.dev_issuer import DevIssuer
from app.people.mappings import claim_values, resolve
from app.people.models import RoleMapping
from tests.aio import ApiClient, DbSession
from tests.conftest import AUDIENCE
from tests.governance.factories import plan
from tests.helpers import assert_problem

MAPPINGS = "/api/v1/role-mappings"


@pytest.fixture
def plans(admin: ApiClient) -> dict[str, str]:
    """Plans A and B."""
    return {"a": plan(admin, name="Plan A")["id"], "b": plan(admin, name="Plan B")["id"]}


def _token(issuer: DevIssuer, sub: str, **claims: Any) -> str:
    return issuer.token(sub, AUDIENCE, claims={"name": sub, **claims})


def _map(client: ApiClient, claim: str, value: str, role: str, plan_ids: Any = None) -> Any:
    return client.post(
        MAPPINGS, json={"claim": claim, "value": value, "role": role, "plan_ids": plan_ids}
    )


def test_an_admin_maps_a_group_and_the_person_gets_the_role(
    admin: ApiClient,
    issuer: DevIssuer,
    client_for: Callable[[str], ApiClient],
    plans: dict[str, str],
    db: DbSession,
) -> None:
    token = _token(issuer, "sekretaer", groups=["g-sekretariat", "g-other"])
    problem = assert_problem(client_for(token).get("/api/v1/me"), 403, "no-role-mapping")
    assert "no role mapping" in problem["detail"] and "g-sekretariat" in problem["detail"]

    created = _map(admin, "groups", "g-sekretariat", "editor", [plans["a"]])
    assert created.status_code == 201, created.text
    mapping = created.json()
    assert created.headers["Location"] == f"{MAPPINGS}/{mapping['id']}"
    assert created.headers["ETag"]
    assert (mapping["claim"], mapping["value"], mapping["role"], mapping["plan_ids"]) == (
        "groups",
        "g-sekretariat",
        "editor",
        [plans["a"]],
    )

    person = client_for(token)
    me = person.get("/api/v1/me").json()
    assert (me["role"], me["plan_ids"]) == ("editor", [plans["a"]])
    assert (
        person.post(
            "/api/v1/bodies", json={"plan_id": plans["a"], "kind": "board", "name": "B"}
        ).status_code
        == 201
    )
    assert_problem(
        person.post("/api/v1/bodies", json={"plan_id": plans["b"], "kind": "board", "name": "B"}),
        422,
    )
    assert_problem(person.get(f"/api/v1/plans/{plans['b']}"), 404)
    assert_problem(
        person.post(MAPPINGS, json={"claim": "groups", "value": "x", "role": "admin"}), 403
    )

    entry = db.scalars(select(Change).where(Change.resource == "role_mapping")).one()
    assert (entry.action, entry.actor, entry.actor_kind) == ("created", "admin", "key")


def test_mappings_list_get_patch_delete(
    admin: ApiClient,
    issuer: DevIssuer,
    client_for: Callable[[str], ApiClient],
    plans: dict[str, str],
) -> None:
    first = _map(admin, "groups", "g-b", "reader").json()
    _map(admin, "roles", "Samstyre.Admin", "admin")
    listed = admin.get(MAPPINGS).json()
    assert [(m["claim"], m["value"]) for m in listed["items"]] == [
        ("groups", "g-b"),
        ("roles", "Samstyre.Admin"),
    ]
    one = admin.get(f"{MAPPINGS}/{first['id']}")
    assert one.status_code == 200 and one.json() == first
    etag = one.headers["ETag"]

    token = _token(issuer, "b-person", groups=["g-b"])
    assert client_for(token).get("/api/v1/me").json()["role"] == "reader"

    changed = admin.patch(
        f"{MAPPINGS}/{first['id']}",
        json={"role": "editor", "plan_ids": [plans["b"]]},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["plan_ids"]) == ("editor", [plans["b"]])
    assert client_for(token).get("/api/v1/me").json()["role"] == "editor"
    # the old ETag is stale now
    assert_problem(admin.delete(f"{MAPPINGS}/{first['id']}", headers={"If-Match": etag}), 412)
    assert_problem(admin.patch(f"{MAPPINGS}/{first['id']}", json={"role": None}), 422)
    assert_problem(admin.patch(f"{MAPPINGS}/{first['id']}", json={"claim": "x"}), 422)

    assert admin.delete(f"{MAPPINGS}/{first['id']}").status_code == 204
    assert_problem(admin.get(f"{MAPPINGS}/{first['id']}"), 404)
    assert_problem(client_for(token).get("/api/v1/me"), 403, "no-role-mapping")


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"claim": "groups", "value": "g", "role": "calendar"}, 422),
        ({"claim": "groups", "value": "g", "role": "owner"}, 422),
        ({"claim": "", "value": "g", "role": "reader"}, 422),
        ({"claim": "groups", "value": "", "role": "reader"}, 422),
        ({"claim": "groups", "value": " ", "role": "reader"}, 422),
        ({"claim": "two\nlines", "value": "g", "role": "reader"}, 422),
        ({"claim": "groups", "value": "g", "role": "reader", "plan_ids": []}, 422),
        ({"claim": "groups", "value": "g", "role": "reader", "extra": 1}, 422),
    ],
)
def test_bad_mappings_are_refused(admin: ApiClient, payload: dict[str, Any], status: int) -> None:
    assert_problem(admin.post(MAPPINGS, json=payload), status)


def test_a_mapping_to_no_plan_is_422_and_a_duplicate_409(admin: ApiClient, db: DbSession) -> None:
    missing = str(uuid.uuid4())
    problem = assert_problem(_map(admin, "groups", "g", "reader", [missing]), 422)
    assert problem["errors"][0]["loc"] == ["body", "plan_ids"]
    assert _map(admin, "groups", "g", "reader").status_code == 201
    problem = assert_problem(_map(admin, "groups", "g", "admin"), 409)
    assert "exists already" in problem["detail"]
    assert db.scalar(select(RoleMapping.role).where(RoleMapping.value == "g")) == "reader"


def test_only_an_unlimited_admin_manages_mappings(
    admin: ApiClient,
    editor: ApiClient,
    make_key: Callable[..., str],
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    plans: dict[str, str],
    db: DbSession,
) -> None:
    mapping = _map(admin, "groups", "g-x", "reader").json()
    limited_key = client_for(make_key(Role.admin, "admin-a", [uuid.UUID(plans["a"])]))
    limited_person = client_for(sign_in(Role.admin, "person-a", [uuid.UUID(plans["a"])]))
    for caller in (limited_key, limited_person, editor):
        # not even inside its own plans: a mapping may name any plan, and any role
        assert_problem(_map(caller, "groups", "g-self", "admin", [plans["a"]]), 403)
        assert_problem(caller.get(MAPPINGS), 403)
        assert_problem(caller.get(f"{MAPPINGS}/{mapping['id']}"), 403)
        assert_problem(caller.patch(f"{MAPPINGS}/{mapping['id']}", json={"role": "admin"}), 403)
        assert_problem(caller.delete(f"{MAPPINGS}/{mapping['id']}"), 403)
    assert db.scalar(select(RoleMapping.id).where(RoleMapping.value == "g-self")) is None
    assert db.scalar(select(RoleMapping.role).where(RoleMapping.value == "g-x")) == "reader"
    # an unlimited admin who signed in manages them
    person = client_for(sign_in(Role.admin, "boss"))
    assert _map(person, "groups", "g-by-person", "reader").status_code == 201
    entry = db.scalars(
        select(Change)
        .where(Change.resource == "role_mapping", Change.action == "created")
        .order_by(Change.seq.desc())
    ).first()
    assert (entry.actor, entry.actor_kind) == ("boss", "user")


def test_mapping_list_runs_a_fixed_number_of_queries(admin: ApiClient, count_queries: Any) -> None:
    _map(admin, "groups", "first", "reader")
    count_queries.count = 0
    assert admin.get(MAPPINGS).status_code == 200
    few = count_queries.count
    for i in range(12):
        _map(admin, "groups", f"more-{i}", "reader")
    count_queries.count = 0
    assert len(admin.get(MAPPINGS).json()["items"]) == 13
    assert count_queries.count == few


# --- the rule, directly ----------------------------------------------------------------


class M:
    def __init__(self, claim: str, value: str, role: str, plan_ids: list[Any] | None) -> None:
        self.claim, self.value, self.role, self.plan_ids = claim, value, role, plan_ids


A, B = uuid.uuid4(), uuid.uuid4()


def test_the_highest_role_wins_with_the_union_of_its_plans() -> None:
    mappings = [
        M("groups", "readers", "reader", None),
        M("groups", "editors-a", "editor", [str(A)]),
        M("groups", "editors-b", "editor", [str(B)]),
        M("groups", "admins", "admin", None),
    ]
    grant = resolve(mappings, {"groups": ["readers", "editors-a", "editors-b"]})
    assert grant is not None and (grant.role, grant.plan_ids) == (Role.editor, frozenset({A, B}))
    # a wide reader mapping never widens a narrow editor one
    grant = resolve(mappings, {"groups": ["readers", "editors-a"]})
    assert grant is not None and (grant.role, grant.plan_ids) == (Role.editor, frozenset({A}))
    grant = resolve(mappings, {"groups": ["editors-a", "admins"]})
    assert grant is not None and (grant.role, grant.plan_ids) == (Role.admin, None)
    assert resolve(mappings, {"groups": ["strangers"]}) is None
    assert resolve(mappings, {}) is None
    assert resolve([], {"groups": ["admins"]}) is None


def test_claims_are_read_as_entra_and_keycloak_send_them() -> None:
    keycloak = {"realm_access": {"roles": ["samstyre-editor", "offline_access"]}, "groups": "/x"}
    assert claim_values(keycloak, "realm_access.roles") == {"samstyre-editor", "offline_access"}
    assert claim_values(keycloak, "groups") == {"/x"}
    assert claim_values(keycloak, "realm_access.missing") == set()
    entra_v1 = {"http://schemas.microsoft.com/ws/2008/06/identity/claims/role": "Admin"}
    assert claim_values(
        entra_v1, "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
    ) == {"Admin"}
    assert claim_values({"groups": [1, None, "g"]}, "groups") == {"g"}
    grant = resolve([M("realm_access.roles", "samstyre-editor", "editor", None)], keycloak)
    assert grant is not None and grant.role is Role.editor
