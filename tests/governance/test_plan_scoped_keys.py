"""Keys limited to some plans (DESIGN §3): another plan's records do not exist for them."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from app.core.security import Role
from tests.aio import ApiClient, DbSession
from tests.governance.factories import body, contact, member, plan
from tests.helpers import assert_problem, municipality


@pytest.fixture
def world(editor: ApiClient, db: DbSession) -> dict[str, Any]:
    """Two plans, each with a board and a member."""
    mine = plan(editor, name="Min plan")
    theirs = plan(editor, name="Deres plan")
    my_board = body(editor, mine["id"], "board", name="Min bestyrelse")
    their_board = body(editor, theirs["id"], "board", name="Deres bestyrelse")
    anna = contact(db)
    return {
        "mine": mine,
        "theirs": theirs,
        "my_board": my_board,
        "their_board": their_board,
        "anna": anna,
        "my_seat": member(editor, my_board["id"], anna),
        "their_seat": member(editor, their_board["id"], anna),
    }


@pytest.fixture
def scoped(
    world: dict[str, Any],
    make_key: Callable[..., str],
    client_for: Callable[[str | None], ApiClient],
) -> Callable[[Role], ApiClient]:
    """A client whose key is limited to the first plan."""
    return lambda role: client_for(
        make_key(role, f"scoped-{role}", [uuid.UUID(world["mine"]["id"])])
    )


def test_plans(world: dict[str, Any], scoped: Callable[[Role], ApiClient]) -> None:
    client = scoped(Role.editor)
    listing = client.get("/api/v1/plans").json()
    assert [p["id"] for p in listing["items"]] == [world["mine"]["id"]]
    assert listing["total"] == 1
    assert client.get(f"/api/v1/plans/{world['mine']['id']}").status_code == 200
    theirs = f"/api/v1/plans/{world['theirs']['id']}"
    assert_problem(client.get(theirs), 404)
    assert_problem(client.patch(theirs, json={"name": "Min nu"}), 404)
    assert_problem(client.delete(theirs), 404)
    assert_problem(client.get(f"{theirs}/structure"), 404)
    assert_problem(client.get(f"{theirs}/governance-check"), 404)
    mine = f"/api/v1/plans/{world['mine']['id']}"
    assert client.get(f"{mine}/structure").status_code == 200
    assert client.get(f"{mine}/governance-check").status_code == 200
    assert client.patch(mine, json={"areas": ["Nord"]}).status_code == 200


def test_a_scoped_key_cannot_create_plans(
    editor: ApiClient, scoped: Callable[[Role], ApiClient]
) -> None:
    randers = municipality(editor, "Aarhus Kommune", "751")
    response = scoped(Role.admin).post(
        "/api/v1/plans", json={"name": "Ny", "municipality_id": randers["id"]}
    )
    assert_problem(response, 403)


def test_bodies(world: dict[str, Any], scoped: Callable[[Role], ApiClient]) -> None:
    client = scoped(Role.editor)
    listing = client.get("/api/v1/bodies").json()
    assert [b["id"] for b in listing["items"]] == [world["my_board"]["id"]]
    theirs_filter = client.get("/api/v1/bodies", params={"plan_id": world["theirs"]["id"]})
    assert theirs_filter.json()["items"] == []
    theirs = f"/api/v1/bodies/{world['their_board']['id']}"
    assert_problem(client.get(theirs), 404)
    assert_problem(client.patch(theirs, json={"name": "X"}), 404)
    assert_problem(client.delete(theirs), 404)
    response = client.post(
        "/api/v1/bodies",
        json={"plan_id": world["theirs"]["id"], "kind": "working_group", "name": "Snig"},
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "plan_id"]
    created = body(client, world["mine"]["id"], "working_group")
    assert created["plan_id"] == world["mine"]["id"]


def test_memberships(
    world: dict[str, Any], scoped: Callable[[Role], ApiClient], db: DbSession
) -> None:
    client = scoped(Role.editor)
    their_list = f"/api/v1/bodies/{world['their_board']['id']}/memberships"
    assert_problem(client.get(their_list), 404)
    assert_problem(client.post(their_list, json={"contact_id": str(contact(db, "Bo"))}), 404)
    theirs = f"/api/v1/memberships/{world['their_seat']['id']}"
    assert_problem(client.get(theirs), 404)
    assert_problem(client.patch(theirs, json={"note": "x"}), 404)
    assert_problem(client.delete(theirs), 404)
    my_list = f"/api/v1/bodies/{world['my_board']['id']}/memberships"
    assert [m["id"] for m in client.get(my_list).json()["items"]] == [world["my_seat"]["id"]]
    assert client.get(f"/api/v1/memberships/{world['my_seat']['id']}").status_code == 200


def test_change_feed_shows_only_the_keys_plans(
    world: dict[str, Any], scoped: Callable[[Role], ApiClient], editor: ApiClient
) -> None:
    editor.patch(f"/api/v1/plans/{world['theirs']['id']}", json={"name": "Deres plan 2"})
    editor.patch(f"/api/v1/plans/{world['mine']['id']}", json={"name": "Min plan 2"})
    entries = scoped(Role.reader).get("/api/v1/changes", params={"limit": 200}).json()["items"]
    ids = {e["resource_id"] for e in entries}
    mine = {world[k]["id"] for k in ("mine", "my_board", "my_seat")}
    theirs = {world[k]["id"] for k in ("theirs", "their_board", "their_seat")}
    assert mine <= ids
    assert not ids & theirs
    everything = {e["resource_id"] for e in editor.get("/api/v1/changes").json()["items"]}
    assert theirs <= everything


def test_a_scoped_reader_cannot_write(
    world: dict[str, Any], scoped: Callable[[Role], ApiClient]
) -> None:
    client = scoped(Role.reader)
    assert_problem(client.patch(f"/api/v1/plans/{world['mine']['id']}", json={"name": "X"}), 403)
    assert_problem(client.patch(f"/api/v1/plans/{world['theirs']['id']}", json={"name": "X"}), 403)
