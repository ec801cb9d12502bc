"""Every error is RFC 9457 problem+json."""

from collections.abc import Callable

from fastapi import FastAPI

from tests.aio import ApiClient
from tests.helpers import assert_problem


def test_unknown_route_is_404(reader: ApiClient) -> None:
    assert_problem(reader.get("/api/v1/nothing-here"), 404, "not-found")


def test_wrong_method_is_405_with_allow(reader: ApiClient) -> None:
    response = reader.put("/api/v1/organizations")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["allow"]


def test_validation_error_lists_errors(editor: ApiClient) -> None:
    body = assert_problem(editor.post("/api/v1/organizations", json={"kind": "nonsense"}), 422)
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "name") in locs and ("body", "kind") in locs
    assert all({"loc", "msg", "type"} <= set(e) for e in body["errors"])


def test_query_validation_error(reader: ApiClient) -> None:
    body = assert_problem(reader.get("/api/v1/organizations", params={"limit": 201}), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert_problem(reader.get("/api/v1/organizations", params={"limit": 0}), 422)


def test_naive_datetime_is_refused(reader: ApiClient) -> None:
    response = reader.get("/api/v1/organizations", params={"modified_since": "2026-01-01T00:00:00"})
    assert_problem(response, 422)


def test_numbers_are_not_datetimes(reader: ApiClient) -> None:
    for number in ("0.5", "1700000000", "-2.2250738585072014e-308"):
        response = reader.get("/api/v1/changes", params={"modified_since": number})
        assert_problem(response, 422)
    ok = reader.get("/api/v1/changes", params={"modified_since": "2026-01-01T00:00:00+01:00"})
    assert ok.status_code == 200


def test_malformed_json_is_400(editor: ApiClient) -> None:
    response = editor.post(
        "/api/v1/organizations",
        content=b'{"name": "x", ',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed-json")


def test_unknown_fields_are_refused(editor: ApiClient) -> None:
    response = editor.post("/api/v1/organizations", json={"name": "A", "kind": "other", "x": 1})
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "x"]


def test_control_characters_are_refused(editor: ApiClient) -> None:
    assert_problem(
        editor.post("/api/v1/organizations", json={"name": "A\x00B", "kind": "other"}), 422
    )


def test_missing_key_is_401(anon: ApiClient) -> None:
    response = anon.get("/api/v1/organizations")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_bad_key_is_401(client_for: Callable[[str], ApiClient]) -> None:
    assert_problem(client_for("sam_not-a-real-key").get("/api/v1/organizations"), 401)
    assert_problem(client_for("something-else").get("/api/v1/organizations"), 401)


def test_body_over_1_mib_is_413(editor: ApiClient) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'", "kind": "other"}'
    response = editor.post(
        "/api/v1/organizations", content=big, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "payload-too-large")
    assert editor.get("/api/v1/organizations").json()["total"] == 0


def test_unexpected_error_is_500_without_internals(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    response = ApiClient(app, raise_server_exceptions=False).get("/boom")
    body = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["detail"] == "An unexpected error occurred."


def test_database_errors_become_problems(app: FastAPI) -> None:
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError

    @app.get("/data-error")
    def data_error() -> None:
        raise DataError("INSERT ...", {}, Exception("value too long"))

    @app.get("/integrity-error")
    def integrity_error() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    @app.get("/operational-error")
    def operational_error() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    client = ApiClient(app, raise_server_exceptions=False)
    assert "value too long" not in assert_problem(client.get("/data-error"), 422)["detail"]
    assert_problem(client.get("/integrity-error"), 409, "conflict")
    assert_problem(client.get("/operational-error"), 503, "unavailable")
