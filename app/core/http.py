"""Single-resource responses: strong ETags, conditional GET and If-Match on writes."""

import hashlib
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Entity, lock_for_write
from app.core.errors import PreconditionFailed


def etag_of(body: bytes) -> str:
    """A strong ETag: the hash of the exact representation."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# one entity-tag of a list (RFC 9110 §8.8.3): optional `W/`, then a quoted opaque tag
_ENTITY_TAG = re.compile(r'[\s,]*(W/)?("[^"]*")\s*(?:,|$)')


def _matches(header: str, etag: str, *, weak: bool = False) -> bool:
    """Whether `etag` (strong) is in the header's list, or the header is `*`.

    Strong comparison (If-Match) never matches a `W/` tag; weak comparison
    (If-None-Match, RFC 9110 §13.1.2) compares the opaque tags alone.
    """
    if header.strip() == "*":
        return True
    pos = 0
    while pos < len(header) and (match := _ENTITY_TAG.match(header, pos)):
        if match.group(2) == etag and (weak or match.group(1) is None):
            return True
        pos = match.end()
    return False  # the end, or a malformed list: nothing after it counts


def not_modified(request: Request, etag: str) -> bool:
    """A GET or HEAD whose If-None-Match matches `etag` (weak comparison): answer 304."""
    header = request.headers.get("if-none-match")
    return (
        request.method in ("GET", "HEAD")
        and header is not None
        and _matches(header, etag, weak=True)
    )


def resource_response(
    request: Request,
    model: BaseModel,
    *,
    status_code: int = 200,
    location: str | None = None,
    headers: dict[str, str] | None = None,
    fields: frozenset[str] | None = None,
) -> Response:
    """JSON for one resource with its ETag; 304 when If-None-Match matches on GET.

    With `fields` (`?fields=`, app/core/fields.py) only those top-level fields are
    serialised, and the ETag is of that representation.
    """
    if fields is None:
        body = model.model_dump_json().encode()
    else:
        body = model.__pydantic_serializer__.to_json(model, include=set(fields))
    return json_resource_response(
        request, body, status_code=status_code, location=location, headers=headers
    )


def json_resource_response(
    request: Request,
    body: bytes,
    *,
    status_code: int = 200,
    location: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """`resource_response` for a body already written as JSON (by PostgreSQL,
    `core/jsonsql.py`, or by pydantic): its ETag, 304 on a matching If-None-Match."""
    etag = etag_of(body)
    out_headers = {"ETag": etag, **(headers or {})}
    if location:
        out_headers["Location"] = location
    if not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        body, status_code=status_code, headers=out_headers, media_type="application/json"
    )


async def check_if_match(
    request: Request,
    session: AsyncSession,
    entity: Entity,
    render: Callable[[], BaseModel | Awaitable[BaseModel]],
) -> None:
    """Refuse a write (412) when If-Match is sent and does not match the current ETag.

    Comparing and writing are one step: the row is locked and re-read first (`lock_for_write`),
    so of concurrent writes sent with the same If-Match exactly one wins and the others see
    the winner's representation (412). `render` builds the representation the ETag is of.
    """
    header = request.headers.get("if-match")
    if header is None:
        return
    await lock_for_write(session, entity)
    current = render()
    if inspect.isawaitable(current):
        current = await current
    etag = etag_of(current.model_dump_json().encode())
    if not _matches(header, etag):
        raise PreconditionFailed(
            "The resource has changed since it was read (If-Match does not match its ETag).",
        )


def json_response(payload: Any, status_code: int = 200) -> JSONResponse:
    """Plain JSON for non-resource payloads."""
    return JSONResponse(payload, status_code=status_code)
