"""A read model's JSON, written by PostgreSQL byte for byte as pydantic writes it.

The hottest reads (a contact, a page of contacts, a page of meetings) are answered on
PostgreSQL from one query whose rows are already the response's JSON text: no rows turned
into dicts, models and JSON in Python (that was a third of a page's CPU), and the database
does the per-row work on its own core. The text is the one `model_dump_json()` gives, so
the ETag of a representation is the same whichever way it was made (If-Match after a GET
works) and SQLite, which keeps the Python path, answers with the same bytes; the tests
compare the two on every kind of record (`tests/directory/test_reads.py`,
`tests/meetings/test_reads.py`).

Each function returns a SQL expression of type text that is never NULL (JSON `null`
instead):

- `string`: `to_json(x)::text` (PostgreSQL escapes as pydantic-core does: `"`, `\\`, the
  control characters, nothing else; non-ASCII stays UTF-8);
- `uuid`: the canonical lowercase form, quoted;
- `timestamp`: `…T12:00:00.120000Z`, the microseconds left out when zero (pydantic's form
  of an aware UTC datetime);
- `boolean`, `integer`; `obj` (an object, keys in model order); `nullable` (an object or
  `null`); `agg_array` (rows of a correlated subquery, in order: `[]` when none);
  `stored` and `object_array` (a JSON column the app wrote compactly: sent as stored).

Only code constants are written into the SQL as literals (keys); values are columns or
bind parameters.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, case, cast, func, literal_column
from sqlalchemy.dialects.postgresql import aggregate_order_by

Json = ColumnElement[str]
"""A SQL expression whose value is JSON text (never SQL NULL)."""

NULL: Json = literal_column("'null'", Text)


def const(text: str) -> Json:
    """A constant piece of JSON text (code constants only: keys, punctuation)."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def _or_null(expr: ColumnElement[Any]) -> Json:
    return func.coalesce(expr, NULL)


def string(column: Any) -> Json:
    """A text column as a JSON string (or null)."""
    return _or_null(cast(func.to_json(column), Text))


def uuid(column: Any) -> Json:
    """A uuid column as a JSON string (or null)."""
    return _or_null(const('"') + cast(column, Text) + const('"'))


def timestamp(column: Any) -> Json:
    """A timestamptz column as pydantic writes an aware UTC datetime (or null)."""
    utc = func.timezone(const("UTC"), column)
    text = func.to_char(utc, const('YYYY-MM-DD"T"HH24:MI:SS.US'))
    whole = func.replace(text + const("Z"), const(".000000Z"), const("Z"))
    return _or_null(const('"') + whole + const('"'))


def boolean(column: Any) -> Json:
    """A boolean column as true/false (or null)."""
    return case((column, const("true")), (~column, const("false")), else_=NULL)


def integer(column: Any) -> Json:
    """An integer column (or null)."""
    return _or_null(cast(column, Text))


def obj(fields: Sequence[tuple[str, Json]]) -> Json:
    """An object of `(key, value)` pairs, in their order, written compactly."""
    parts: list[ColumnElement[Any]] = []
    for index, (key, value) in enumerate(fields):
        assert key.isidentifier()
        parts += [const(("{" if index == 0 else ",") + f'"{key}":'), value]
    parts.append(const("}" if fields else "{}"))
    # concat() takes at most 100 arguments: chunks of 90 keep a wide model within that
    chunks = [func.concat(*parts[i : i + 90]) for i in range(0, len(parts), 90)]
    return chunks[0] if len(chunks) == 1 else func.concat(*chunks)


def nullable(present: ColumnElement[bool], value: Json) -> Json:
    """`value` when `present`, else null (a to-one relation that may be missing)."""
    return case((present, value), else_=NULL)


def agg_array(item: Json, *order_by: Any) -> Json:
    """The aggregate of a subquery's rows as one JSON array, in `order_by`; `[]` for none.
    Use as the only column of a correlated `select(...)` and take its `scalar_subquery()`."""
    return func.coalesce(const("[") + joined(item, *order_by) + const("]"), const("[]"))


def joined(item: Json, *order_by: Any) -> Json:
    """The aggregate of rows' JSON joined by commas, in `order_by`: an array's inside (SQL
    NULL for no rows), for rows grouped per outer record."""
    return func.string_agg(item, aggregate_order_by(const(","), *order_by))


def stored(column_sql: str) -> Json:
    """A JSON column as stored: the app writes JSON columns compactly, as pydantic writes
    (`core/db.py compact_json`; migration 0011 rewrote older rows), so a list of strings
    or of entries whose keys are in the model's order is sent as it is."""
    return literal_column(f"({column_sql})::text", Text)


def object_array(
    column_sql: str,
    keys: Sequence[str],
    *,
    hide: str = "",
    hide_values: Sequence[str] = (),
    hide_default: str = "",
) -> Json:
    """A JSON column holding a list of objects with string values, written by the app with
    `keys` in that order (`stored`), less the entries whose `hide` key (`hide_default` when
    missing) is one of `hide_values`.

    As stored when no entry is left out (a text search in the stored list finds none);
    otherwise rewritten entry by entry. Every argument is a code constant."""
    assert all(k.isidentifier() for k in (*keys, *([hide] if hide else [])))
    assert all(v.isidentifier() for v in (*hide_values, *([hide_default] if hide else [])))
    if not (hide and hide_values):
        return stored(column_sql)
    members = " || ',' || ".join(
        f"'{'{' if i == 0 else ''}\"{key}\":' || coalesce(to_json(x.e->>'{key}')::text, 'null')"
        for i, key in enumerate(keys)
    )
    listed = ", ".join(f"'{v}'" for v in hide_values)
    where = f" WHERE coalesce(x.e->>'{hide}', '{hide_default}') NOT IN ({listed})"
    rewritten = (
        f"(SELECT coalesce('[' || string_agg({members} || '}}', ',' ORDER BY x.n) || ']', '[]')"  # noqa: S608 (constants)
        f" FROM json_array_elements({column_sql}) WITH ORDINALITY AS x(e, n){where})"
    )
    if hide_default in hide_values:
        # an entry without the key is hidden too: always rewritten, never trusted as stored
        return literal_column(rewritten, Text)
    # an entry's hidden value can only appear as `"hide":"value"` (a JSON string holds no
    # unescaped quote)
    found = " OR ".join(
        f'strpos(({column_sql})::text, \'"{hide}":"{v}"\') > 0' for v in hide_values
    )
    sql = f"(CASE WHEN {found} THEN {rewritten} ELSE ({column_sql})::text END)"
    return literal_column(sql, Text)
