"""Request ids, the access log (one line per request) and the logging configuration.

`RequestContext` is the outermost ASGI middleware: it takes the caller's `X-Request-ID`
(when it is short and printable) or makes one, keeps it in a context variable for the
request's logs and problems, echoes it on every response, and writes one access line with
the route template (never the raw path, which may hold a key), status, duration and key.

`SAMSTYRE_LOG_FORMAT=json` makes every line the server writes one JSON object on stdout
(python-json-logger), uvicorn's own included; `text` keeps readable lines.
"""

import logging
import logging.config
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.core import RESERVED_ATTRS
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.redaction import RedactSecrets

if TYPE_CHECKING:
    from app.core.config import Settings
    from app.core.metrics import HttpMetrics

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER = REQUEST_ID_HEADER.lower().encode()
_VALID_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("samstyre_request_id", default=None)
"""The id of the request being served (None outside a request)."""

ACCESS_LOGGER = "samstyre.access"
access_log = logging.getLogger(ACCESS_LOGGER)

UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route matched (404s, CORS preflights): raw paths are
never logged nor used as labels (they may hold a key, and their number is unbounded)."""


def new_request_id() -> str:
    """A fresh request id: 32 hex digits (uuid4)."""
    return uuid.uuid4().hex


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's `X-Request-ID` when valid (1–128 of `A-Za-z0-9._:-`), else a new one."""
    for name, value in headers:
        if name == _HEADER:
            if _VALID_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return new_request_id()


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request, as the contract names it:
    `/api/v1/contacts/{contact_id}` (a path converter such as `:uuid` left out)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class RequestContext:
    """Request id, access log line and HTTP metrics for every HTTP request."""

    def __init__(
        self, app: ASGIApp, *, text: bool = False, metrics: "HttpMetrics | None" = None
    ) -> None:
        self.app = app
        self.text = text
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = request_id_from(scope["headers"])
        header = (_HEADER, request_id.encode())
        token = current_request_id.set(request_id)
        # `request.state` is this dict: the auth dependency leaves the principal in it
        state = scope.setdefault("state", {})
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        metrics = self.metrics
        if metrics is not None:
            metrics.started()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - start
            route = route_template(scope)
            method: str = scope["method"]
            if metrics is not None:
                metrics.finished(method, route, status, duration)
            if access_log.isEnabledFor(logging.INFO):
                self._log(scope, state, request_id, method, route, status, duration)
            current_request_id.reset(token)

    def _log(
        self,
        scope: Scope,
        state: dict[str, Any],
        request_id: str,
        method: str,
        route: str,
        status: int,
        duration: float,
    ) -> None:
        principal = state.get("principal")
        key_id = key_name = user_id = None
        if principal is not None and principal.user_id is not None:
            # a person: their id, not their name (the log is no register of people)
            user_id = str(principal.user_id)
        elif principal is not None:
            key_id, key_name = str(principal.key_id), principal.name
        client = scope.get("client")
        duration_ms = round(duration * 1000, 2)
        fields = {
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "key_id": key_id,
            "key_name": key_name,
            "user_id": user_id,
            "client": client[0] if client else None,
        }
        if self.text:
            access_log.info(
                "%s %s %d %.1f ms key=%s request_id=%s",
                method,
                route,
                status,
                duration_ms,
                key_name or (f"user:{user_id}" if user_id else "-"),
                request_id,
                extra=fields,
            )
        else:
            access_log.info("%s %s %d", method, route, status, extra=fields)


def install_request_context(
    app: Starlette, *, text: bool, metrics: "HttpMetrics | None" = None
) -> None:
    """Wrap the whole middleware stack (the security headers included) in `RequestContext`.

    Outermost, like `install_security_headers`: Starlette's ServerErrorMiddleware is outside
    every added middleware, and a 500 must carry the request id too.
    """
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_context() -> ASGIApp:
        return RequestContext(build(), text=text, metrics=metrics)

    app.build_middleware_stack = build_with_context  # type: ignore[method-assign]


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to records logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


# uvicorn passes its coloured message as an extra; the plain one is enough
_SKIPPED_ATTRS = [*RESERVED_ATTRS, "color_message"]


def json_logging_config(level: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of JSON mode: one JSON object per line on stdout.

    One handler for everything (root, `samstyre`, uvicorn's error log), redacting secret
    query values and key-looking strings and adding the request id. uvicorn's access log is
    off: the app's own access line (`samstyre.access`, with the route template) replaces it.
    """
    level = level.upper()
    formatter: dict[str, Any] = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(process)d %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
        "reserved_attrs": _SKIPPED_ATTRS,
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": RedactSecrets},
            "request_id": {"()": RequestIdFilter},
        },
        "formatters": {"json": formatter},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["redact", "request_id"],
            }
        },
        "root": {"handlers": ["stdout"], "level": "WARNING"},
        "loggers": {
            "samstyre": {"level": level, "handlers": [], "propagate": True},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # no handler and no propagation: uvicorn then skips its access log entirely
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: "Settings") -> None:
    """Apply the server's logging: JSON (every logger, uvicorn's too) or text.

    In text mode uvicorn's loggers are left as uvicorn set them, and the app's lines go
    through the root logger as before.
    """
    if settings.log_format == "json":
        logging.config.dictConfig(json_logging_config(settings.log_level))
        return
    logging.basicConfig()
    logging.getLogger("samstyre").setLevel(settings.log_level.upper())
