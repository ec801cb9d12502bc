"""Sign-in tokens, tested for real: key pairs generated here, discovery and JWKS served by a
local issuer over HTTP on a loopback port, tokens signed with them — no mock of the checks.

A valid token works (RSA and EC); every forged or broken one is 401; a rotated key is
fetched without a restart, at most once per 10 seconds; an issuer that is away answers 503
to tokens while API keys keep working.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.oidc import OidcVerifier
from app.core.security import Role
from app.main import create_app
from app.people.dev_issuer import DevIssuer, SigningKey, generate_key
from tests.aio import ApiClient
from tests.conftest import AUDIENCE, settings_for
from tests.helpers import assert_problem

ME = "/api/v1/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())


def _claims(issuer: DevIssuer, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": issuer.url,
        "sub": "sub-person-admin",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "name": "person-admin",
        "groups": ["group-person-admin"],
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def verifier(app: FastAPI) -> OidcVerifier:
    """The app's verifier, its clock in the test's hands."""
    oidc: OidcVerifier = app.state.oidc
    now = [1_000_000.0]
    oidc.clock = lambda: now[0]
    oidc.advance = lambda seconds: now.__setitem__(0, now[0] + seconds)  # type: ignore[attr-defined]
    return oidc


@pytest.fixture
def person(sign_in: Callable[..., str]) -> str:
    """A token of an admin person (and the mapping that makes them one)."""
    return sign_in(Role.admin)


def _jwks_fetches(issuer: DevIssuer) -> int:
    return issuer.requests.count("/jwks")


@pytest.mark.parametrize("key", ["rsa", "ec"])
def test_a_valid_token_works(
    key: str,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    signing_keys: dict[str, SigningKey],
) -> None:
    token = sign_in(Role.editor, "anna", kid=signing_keys[key].kid)
    me = client_for(token).get(ME)
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["kind"], body["name"], body["role"], body["plan_ids"]) == (
        "user",
        "anna",
        "editor",
        None,
    )


def test_the_keys_are_fetched_once_and_then_cached(
    person: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer, verifier: Any
) -> None:
    client = client_for(person)
    for _ in range(3):
        assert client.get(ME).status_code == 200
    assert issuer.requests == ["/.well-known/openid-configuration", "/jwks"]


def test_a_wrong_signature_is_refused(
    client_for: Callable[[str], ApiClient], issuer: DevIssuer, person: str
) -> None:
    # same kid as a published key, signed by another private key
    impostor = DevIssuer(keys=[generate_key("RS256", "rsa-1")])
    impostor.port = issuer.port  # same `iss`
    forged = impostor.token("sub-person-admin", AUDIENCE, claims={"groups": ["group-person-admin"]})
    problem = assert_problem(client_for(forged).get(ME), 401)
    assert "signature" in problem["detail"]
    # and a genuine token with its signature's last bytes changed
    head, body, signature = person.split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    assert_problem(client_for(f"{head}.{body}.{flipped}").get(ME), 401)


@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
def test_alg_none_is_refused(
    signature: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer, person: str
) -> None:
    token = _unsigned({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, _claims(issuer))
    assert_problem(client_for(f"{token}.{signature}").get(ME), 401)


def test_hs256_signed_with_the_public_key_is_refused(
    client_for: Callable[[str], ApiClient],
    issuer: DevIssuer,
    signing_keys: dict[str, SigningKey],
    person: str,
) -> None:
    public_pem = (
        signing_keys["rsa"]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, _claims(issuer))
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    problem = assert_problem(client_for(f"{signing_input}.{_b64(mac)}").get(ME), 401)
    assert "algorithm" in problem["detail"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iat": int(time.time()) + 3600}, "not valid yet"),
        ({"iss": "https://login.example.org/other"}, "issuer"),
        ({"aud": "another-api"}, "audience"),
        ({"aud": ["another-api", "a-third"]}, "audience"),
        ({"exp": None}, "not valid"),
        ({"sub": None}, "not valid"),
    ],
)
def test_broken_claims_are_refused(
    changes: dict[str, Any],
    words: str,
    client_for: Callable[[str], ApiClient],
    issuer: DevIssuer,
    signing_keys: dict[str, SigningKey],
    person: str,
) -> None:
    import jwt

    token = jwt.encode(
        _claims(issuer, **changes),
        signing_keys["rsa"].private,
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )
    problem = assert_problem(client_for(token).get(ME), 401)
    assert words in problem["detail"]


def test_a_small_clock_skew_is_allowed(
    client_for: Callable[[str], ApiClient],
    issuer: DevIssuer,
    signing_keys: dict[str, SigningKey],
    person: str,
) -> None:
    import jwt

    skewed = _claims(issuer, iat=int(time.time()) + 20, nbf=int(time.time()) + 20)
    token = jwt.encode(
        skewed, signing_keys["ec"].private, algorithm="ES256", headers={"kid": "ec-1"}
    )
    assert client_for(token).get(ME).status_code == 200


def test_an_audience_list_containing_ours_works(
    client_for: Callable[[str], ApiClient],
    issuer: DevIssuer,
    signing_keys: dict[str, SigningKey],
    person: str,
) -> None:
    import jwt

    claims = _claims(issuer, aud=["graph", AUDIENCE])
    token = jwt.encode(
        claims, signing_keys["rsa"].private, algorithm="RS256", headers={"kid": "rsa-1"}
    )
    assert client_for(token).get(ME).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "eyJub3QiOiJjbG9zZWQ.eyJ9.c2ln", "eyJ" + "A" * 20000],
)
def test_malformed_tokens_are_refused(
    token: str, client_for: Callable[[str], ApiClient], person: str
) -> None:
    assert_problem(client_for(token).get(ME), 401)


def test_an_unknown_kid_refetches_the_keys_at_most_every_ten_seconds(
    person: str,
    client_for: Callable[[str], ApiClient],
    issuer: DevIssuer,
    verifier: Any,
) -> None:
    assert client_for(person).get(ME).status_code == 200
    assert _jwks_fetches(issuer) == 1
    stranger = issuer.add_key(generate_key("RS256", "not-published"), publish=False)
    forged = issuer.token(
        "sub-person-admin", AUDIENCE, kid=stranger.kid, claims={"groups": ["group-person-admin"]}
    )
    verifier.advance(11)
    problem = assert_problem(client_for(forged).get(ME), 401)
    assert "not signed by a key of the configured issuer" in problem["detail"]
    assert _jwks_fetches(issuer) == 2  # looked again once: the key might have rotated
    for _ in range(5):  # a flood of unknown kids does not make the server hammer the issuer
        assert_problem(client_for(forged).get(ME), 401)
    assert _jwks_fetches(issuer) == 2
    verifier.advance(10)
    assert_problem(client_for(forged).get(ME), 401)
    assert _jwks_fetches(issuer) == 3


def test_rotation_works_without_a_restart(
    person: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer, verifier: Any
) -> None:
    assert client_for(person).get(ME).status_code == 200
    new = issuer.add_key(generate_key("ES384", "rotated-1"))
    token = issuer.token(
        "sub-person-admin", AUDIENCE, kid=new.kid, claims={"groups": ["group-person-admin"]}
    )
    verifier.advance(11)
    me = client_for(token).get(ME)
    assert me.status_code == 200, me.text
    assert client_for(person).get(ME).status_code == 200  # the old key still works too


def test_a_key_removed_from_the_jwks_stops_working(
    person: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer, verifier: Any
) -> None:
    assert client_for(person).get(ME).status_code == 200
    issuer.unpublish("rsa-1")
    verifier.advance(verifier.cache_seconds + 1)  # the cached key set is refreshed
    problem = assert_problem(client_for(person).get(ME), 401)
    assert "not signed by a key of the configured issuer" in problem["detail"]


def test_a_symmetric_key_in_the_jwks_is_never_used(
    person: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer
) -> None:
    secret = b"shared-secret-of-at-least-thirty-two-bytes!"
    original = issuer.jwks

    def with_oct() -> dict[str, Any]:
        document = original()
        document["keys"].append({"kty": "oct", "kid": "hmac-1", "k": _b64(secret), "alg": "HS256"})
        return document

    issuer.jwks = with_oct  # type: ignore[method-assign]
    try:
        signing_input = _unsigned({"alg": "HS256", "kid": "hmac-1"}, _claims(issuer))
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_problem(client_for(f"{signing_input}.{_b64(mac)}").get(ME), 401)
    finally:
        del issuer.jwks


def test_sign_in_off_refuses_tokens(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    person: str,
    make_key: Callable[..., str],
) -> None:
    app = create_app(settings_for(engine, None), engine=engine)
    app.state.sessionmaker = app.state.read_sessionmaker = session_factory
    problem = assert_problem(_client(app, person).get(ME), 401)
    assert "SAMSTYRE_OIDC_ISSUER" in problem["detail"]
    assert _client(app, make_key(Role.reader, "still-works")).get(ME).status_code == 200


def _client(app: FastAPI, secret: str) -> ApiClient:
    client = ApiClient(app)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_issuer_away_gives_503_for_tokens_and_keys_still_work(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    signing_keys: dict[str, SigningKey],
    sign_in: Callable[..., str],
    make_key: Callable[..., str],
) -> None:
    away = DevIssuer(keys=list(signing_keys.values())).start()
    away.stop()  # its port now refuses connections
    app = create_app(settings_for(engine, away.url), engine=engine)
    app.state.sessionmaker = app.state.read_sessionmaker = session_factory
    sign_in(Role.admin, "ada")
    token = away.token("sub-ada", AUDIENCE, claims={"name": "ada", "groups": ["group-ada"]})
    response = _client(app, token).get(ME)
    problem = assert_problem(response, 503)
    assert problem["type"] == "urn:samstyre:problem:issuer-unavailable"
    assert "API keys still work" in problem["detail"]
    assert response.headers["Retry-After"] == "10"
    key = _client(app, make_key(Role.reader, "machine"))
    assert key.get(ME).status_code == 200
    assert key.get("/api/v1/organizations").status_code == 200


def test_issuer_away_later_known_keys_keep_working(
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    signing_keys: dict[str, SigningKey],
    sign_in: Callable[..., str],
) -> None:
    issuer = DevIssuer(keys=list(signing_keys.values())).start()
    app = create_app(settings_for(engine, issuer.url), engine=engine)
    app.state.sessionmaker = app.state.read_sessionmaker = session_factory
    now = [0.0]
    app.state.oidc.clock = lambda: now[0]
    sign_in(Role.admin, "ada")
    token = issuer.token("sub-ada", AUDIENCE, claims={"name": "ada", "groups": ["group-ada"]})
    try:
        assert _client(app, token).get(ME).status_code == 200
        rotated = issuer.add_key(generate_key("RS256", "rotated-while-away"))
        new = issuer.token(
            "sub-ada", AUDIENCE, kid=rotated.kid, claims={"name": "ada", "groups": ["group-ada"]}
        )
    finally:
        issuer.stop()
    now[0] += app.state.oidc.cache_seconds + 1  # even past the cache's age
    assert _client(app, token).get(ME).status_code == 200
    now[0] += 11
    # a key it has never seen cannot be fetched: the token may be valid, so 503, not 401
    assert_problem(_client(app, new).get(ME), 503)


@pytest.mark.parametrize("key", ["rsa", "ec"])
def test_each_role_and_plan_scope_holds_for_a_token(
    key: str,
    admin: ApiClient,
    sign_in: Callable[..., str],
    client_for: Callable[[str], ApiClient],
    signing_keys: dict[str, SigningKey],
) -> None:
    from tests.governance.factories import plan

    a, b = plan(admin, name="Plan A")["id"], plan(admin, name="Plan B")["id"]
    kid = signing_keys[key].kid
    reader = client_for(sign_in(Role.reader, "r", kid=kid))
    editor = client_for(sign_in(Role.editor, "e", kid=kid))
    editor_a = client_for(sign_in(Role.editor, "ea", [uuid.UUID(a)], kid=kid))
    boss = client_for(sign_in(Role.admin, "boss", kid=kid))
    org = {"name": "Org", "kind": "other"}
    assert reader.get(f"/api/v1/plans/{b}").status_code == 200
    assert_problem(reader.post("/api/v1/organizations", json=org), 403)
    assert_problem(reader.get("/api/v1/api-keys"), 403)
    assert editor.post("/api/v1/organizations", json=org).status_code == 201
    assert_problem(editor.get("/api/v1/api-keys"), 403)
    assert editor_a.get(f"/api/v1/plans/{a}").status_code == 200
    assert_problem(editor_a.get(f"/api/v1/plans/{b}"), 404)
    assert [p["id"] for p in editor_a.get("/api/v1/plans").json()["items"]] == [a]
    assert boss.get("/api/v1/api-keys").status_code == 200
    created = boss.post("/api/v1/api-keys", json={"name": "by-a-person", "role": "reader"})
    assert created.status_code == 201, created.text


def test_an_issuer_that_answers_badly_is_away_too(
    person: str, client_for: Callable[[str], ApiClient], issuer: DevIssuer, verifier: Any
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("the issuer's key store is down")  # the server drops the connection

    issuer.jwks = broken  # type: ignore[method-assign]
    try:
        assert_problem(client_for(person).get(ME), 503, "issuer-unavailable")
        assert issuer.requests == ["/.well-known/openid-configuration", "/jwks"]
        verifier.advance(11)
        assert_problem(client_for(person).get(ME), 503)
        # after a failure discovery is read again: the key set may have moved
        assert issuer.requests.count("/.well-known/openid-configuration") == 2
    finally:
        del issuer.jwks
    verifier.advance(11)
    assert client_for(person).get(ME).status_code == 200
