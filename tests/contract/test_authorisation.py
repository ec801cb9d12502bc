"""Every route checks its key: writes need an editor (keys and erasure an admin), reads a key."""

import re
import uuid
from collections.abc import Callable

from fastapi import FastAPI

from app.core.security import Role
from tests.aio import ApiClient
from tests.helpers import assert_problem

ADMIN_ONLY = ("/api/v1/api-keys", "/erase")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API operation in the contract, ids filled with fresh UUIDs."""
    out: list[tuple[str, str]] = []
    for template, item in app.openapi()["paths"].items():
        if template.startswith("/api/"):
            path = re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), template)
            out.extend((method.upper(), path) for method in item if method != "parameters")
    return out


def test_there_are_routes_to_check(app: FastAPI) -> None:
    writes = [r for r in _api_routes(app) if r[0] in WRITE_METHODS]
    assert len(writes) >= 25


def test_every_api_route_needs_a_key(app: FastAPI, anon: ApiClient) -> None:
    for method, path in _api_routes(app):
        response = anon.request(method, path, json={})
        assert_problem(response, 401)


def test_readers_cannot_write_anything(app: FastAPI, reader: ApiClient) -> None:
    for method, path in _api_routes(app):
        if method in WRITE_METHODS:
            response = reader.request(method, path, json={})
            assert response.status_code == 403, (method, path, response.status_code)


def test_editors_cannot_do_admin_work(app: FastAPI, editor: ApiClient) -> None:
    for method, path in _api_routes(app):
        if any(part in path for part in ADMIN_ONLY):
            response = editor.request(method, path, json={})
            assert response.status_code == 403, (method, path, response.status_code)


def test_calendar_keys_open_only_feeds(
    app: FastAPI,
    client_for: Callable[[str], ApiClient],
    make_key: Callable[..., str],
) -> None:
    calendar = client_for(make_key(Role.calendar, "cal"))
    for method, path in _api_routes(app):
        if method == "GET" and not path.endswith(".ics"):
            assert calendar.get(path).status_code == 403, path
    assert calendar.get("/api/v1/calendar.ics").status_code == 200


# What a public key may read (issue 13): the directory, the code lists, agenda items and
# decisions (filtered to public ones by the routes), and /me. Everything else is 403.
PUBLIC_READS = {
    "/api/v1/contacts",
    "/api/v1/contacts/{contact_id}",
    "/api/v1/contacts.vcf",
    "/api/v1/contacts.csv",
    "/api/v1/contacts/{contact_id}.vcf",
    "/api/v1/organizations",
    "/api/v1/organizations/{org_id}",
    "/api/v1/vocabularies",
    "/api/v1/meetings/{meeting_id}/agenda-items",
    "/api/v1/agenda-items/{item_id}",
    "/api/v1/decisions",
    "/api/v1/decisions/{decision_id}",
    "/api/v1/me",  # who the caller is (any key or person; issue 12)
}


def test_public_keys_open_only_the_public_reads(
    app: FastAPI,
    client_for: Callable[[str], ApiClient],
    make_key: Callable[..., str],
) -> None:
    public = client_for(make_key(Role.public, "website"))
    templates = {
        template
        for template in app.openapi()["paths"]
        if template.startswith("/api/") and not template.endswith(".ics")
    }
    assert templates >= PUBLIC_READS
    for template in templates:
        path = re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), template)
        for method in app.openapi()["paths"][template]:
            response = public.request(method.upper(), path, json={})
            if method == "get" and template in PUBLIC_READS:
                # 200 for a list, 404 for a made-up id: never refused
                assert response.status_code in (200, 404), (template, response.status_code)
            else:
                assert_problem(response, 403)
