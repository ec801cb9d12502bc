"""Sparse fieldsets: `?fields=` on every JSON GET, its validation, ETags and the contract."""

import hashlib
import re
from typing import Any

import pytest

from app.core.fields import parse_fields
from app.core.security import Role
from app.main import create_app
from tests.aio import ApiClient
from tests.conftest import QueryCounter
from tests.helpers import assert_problem, create, municipality
from tests.meetings import factories as f

CONTACT_FIELDS = "id,display_name,organization_id"


def _contact(editor: ApiClient, org_id: str, given: str) -> dict[str, Any]:
    return create(
        editor,
        "/api/v1/contacts",
        {
            "given_name": given,
            "family_name": "Berg",
            "organization_id": org_id,
            "emails": [{"address": f"{given.lower()}@example.org"}],
            "responsibilities": ["skole"],
        },
    )


@pytest.fixture
def contacts(editor: ApiClient) -> list[dict[str, Any]]:
    org = municipality(editor)
    return [_contact(editor, org["id"], name) for name in ("Anna", "Bo")]


@pytest.fixture
def board(editor: ApiClient) -> dict[str, Any]:
    return f.alternating_board(editor, f.plan(editor)["id"])


def test_contact_list_holds_only_the_named_fields(
    reader: ApiClient, contacts: list[dict[str, Any]]
) -> None:
    full = reader.get("/api/v1/contacts").json()
    response = reader.get("/api/v1/contacts", params={"fields": CONTACT_FIELDS, "limit": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["total"], body["limit"], body["offset"]) == (2, 1, 0)
    assert 'rel="next"' in response.headers["link"] and "fields=" in response.headers["link"]
    wanted = CONTACT_FIELDS.split(",")
    assert body["items"] == [{k: full["items"][0][k] for k in wanted}]
    assert list(body["items"][0]) == wanted  # the model's order, as in the whole item


def test_contact_read_with_nested_fields_whole(
    reader: ApiClient, contacts: list[dict[str, Any]]
) -> None:
    url = f"/api/v1/contacts/{contacts[0]['id']}"
    full = reader.get(url).json()
    response = reader.get(url, params={"fields": "emails,id,memberships,organization"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id", "emails", "memberships", "organization"}
    assert body["emails"] == full["emails"] and body["emails"][0]["address"] == "anna@example.org"
    assert body["organization"] == full["organization"] and body["organization"]["name"]
    assert reader.get(url, params={"fields": "id,id"}).json() == {"id": full["id"]}


def test_meeting_list_and_read_with_fields(
    editor: ApiClient, reader: ApiClient, board: dict[str, Any]
) -> None:
    meetings = [f.meeting(editor, board["id"], days) for days in (0, 14)]
    listed = reader.get("/api/v1/meetings", params={"fields": "id,starts_at,mode"}).json()
    assert listed["items"] == [
        {"id": m["id"], "starts_at": m["starts_at"], "mode": m["mode"]} for m in meetings
    ]
    by_body = reader.get(f"/api/v1/bodies/{board['id']}/meetings", params={"fields": "title"})
    assert by_body.json()["items"] == [{"title": m["title"]} for m in meetings]
    one = reader.get(f"/api/v1/meetings/{meetings[1]['id']}", params={"fields": "status,id"})
    assert one.json() == {"id": meetings[1]["id"], "status": "planned"}


def test_every_json_get_takes_fields(
    editor: ApiClient, reader: ApiClient, admin: ApiClient, board: dict[str, Any]
) -> None:
    m = f.meeting(editor, board["id"], 0)
    item = create(editor, f"/api/v1/meetings/{m['id']}/agenda-items", {"title": "Status"})
    decision = f.decision(editor, board["id"])
    urls = [
        f"/api/v1/plans/{board['plan_id']}",
        f"/api/v1/bodies/{board['id']}",
        f"/api/v1/agenda-items/{item['id']}",
        f"/api/v1/decisions/{decision['id']}",
        f"/api/v1/organizations/{reader.get('/api/v1/organizations').json()['items'][0]['id']}",
    ]
    for url in urls:
        assert reader.get(url, params={"fields": "id"}).json() == {"id": url.rsplit("/", 1)[1]}
    lists = ["/api/v1/plans", "/api/v1/bodies", "/api/v1/decisions", "/api/v1/changes"]
    for url in lists:
        items = reader.get(url, params={"fields": "id" if url != "/api/v1/changes" else "seq"})
        assert items.status_code == 200 and items.json()["items"], url
        assert all(len(i) == 1 for i in items.json()["items"]), url
    keys = admin.get("/api/v1/api-keys", params={"fields": "name"}).json()["items"]
    assert {"name": "admin"} in keys
    mode = reader.get(
        f"/api/v1/bodies/{board['id']}/next-mode",
        params={"at": f.iso(f.at(30)), "fields": "mode"},
    )
    assert mode.status_code == 200 and set(mode.json()) == {"mode"}
    vocab = reader.get("/api/v1/vocabularies", params={"fields": "funding_rounds"})
    assert set(vocab.json()) == {"funding_rounds"}


def test_unknown_and_empty_fields_are_422_naming_them(
    reader: ApiClient, anon: ApiClient, contacts: list[dict[str, Any]]
) -> None:
    url = f"/api/v1/contacts/{contacts[0]['id']}"
    for target in (url, "/api/v1/contacts"):
        problem = assert_problem(
            reader.get(target, params={"fields": "id,shoe_size,password"}), 422
        )
        [error] = problem["errors"]
        assert error["loc"] == ["query", "fields"]
        assert "'shoe_size'" in error["msg"] and "'password'" in error["msg"]
        assert "display_name" in error["msg"]  # the known names are listed
        for bad in ("", "id,", ",id", "id, display_name", "ID", "emails.address"):
            problem = assert_problem(reader.get(target, params={"fields": bad}), 422)
            assert problem["errors"][0]["loc"] == ["query", "fields"], bad
    # no key: 401, whatever `fields` holds
    assert_problem(anon.get(url, params={"fields": "nope"}), 401)
    assert_problem(anon.get("/api/v1/contacts", params={"fields": "nope"}), 401)


def test_etag_is_of_the_fields_returned_and_304_works(
    reader: ApiClient, contacts: list[dict[str, Any]], board: dict[str, Any], editor: ApiClient
) -> None:
    meeting = f.meeting(editor, board["id"], 0)
    for url, fields in (
        (f"/api/v1/contacts/{contacts[0]['id']}", CONTACT_FIELDS),
        (f"/api/v1/meetings/{meeting['id']}", "id,title"),
    ):
        whole = reader.get(url).headers["etag"]
        chosen = reader.get(url, params={"fields": fields})
        etag = chosen.headers["etag"]
        assert etag == '"' + hashlib.sha256(chosen.content).hexdigest()[:32] + '"'
        assert etag != whole
        assert reader.get(url, params={"fields": "id"}).headers["etag"] not in (etag, whole)
        cached = reader.get(url, params={"fields": fields}, headers={"If-None-Match": etag})
        assert cached.status_code == 304 and cached.headers["etag"] == etag
        # the whole representation's ETag does not validate the partial one, nor back
        assert (
            reader.get(url, params={"fields": fields}, headers={"If-None-Match": whole}).status_code
            == 200
        )
        assert reader.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_fields_cost_no_query(
    reader: ApiClient, contacts: list[dict[str, Any]], count_queries: QueryCounter
) -> None:
    url = f"/api/v1/contacts/{contacts[0]['id']}"
    for target in ("/api/v1/contacts", url):
        count_queries.count = 0
        assert reader.get(target).status_code == 200
        whole = count_queries.count
        count_queries.count = 0
        assert reader.get(target, params={"fields": "id,memberships"}).status_code == 200
        assert count_queries.count == whole, target


# ---- the contract --------------------------------------------------------------------------

API = create_app().openapi()
EXPORTS = ("text/calendar", "text/vcard", "text/csv")


def _json_gets() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path, item in API["paths"].items():
        op = item.get("get")
        if op is None or not path.startswith("/api/"):
            continue
        if "application/json" in op["responses"]["200"].get("content", {}):
            out.append((path, op))
    return out


def _fields_param(op: dict[str, Any]) -> dict[str, Any] | None:
    return next((p for p in op.get("parameters", []) if p["name"] == "fields"), None)


def test_every_json_get_in_the_contract_declares_fields() -> None:
    gets = _json_gets()
    assert len(gets) >= 25
    for path, op in gets:
        param = _fields_param(op)
        assert param is not None, path
        assert param["in"] == "query" and not param["required"], path
        assert {"type": "string"} in param["schema"]["anyOf"], path
        assert param["description"].startswith("Comma-separated top-level field names"), path
        assert "422" in op["responses"], path
    # the exports keep their own format: no `fields`
    for path, item in API["paths"].items():
        content = item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if any(media.startswith(EXPORTS) for media in content):
            assert _fields_param(item["get"]) is None, path


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return _resolve(API["components"]["schemas"][ref.rsplit("/", 1)[1]]) if ref else schema


def _item_properties(op: dict[str, Any]) -> list[str]:
    """The top-level properties of the resource the 200 response holds (each item of a page)."""
    whole = _resolve(op["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"][0])
    if set(whole["properties"]) == {"items", "total", "limit", "offset"}:
        whole = _resolve(whole["properties"]["items"]["items"])
    return list(whole["properties"])


def test_contract_pattern_is_exactly_what_the_server_accepts() -> None:
    """schemathesis generates `fields` from the pattern (positive) and outside it (negative):
    the pattern must list the resource's fields, and the server accept exactly its language."""
    for path, op in _json_gets():
        pattern = re.compile(_fields_param(op)["schema"]["pattern"])  # type: ignore[index]
        names = _item_properties(op)
        allowed = frozenset([*names, "id"])
        samples = [",".join(names), *names, "id", "id,id", f"{names[-1]},{names[0]}"]
        samples += [
            "",
            "nope",
            "id,",
            ",id",
            " id",
            "id ",
            "id,,id",
            "Id",
            "id;x",
            f"{names[0]}.x",
        ]
        for sample in samples:
            matches = pattern.fullmatch(sample) is not None
            try:
                parse_fields(sample, allowed)
                accepted = True
            except Exception:
                accepted = False
            assert matches == accepted, (path, sample)
        assert pattern.fullmatch(",".join(names)), path
        # the partial response schema has the same properties and requires none
        partial = _resolve(
            op["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"][1]
        )
        if "items" in partial["properties"] and "total" in partial["properties"]:
            partial = _resolve(partial["properties"]["items"]["items"])
        assert list(partial["properties"]) == names and "required" not in partial, path


def test_calendar_key_is_refused_before_fields(make_key: Any, client_for: Any) -> None:
    calendar = client_for(make_key(Role.calendar, "cal"))
    assert_problem(calendar.get("/api/v1/contacts", params={"fields": "nope"}), 403)
