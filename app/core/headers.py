"""A pure ASGI middleware that adds the security headers every response carries."""

import base64
import hashlib
import re
from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing the API answers is a page to render or to frame: JSON, problem+json, vCard, CSV,
# iCalendar. The Swagger UI page has its own policy (`docs_policy`).
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# Personal data (contacts, exports, keys) must not rest in shared or browser caches; the
# rule is simplest as "every response", and a route that may be cached says so itself
# (the .ics feeds: `private, no-cache`; the Swagger UI's static files: see STATIC_PREFIX).
DEFAULT_CACHE_CONTROL = "no-store"
STATIC_PREFIX = "/static/"

_ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> list[str]:
    """CSP sources (`'sha256-…'`) for each inline `<script>` of a page, as the browser hashes it."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def docs_policy(html: str) -> str:
    """The Swagger UI page's policy: its own assets, its inline script by hash, no framing.

    Styles allow 'unsafe-inline' because Swagger UI (React) sets `style` attributes, e.g. on
    highlighted examples; `data:` images are the SVG icons inside its CSS.
    """
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self' " + " ".join(script_hashes(html)),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def redoc_policy() -> str:
    """The ReDoc page's policy: its own script and the spec, no framing, nothing from elsewhere.

    ReDoc (styled-components) injects `<style>` elements, hence 'unsafe-inline' styles; its
    search index runs in a Web Worker made from a `blob:` URL (`worker-src blob:`); icons are
    inline SVG or `data:` images. The page has no inline script and loads no fonts.
    """
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "worker-src blob:",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds nosniff, no-referrer, a Content-Security-Policy and Cache-Control to responses.

    Headers the application set itself win; `policies` maps exact paths to their own
    Content-Security-Policy (the Swagger UI page), every other path gets `API_POLICY`.
    """

    def __init__(self, app: ASGIApp, policies: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.policies = {path: policy.encode() for path, policy in (policies or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = [
            *_ALWAYS,
            (b"content-security-policy", self.policies.get(path, API_POLICY.encode())),
        ]
        if not path.startswith(STATIC_PREFIX):
            extra.append((b"cache-control", DEFAULT_CACHE_CONTROL.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: Starlette, policies: Mapping[str, str] | None = None) -> None:
    """Wrap the whole middleware stack in `SecurityHeaders`.

    Not `add_middleware`: Starlette puts its ServerErrorMiddleware outside every added
    middleware, so a 500 would go out without the headers.
    """
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), policies)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
