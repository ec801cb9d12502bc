"""Sign-in tokens: OpenID Connect access tokens (signed JWTs) from the configured issuer.

The issuer's discovery document and key set (JWKS) are fetched with httpx, asynchronously and
with a short timeout, and kept per worker. PyJWT checks the signature and the registered
claims; nothing here is hand-made cryptography. The rules:

- only the configured asymmetric algorithms (`alg: none` and HMAC are refused before any key
  is looked at: a public key must never become an HMAC secret);
- `iss` must be the configured issuer and `aud` must contain the configured audience;
  `exp`, `iat` and `sub` are required, `nbf` is checked when present, with a small leeway;
- a token whose `kid` is not in the cached keys fetches the keys again, at most once per
  `REFETCH_INTERVAL` seconds, so a rotation works without a restart and forged `kid`s cannot
  make the server hammer the issuer;
- the issuer unreachable: a token that a known key verifies still works; one that needs a
  fetch (first start, unknown `kid`) is answered 503, since it may be perfectly valid.
"""

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from app.core.errors import ProblemError, Unauthorized

log = logging.getLogger("samstyre.oidc")

# Seconds between two fetches of the key set caused by unknown `kid`s (or failures).
REFETCH_INTERVAL = 10.0
# A JWT in compact form: three base64url parts, the header a JSON object (`{"` → `eyJ`).
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_TOKEN_LENGTH = 16_384
MAX_DOCUMENT_BYTES = 512 * 1024


def looks_like_jwt(raw: str) -> bool:
    """Whether a bearer credential has the shape of a JWT (an API key never has)."""
    return len(raw) <= MAX_TOKEN_LENGTH and JWT_SHAPE.fullmatch(raw) is not None


class IssuerUnavailable(ProblemError):
    """The issuer could not be reached, so a token could not be checked: try again later."""

    status, slug = 503, "issuer-unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(int(REFETCH_INTERVAL))})


class _FetchFailed(Exception):
    pass


class OidcVerifier:
    """Verifies access tokens of one issuer for one audience; one per worker (app.state)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        *,
        leeway: float = 60,
        timeout: float = 5,
        cache_seconds: float = 600,
        refetch_interval: float = REFETCH_INTERVAL,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)
        self.leeway = leeway
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.refetch_interval = refetch_interval
        self._transport = transport
        self._jwks_uri: str | None = None
        # kid → (key, the `alg` the key set declares for it, if any)
        self._keys: dict[str | None, tuple[PyJWK, str | None]] = {}
        self._fetched_at: float | None = None  # last successful fetch (monotonic)
        self._attempted_at: float | None = None  # last attempt, successful or not
        self._last_failed = False
        self._lock = asyncio.Lock()
        # monotonic seconds; replaceable, so tests can pass the refetch interval without waiting
        self.clock = time.monotonic

    # --- fetching ------------------------------------------------------------------------

    async def _get_json(self, client: httpx.AsyncClient, url: str) -> Mapping[str, Any]:
        try:
            response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise _FetchFailed(f"{url}: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise _FetchFailed(f"{url}: HTTP {response.status_code}")
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise _FetchFailed(f"{url}: document too large")
        try:
            document = response.json()
        except ValueError as exc:
            raise _FetchFailed(f"{url}: not JSON") from exc
        if not isinstance(document, dict):
            raise _FetchFailed(f"{url}: not a JSON object")
        return document

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(
            timeout=self.timeout, transport=self._transport, follow_redirects=False
        ) as client:
            if self._jwks_uri is None:
                discovery_url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
                discovery = await self._get_json(client, discovery_url)
                # OpenID Connect Discovery §4.3: the document must name the same issuer
                if discovery.get("issuer") != self.issuer:
                    raise _FetchFailed(f"{discovery_url}: names another issuer")
                jwks_uri = discovery.get("jwks_uri")
                if not isinstance(jwks_uri, str) or not jwks_uri.startswith(
                    ("https://", "http://")
                ):
                    raise _FetchFailed(f"{discovery_url}: no jwks_uri")
                self._jwks_uri = jwks_uri
            jwks = await self._get_json(client, self._jwks_uri)
        keys: dict[str | None, tuple[PyJWK, str | None]] = {}
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            raise _FetchFailed(f"{self._jwks_uri}: no keys")
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            if entry.get("kty") not in ("RSA", "EC"):
                continue  # symmetric (oct) keys are never trusted, whatever the set says
            try:
                declared = entry.get("alg")
                keys[entry.get("kid")] = (
                    PyJWK.from_dict(entry),
                    declared if isinstance(declared, str) else None,
                )
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                log.warning("ignoring an unusable key in the issuer's JWKS: %r", entry.get("kid"))
        self._keys = keys

    async def _refresh(self, *, reason: str) -> None:
        """Fetch the key set unless one was attempted within the refetch interval."""
        async with self._lock:
            now = self.clock()
            if self._attempted_at is not None and now - self._attempted_at < self.refetch_interval:
                return  # another request fetched (or failed) a moment ago
            self._attempted_at = now
            try:
                await self._fetch()
            except _FetchFailed as exc:
                self._last_failed = True
                self._jwks_uri = None  # read discovery again next time: it may have moved
                log.error("could not fetch the issuer's keys (%s): %s", reason, exc)
                return
            self._last_failed = False
            self._fetched_at = self.clock()

    def _stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at > self.cache_seconds

    async def _key_for(self, kid: str | None) -> tuple[PyJWK, str | None]:
        if self._stale():
            await self._refresh(reason="cache expired")
        if self._fetched_at is None:
            raise IssuerUnavailable(
                "The sign-in service's keys could not be fetched, so the token cannot be "
                "checked now; API keys still work."
            )
        key = self._lookup(kid)
        if key is None:
            await self._refresh(reason=f"unknown kid {kid!r}")
            key = self._lookup(kid)
        if key is None:
            if self._last_failed:
                raise IssuerUnavailable(
                    "The token is signed with a key this server does not know yet, and the "
                    "sign-in service cannot be reached to fetch it; API keys still work."
                )
            raise Unauthorized("The token is not signed by a key of the configured issuer.")
        return key

    def _lookup(self, kid: str | None) -> tuple[PyJWK, str | None] | None:
        if kid is None:
            # no kid: only unambiguous when the issuer has a single signing key
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    # --- verifying -----------------------------------------------------------------------

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once its signature and claims are valid; else 401 (or 503)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is not a well-formed JWT.") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise Unauthorized(
                f"The token's algorithm is not accepted (only {', '.join(self.algorithms)})."
            )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthorized("The token's kid is not a string.")
        key, declared_alg = await self._key_for(kid)
        if declared_alg is not None and declared_alg != alg:
            raise Unauthorized("The token's algorithm is not the one its key is for.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired; sign in again.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("The token is not valid yet (nbf or iat in the future).") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("The token is meant for another audience.") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("The token comes from another issuer.") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("The token's signature is not valid.") from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            # a wrong key type for the algorithm, a missing claim, a malformed payload, …
            raise Unauthorized("The token is not valid.") from exc
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthorized("The token names no subject (sub).")
        return claims
