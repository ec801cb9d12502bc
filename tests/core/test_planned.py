"""Planned routes (`core/planned.py`) answer what FastAPI's own solving answers.

Every request below goes twice through the app: through the route's plan, and through
FastAPI's `solve_dependencies` (forced by a dependency override, which the plan leaves to
FastAPI). Status, body (a problem's request id aside) and the headers a client reads must be
the same: for valid requests, for each kind of invalid parameter, for a caller without a key
or with the wrong role, and for 401 against 422 when both apply.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi.routing import _IncludedRouter

from app.core.planned import PlannedRoute, Unplannable, plan, planned
from app.core.query import refuse_unknown_query
from app.core.security import Role
from tests.aio import ApiClient, DbSession, run
from tests.directory.contacts_support import contact
from tests.helpers import assert_same_answer
from tests.meetings import factories as f

HOT = {"get_contact", "list_contacts", "list_meetings", "list_body_meetings"}


def _routes(app: FastAPI) -> list[Any]:
    # FastAPI builds an included route's handler, and so its plan, when the app first
    # matches a request against the router; `effective_candidates` is that step
    found: list[Any] = []
    for route in app.routes:
        if isinstance(route, _IncludedRouter):
            route.effective_candidates()
            found += route.original_router.routes
        else:
            found.append(route)
    return found


@pytest.fixture
def solved_by_fastapi(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the requests FastAPI's own `solve_dependencies` solved."""
    solved: list[str] = []
    original = fastapi.routing.solve_dependencies  # type: ignore[attr-defined]

    async def counting(*, request: Request, **kwargs: Any) -> Any:
        solved.append(request.url.path)
        return await original(request=request, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return solved


@contextmanager
def _unplanned(app: FastAPI) -> Iterator[None]:
    # any override sends every request of a planned route to FastAPI's solving
    def unused() -> None:
        """Never called: overrides nothing any route depends on."""

    app.dependency_overrides[unused] = unused
    try:
        yield
    finally:
        del app.dependency_overrides[unused]


def _same(app: FastAPI, client: ApiClient, url: str) -> int:
    planned_answer = client.get(url)
    with _unplanned(app):
        fastapi_answer = client.get(url)
    headers = ("etag", "link", "content-type", "www-authenticate", "cache-control")
    assert_same_answer(planned_answer, fastapi_answer, url, headers)
    return planned_answer.status_code


def test_the_hottest_reads_are_planned_with_the_apps_dependencies(app: FastAPI) -> None:
    routes = {route.operation_id: route for route in planned(_routes(app))}
    assert set(routes) >= HOT
    for operation in HOT:
        # the app-wide refusal of unknown parameters is part of each plan
        route_plan = routes[operation].plan
        assert route_plan is not None
        assert route_plan.steps[0].call is refuse_unknown_query, operation


def test_a_planned_read_is_not_solved_by_fastapi_and_an_invalid_one_is(
    admin: ApiClient, solved_by_fastapi: list[str]
) -> None:
    assert admin.get("/api/v1/contacts?limit=5&q=Berg").status_code == 200
    # an unknown parameter is refused by the plan's own call of the app's dependency
    assert admin.get("/api/v1/contacts?limit=5&lmit=6").status_code == 422
    assert solved_by_fastapi == []
    assert admin.get("/api/v1/contacts?limit=0").status_code == 422
    assert solved_by_fastapi == ["/api/v1/contacts"]
    # a route with a session dependency (yield) is FastAPI's
    assert admin.get("/api/v1/organizations").status_code == 200
    assert solved_by_fastapi[-1] == "/api/v1/organizations"


CONTACT_QUERIES = [
    "",
    "limit=5&offset=1",
    "limit=2&limit=3",
    "q=Berg",
    "q=",
    "q=" + "x" * 201,
    "limit=0",
    "limit=201",
    "limit=abc",
    "offset=-1",
    "unknown=1",
    "limit=0&unknown=1",
    "fields=id,display_name",
    "fields=id,bogus",
    "fields=",
    "include_archived=true",
    "include_archived=yes",
    "include_archived=maybe",
    "organization_kind=municipality",
    "organization_kind=castle",
    "organization_id=not-a-uuid",
    "body_id=00000000-0000-0000-0000-000000000000",
    "role=chair",
    "role=emperor",
    "responsibility=" + "r" * 101,
    "modified_since=2020-01-01T00:00:00Z",
    "modified_since=2020-01-01",
    "modified_since=garbage",
]


def test_contact_reads_answer_as_fastapi_answers(
    app: FastAPI,
    admin: ApiClient,
    anon: ApiClient,
    make_key: Any,
    client_for: Any,
    db: DbSession,
) -> None:
    berg = contact(admin, given="Anna", family="Berg")
    contact(admin, given="Bo", family="Øster")
    public = client_for(make_key(Role.public, "web"))
    calendar = client_for(make_key(Role.calendar, "cal"))
    statuses = set()
    for query in CONTACT_QUERIES:
        for client in (admin, public, anon, calendar):
            statuses.add(_same(app, client, f"/api/v1/contacts?{query}"))
    for path in (
        f"/api/v1/contacts/{berg['id']}",
        f"/api/v1/contacts/{berg['id']}?fields=id,emails",
        f"/api/v1/contacts/{berg['id']}?fields=nope",
        f"/api/v1/contacts/{berg['id']}?limit=5",
        "/api/v1/contacts/00000000-0000-0000-0000-000000000000",
        "/api/v1/contacts/not-a-uuid",
    ):
        for client in (admin, public, anon):
            statuses.add(_same(app, client, path))
    # every kind of answer was compared, not only the happy one
    assert {200, 401, 403, 404, 422} <= statuses


MEETING_QUERIES = [
    "",
    "limit=2&offset=1",
    "mode=plan_review",
    "mode=party",
    "status=cancelled",
    "status=maybe",
    "from=2020-01-01",
    "from=2020-01-01T10:00:00%2B02:00&to=2099-01-01",
    "from=yesterday",
    "fields=id,starts_at",
    "fields=id,nothing",
    "tomorrow=1",
]


def test_meeting_reads_answer_as_fastapi_answers(
    app: FastAPI,
    admin: ApiClient,
    editor: ApiClient,
    anon: ApiClient,
    client_for: Any,
    make_key: Any,
) -> None:
    board = f.alternating_board(admin, f.plan(admin)["id"])
    f.meeting(editor, board["id"], 0)
    f.meeting(editor, board["id"], 30, location='Lokale "A"')
    public = client_for(make_key(Role.public, "web"))
    statuses = set()
    for query in MEETING_QUERIES:
        for client in (admin, public, anon):
            statuses.add(_same(app, client, f"/api/v1/meetings?{query}"))
            statuses.add(_same(app, client, f"/api/v1/bodies/{board['id']}/meetings?{query}"))
    for client in (admin, anon):
        statuses.add(_same(app, client, f"/api/v1/meetings?body_id={board['id']}&plan_id=x"))
        statuses.add(_same(app, client, "/api/v1/bodies/not-a-uuid/meetings"))
        statuses.add(
            _same(app, client, "/api/v1/bodies/00000000-0000-0000-0000-000000000000/meetings")
        )
    assert {200, 401, 403, 404, 422} <= statuses


# --- the planner itself, on a small app ------------------------------------------------


def _probe_app() -> tuple[FastAPI, dict[str, int]]:
    calls = {"shared": 0, "fresh": 0}
    router = APIRouter(route_class=PlannedRoute)

    async def shared() -> int:
        calls["shared"] += 1
        return calls["shared"]

    async def fresh() -> int:
        calls["fresh"] += 1
        return calls["fresh"]

    async def pair(
        a: Annotated[int, Depends(shared)],
        b: Annotated[int, Depends(fresh, use_cache=False)],
        tags: Annotated[list[str], Query()] = [],  # noqa: B006 (a mutable default, copied)
    ) -> dict[str, Any]:
        tags.append("seen")
        return {"a": a, "b": b, "tags": tags}

    @router.get("/planned/{n}")
    async def planned_route(
        n: int,
        first: Annotated[dict[str, Any], Depends(pair)],
        again: Annotated[int, Depends(shared)],
        other: Annotated[int, Depends(fresh, use_cache=False)],
        size: Annotated[int, Query(ge=1, le=10)] = 3,
        word: Annotated[str | None, Query(alias="w", max_length=5)] = None,
    ) -> Response:
        body = {"n": n, "first": first, "again": again, "other": other, "size": size, "w": word}
        return Response(repr(body))

    async def session() -> AsyncIterator[int]:
        yield 1

    def blocking() -> int:
        return 1

    @router.get("/yields")
    async def yields(s: Annotated[int, Depends(session)]) -> Response:
        return Response(str(s))

    @router.get("/thread")
    async def thread(s: Annotated[int, Depends(blocking)]) -> Response:
        return Response(str(s))

    @router.get("/header")
    async def header(x_thing: Annotated[str | None, Header()] = None) -> Response:
        return Response(str(x_thing))

    @router.get("/model")
    async def model() -> dict[str, int]:
        return {"a": 1}

    app = FastAPI()
    app.include_router(router)
    return app, calls


def test_the_planner_leaves_to_fastapi_what_it_cannot_solve_exactly() -> None:
    app, _ = _probe_app()
    routes = {route.path: route for route in _routes(app) if isinstance(route, PlannedRoute)}
    assert routes["/planned/{n}"].plan
    reasons = {path: routes[path].unplanned_because for path in routes if path != "/planned/{n}"}
    assert reasons == {
        "/yields": "dependency s yields",
        "/thread": "dependency s runs in a thread",
        "/header": "the endpoint reads headers, cookies or a body",
        "/model": "the endpoint does not return a Response",
    }
    with pytest.raises(Unplannable):
        plan(routes["/model"])


@pytest.mark.parametrize(
    "query",
    [
        "",
        "size=10&w=abc&tags=x&tags=y",
        "size=11",
        "w=toolong",
        "size=2&size=4",
        "tags=",
    ],
)
def test_a_plan_calls_what_fastapi_calls_as_often(query: str, solved_by_fastapi: list[str]) -> None:
    app, calls = _probe_app()

    async def get(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get(path)

    def answers() -> tuple[list[tuple[int, str]], dict[str, int]]:
        calls.update(shared=0, fresh=0)
        found = []
        for path in (f"/planned/7?{query}", f"/planned/x?{query}"):
            response = run(get(path))
            found.append((response.status_code, response.text))
        return found, dict(calls)

    planned_answers, planned_calls = answers()
    with _unplanned(app):
        fastapi_answers, fastapi_calls = answers()
    assert planned_answers == fastapi_answers
    assert planned_calls == fastapi_calls
    # the cached dependency once per request, the uncached one at each use
    status, text = planned_answers[0]
    if status == 200:
        assert "'again': 1" in text and "'other': 2" in text
        assert text.count("'seen'") == 1  # the default list was copied, not shared
    # the valid request went through the plan, an invalid one through FastAPI, twice
    assert solved_by_fastapi.count("/planned/7") == (2 if status == 422 else 1)
