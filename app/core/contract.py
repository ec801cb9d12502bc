"""The finishing touches of the OpenAPI document that FastAPI cannot derive from the routes.

Security (bearer everywhere but `/health/*`; `?token=` on the .ics feeds), `servers`, tags
with descriptions, `info.license` / `info.contact`, and the HTTP headers the API honours and
sends. The headers are read off the code, not listed by hand: an operation whose endpoint
calls `check_if_match` takes `If-Match`; one that declares a 304 takes `If-None-Match`; one
that answers through `resource_response` (or the feeds' ETag) sends `ETag`, and `Location`
on its 201; one that answers through `page_response` sends `Link`.
"""

import json
import types
from collections.abc import Callable, Iterable
from typing import Any

from fastapi.routing import APIRoute

# No open-source licence is granted; SPDX has no id for that, so a LicenseRef names it.
LICENSE = {
    "name": "Proprietary: all rights reserved",
    "identifier": "LicenseRef-Samstyre-Proprietary",
}
CONTACT = {"name": "Samstyre maintainers"}
SERVERS = [{"url": "/", "description": "This server (paths are absolute: /api/v1/…)."}]

# The name FastAPI gives the `HTTPBearer` dependency of app/core/security.py.
BEARER = "HTTPBearer"
FEED_SCHEME = "calendarToken"
# A person's OpenID Connect access token: the same header as a key, told apart by its shape.
SIGN_IN = "signInToken"
SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`Authorization: Bearer <key>`); its role and plans decide "
        "what it may read and write.",
    },
    SIGN_IN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A signed-in person's access token from the configured OpenID Connect "
        "issuer (`Authorization: Bearer <JWT>`); the role mappings decide their role and "
        'plans. See the README, "Signing in".',
    },
    FEED_SCHEME: {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "A calendar key in `?token=`, for calendar clients that cannot send "
        "headers; only on the .ics feeds, and only a calendar key (on "
        "`/api/v1/me/meetings.ics`: only the person's calendar token).",
    },
}
OPEN_PREFIXES = ("/health/",)
FEED_SUFFIX = ".ics"

TAGS = [
    ("health", "Liveness and readiness probes; open, no key."),
    ("api-keys", "API keys: create (the secret is shown once), list, read, revoke. Admin."),
    (
        "role-mappings",
        "Which token claims (groups, roles) give signed-in people which role and "
        "plans. Unlimited admins.",
    ),
    ("users", "The people who have signed in, and their link to the directory. Unlimited admins."),
    ("me", "The caller's own view: role, seats, next meetings, a personal calendar feed."),
    ("changes", "The change log: every write to domain data, in order (`?after=<seq>`)."),
    ("organizations", "The directory's organizations: municipalities, housing associations, …"),
    ("contacts", "The directory's people, their memberships, and vCard/CSV exports."),
    ("plans", "Partnership plans (helhedsplaner), their structure and governance check."),
    ("bodies", "Bodies of a plan (board, steering group, …) and their memberships."),
    ("memberships", "Who sits in which body, in which role, from when to when."),
    ("vocabularies", "Every code list the API uses, with Danish and English labels."),
    ("calendars", "Meetings as iCalendar feeds; calendar keys may use `?token=`."),
    ("meetings", "Meetings, their alternating modes, series and the body's inbox."),
    ("agenda", "A meeting's agenda items, their order and the standard draft."),
    ("decisions", "Decisions, and how they flow from a body up to the board."),
    ("actions", "Follow-ups (opfølgningspunkter): owner, due date, origin, open until done."),
]

_ETAG = {
    "required": True,
    "description": "The strong entity tag of the representation; send it back in `If-Match` "
    "(writes) or `If-None-Match` (reads).",
    "schema": {"type": "string"},
}
_LOCATION = {
    "required": True,
    "description": "The URL of the created resource.",
    "schema": {"type": "string", "format": "uri-reference"},
}
_LINK = {
    "description": 'RFC 8288 links to the neighbouring pages (`rel="next"`, `rel="prev"`); '
    "absent past the ends.",
    "schema": {"type": "string"},
}
_SCHEMA_REF = "#/components/schemas/"
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Write only if the resource still has this ETag (412 otherwise); of "
    "concurrent writes with the same ETag exactly one wins.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "304 Not Modified when the current ETag is one of these (weak comparison).",
    "schema": {"type": "string"},
}


def _references(func: Callable[..., Any], names: frozenset[str], depth: int = 3) -> bool:
    """Whether `func` calls one of `names`, directly or through the app's own module functions."""
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    globals_ = getattr(func, "__globals__", {})
    return _code_references(code, globals_, names, depth)


def _code_references(
    code: types.CodeType, globals_: dict[str, Any], names: frozenset[str], depth: int
) -> bool:
    if names.intersection(code.co_names):
        return True
    nested = (c for c in code.co_consts if isinstance(c, types.CodeType))  # lambdas, closures
    if any(_code_references(c, globals_, names, depth) for c in nested):
        return True
    if depth == 0:
        return False
    for name in code.co_names:
        helper = globals_.get(name)
        if (
            isinstance(helper, types.FunctionType)
            and helper.__module__.startswith("app.")
            and _references(helper, names, depth - 1)
        ):
            return True
    return False


