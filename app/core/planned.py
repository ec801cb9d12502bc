"""Routes whose dependencies are solved by a plan made once, not by FastAPI's walk per request.

FastAPI (0.165) solves a route's dependencies anew on every request: for each query
parameter it asks again what its annotation is (a model? a sequence? JSON?), looks up its
aliases, deep-copies its default; it opens two exit stacks, builds a sub-response and parses
the cookies, whether the route uses any of it or not. For the contact list (eleven query
parameters in four dependencies) that was about 40 % of the request's CPU.

`PlannedRoute` does that work once, when the route is made: which dependency to call with
what, which parameter to read under which name and validate with which pydantic validator.
A request then costs one validation per parameter present and one call per dependency.

The answer stays FastAPI's, byte for byte:
- the plan covers only routes it can solve exactly as FastAPI would: path and query
  parameters, the `Request`, async dependencies without `yield`, an endpoint that returns a
  `Response` (anything else, and the route is an ordinary `APIRoute`: `plan()` says why);
- it validates every parameter before it calls anything, with the field's own validator;
  if any parameter fails, FastAPI handles the request from the start, so a 422 is always
  FastAPI's own, with the same order of 401-before-422 the dependencies give;
- when all parameters are valid it calls the same dependencies, in the same order, with the
  same per-request cache as FastAPI, so a 401 or 403 a dependency raises is the same too;
- `app.dependency_overrides` (tests) makes every request take FastAPI's way.

`tests/core/test_planned.py` holds every planned GET of the app to FastAPI's answers.
"""

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from copy import deepcopy
from dataclasses import dataclass
from inspect import signature
from typing import Any, get_type_hints

from fastapi import params as fastapi_params
from fastapi._compat import ModelField, field_annotation_is_sequence
from fastapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _get_oauth_scopes,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_gen_callable,
)
from fastapi.dependencies.utils import _get_param_aliases, _get_param_model, _is_json_field
from fastapi.routing import APIRoute, _effective_route_context_var
from starlette.requests import Request
from starlette.responses import Response

# defaults FastAPI's deepcopy would return unchanged; any other default is copied per request
_IMMUTABLE = (type(None), bool, int, float, str, bytes)


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    alias: str
    in_path: bool
    many: bool
    field: ModelField
    loc: tuple[str, str]
    required: bool
    default: Any
    copy_default: bool
    validate_default: bool

    def value(self, request: Request) -> tuple[bool, Any]:
        """(valid, value) as FastAPI reads and validates it."""
        source: Any = request.path_params if self.in_path else request.query_params
        raw = source.getlist(self.alias) if self.many else source.get(self.alias)
        if raw is None or (self.many and not raw):
            if self.required:
                return False, None
            raw = deepcopy(self.default) if self.copy_default else self.default
            if not self.validate_default:
                return True, raw
        value, errors = self.field.validate(raw, {}, loc=self.loc)
        return not errors, value


@dataclass(frozen=True, slots=True)
class _Step:
    """A dependency to call (the endpoint's arguments, for the last) with what it takes:
    results of earlier steps, parameters' values, the request."""

    call: Callable[..., Awaitable[Any]]
    use_cache: bool
    cache_key: Any
    results: tuple[tuple[str, int], ...]  # argument name, index of the step
    params: tuple[tuple[str, int], ...]  # argument name, index of the parameter
    request_names: tuple[str, ...]

    def arguments(self, request: Request, read: list[Any], done: list[Any]) -> dict[str, Any]:
        """The keyword arguments of this step's call."""
        arguments = {name: done[index] for name, index in self.results}
        for name, index in self.params:
            arguments[name] = read[index]
        for name in self.request_names:
            arguments[name] = request
        return arguments


@dataclass(frozen=True, slots=True)
class Plan:
    """A route's dependencies in the order FastAPI solves them (depth first, each
    dependency's own dependencies before it), ready to call; then the endpoint's."""

    steps: tuple[_Step, ...]
    endpoint: _Step
    params: tuple[_Param, ...]

    def read(self, request: Request) -> list[Any] | None:
        """Every parameter's value, in order; None when any is invalid or missing."""
        values: list[Any] = []
        for param in self.params:
            valid, value = param.value(request)
            if not valid:
                return None
            values.append(value)
        return values

    async def solve(self, request: Request, read: list[Any]) -> dict[str, Any]:
        """The endpoint's arguments, calling each dependency as FastAPI would: once per
        request where it may be cached, at each use where not."""
        done: list[Any] = []
        cache: dict[Any, Any] = {}
        for step in self.steps:
            key = step.cache_key
            if step.use_cache and key in cache:
                solved = cache[key]
            else:
                solved = await step.call(**step.arguments(request, read, done))
            cache.setdefault(key, solved)
            done.append(solved)
        return self.endpoint.arguments(request, read, done)


