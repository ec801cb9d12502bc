"""Authentication (API keys and sign-in tokens) and role checks, as FastAPI dependencies.

A bearer credential is told apart by its shape: `sam_…` is an API key (looked up by hash,
cached per worker in `KeyCache`); a compact JWT is a person's sign-in token (verified by
`core/oidc.py`, the person resolved by `people/signin.py`). The key path does no more work
than before sign-in existed: the shape check comes after the prefix check fails.
"""

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import SessionDep, read_intent
from app.core.errors import Forbidden, Unauthorized
from app.core.oidc import OidcVerifier, looks_like_jwt
from app.core.query import raise_pending
from app.keys.models import ApiKey

KEY_PREFIX = "sam_"
# A person's calendar feed token (`POST /api/v1/me/calendar-token`): opens that feed only.
PERSONAL_FEED_PREFIX = "samcal_"


class Role(StrEnum):
    """What a key may do (DESIGN §3)."""

    reader = "reader"
    editor = "editor"
    admin = "admin"
    calendar = "calendar"
    public = "public"


# public: what a public web page may show (the directory's public details, public agenda
# items and their decisions); below reader, so every `ReaderKey` route refuses it (403)
_RANK = {Role.calendar: 0, Role.public: 1, Role.reader: 2, Role.editor: 3, Role.admin: 4}


def role_rank(role: Role) -> int:
    """Order of roles by rights: calendar < public < reader < editor < admin."""
    return _RANK[role]


CallerKind = Literal["key", "user", "system"]


def generate_key() -> str:
    """A new secret: `sam_` and 32 random bytes, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(raw: str) -> str:
    """The stored form of a secret (the secrets carry 256 bits, so a fast hash is enough)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The caller: a key or a signed-in person; its name (the change log's actor), role and
    plan limit. A user is a principal of the same shape as a key of that role and scope.

    `key_id` is the key's id (None for a person); `user_id` the person's (None for a key).
    Both are None for the server's own writes (demo data).
    """

    key_id: uuid.UUID | None
    name: str
    role: Role
    plan_ids: frozenset[uuid.UUID] | None
    user_id: uuid.UUID | None = None

    @property
    def kind(self) -> CallerKind:
        """`key`, `user`, or `system` for the server's own writes."""
        if self.user_id is not None:
            return "user"
        return "key" if self.key_id is not None else "system"

    @property
    def actor_id(self) -> uuid.UUID | None:
        """The id the change log records: the user's or the key's."""
        return self.user_id if self.user_id is not None else self.key_id

    def at_least(self, role: Role) -> bool:
        """Whether this key's role includes `role`'s rights."""
        return _RANK[self.role] >= _RANK[role]

    @property
    def sees_restricted(self) -> bool:
        """Editors and admins see restricted contact details."""
        return self.at_least(Role.editor)

    @property
    def is_public(self) -> bool:
        """A public key: public details, active contacts, public agenda items only."""
        return self.role is Role.public

    def sees_plan(self, plan_id: uuid.UUID | None) -> bool:
        """Whether a record bound to `plan_id` is visible to this key."""
        return self.plan_ids is None or plan_id is None or plan_id in self.plan_ids


bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`Authorization: Bearer sam_…`) or a person's sign-in token.",
)


# Every request runs this lookup: built once (SQLAlchemy memoises its cache key) and read as
# a plain row, it costs about half of a per-request ORM query (measured: 0.07 against 0.17 ms
# on SQLite, 0.27 against 0.5 ms on PostgreSQL).
_KEY_BY_HASH = select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.plan_ids, ApiKey.key_hash).where(
    ApiKey.key_hash == bindparam("digest"), ApiKey.revoked_at.is_(None)
)