X_REQUEST_ID = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "Your id for this request (1–128 of `A-Z a-z 0-9 . _ : -`): echoed in the "
    "response's `X-Request-ID`, in every problem's `request_id` and in the server's logs. "
    "Without it, or when it is not such an id, the server makes one (an invalid id is "
    "ignored, never refused).",
    "schema": {"type": "string"},
}
_X_REQUEST_ID_HEADER = {
    "required": True,
    "description": "The request's id: yours from `X-Request-ID` when valid, else the server's.",
    "schema": {"type": "string"},
}


def _add_parameter(operation: dict[str, Any], parameter: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if all(p.get("name") != parameter["name"] for p in parameters):
        parameters.append(dict(parameter))


def _add_header(response: dict[str, Any], name: str, header: dict[str, Any]) -> None:
    response.setdefault("headers", {}).setdefault(name, dict(header))


def _document_headers(operation: dict[str, Any], method: str, endpoint: Callable[..., Any]) -> None:
    answers: dict[str, Any] = operation.get("responses", {})
    if method in ("patch", "put", "delete", "post") and _references(
        endpoint, frozenset({"check_if_match"})
    ):
        _add_parameter(operation, IF_MATCH)
    conditional = method == "get" and "304" in answers
    if conditional:
        _add_parameter(operation, IF_NONE_MATCH)
    tagged = conditional or _references(endpoint, frozenset({"resource_response"}))
    for code, answer in answers.items():
        if code == "304" or (tagged and code.startswith("2") and code != "204"):
            _add_header(answer, "ETag", _ETAG)
        if code == "201" and tagged:
            _add_header(answer, "Location", _LOCATION)
    if _references(endpoint, frozenset({"page_response"})) and "200" in answers:
        _add_header(answers["200"], "Link", _LINK)


def _refs(node: Any) -> set[str]:
    """The component schema names `node` refers to, directly."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            found.add(ref[len(_SCHEMA_REF) :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return seen


def _input_defaults_in_descriptions(schema: dict[str, Any]) -> None:
    """Say a server default in words, not with `default`, in schemas only requests use.

    openapi-typescript (by default) types every property that has a `default` as required,
    unless the schema is written inline in a request body: the server always sends such a
    field, but a client need not send it. So in the component schemas that only requests use
    (`XCreate`, `XUpdate`, `EmailIn`, …) the default moves into the description, and
    generated input types leave those fields optional, as `required` says.
    """
    schemas: dict[str, Any] = schema.get("components", {}).get("schemas", {})
    requests: set[str] = set()
    answers: set[str] = set()
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            requests |= _refs(operation.get("requestBody", {}))
            requests |= _refs(operation.get("parameters", []))
            answers |= _refs(operation.get("responses", {}))
    for name in _closure(requests, schemas) - _closure(answers, schemas):
        for prop in schemas[name].get("properties", {}).values():
            if "default" not in prop:
                continue
            default = json.dumps(prop.pop("default"), ensure_ascii=False)
            said = f"Default: `{default}`."
            prop["description"] = f"{prop['description']} {said}" if "description" in prop else said


def finish_contract(schema: dict[str, Any], routes: Iterable[Any]) -> None:
    """Add security, servers, tags, license, contact and the HTTP headers to `schema`.

    `routes` are the routers' own routes (`APIRouter.routes`): operations are matched to
    their endpoints by `operationId`, which every operation has.
    """
    info = schema.setdefault("info", {})
    info["license"] = dict(LICENSE)
    info["contact"] = dict(CONTACT)
    schema["servers"] = [dict(s) for s in SERVERS]
    schema["tags"] = [{"name": name, "description": text} for name, text in TAGS]
    components = schema.setdefault("components", {})
    _input_defaults_in_descriptions(schema)
    schemes = components.setdefault("securitySchemes", {})
    for name, scheme in SECURITY_SCHEMES.items():
        schemes.setdefault(name, dict(scheme))
    schema["security"] = [{BEARER: []}, {SIGN_IN: []}]

    endpoints = {
        route.operation_id: route.endpoint
        for route in routes
        if isinstance(route, APIRoute) and route.operation_id
    }
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if path.startswith(OPEN_PREFIXES):
                operation["security"] = []
            elif path.endswith(FEED_SUFFIX):
                operation["security"] = [{BEARER: []}, {SIGN_IN: []}, {FEED_SCHEME: []}]
            elif operation.get("security") == [{BEARER: []}]:
                # FastAPI names the HTTPBearer dependency; a person's token rides there too
                operation["security"] = [{BEARER: []}, {SIGN_IN: []}]
            endpoint = endpoints.get(operation.get("operationId"))
            if endpoint is not None:
                _document_headers(operation, method, endpoint)
            _add_parameter(operation, X_REQUEST_ID)
            for answer in operation.get("responses", {}).values():
                _add_header(answer, "X-Request-ID", _X_REQUEST_ID_HEADER)
