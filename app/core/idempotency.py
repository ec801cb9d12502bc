"""Retries that never duplicate: the `Idempotency-Key` request header on POST.

Follows draft-ietf-httpapi-idempotency-key-header: a POST that carries `Idempotency-Key`
is remembered for its caller (a sha256 of the `Authorization` header value: the same
credential is the same caller; no secret is stored). A retry with the same key and the same
request (fingerprint: sha256 of method, path, query and body) gets the first response again
(same status, body, `Location`, `ETag`, `Content-Type`, `Cache-Control`) plus
`Idempotent-Replayed: true`, and the app does not run. The same key with another request is
422; while the first request is still running, 409. Only successful (2xx) responses are
kept: a refused request (4xx, 5xx) forgets its key, so a corrected retry can create. Keys
are kept 24 hours (`RETENTION`), then purged on a later keyed POST.

A request still pending after `STALE_AFTER` (its process died) is taken over by a retry with
the same fingerprint. The stored response is written in its own transaction after the
app's commit, so a process that dies between the two leaves a pending key whose retry
(after `STALE_AFTER`) runs again: the one window in which a retry can duplicate.

The middleware does not authenticate: a request without `Authorization` passes through
untouched (the API answers 401), and a replay is only ever sent to the same credential
that received the first response.

All database I/O is in the small functions `claim`, `complete` and `release`, each run in
one short transaction by `_in_transaction` (today through the threadpool; sync engine).
"""

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import anyio
from sqlalchemy import Integer, LargeBinary, String, delete, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.db import Base, utcnow
from app.core.errors import database_away, problem_response, responses, unavailable_response

log = logging.getLogger("samstyre")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
"""Keys are kept at least this long (purged after it, on a later keyed POST)."""
STALE_AFTER = timedelta(minutes=5)
"""A pending key this old belongs to a request that died; a same-request retry takes it over."""

# Response headers a replay repeats (with the status and the body).
REPLAYED_HEADERS = (b"location", b"etag", b"content-type", b"cache-control")

DRAFT = "draft-ietf-httpapi-idempotency-key-header"

# POSTs whose response must never be stored (the header is ignored there, and not offered in
# the contract): a new API key's secret, or a person's new calendar token, is shown once and
# never kept in clear. Retrying a key creation cannot duplicate anyway: key names are unique
# (409); a new calendar token replaces the last. As a second guard, a success
# the app marks `Cache-Control: no-store` is never stored either (its key is released).
UNSUPPORTED_PATHS = frozenset({"/api/v1/api-keys", "/api/v1/me/calendar-token"})


class IdempotencyKey(Base):
    """A POST's `Idempotency-Key` for one caller, and the response it got (once complete)."""

    __tablename__ = "idempotency_keys"

    # sha256 (hex) of the caller's credential: never the credential itself
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    # sha256 (hex) of method, path, query and body
    fingerprint: Mapped[str] = mapped_column(String(64))
    # null while the first request runs
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    headers: Mapped[list[Any] | None] = mapped_column(default=None)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


# --- database I/O: the only functions that touch the database ------------------------------


@dataclass(frozen=True)
class Stored:
    """A key already in use: its fingerprint and, once complete, the response."""

    fingerprint: str
    status: int | None
    headers: list[list[str]]
    body: bytes


async def claim(
    session: AsyncSession, scope: str, key: str, fingerprint: str, now: datetime
) -> Stored | None:
    """Purge expired keys and claim `key` for this request: None when claimed, else the
    key as stored (another request's)."""
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - RETENTION))
    dialect = session.get_bind().dialect.name
    insert = (
        postgresql.insert(IdempotencyKey)
        if dialect == "postgresql"
        else sqlite.insert(IdempotencyKey)
    )
    statement = insert.values(
        scope=scope, idempotency_key=key, fingerprint=fingerprint, created_at=now
    ).on_conflict_do_nothing(index_elements=["scope", "idempotency_key"])
    # RETURNING, not rowcount: psycopg reports -1 for an ORM-enabled INSERT
    if (await session.execute(statement.returning(IdempotencyKey.scope))).first() is not None:
        return None
    same_key = (IdempotencyKey.scope == scope) & (IdempotencyKey.idempotency_key == key)
    taken_over = await session.execute(
        update(IdempotencyKey)
        .where(
            same_key,
            IdempotencyKey.status.is_(None),
            IdempotencyKey.fingerprint == fingerprint,
            IdempotencyKey.created_at < now - STALE_AFTER,
        )
        .values(created_at=now)
    )
    if cast(CursorResult[Any], taken_over).rowcount == 1:
        return None
    row = (
        await session.execute(
            select(
                IdempotencyKey.fingerprint,
                IdempotencyKey.status,
                IdempotencyKey.headers,
                IdempotencyKey.body,
            ).where(same_key)
        )
    ).one_or_none()
    if row is None:
        # released by a failed first request between the insert and this read: in use still
        return Stored(fingerprint, None, [], b"")
    return Stored(row.fingerprint, row.status, row.headers or [], row.body or b"")


