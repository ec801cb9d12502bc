"""Small helpers for API tests."""

from typing import Any

from fastapi import FastAPI
from httpx import Response

from tests.aio import ApiClient

PROBLEM = "application/problem+json"


def assert_problem(response: Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem response; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:samstyre:problem:")
    assert body["title"]
    if slug is not None:
        assert body["type"] == f"urn:samstyre:problem:{slug}"
    return body


def create(client: ApiClient, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST and expect 201; return the created resource."""
    response = client.post(path, json=payload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def organization(client: ApiClient, **fields: Any) -> dict[str, Any]:
    """Create an organization (an `other` by default)."""
    payload: dict[str, Any] = {"name": "Testorganisation", "kind": "other", **fields}
    return create(client, "/api/v1/organizations", payload)


def municipality(
    client: ApiClient, name: str = "Randers Kommune", code: str = "730"
) -> dict[str, Any]:
    """Create a municipality."""
    return organization(client, name=name, kind="municipality", municipality_code=code)


def assert_same_answer(
    first: Response,
    second: Response,
    url: str,
    headers: tuple[str, ...] = ("etag", "link", "content-type"),
) -> None:
    """Two answers to the same request are the same: status, bytes (a problem may differ
    by its request id alone) and `headers`."""
    assert first.status_code == second.status_code, (url, first.text, second.text)
    if first.status_code >= 400:
        assert {**first.json(), "request_id": None} == {**second.json(), "request_id": None}, url
    else:
        assert first.content == second.content, url
    for header in headers:
        assert first.headers.get(header) == second.headers.get(header), (url, header)


def same_both_ways(app: FastAPI, client: ApiClient, url: str) -> None:
    """GET `url` on PostgreSQL's fast read path and on the Python path
    (`app.state.json_reads` off): the same status, bytes, ETag, Link and content type (a
    problem differs by its request id alone)."""
    app.state.json_reads = True
    fast = client.get(url)
    app.state.json_reads = False
    slow = client.get(url)
    app.state.json_reads = True
    assert_same_answer(fast, slow, url)