class Unplannable(Exception):
    """Why a route is left to FastAPI's own solving."""


def _param(field: ModelField, in_path: bool) -> _Param:
    if _get_param_model(field) is not None or _is_json_field(field):
        raise Unplannable(f"parameter {field.name} is a model or JSON")
    aliases = _get_param_aliases(field)
    if len(aliases) != 1:
        raise Unplannable(f"parameter {field.name} has alias choices")
    alias = aliases[0][1]
    info = field.field_info
    assert isinstance(info, fastapi_params.Param)
    default = field.default
    return _Param(
        name=field.name,
        alias=alias,
        in_path=in_path,
        many=not in_path and field_annotation_is_sequence(info.annotation),
        field=field,
        loc=(info.in_.value, alias),
        required=info.is_required(),
        default=default,
        copy_default=not isinstance(default, _IMMUTABLE),
        validate_default=bool(info.validate_default),
    )


def _step(
    dependant: Dependant, steps: list[_Step], params: list[_Param], *, root: bool = False
) -> _Step:
    call = dependant.call
    if call is None:
        raise Unplannable("a dependency without a callable")
    if dependant.header_params or dependant.cookie_params or dependant.body_params:
        raise Unplannable(f"{dependant.name or 'the endpoint'} reads headers, cookies or a body")
    if (
        dependant.websocket_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or _get_oauth_scopes(dependant=dependant)
    ):
        raise Unplannable(f"{dependant.name or 'the endpoint'} takes what the plan does not give")
    if not root:
        if _is_gen_callable(call) or _is_async_gen_callable(call):
            raise Unplannable(f"dependency {dependant.name} yields")
        if not _is_coroutine_callable(call) or dependant.concurrency is not None:
            raise Unplannable(f"dependency {dependant.name} runs in a thread")
    results: list[tuple[str, int]] = []
    for sub in dependant.dependencies:
        steps.append(_step(sub, steps, params))
        if sub.name is not None:
            results.append((sub.name, len(steps) - 1))
    own: list[tuple[str, int]] = []
    for field, in_path in [(f, True) for f in dependant.path_params] + [
        (f, False) for f in dependant.query_params
    ]:
        params.append(_param(field, in_path))
        own.append((field.name, len(params) - 1))
    names = (dependant.request_param_name, dependant.http_connection_param_name)
    return _Step(
        call=call,
        use_cache=dependant.use_cache,
        cache_key=None if root else _get_cache_key(dependant=dependant),
        results=tuple(results),
        params=tuple(own),
        request_names=tuple(name for name in names if name),
    )


def plan(route: Any) -> Plan:
    """The plan of `route` (as included), or `Unplannable` saying why FastAPI must solve it."""
    if route.body_field is not None:
        raise Unplannable("the route reads a body")
    call = route.dependant.call
    if call is None or not _is_coroutine_callable(call):
        raise Unplannable("the endpoint is not async")
    try:
        returns = get_type_hints(call).get("return", signature(call).return_annotation)
    except (NameError, TypeError) as unresolved:
        raise Unplannable(f"the endpoint's annotations do not resolve: {unresolved}") from None
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        raise Unplannable("the endpoint does not return a Response")
    steps: list[_Step] = []
    params: list[_Param] = []
    endpoint = _step(route.dependant, steps, params, root=True)
    return Plan(steps=tuple(steps), endpoint=endpoint, params=tuple(params))


def _effective(route: APIRoute) -> Any:
    # FastAPI 0.165 builds an included route's handler once per inclusion, with the route as
    # included (the app's dependencies added) in this context variable
    context = _effective_route_context_var.get()
    return context if context is not None and context.original_route is route else route


class PlannedRoute(APIRoute):
    """An `APIRoute` that answers through its plan where it has one (see the module)."""

    # of the handler built last (FastAPI builds one per inclusion: in a router, in an app)
    plan: Plan | None = None
    unplanned_because: str | None = None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        fastapi_handler = super().get_route_handler()
        route = _effective(self)
        try:
            route_plan = plan(route)
        except Unplannable as reason:
            self.plan, self.unplanned_because = None, str(reason)
            return fastapi_handler
        self.plan, self.unplanned_because = route_plan, None
        endpoint = route.dependant.call
        overrides = route.dependency_overrides_provider

        async def handler(request: Request) -> Response:
            overridden = overrides is not None and overrides.dependency_overrides
            read = None if overridden else route_plan.read(request)
            if read is None:
                return await fastapi_handler(request)
            response: Response = await endpoint(**await route_plan.solve(request, read))
            return response

        return handler


def planned(routes: Sequence[Any]) -> list[PlannedRoute]:
    """The routes among `routes` that answer through a plan."""
    return [route for route in routes if isinstance(route, PlannedRoute) and route.plan]
