"""HTTP semantics (RFC 9110) the framework leaves out: HEAD, the 405's `Allow`, 415.

- `HEAD` (§9.3.2) is answered wherever `GET` is: `HeadAsGet` runs the request as a GET and
  sends the GET's status and headers (Content-Length of the GET body included) without the
  body. HEAD is implicit in HTTP, so it is not declared per operation in the contract: listing
  it would double every read operation in the generated clients for no information.
- A 405 carries `Allow` with every method the path answers (§15.5.6): `core.routing`.
- A JSON endpoint refuses a body that is not JSON with 415 (§15.5.16): `JsonBodiesOnly`.
"""

from email.message import Message as MimeMessage

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response


class HeadAsGet:
    """Answer HEAD as GET without the body (RFC 9110 §9.3.2).

    Installed innermost, next to the router, so that every other middleware (CORS, logs, the
    security headers) sees the request's real method. The GET's `Content-Length` is kept; a
    streamed GET without one gets the length of the body it would have sent.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        inner = {**scope, "method": "GET"}
        start: Message | None = None
        length = 0

        async def send_headers_only(message: Message) -> None:
            nonlocal start, length
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            length += len(message.get("body", b""))
            if message.get("more_body", False):
                return
            if start is not None:
                headers = list(start.get("headers", []))
                if not any(name.lower() == b"content-length" for name, _ in headers):
                    headers.append((b"content-length", str(length).encode()))
                await send({**start, "headers": headers})
                start = None
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        try:
            await self.app(inner, receive, send_headers_only)
        finally:
            # what the router learned (route, endpoint, path parameters) for the outer
            # middleware (logs, metrics), the method excepted
            scope.update({key: value for key, value in inner.items() if key != "method"})


ACCEPTED = "application/json, application/merge-patch+json"
"""What a JSON endpoint accepts (any `+json` type is read as JSON, too)."""


def is_json(content_type: str) -> bool:
    """`application/json` or a `+json` type (merge-patch, problem …), whatever parameters."""
    mime = MimeMessage()
    mime["content-type"] = content_type
    if mime.get_content_maintype() != "application":
        return False
    subtype = mime.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _has_body(headers: dict[bytes, bytes]) -> bool:
    if b"transfer-encoding" in headers:
        return True
    try:
        return int(headers.get(b"content-length", b"0")) > 0
    except ValueError:
        return True  # a malformed length: whatever it is, it is not nothing


class _NotJsonError(Exception):
    pass


class JsonBodiesOnly:
    """415 for a body that is not JSON (by its Content-Type) sent to a route that reads JSON.

    Requests without a body (DELETE, `POST …/erase`) and routes that read no body are not
    affected; a body without a Content-Type is refused too (RFC 9110 §8.3: it would be
    `application/octet-stream`). The check happens when the route starts reading the body
    (the router has chosen it by then, and FastAPI reads a body only for a route that declares
    one), so a wrong path or method stays 404/405 and JSON requests cost nothing here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not _has_body(headers) or is_json(content_type):
            await self.app(scope, receive, send)
            return
        refused = False
        started = False

        async def checked_receive() -> Message:
            nonlocal refused
            if not started and getattr(scope.get("route"), "body_field", None) is not None:
                refused = True
                raise _NotJsonError
            return await receive()

        async def checked_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # the application's answer to the refused read: the 415 replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, checked_receive, checked_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            detail = "The request body must be JSON: send it with Content-Type: application/json."
            extra = {"Accept-Patch": ACCEPTED} if scope["method"] == "PATCH" else None
            response = problem_response(415, "unsupported-media-type", detail, extra)
            await response(scope, receive, send)
