"""Issue 13, point 5: a contact sync reads `/changes?resource=contact,organization`."""

import uuid
from collections.abc import Callable

from app.core.security import Role
from tests.aio import ApiClient, DbSession
from tests.conftest import QueryCounter
from tests.directory.contacts_support import contact, plan_with_body
from tests.helpers import assert_problem, organization
from tests.meetings import factories as f


def _feed(client: ApiClient, **params: str) -> list[tuple[str, str]]:
    response = client.get("/api/v1/changes", params={"limit": "200", **params})
    assert response.status_code == 200, response.text
    return [(c["resource"], c["action"]) for c in response.json()["items"]]


def test_changes_filtered_by_resource(editor: ApiClient, reader: ApiClient) -> None:
    org = organization(editor, name="Boligforeningen Gudenå")
    plan = f.plan(editor)
    person = contact(editor, organization_id=org["id"])
    f.body(editor, plan["id"], "board")
    editor.patch(f"/api/v1/contacts/{person['id']}", json={"job_title": "Leder"})
    everything = _feed(reader)
    assert {r for r, _ in everything} >= {"organization", "plan", "contact", "body"}
    sync = _feed(reader, resource="contact,organization")
    assert sync == [c for c in everything if c[0] in ("contact", "organization")]
    assert ("contact", "updated") in sync and ("organization", "created") in sync
    assert _feed(reader, resource="contact") == [
        ("contact", "created"),
        ("contact", "updated"),
    ]
    assert _feed(reader, resource=" plan , body ") == [
        c for c in everything if c[0] in ("plan", "body")
    ]
    # with `after` and paging, the total counts the filtered entries
    first_seq = reader.get("/api/v1/changes", params={"resource": "contact"}).json()["items"][0]
    after = reader.get(
        "/api/v1/changes", params={"resource": "contact", "after": str(first_seq["seq"])}
    ).json()
    assert [c["action"] for c in after["items"]] == ["updated"] and after["total"] == 1
    paged = reader.get("/api/v1/changes", params={"resource": "contact,organization", "limit": 1})
    assert paged.json()["total"] == len(sync)
    assert "resource=contact%2Corganization" in paged.headers["link"]


def test_unknown_resource_kinds_are_422(reader: ApiClient) -> None:
    for value in ("contacts", "contact,nothing", "", ",", "x" * 501):
        body = assert_problem(reader.get("/api/v1/changes", params={"resource": value}), 422)
        assert body["errors"][0]["loc"] == ["query", "resource"], value
    body = assert_problem(reader.get("/api/v1/changes", params={"resource": "contacts"}), 422)
    assert "contacts" in body["errors"][0]["msg"] and "contact" in body["errors"][0]["msg"]


def test_a_limited_key_sees_its_plans_only_with_the_filter(
    editor: ApiClient,
    db: DbSession,
    client_for: Callable[[str], ApiClient],
    make_key: Callable[..., str],
) -> None:
    mine, other = f.plan(editor, name="Min plan"), f.plan(editor, name="Anden plan")
    f.body(editor, mine["id"], "board")
    f.body(editor, other["id"], "board")
    limited = client_for(make_key(Role.reader, "limited", [uuid.UUID(mine["id"])]))
    assert _feed(limited, resource="body") == [("body", "created")]
    assert len(_feed(editor, resource="body")) == 2
    plan_with_body(db)  # bodies made outside the API are not in the log
    assert len(_feed(editor, resource="body")) == 2


def test_filtered_feed_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, count_queries: QueryCounter
) -> None:
    def queries(limit: str) -> int:
        count_queries.count = 0
        response = reader.get(
            "/api/v1/changes", params={"resource": "contact,organization", "limit": limit}
        )
        assert response.status_code == 200 and len(response.json()["items"]) == int(limit)
        return count_queries.count

    for i in range(12):
        contact(editor, given=f"P{i}")
        organization(editor, name=f"O{i}")
    assert queries("2") == queries("20") <= 3


def test_every_kind_the_app_records_can_be_filtered() -> None:
    # a kind added by a new module must be in the filter's list, or a sync cannot ask for it
    import importlib
    import pkgutil

    import app
    from app.changes.router import RESOURCES
    from app.people import service as people

    recorded = {people.MAPPING, people.USER}
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        module = importlib.import_module(module_info.name)
        kind = getattr(module, "RESOURCE", None)
        if isinstance(kind, str):
            recorded.add(kind)
    assert {"contact", "action", "decision"} <= recorded
    assert recorded <= set(RESOURCES), recorded - set(RESOURCES)
