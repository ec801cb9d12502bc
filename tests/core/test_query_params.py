"""Unknown query parameters are refused with 422 naming them (DESIGN §3), on every operation."""

from typing import Any

import pytest
from fastapi import FastAPI

from tests.aio import ApiClient
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations",
        "/api/v1/contacts",
        "/api/v1/contacts.csv",
        "/api/v1/meetings",
        "/api/v1/changes",
        "/api/v1/vocabularies",
    ],
)
def test_an_unknown_query_parameter_is_refused(admin: ApiClient, path: str) -> None:
    problem = assert_problem(admin.get(path, params={"orgnization_id": "x"}), 422)
    assert problem["errors"][0]["loc"] == ["query", "orgnization_id"]
    assert "orgnization_id" in problem["detail"]


def test_declared_parameters_pass(admin: ApiClient) -> None:
    assert admin.get("/api/v1/contacts", params={"q": "x", "limit": 5}).status_code == 200
    assert admin.get("/api/v1/calendar.ics", params={"from": "2026-01-01"}).status_code == 200


def test_a_misspelt_filter_on_a_write_is_refused_and_writes_nothing(admin: ApiClient) -> None:
    response = admin.post(
        "/api/v1/organizations", params={"dry_rum": "true"}, json={"name": "X", "kind": "other"}
    )
    assert_problem(response, 422)
    assert admin.get("/api/v1/organizations").json()["total"] == 0


def test_every_get_operation_refuses_an_unknown_parameter(admin: ApiClient, app: FastAPI) -> None:
    schema: dict[str, Any] = app.openapi()
    checked = 0
    for path, item in schema["paths"].items():
        if "get" not in item or "{" in path or not path.startswith("/api/"):
            continue
        response = admin.get(path, params={"no_such_parameter": "1"})
        assert_problem(response, 422)
        checked += 1
    assert checked >= 8


def test_a_caller_without_a_valid_key_gets_401_not_the_parameter_list(
    anon: ApiClient, client_for: Any
) -> None:
    for client in (anon, client_for("sam_" + "x" * 43)):
        for path in ("/api/v1/contacts", "/api/v1/calendar.ics"):
            problem = assert_problem(client.get(path, params={"bogus": "1"}), 401)
            assert "bogus" not in problem["detail"]


def test_the_open_probes_refuse_unknown_parameters_too(anon: ApiClient) -> None:
    assert_problem(anon.get("/health/live", params={"bogus": "1"}), 422)
