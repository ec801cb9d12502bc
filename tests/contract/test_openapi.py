"""The committed contract is the app's contract."""

import json
from typing import Any

from app.cli import OPENAPI_PATH, render_openapi
from app.main import create_app

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = create_app().openapi()
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_committed_contract_matches_the_app() -> None:
    assert OPENAPI_PATH.exists(), "run `samstyre openapi --write`"
    committed = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert committed == json.loads(render_openapi()), "run `samstyre openapi --write` and commit"


def test_operation_ids_are_explicit_and_unique() -> None:
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids))
    # FastAPI's generated ids carry the path and method; ours are plain verbs and nouns
    assert all("__" not in i and not i.endswith(("_get", "_post")) for i in ids)


def test_every_api_error_response_is_a_problem() -> None:
    for path, method, op in _operations():
        if not path.startswith("/api/"):
            continue
        codes = set(op["responses"])
        assert {"401", "403"} <= codes, (method, path)
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                content = response["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)


def test_api_operations_require_a_key() -> None:
    for path, method, op in _operations():
        if path.startswith("/api/"):
            assert op.get("security"), (method, path)
