"""Sparse fieldsets: `?fields=id,display_name` picks the top-level fields of a JSON response.

Every JSON GET declares `fields` with `Annotated[Fields, Depends(select_fields(XRead))]`
and passes the chosen names to `resource_response` or `page_response`, which serialise
only those fields (pydantic-core's `include`): no other query, no other serialisation.
Nested objects (`emails`, `memberships`) are chosen whole by their top-level name.

The contract states exactly what is accepted: a `pattern` of the model's field names
(the parser below accepts the same language: no spaces, no empty names), and the 200
response is `XRead` or `XReadPartial` (the same fields, none required).
"""

import re
import types
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from app.core.errors import Unprocessable
from app.core.pagination import Page

Fields = frozenset[str] | None
"""The chosen field names, or None for the whole representation."""

LOC = ("query", "fields")
ALWAYS_ALLOWED = ("id",)
_SHOWN_UNKNOWN = 10  # an error names at most this many unknown names, each cut to 40 chars

_dependencies: dict[type[BaseModel], Callable[..., Awaitable[Fields]]] = {}
_partials: dict[type[BaseModel], type[BaseModel]] = {}


def field_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The names `fields` may hold for `model`: its fields, and `id`."""
    names = tuple(model.model_fields)
    return names + tuple(n for n in ALWAYS_ALLOWED if n not in names)


def fields_pattern(model: type[BaseModel]) -> str:
    """The contract's pattern for `fields` of `model`: known names joined by commas."""
    name = "(" + "|".join(re.escape(n) for n in field_names(model)) + ")"
    return f"^{name}(,{name})*$"


def parse_fields(value: str, allowed: frozenset[str]) -> frozenset[str]:
    """The names in `value`, all of them in `allowed`; 422 naming the others."""
    names = value.split(",")
    unknown = [n for n in names if n not in allowed]
    if not unknown:
        return frozenset(names)
    if value == "":
        raise Unprocessable(LOC, "`fields` is empty: name at least one field.")
    shown = ", ".join(repr(n[:40]) for n in unknown[:_SHOWN_UNKNOWN])
    more = f" and {len(unknown) - _SHOWN_UNKNOWN} more" if len(unknown) > _SHOWN_UNKNOWN else ""
    raise Unprocessable(
        LOC,
        f"Unknown field names in `fields`: {shown}{more}; "
        f"known: {', '.join(sorted(allowed))} (comma-separated, no spaces).",
    )


def select_fields(model: type[BaseModel]) -> Callable[..., Awaitable[Fields]]:
    """The dependency that reads `?fields=` for responses of `model` (one per model)."""
    if model in _dependencies:
        return _dependencies[model]
    names = field_names(model)
    allowed = frozenset(names)
    description = (
        "Comma-separated top-level field names of the resource: only these fields are "
        "returned (for a list: of each item; the envelope stays whole); nested objects come "
        f"whole. Names: {', '.join(names)}."
    )
    query = Query(description=description, json_schema_extra={"pattern": fields_pattern(model)})

    async def fields_dependency(fields: Annotated[str | None, query] = None) -> Fields:
        return None if fields is None else parse_fields(fields, allowed)

    _dependencies[model] = fields_dependency
    return fields_dependency


def _none_required(schema: dict[str, Any]) -> None:
    schema.pop("required", None)


def partial(model: type[BaseModel]) -> type[BaseModel]:
    """`model` with no field required: the shape of a response with `fields` (contract only)."""
    if model not in _partials:

        def body(namespace: dict[str, Any]) -> None:
            namespace["__doc__"] = f"{model.__name__} with only the fields named in `fields`."
            namespace["__module__"] = __name__
            namespace["model_config"] = ConfigDict(json_schema_extra=_none_required)

        created = types.new_class(f"{model.__name__}Partial", (model,), {}, body)
        _partials[model] = cast(type[BaseModel], created)
    return _partials[model]


def read_model(model: type[BaseModel]) -> Any:
    """The `response_model` of a GET of one `model`: whole, or the fields chosen."""
    return model | partial(model)


def page_model(model: type[BaseModel]) -> Any:
    """The `response_model` of a list of `model`: whole items, or the fields chosen."""
    return Page.__class_getitem__(model) | Page.__class_getitem__(partial(model))
