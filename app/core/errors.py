"""RFC 9457 problem details: the exceptions the code raises and the one place that renders them."""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.observability import current_request_id, new_request_id
from app.core.routing import allowed_methods

log = logging.getLogger("samstyre")

PROBLEM_TYPE = "application/problem+json"


class ValidationIssue(BaseModel):
    """One invalid input: where it is, what is wrong."""

    loc: list[str | int] = Field(description="Path to the offending input, e.g. ['body', 'cvr'].")
    msg: str
    type: str


def _absent_when_unused(schema: dict[str, Any]) -> None:
    # An optional problem field is left out when it does not apply: no `default: null` in
    # the contract (generators would type it `| null`).
    schema.pop("default", None)


class Problem(BaseModel):
    """An RFC 9457 problem document.

    `type`, `title`, `status`, `detail` and `request_id` are always present; the other fields
    only when they apply (absent otherwise, never null), so they are optional, not nullable.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`urn:samstyre:problem:<slug>`")
    title: str = Field(description="The HTTP status phrase, e.g. `Not Found`.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, for a person to read.")
    request_id: str = Field(
        description="The request's id (`X-Request-ID`), to find it in the server's logs."
    )
    rule: str | SkipJsonSchema[None] = Field(
        default=None,
        description="The domain rule that refused the request.",
        json_schema_extra=_absent_when_unused,
    )
    errors: list[ValidationIssue] | SkipJsonSchema[None] = Field(
        default=None,
        description="The invalid inputs; at most the first 50.",
        json_schema_extra=_absent_when_unused,
    )
    errors_total: int | SkipJsonSchema[None] = Field(
        default=None,
        description="How many invalid inputs there were, when more than listed.",
        json_schema_extra=_absent_when_unused,
    )


class ProblemError(Exception):
    """Base of every error the API answers with; rendered as problem+json."""

    status: int = 500
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ProblemError):
    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str = "A valid API key or sign-in token is required.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="samstyre"'})


class Forbidden(ProblemError):
    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Conflict(ProblemError):
    status, slug = 409, "conflict"


class RuleViolation(Conflict):
    """A domain rule refused the write; `rule` names it (DESIGN §2)."""

    slug = "rule-violation"

    def __init__(self, rule: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, rule=rule, **extra)


class PreconditionFailed(ProblemError):
    status, slug = 412, "precondition-failed"


class PayloadTooLarge(ProblemError):
    status, slug = 413, "payload-too-large"


class Unprocessable(ProblemError):
    """Input that parses but is wrong, e.g. a reference to nothing; names the field."""

    status, slug = 422, "validation-error"

    def __init__(self, loc: Sequence[str | int], msg: str, type_: str = "value_error") -> None:
        super().__init__(msg, errors=[{"loc": list(loc), "msg": msg, "type": type_}])


def problem_response(
    status: int,
    slug: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Render a problem document."""
    body: dict[str, Any] = {
        "type": f"urn:samstyre:problem:{slug}",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    # `detail` is always present (the contract requires it): the title when nothing more
    body["detail"] = detail if detail is not None else body["title"]
    # the id the response's X-Request-ID carries (a fresh one outside a request)
    body["request_id"] = current_request_id.get() or new_request_id()
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


def _clean_loc(loc: Sequence[Any]) -> list[str | int]:
    # an unknown field's name is the client's text: a long one is cut, not echoed whole
    return [part if isinstance(part, int) else str(part)[:200] for part in loc]


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.slug, exc.detail, exc.headers or None, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    slug = _HTTP_SLUGS.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # The router names only the methods of the first route on the path; `Allow` must
        # name every method the path answers (RFC 9110 §15.5.6).
        headers["Allow"] = ", ".join(allowed_methods(request.scope))
    return problem_response(exc.status_code, slug, detail, headers or None)


MAX_LISTED_ERRORS = 50
"""A 422 lists at most this many errors and gives the total in `errors_total`."""


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if any(err.get("type") == "json_invalid" for err in raw):
        return problem_response(400, "malformed-json", "The request body is not valid JSON.")
    # Bounded work and a small body whatever the input: only the first errors are rendered.
    errors = [
        {
            "loc": _clean_loc(err.get("loc", ())),
            "msg": str(err.get("msg"))[:500],
            "type": err.get("type"),
        }
        for err in raw[:MAX_LISTED_ERRORS]
    ]
    if len(raw) <= MAX_LISTED_ERRORS:
        return problem_response(
            422, "validation-error", "The request has invalid input.", errors=errors
        )
    return problem_response(
        422,
        "validation-error",
        f"The request has invalid input: {len(raw)} errors, the first {MAX_LISTED_ERRORS} "
        f"listed (and {len(raw) - MAX_LISTED_ERRORS} more).",
        errors=errors,
        errors_total=len(raw),
    )


async def _on_integrity(_request: Request, exc: Exception) -> JSONResponse:
    # Races past the service's own checks end here: a uniqueness or reference conflict.
    log.info("integrity conflict: %s", exc.__class__.__name__)
    return problem_response(
        409, "conflict", "The change conflicts with existing data (a duplicate or a reference)."
    )


async def _on_data(_request: Request, exc: Exception) -> JSONResponse:
    # A value the schemas let through but the database cannot hold (a safety net: the
    # schemas bound lengths and numbers, so this should not happen).
    log.warning("data error: %s", exc.__class__.__name__)
    return problem_response(
        422, "validation-error", "A value does not fit the database (too long or out of range)."
    )


RETRY_AFTER_SECONDS = 5
"""How long a 503 asks the client to wait (`Retry-After`): the database is usually back soon."""


def unavailable_response(detail: str = "The database is not available.") -> JSONResponse:
    """503 problem+json with `Retry-After`: the database is away, try again shortly."""
    return problem_response(503, "unavailable", detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _on_operational(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", exc.__class__.__name__)
    return unavailable_response()


async def _on_dbapi(request: Request, exc: Exception) -> JSONResponse:
    # Other driver errors: the connection went away mid-request (SQLAlchemy marks the error
    # `connection_invalidated`, or the driver says the connection is closed: InterfaceError)
    # is the database being away; anything else is a bug.
    assert isinstance(exc, DBAPIError)
    if database_away(exc):
        return await _on_operational(request, exc)
    if _sqlstate(exc).startswith(_SCHEMA_MISSING):
        # A table or column of this release is missing: the database is not migrated to
        # it yet (readiness says 503 too, so the two agree).
        log.error("database schema not migrated: %s", exc.__class__.__name__)
        return unavailable_response("The database schema is not migrated to this release.")
    return await _on_unexpected(request, exc)


# undefined table, undefined column
_SCHEMA_MISSING = ("42P01", "42703")


def _sqlstate(exc: DBAPIError) -> str:
    for err in (exc.orig, getattr(exc.orig, "__cause__", None)):
        sqlstate = getattr(err, "sqlstate", None)
        if isinstance(sqlstate, str):
            return sqlstate
    return ""


# SQLSTATE classes of a database that is away: 08 connection exception, 57 operator
# intervention (shutting down, starting up: asyncpg reports these as plain DBAPIError).
_AWAY_SQLSTATE_CLASSES = ("08", "57")


def database_away(exc: BaseException) -> bool:
    """Whether `exc` means the database is away (503 with Retry-After), not a bug: a lost or
    refused connection, a pool with no free connection, a server shutting down or starting.

    The one classification, for the handlers here and for middleware outside them."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | ConnectionError):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or _sqlstate(exc).startswith(_AWAY_SQLSTATE_CLASSES)
    )


async def _on_connection_error(request: Request, exc: Exception) -> JSONResponse:
    # asyncpg raises the socket's own error when it cannot connect (refused, reset): the
    # only sockets a request opens are the database's.
    return await _on_operational(request, exc)


async def _on_pool_timeout(_request: Request, exc: Exception) -> JSONResponse:
    # Every pooled connection is busy (or hangs on a database that went away).
    log.error("database pool exhausted: %s", exc.__class__.__name__)
    return unavailable_response("No database connection is free.")


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, ours or the framework's, a problem+json response."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(DataError, _on_data)
    app.add_exception_handler(OperationalError, _on_operational)
    app.add_exception_handler(DBAPIError, _on_dbapi)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
    app.add_exception_handler(ConnectionError, _on_connection_error)
    app.add_exception_handler(Exception, _on_unexpected)


_DESCRIPTIONS = {
    304: "Not modified (If-None-Match matched).",
    400: "Malformed request, e.g. invalid JSON.",
    401: "Missing or invalid API key.",
    403: "The key's role does not allow this.",
    404: "Not found.",
    409: "Conflict: duplicate, reference or domain rule (`rule`).",
    412: "If-Match did not match the current ETag.",
    413: "Request body over the size limit.",
    422: "Invalid input; `errors` names each field.",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring problem+json for the given error codes."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 304:
            out[code] = {"description": _DESCRIPTIONS[code]}
            continue
        out[code] = {
            "description": _DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out


READ_ERRORS = (400, 401, 403, 422)
ITEM_READ_ERRORS = (304, 400, 401, 403, 404, 422)
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 422)
