"""The contract as generators and linters read it (issue 10 §3), from the Python side.

The consumers themselves (openapi-typescript + tsc --strict over an openapi-fetch client,
Redocly's recommended lint) run in `make consumers` (tests/consumers/); these tests pin what
they rely on: problems, security, servers, tags, license, contact, the HTTP headers, input
types without server defaults required, and the offline ReDoc page.
"""

import re
from functools import cache
from html.parser import HTMLParser
from typing import Any

from pydantic import BaseModel

from app.core.errors import Problem
from app.core.schemas import InputModel
from app.main import create_app
from tests.aio import ApiClient

METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM_ALWAYS = {"type", "title", "status", "detail", "request_id"}
PROBLEM_OPTIONAL = {"rule", "errors", "errors_total"}

# The operations whose endpoint calls `check_if_match`: If-Match is honoured (412 when stale).
IF_MATCH_OPERATIONS = {
    f"{verb}_{noun}"
    for noun in ("organization", "contact", "plan", "body", "membership", "meeting")
    for verb in ("update", "delete")
} | {
    "update_agenda_item",
    "delete_agenda_item",
    "update_decision",
    "delete_decision",
    "update_action",
    "delete_action",
    "erase_contact",
}
IF_MATCH_OPERATIONS |= {"update_role_mapping", "delete_role_mapping", "update_user", "delete_user"}
FEEDS = {
    "get_meeting_ics",
    "get_body_meetings_ics",
    "get_plan_meetings_ics",
    "get_calendar_ics",
    "get_my_meetings_ics",
}


@cache
def _schema() -> dict[str, Any]:
    return create_app().openapi()