async def complete(
    session: AsyncSession,
    scope: str,
    key: str,
    started: datetime,
    status: int,
    headers: list[list[str]],
    body: bytes,
    now: datetime,
) -> None:
    """Store the response of the request that claimed `key` at `started`."""
    await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.idempotency_key == key,
            IdempotencyKey.created_at == started,
            IdempotencyKey.status.is_(None),
        )
        .values(status=status, headers=headers, body=body, completed_at=now)
    )


async def release(session: AsyncSession, scope: str, key: str, started: datetime) -> None:
    """Forget `key` (its request failed), unless another request has taken it over."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.idempotency_key == key,
            IdempotencyKey.created_at == started,
            IdempotencyKey.status.is_(None),
        )
    )


async def forget_responses_about(session: AsyncSession, location: str) -> None:
    """Drop the stored responses of the requests that created `location`: an erasure must
    not leave the person's data in a stored response for 24 h (a retry of that creation
    then runs again)."""
    await session.execute(
        delete(IdempotencyKey).where(sql_cast(IdempotencyKey.headers, String).contains(location))
    )


T = TypeVar("T")


async def _in_transaction(
    factory: async_sessionmaker[AsyncSession], work: Callable[..., Awaitable[T]], *args: Any
) -> T:
    async with factory.begin() as session:
        return await work(session, *args)


# --- the middleware -------------------------------------------------------------------------


def parse_key(values: list[bytes]) -> str | None:
    """The key from the header's values, or None when invalid.

    One header of 1–255 printable ASCII characters. The draft's value is a Structured Field
    String (`"abc"`, the key being what is inside the quotes); a bare value is accepted too.
    """
    if len(values) != 1:
        return None
    try:
        raw = values[0].decode("ascii").strip(" \t")
    except UnicodeDecodeError:
        return None
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in raw):
        return None
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        inner, value, i = raw[1:-1], [], 0
        while i < len(inner):
            char = inner[i]
            if char == "\\":
                if i + 1 == len(inner) or inner[i + 1] not in '"\\':
                    return None
                char, i = inner[i + 1], i + 1
            elif char == '"':
                return None
            value.append(char)
            i += 1
        raw = "".join(value)
    elif '"' in raw:
        return None
    return raw or None


def digest(*parts: bytes) -> str:
    """sha256 (hex) of `parts`, each length-prefixed so that no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _problem(status: int, slug: str, detail: str) -> Response:
    return problem_response(status, slug, detail)


