"""What the app's routes answer at a path, asked without sending a request.

FastAPI makes one route per path and method; Starlette's router names only the methods of the
first route on the path in a 405's `Allow`. `allowed_methods` asks every route (RFC 9110
§15.5.6: `Allow` lists every method the target resource supports).
"""

from typing import Any

from starlette.convertors import StringConvertor, register_url_convertor
from starlette.routing import Match, Mount
from starlette.types import Scope

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""The methods a 405's `Allow` may name, in the order it names them."""


def _routes(scope: Scope) -> list[Any]:
    app = scope.get("app")
    router = getattr(app, "router", None)
    return list(getattr(router, "routes", ()))


def _probe(scope: Scope, method: str) -> Scope:
    # A fresh scope per probe: matching may write into the scope it is given.
    return {
        "type": "http",
        "path": scope.get("path", ""),
        "root_path": scope.get("root_path", ""),
        "method": method,
        "headers": [],
        "query_string": b"",
        "app": scope.get("app"),
    }


def _route_for(scope: Scope, method: str) -> tuple[Any, Scope] | None:
    """The route (and its child scope) the app's router would pick for `method` at the path."""
    for route in _routes(scope):
        match, child = route.matches(_probe(scope, method))
        if match == Match.FULL:
            return route, child
    return None


def allowed_methods(scope: Scope) -> list[str]:
    """The methods some route of the app answers at the request's path (HEAD where GET is)."""
    allowed: list[str] = []
    for method in METHODS:
        if method == "HEAD":
            if "GET" in allowed:  # HeadAsGet answers HEAD wherever GET is
                allowed.append(method)
            continue
        found = _route_for(scope, method)
        # A mount (the Swagger UI's static files) takes every method and answers 405 itself.
        if found is not None and not isinstance(found[0], Mount):
            allowed.append(method)
    # Only a mount gets here with nothing: StaticFiles serves GET and HEAD.
    return allowed or ["GET", "HEAD"]


class NotVcard(StringConvertor):
    """A path segment that does not end in `.vcf`: `/contacts/{contact_id:not_vcard}` never
    captures `/contacts/{id}.vcf`, so the vCard routes need not come first (FastAPI tries
    routes in order, and the first route of a router is matched the soonest)."""

    regex = r"[^/]+(?<!\.vcf)"


register_url_convertor("not_vcard", NotVcard())