def _operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (path, method, op)
        for path, item in _schema()["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def _header_params(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}


def _response_headers(op: dict[str, Any], code: str) -> dict[str, Any]:
    headers: dict[str, Any] = op["responses"][code].get("headers", {})
    return headers


# --- problems ---------------------------------------------------------------------------


def test_a_problem_always_has_its_five_fields_and_the_others_are_optional_not_null() -> None:
    problem = _schema()["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == PROBLEM_ALWAYS
    for name in PROBLEM_ALWAYS - {"status"}:
        assert problem["properties"][name]["type"] == "string", name
    for name in PROBLEM_OPTIONAL:
        prop = problem["properties"][name]
        # absent when unused: no `anyOf [.., null]`, no `default: null` (generators: `| null`)
        assert "anyOf" not in prop and "default" not in prop, (name, prop)
        assert prop["type"] in ("string", "integer", "array"), (name, prop)


def test_real_problems_carry_every_required_field_and_no_null(
    anon: ApiClient, reader: ApiClient
) -> None:
    answers = [
        anon.get("/api/v1/organizations"),  # 401
        reader.get("/api/v1/no-such-thing"),  # 404 (unknown route)
        reader.put("/api/v1/organizations"),  # 405
        reader.get("/api/v1/organizations?limit=0"),  # 422 with errors
        reader.get("/api/v1/organizations/00000000-0000-0000-0000-000000000000"),  # 404
    ]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        body = answer.json()
        assert set(body) >= PROBLEM_ALWAYS, body
        assert None not in body.values(), body
        Problem.model_validate(body)
        assert body["request_id"] == answer.headers["x-request-id"]
    assert answers[3].json()["errors"]


# --- security, servers, tags, license, contact ------------------------------------------


def test_bearer_everywhere_but_the_health_probes_and_feeds_also_take_a_token() -> None:
    schema = _schema()
    schemes = schema["components"]["securitySchemes"]
    bearer = "HTTPBearer"  # an API key
    assert schemes[bearer]["scheme"] == "bearer"
    # a person's sign-in token: the same header, a JWT
    assert schemes["signInToken"] == {
        **schemes["signInToken"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schemes["calendarToken"] == {**schemes["calendarToken"], "in": "query", "name": "token"}
    either: list[dict[str, list[str]]] = [{bearer: []}, {"signInToken": []}]
    assert schema["security"] == either
    for op_id, (path, _method, op) in _operations().items():
        if path.startswith("/health/"):
            assert op["security"] == [], op_id
        elif op_id in FEEDS:
            assert op["security"] == [*either, {"calendarToken": []}], op_id
        else:
            assert op.get("security", schema["security"]) == either, op_id
        for requirement in op.get("security", []):
            assert set(requirement) <= set(schemes), op_id


def test_servers_license_contact_and_a_described_tag_on_every_operation() -> None:
    schema = _schema()
    assert schema["servers"] and all(s["url"] for s in schema["servers"])
    license_ = schema["info"]["license"]
    assert license_["name"] and ("identifier" in license_ or "url" in license_)
    assert schema["info"]["contact"]["name"]
    described = {t["name"]: t["description"] for t in schema["tags"]}
    assert all(described.values())
    used = set()
    for op_id, (_path, _method, op) in _operations().items():
        assert op.get("tags"), op_id
        assert set(op["tags"]) <= set(described), (op_id, op["tags"])
        used |= set(op["tags"])
    assert used == set(described), "a tag in the list that no operation uses"


# --- HTTP headers -----------------------------------------------------------------------


def test_if_match_where_it_is_honoured_and_if_none_match_on_conditional_gets() -> None:
    operations = _operations()
    with_if_match = {
        op_id for op_id, (_, _, op) in operations.items() if "If-Match" in _header_params(op)
    }
    assert with_if_match == IF_MATCH_OPERATIONS
    for op_id, (_path, method, op) in operations.items():
        conditional = method == "get" and "304" in op["responses"]
        assert ("If-None-Match" in _header_params(op)) == conditional, op_id
    for op_id in FEEDS | {"get_organization", "get_contact", "get_meeting", "get_vocabularies"}:
        assert "If-None-Match" in _header_params(operations[op_id][2]), op_id
    # Idempotency-Key stays on the POSTs (app/core/idempotency.py)
    assert "Idempotency-Key" in _header_params(operations["create_organization"][2])


def test_etag_on_single_resources_location_on_201_and_link_on_lists() -> None:
    operations = _operations()
    for op_id, (_path, _method, op) in operations.items():
        responses = op["responses"]
        if "304" in responses:
            assert _response_headers(op, "200")["ETag"]["required"] is True, op_id
            assert "ETag" in _response_headers(op, "304"), op_id
        content = responses.get("200", {}).get("content", {}).get("application/json", {})
        if "Page_" in str(content.get("schema")):
            link = _response_headers(op, "200")["Link"]
            assert link.get("required", False) is False, op_id  # none past the ends
    for op_id in ("update_organization", "update_meeting", "erase_contact"):
        assert "ETag" in _response_headers(operations[op_id][2], "200"), op_id
    created = {
        op_id
        for op_id, (_, _, op) in operations.items()
        if "Location" in op["responses"].get("201", {}).get("headers", {})
    }
    posts_201 = {op_id for op_id, (_, _, op) in operations.items() if "201" in op["responses"]}
    # the creations of several resources answer with `items`, without one Location
    assert created == posts_201 - {"create_meeting_series", "draft_agenda"}
    for op_id in created:
        assert _response_headers(operations[op_id][2], "201")["ETag"]["required"] is True


def test_every_operation_takes_and_every_response_names_x_request_id(anon: ApiClient) -> None:
    schema = _schema()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations
    for operation in operations:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "X-Request-ID" in names, operation["operationId"]
        for code, answer in operation["responses"].items():
            assert "X-Request-ID" in answer.get("headers", {}), (operation["operationId"], code)
    sent = anon.get("/api/v1/organizations", headers={"X-Request-ID": "intranet-sync.42"})
    assert sent.headers["x-request-id"] == "intranet-sync.42"


def test_the_declared_headers_are_the_ones_sent(editor: ApiClient) -> None:
    declared = _operations()
    for name in ("Nord", "Syd"):
        created = editor.post("/api/v1/organizations", json={"name": name, "kind": "institution"})
        assert created.status_code == 201, created.text
        for header, spec in _response_headers(declared["create_organization"][2], "201").items():
            if spec.get("required"):
                assert header.lower() in created.headers, header
    listed = editor.get("/api/v1/organizations?limit=1")
    assert "Link" in _response_headers(declared["list_organizations"][2], "200")
    assert 'rel="next"' in listed.headers["link"]
    one = editor.get(created.headers["location"])
    assert one.headers["etag"]
    assert (
        editor.get(
            created.headers["location"], headers={"If-None-Match": one.headers["etag"]}
        ).status_code
        == 304
    )


# --- input types ------------------------------------------------------------------------


def _input_models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [InputModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_fields_with_server_defaults_are_optional_in_generated_input_types() -> None:
    schemas = _schema()["components"]["schemas"]
    checked = 0
    for model in _input_models():
        schema = schemas.get(model.__name__)
        if schema is None:
            continue
        for name, field in model.model_fields.items():
            key = field.alias or name
            if field.is_required():
                continue
            checked += 1
            assert key not in schema.get("required", []), (model.__name__, key)
            # openapi-typescript makes a property with `default` required in a component
            # schema; the default is said in the description instead
            assert "default" not in schema["properties"][key], (model.__name__, key)
    assert checked > 20
    archived = schemas["OrganizationCreate"]["properties"]["archived"]
    assert "Default: `false`." in archived["description"]
    assert "OrganizationCreate" not in [f"{n}-Input" for n in schemas]  # no split schemas


# --- ReDoc, offline ---------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def test_redoc_is_served_with_local_assets_only(anon: ApiClient) -> None:
    page = anon.get("/redoc")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parser = _Assets()
    parser.feed(page.text)
    assert "/static/redoc.standalone.js" in parser.urls
    assert "/openapi.json" in parser.urls
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert anon.get(url).status_code == 200, url
    assert "fonts.googleapis" not in page.text
    policy = page.headers["content-security-policy"]
    assert "worker-src blob:" in policy  # ReDoc's search runs in a worker from a blob: URL
    assert "script-src 'self';" in policy  # no inline script, no eval
    assert not re.search(r"https?:", policy)
    assert "frame-ancestors 'none'" in policy
