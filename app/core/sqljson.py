"""Nested lists in one query: a correlated subquery that returns its rows as a JSON array.

A read that shows a record with its children (a contact with its seats) would otherwise
take a second round trip for the children. `json_list(rows)` puts them in the record's own
query, on both databases:

- PostgreSQL: `(SELECT coalesce(json_agg(s.v), '[]'::json) FROM (<rows>) AS s)`;
- SQLite: `(SELECT json_group_array(s.v) FROM (<rows>) AS s)`.

Both aggregate the ordered derived table in its order (SQLite 3.40 has no ORDER BY inside an
aggregate; a plain scan of a sorted subquery feeds both aggregates in order — tested on both
databases). A row of one column becomes that value, a row of several an object keyed by the
column labels. Values come back as JSON: UUIDs as strings (SQLite: 32 hex digits), which the
read models parse.

Not for list pages with an offset: the databases compute a select list's subqueries for
every row the offset skips too (PostgreSQL: a SubPlan per row), so a page reads its
children in one query keyed by the page's ids instead.
"""

from typing import Any

from sqlalchemy import JSON, ColumnElement, ScalarSelect, Select, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class _JsonArrayAgg(FunctionElement[Any]):
    type = JSON()
    inherit_cache = True
    name = "json_array_agg"


class _JsonObject(FunctionElement[Any]):
    type = JSON()
    inherit_cache = True
    name = "json_object"


@compiles(_JsonArrayAgg, "postgresql")
def _array_agg_pg(element: _JsonArrayAgg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce(json_agg({compiler.process(element.clauses, **kw)}), '[]'::json)"


@compiles(_JsonArrayAgg, "sqlite")
def _array_agg_sqlite(element: _JsonArrayAgg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObject, "postgresql")
def _object_pg(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObject, "sqlite")
def _object_sqlite(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


def json_list(rows: Select[*tuple[Any, ...]], *, correlate: Any) -> ScalarSelect[Any]:
    """`rows` (ordered, correlated to the outer query's `correlate` table) as one JSON array
    per outer row: `[]` when there are none."""
    inner = rows.correlate(correlate).subquery("s")
    columns = list(inner.c)
    value: ColumnElement[Any]
    if len(columns) == 1:
        value = columns[0]
    else:
        # keys are the code's own labels, written as SQL literals: a bind parameter has no
        # type PostgreSQL can infer inside json_build_object's variadic "any"
        pairs: list[ColumnElement[Any]] = []
        for column in columns:
            assert column.key.isidentifier()
            pairs += [literal_column(f"'{column.key}'"), column]
        value = _JsonObject(*pairs)
    return select(_JsonArrayAgg(value)).select_from(inner).scalar_subquery()