class KeyCache:
    """The keys this worker has looked up, trusted for `ttl` seconds (the lookup is a query
    on every request otherwise). Misses are not cached, so a new key works at once; a key
    revoked here is forgotten at once and not cached again while the revocation commits."""

    def __init__(self, ttl: float, max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._revoked: dict[uuid.UUID, float] = {}

    def get(self, digest: str) -> Principal | None:
        """The cached principal for a key's digest, if still fresh."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, expires = entry
        if expires <= time.monotonic():
            del self._entries[digest]
            return None
        return principal

    def put(self, digest: str, principal: Principal) -> None:
        """Remember a looked-up key (not one revoked on this worker a moment ago)."""
        if self.ttl <= 0:
            return
        now = time.monotonic()
        if principal.key_id in self._revoked:
            if self._revoked[principal.key_id] > now:
                return
            del self._revoked[principal.key_id]
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # rare (more keys than entries): start over, no LRU needed
        self._entries[digest] = (principal, now + self.ttl)

    def clear(self) -> None:
        """Forget every entry (role mappings changed: every person's rights may have)."""
        self._entries = {}

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop a key revoked on this worker, and keep it out for one `ttl`."""
        self._entries = {d: e for d, e in self._entries.items() if e[0].key_id != key_id}
        self._revoked[key_id] = time.monotonic() + self.ttl


async def _authenticate_token(request: Request, raw: str) -> Principal:
    """A person's sign-in token: verified, the person found (or recorded) and their rights."""
    verifier: OidcVerifier | None = request.app.state.oidc
    if verifier is None:
        raise Unauthorized(
            "This server accepts no sign-in tokens (SAMSTYRE_OIDC_ISSUER is not set); "
            "send an API key."
        )
    digest = hash_key(raw)
    cache: KeyCache = request.app.state.user_cache
    principal = cache.get(digest)
    if principal is None:
        claims = await verifier.verify(raw)
        from app.people.signin import principal_for  # people builds on this module

        principal = await principal_for(request.app.state, claims)
        cache.put(digest, principal)
    request.state.principal = principal
    raise_pending(request)
    return principal


async def _lookup(request: Request, session: AsyncSession | None, digest: str) -> Any:
    """The key row for `digest`, in `session` or (a route without one) a short session of
    its own: a route that finds its key in the cache then opens no session at all."""
    if session is not None:
        return (await session.execute(_KEY_BY_HASH, {"digest": digest})).first()
    factory: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    with read_intent():  # SQLite: never BEGIN IMMEDIATE behind the request's own writer
        async with factory() as own:
            return (await own.execute(_KEY_BY_HASH, {"digest": digest})).first()


async def _authenticate(
    request: Request, session: AsyncSession | None, raw: str | None
) -> Principal:
    if not raw:
        raise Unauthorized
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        if looks_like_jwt(raw):
            return await _authenticate_token(request, raw)
        raise Unauthorized
    digest = hash_key(raw)
    cache: KeyCache = request.app.state.key_cache
    if (cached := cache.get(digest)) is not None:
        request.state.principal = cached  # the access log names the key
        raise_pending(request)
        return cached
    key = await _lookup(request, session, digest)
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        raise Unauthorized
    principal = Principal(
        key_id=key.id,
        name=key.name,
        role=Role(key.role),
        plan_ids=frozenset(uuid.UUID(str(p)) for p in key.plan_ids)
        if key.plan_ids is not None
        else None,
    )
    cache.put(digest, principal)
    request.state.principal = principal
    raise_pending(request)
    return principal


async def authenticate(request: Request, session: AsyncSession, raw: str | None) -> Principal:
    """Any caller from a bearer credential: a key (of any role) or a signed-in person."""
    return await _authenticate(request, session, raw)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller of a JSON endpoint; a calendar key is refused (403). Takes no session: a
    key found in the cache costs no database work, a miss looks it up in a short session."""
    principal = await _authenticate(request, None, credentials.credentials if credentials else None)
    if principal.role is Role.calendar:
        raise Forbidden("A calendar key opens only the .ics feeds.")
    return principal


def _require(role: Role) -> Callable[..., Awaitable[Principal]]:
    # async: a pure check, so FastAPI runs it without a threadpool hop; it depends on
    # `authenticated`, which FastAPI caches per request, so a route and its path
    # dependencies share one key lookup.
    async def dependency(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.at_least(role):
            raise Forbidden(
                f"This needs a key with the role {role.value} or higher "
                f"(this {principal.kind} has the role {principal.role.value})."
            )
        return principal

    return dependency


async def feed_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[
        str | None,
        Query(
            description=(
                "A calendar key, for calendar clients that cannot send headers. Only a "
                "calendar key is accepted here (any other key: 401); URLs end up in logs "
                "and histories, so other keys go in the Authorization header."
            )
        ),
    ] = None,
) -> Principal:
    """The caller of an .ics feed: any key in the header, or a calendar key in `?token=`."""
    if token is not None:
        if token.startswith(PERSONAL_FEED_PREFIX):
            raise Unauthorized(
                "A personal calendar token opens only its person's feed, "
                "/api/v1/me/meetings.ics; this feed needs a calendar key."
            )
        # Checked even beside a header: a key that is not a calendar key must never work
        # from a URL, so a misconfigured client learns it at once.
        by_token = await _authenticate(request, session, token)
        if by_token.role is not Role.calendar:
            raise Unauthorized(
                "Only a calendar key may be sent in ?token=; create a calendar key for "
                "calendar clients, and send other keys in the Authorization header."
            )
        if credentials is None:
            return by_token
    principal = await _authenticate(
        request, session, credentials.credentials if credentials else None
    )
    if principal.is_public:
        # a feed holds every meeting's location and online link: not for a public web page
        raise Forbidden("A public key reads contacts, organizations and public agenda items.")
    return principal


PublicKey = Annotated[Principal, Depends(_require(Role.public))]
"""Routes fit for a public key too (they filter by `Principal.is_public`)."""
ReaderKey = Annotated[Principal, Depends(_require(Role.reader))]
EditorKey = Annotated[Principal, Depends(_require(Role.editor))]
AdminKey = Annotated[Principal, Depends(_require(Role.admin))]
FeedKey = Annotated[Principal, Depends(feed_principal)]
