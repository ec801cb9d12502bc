"""Sign-in settings refuse what would be unsafe; the key set is fetched once however many
requests wait for it; a signed-in person is cached like a key, and a role-mapping write
takes effect at once on the worker that made it."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Settings
from app.core.oidc import OidcVerifier
from app.core.security import KeyCache, Role
from app.people.dev_issuer import DevIssuer
from tests.aio import ApiClient, run
from tests.conftest import AUDIENCE
from tests.helpers import assert_problem


@pytest.mark.parametrize(
    "options",
    [
        {"oidc_issuer": "https://login.example.org/realms/x"},  # no audience
        {"oidc_issuer": "http://login.example.org", "oidc_audience": "a"},  # http, not loopback
        {"oidc_issuer": "ftp://login.example.org", "oidc_audience": "a"},
        {"oidc_issuer": "https://login.example.org?x=1", "oidc_audience": "a"},
        {"oidc_issuer": "https://x.org", "oidc_audience": "a", "oidc_algorithms": "HS256"},
        {"oidc_issuer": "https://x.org", "oidc_audience": "a", "oidc_algorithms": "RS256,none"},
        {"oidc_issuer": "https://x.org", "oidc_audience": "a", "oidc_algorithms": ""},
        {"oidc_leeway_seconds": 3600},
    ],
)
def test_unsafe_sign_in_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**options)


def test_sign_in_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSTYRE_OIDC_ISSUER", "https://login.microsoftonline.com/t/v2.0")
    monkeypatch.setenv("SAMSTYRE_OIDC_AUDIENCE", "api://samstyre")
    monkeypatch.setenv("SAMSTYRE_OIDC_ALGORITHMS", "RS256, ES256")
    settings = Settings()
    assert settings.oidc_issuer == "https://login.microsoftonline.com/t/v2.0"
    assert (settings.oidc_audience, settings.oidc_algorithms) == (
        "api://samstyre",
        ["RS256", "ES256"],
    )
    assert Settings(oidc_issuer="http://127.0.0.1:9000", oidc_audience="a").oidc_issuer
    assert Settings().oidc_issuer is not None and Settings(oidc_issuer="").oidc_issuer is None


def test_concurrent_requests_fetch_the_keys_once(issuer: DevIssuer) -> None:
    verifier = OidcVerifier(issuer.url, AUDIENCE, ["RS256", "ES256"])
    token = issuer.token("sub-x", AUDIENCE)

    async def many() -> list[dict[str, Any]]:
        return await asyncio.gather(*(verifier.verify(token) for _ in range(20)))

    claims = run(many())
    assert {c["sub"] for c in claims} == {"sub-x"}
    assert issuer.requests == ["/.well-known/openid-configuration", "/jwks"]


def _statements(counter: Any, table: str) -> int:
    return sum(table in s for s in counter.statements)


def test_a_person_is_cached_like_a_key_and_mapping_writes_clear_it(
    app: FastAPI,
    admin: ApiClient,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    count_queries: Any,
) -> None:
    app.state.user_cache = KeyCache(ttl=5)
    person = client_for(sign_in(Role.editor, "cached"))
    assert person.get("/api/v1/organizations").status_code == 200  # recorded, cached
    count_queries.statements.clear()
    for _ in range(5):
        assert person.get("/api/v1/organizations").status_code == 200
    assert _statements(count_queries, "users") == _statements(count_queries, "role_mappings") == 0
    mapping = next(
        m
        for m in admin.get("/api/v1/role-mappings").json()["items"]
        if m["value"] == "group-cached"
    )
    assert admin.delete(f"/api/v1/role-mappings/{mapping['id']}").status_code == 204
    assert_problem(person.get("/api/v1/organizations"), 403, "no-role-mapping")


def test_tokens_never_reach_a_log_line() -> None:
    from app.core.redaction import REDACTED, redact

    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    line = f"GET /api/v1/me 401 Bearer {jwt_like} feed samcal_abc-DEF_1 or samcal%5Fxyz"
    redacted = redact(line)
    assert "eyJ" not in redacted and "samcal" not in redacted
    assert redacted.count(REDACTED) == 3
    assert redact("/api/v1/me/meetings.ics?token=samcal_x&from=2030-01-01") == (
        "/api/v1/me/meetings.ics?token=[redacted]&from=2030-01-01"
    )
