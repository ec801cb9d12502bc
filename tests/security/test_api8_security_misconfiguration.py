"""API8:2023 Security Misconfiguration: the headers a scanner expects (point 8), and no URL the
API writes is built from the client's Host header (point 9)."""

import base64
import hashlib
import re
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from typer.testing import CliRunner

from app import cli
from app.core.config import Settings, get_settings
from tests.aio import ApiClient
from tests.helpers import assert_problem, create, organization
from tests.meetings import factories as f

EVIL = "evil.example"


def _assert_common(response: Any) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


# --- point 8: headers -------------------------------------------------------------------


def test_json_responses_and_errors_carry_the_headers(
    reader: ApiClient, anon: ApiClient, admin: ApiClient
) -> None:
    responses = {
        "list": reader.get("/api/v1/contacts"),
        "api-keys": admin.get("/api/v1/api-keys"),
        "vcard export": reader.get("/api/v1/contacts.vcf"),
        "csv export": reader.get("/api/v1/contacts.csv"),
        "health": anon.get("/health/live"),
        "401": anon.get("/api/v1/contacts"),
        "404 route": reader.get("/api/v1/nothing-here"),
        "404 resource": reader.get("/api/v1/contacts/00000000-0000-4000-8000-000000000000"),
        "405": reader.delete("/api/v1/contacts"),
        "422": reader.get("/api/v1/contacts", params={"limit": 0}),
        "413": admin.post("/api/v1/organizations", content=b"x" * (1024 * 1024 + 1)),
    }
    for what, response in responses.items():
        _assert_common(response)
        assert response.headers["cache-control"] == "no-store", what
        assert response.headers["content-security-policy"].startswith("default-src 'none'"), what
    assert responses["list"].status_code == 200
    assert responses["413"].status_code == 413


def test_an_unexpected_error_carries_the_headers(app: FastAPI, anon: ApiClient) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    response = anon.get("/boom")
    assert_problem(response, 500)
    _assert_common(response)
    assert response.headers["cache-control"] == "no-store"


def test_a_route_setting_cache_control_keeps_it_feeds_are_private(
    editor: ApiClient, reader: ApiClient
) -> None:
    board = f.alternating_board(editor, f.plan(editor)["id"])
    m = f.meeting(editor, board["id"], 0)
    feed = reader.get(f"/api/v1/meetings/{m['id']}.ics")
    assert feed.status_code == 200
    _assert_common(feed)
    assert feed.headers["cache-control"] == "private, no-cache"
    again = reader.get(
        f"/api/v1/meetings/{m['id']}.ics", headers={"If-None-Match": feed.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "private, no-cache"
    _assert_common(again)


def test_docs_allow_only_the_apps_own_assets_and_its_inline_script(anon: ApiClient) -> None:
    page = anon.get("/docs")
    assert page.status_code == 200
    _assert_common(page)
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    # every inline script is allowed by its hash, and nothing else is inline or foreign
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert inline, "the Swagger UI page has its inline bootstrap script"
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    ]
    assert policy["script-src"].split() == ["'self'", *hashes]
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    # the page's assets are the app's own, and they load
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3
    for asset in assets:
        assert asset.startswith("/static/")
        assert anon.get(asset).status_code == 200
    assert "'/openapi.json'" in inline[0] and anon.get("/openapi.json").status_code == 200
    # no badge from validator.swagger.io (img-src would refuse it anyway)
    assert '"validatorUrl": null' in inline[0]


# --- point 9: the Host header -----------------------------------------------------------


def test_a_trailing_slash_is_not_redirected_to_the_callers_host(reader: ApiClient) -> None:
    response = reader.get("/api/v1/contacts/", headers={"Host": EVIL}, follow_redirects=False)
    assert_problem(response, 404)
    assert "location" not in response.headers
    assert reader.get("/api/v1/contacts", headers={"Host": EVIL}).status_code == 200


def _paged(editor: ApiClient, host: str | None = None) -> Any:
    for n in range(3):
        organization(editor, name=f"Org {n}")
    headers = {"Host": host} if host else {}
    response = editor.get(
        "/api/v1/organizations", params={"limit": 1, "offset": 1}, headers=headers
    )
    assert response.status_code == 200
    return response


def test_link_is_relative_to_the_root_not_built_from_host(editor: ApiClient) -> None:
    link = _paged(editor, EVIL).headers["link"]
    assert EVIL not in link and "://" not in link
    assert link == (
        '</api/v1/organizations?limit=1&offset=2>; rel="next", '
        '</api/v1/organizations?limit=1&offset=0>; rel="prev"'
    )


def test_link_uses_the_configured_public_url(app: FastAPI, editor: ApiClient) -> None:
    app.state.settings = Settings(
        database_url=app.state.settings.database_url,
        public_url="https://samstyre.example.org/base/",
    )
    link = _paged(editor, EVIL).headers["link"]
    assert EVIL not in link
    assert link.startswith("<https://samstyre.example.org/base/api/v1/organizations?limit=1")


def test_created_resources_are_located_without_the_host(editor: ApiClient) -> None:
    response = editor.post(
        "/api/v1/organizations", json={"name": "Værested", "kind": "other"}, headers={"Host": EVIL}
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/organizations/{response.json()['id']}"
    plan = create(
        editor,
        "/api/v1/plans",
        {
            "name": "P",
            "municipality_id": organization(
                editor, name="Kommune", kind="municipality", municipality_code="730"
            )["id"],
        },
    )
    body = editor.post(
        "/api/v1/bodies",
        json={"plan_id": plan["id"], "kind": "board", "name": "Bestyrelsen"},
        headers={"Host": EVIL},
    )
    assert body.status_code == 201 and body.headers["location"].startswith("/api/v1/bodies/")


@pytest.mark.parametrize(
    "value", ["ftp://samstyre.example.org", "samstyre.example.org", "https://x.example/?a=1"]
)
def test_public_url_must_be_an_http_url(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(public_url=value)


def test_serve_trusts_forwarded_headers_only_from_configured_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "migrate", lambda: None)
    monkeypatch.setattr(cli, "_ensure_admin_key", lambda: None)
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: calls.append(kw))
    for env, expected in [(None, "127.0.0.1"), ("10.0.0.5,10.0.0.6", "10.0.0.5,10.0.0.6")]:
        if env is None:
            monkeypatch.delenv("SAMSTYRE_FORWARDED_ALLOW_IPS", raising=False)
        else:
            monkeypatch.setenv("SAMSTYRE_FORWARDED_ALLOW_IPS", env)
        get_settings.cache_clear()
        result = CliRunner().invoke(cli.cli, ["serve"])
        assert result.exit_code == 0, result.output
        assert calls[-1]["forwarded_allow_ips"] == expected
        assert calls[-1]["proxy_headers"] is True
        assert calls[-1]["access_log"] is True
    get_settings.cache_clear()
