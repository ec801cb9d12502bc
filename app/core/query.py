"""Unknown query parameters are refused (DESIGN §3): a misspelt filter must not pass silently."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.core.errors import Unprocessable

_known: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared(route: APIRoute) -> frozenset[str]:
    # computed once per route (routes live as long as the app)
    names = _known.get(id(route))
    if names is None:
        names = _known[id(route)] = frozenset(_query_names(route.dependant))
    return names


# Operations anybody may call: refused at once. Every other operation refuses only once the
# caller is known (`raise_pending`, called by authentication), so that a caller without a
# valid key gets 401, never 422, and learns nothing of the operation's parameters.
_OPEN_PREFIXES = ("/health/",)


async def refuse_unknown_query(request: Request) -> None:
    """422 naming the query parameters the route does not declare (after authentication)."""
    if not request.scope.get("query_string"):  # not `request.url`: it parses the whole URL
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    if unknown := sorted(set(request.query_params) - _declared(route)):
        refusal = Unprocessable(
            ["query", unknown[0]],
            f"Unknown query parameter(s): {', '.join(unknown[:10])[:300]}. "
            f"This operation takes: {', '.join(sorted(_declared(route))) or 'none'}.",
        )
        if route.path.startswith(_OPEN_PREFIXES):
            raise refusal
        request.state.unknown_query = refusal


def raise_pending(request: Request) -> None:
    """Refuse now an unknown query parameter found before the caller was known."""
    refusal: Unprocessable | None = getattr(request.state, "unknown_query", None)
    if refusal is not None:
        raise refusal