class Idempotency:
    """Replays the first response to a POST retried with the same `Idempotency-Key`.

    Install inside `BodySizeLimit` (bodies are read whole here) and inside CORS (replays get
    its headers). The database is the app's: `app.state.sessionmaker`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope.get("path") in UNSUPPORTED_PATHS
        ):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        values = [value for name, value in headers if name == b"idempotency-key"]
        credential = next((value for name, value in headers if name == b"authorization"), None)
        if not values or credential is None:
            await self.app(scope, receive, send)
            return
        key = parse_key(values)
        if key is None:
            response = _problem(
                400,
                "bad-request",
                f"{HEADER} must be one header of 1 to {MAX_KEY_LENGTH} printable ASCII "
                'characters, a quoted string ("…") or a bare value, not empty.',
            )
            await response(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except _Disconnected:
            return
        caller = digest(credential)
        fingerprint = digest(
            scope["method"].encode(),
            scope.get("path", "").encode(),
            scope.get("query_string", b""),
            body,
        )
        factory: async_sessionmaker[AsyncSession] = scope["app"].state.sessionmaker
        started = utcnow()
        try:
            stored = await _in_transaction(factory, claim, caller, key, fingerprint, started)
        except Exception as exc:
            if not database_away(exc):
                raise
            log.error("database unavailable: %s", exc.__class__.__name__)
            await unavailable_response()(scope, receive, send)
            return
        if stored is not None:
            await self._answer_used(stored, fingerprint, scope, receive, send)
            return
        await self._run(scope, receive, send, factory, caller, key, started, body)

    async def _answer_used(
        self, stored: Stored, fingerprint: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response: Response
        if stored.fingerprint != fingerprint:
            response = _problem(
                422,
                "idempotency-key-reused",
                f"This {HEADER} was already used with a different request (method, path, "
                "query or body); use a new key for a new request.",
            )
        elif stored.status is None:
            response = _problem(
                409,
                "idempotency-key-in-use",
                f"A request with this {HEADER} is still being processed; retry later.",
            )
        else:
            response = Response(stored.body, status_code=stored.status)
            for name, value in stored.headers:
                response.headers.append(name, value)
            response.headers[REPLAYED_HEADER] = "true"
        await response(scope, receive, send)

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        factory: async_sessionmaker[AsyncSession],
        caller: str,
        key: str,
        started: datetime,
        body: bytes,
    ) -> None:
        body_sent = False

        async def replay_body() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: Message = {}
        chunks: list[bytes] = []
        settled = False

        async def settle(work: Callable[..., Awaitable[None]], *args: Any) -> None:
            nonlocal settled
            settled = True
            try:
                with anyio.CancelScope(shield=True):
                    await _in_transaction(factory, work, caller, key, *args)
            except Exception as exc:
                # The app's own write is committed already: the client gets its response;
                # the key stays pending and a retry after STALE_AFTER runs again.
                log.error("idempotency key not saved: %s", exc.__class__.__name__)

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            status: int = start["status"]
            content = b"".join(chunks)
            no_store = any(
                name.lower() == b"cache-control" and b"no-store" in value.lower()
                for name, value in start.get("headers", [])
            )
            if 200 <= status < 300 and not no_store:
                kept = [
                    [name.decode("latin-1"), value.decode("latin-1")]
                    for name, value in start.get("headers", [])
                    if name.lower() in REPLAYED_HEADERS
                ]
                await settle(complete, started, status, kept, content, utcnow())
            else:
                await settle(release, started)
            await send(start)
            await send({"type": "http.response.body", "body": content})

        try:
            await self.app(scope, replay_body, capture)
        finally:
            if not settled:
                await settle(release, started)


# --- the contract ---------------------------------------------------------------------------

PARAMETER_DESCRIPTION = (
    f"Makes a retry safe ({DRAFT}). A POST retried by the same API key with the same key and "
    "the same request (method, path, query and body) is not run again: it gets the first "
    f"response (status, body, `Location`, `ETag`) with `{REPLAYED_HEADER}: true`. The same "
    "key with a different request is 422 (`idempotency-key-reused`); while the first request "
    "is still running, 409 (`idempotency-key-in-use`); an invalid value is 400. Only "
    "successful responses are kept, for at least 24 hours: after a 4xx or 5xx the key may be "
    'used again. The value: a structured-field string (`"…"`, e.g. a quoted UUID) or a '
    "bare value, 1 to 255 printable ASCII characters."
)

_REPLAYED = {
    "description": f"`true` when this is the stored response to an earlier request with the "
    f"same `{HEADER}` (nothing was created or changed this time).",
    "schema": {"type": "string", "enum": ["true"]},
}


def document_idempotency(schema: dict[str, Any]) -> None:
    """Declare `Idempotency-Key` (and its 400/409/422, `Idempotent-Replayed`) on every POST."""
    for path, path_item in schema.get("paths", {}).items():
        operation = path_item.get("post")
        if operation is None or path in UNSUPPORTED_PATHS:
            continue
        operation.setdefault("parameters", []).append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": PARAMETER_DESCRIPTION,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    # printable ASCII, no space at either end (it is trimmed)
                    "pattern": "^[!-~]([ -~]*[!-~])?$",
                },
            }
        )
        answers = operation.setdefault("responses", {})
        for code, answer in responses(400, 409, 422).items():
            answers.setdefault(str(code), answer)
        for code, answer in answers.items():
            if code.startswith("2"):
                answer.setdefault("headers", {})[REPLAYED_HEADER] = _REPLAYED
