"""A contact and the contact list as JSON written by PostgreSQL (the fast read path).

`core/pgread.py` says why and how: each statement is built and compiled once per shape
(`ContactShape`, plus what the caller sees and which `?fields=`), with named bind
parameters (`repository.contact_values`), and its one row is the response's JSON:

- one contact: the contact's JSON and whether it is archived (a public key gets 404);
- a page: `items` (the page's contacts joined with commas) and `total`, always one row, so
  a page past the end needs no second query. The page's ids are found first (along the
  sort index, or among the search's matches), then only those rows are rendered: a
  correlated subquery in the outer select list would be run for every row the offset skips.

The JSON is `ContactRead` exactly as `contacts.present` + pydantic write it (what the key
may see: restricted values and notes for editors+, public values only and no memberships
for a public key); SQLite keeps that Python path, and `tests/directory/test_reads.py`
compares both byte for byte.
"""

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import jsonsql as js
from app.core.fields import Fields
from app.core.pagination import PageParams
from app.core.pgread import HeldConnections, StatementCache, run
from app.core.security import Principal
from app.core.totals import DIRECTORY, TotalCache, counted_or_known, filter_key
from app.directory import repository, text
from app.directory.models import Contact, Organization
from app.directory.repository import ContactShape
from app.governance.models import Body, Membership

_ERASED_NAME = js.const(json.dumps(text.ERASED_DISPLAY_NAME, ensure_ascii=False))


_SEAT = js.obj(
    [
        ("body_id", js.uuid(Membership.body_id)),
        ("body_name", js.string(Body.name)),
        ("role", js.string(Membership.role)),
    ]
)


def _seats(limited: bool) -> js.Json:
    """The contact's seats, a correlated subquery (one contact)."""
    columns = [js.agg_array(_SEAT, *repository.SEAT_ORDER)]
    rows = repository.seats_of(columns, limited=limited, array=True)
    return rows.scalar_subquery()


def _page_seats(page: Any, limited: bool) -> Any:
    """The seats of a page's contacts, one row per contact that has any: grouped once for
    the page (measured: 0.6 of 2.6 ms as a correlated subquery per contact)."""
    seats = js.joined(_SEAT, *repository.SEAT_ORDER)
    columns = [Membership.contact_id.label("contact_id"), seats.label("seats")]
    rows = repository.seats_of(columns, limited=limited, array=True, of=select(page.c.id))
    return rows.group_by(Membership.contact_id).subquery("seats")


def contact_json(
    public: bool, restricted: bool, limited: bool, fields: Fields, seats: Any = None
) -> js.Json:
    """A contact (with `Organization` outer-joined) as `ContactRead`'s JSON for a caller
    who is public / sees restricted values / is limited to plans; only `fields` if given.
    `seats`: the page's `_page_seats`, outer-joined (else a subquery per contact)."""
    hidden = ("restricted", "partnership") if public else () if restricted else ("restricted",)
    erased = Contact.erased
    name = func.concat_ws(
        " ", func.nullif(Contact.given_name, ""), func.nullif(Contact.family_name, "")
    )
    org = js.nullable(
        Organization.id.is_not(None),
        js.obj(
            [
                ("id", js.uuid(Organization.id)),
                ("name", js.string(Organization.name)),
                ("kind", js.string(Organization.kind)),
            ]
        ),
    )
    members: list[tuple[str, js.Json]] = [
        ("id", js.uuid(Contact.id)),
        ("created_at", js.timestamp(Contact.created_at)),
        ("updated_at", js.timestamp(Contact.updated_at)),
        ("given_name", js.nullable(~erased, js.string(Contact.given_name))),
        ("family_name", js.nullable(~erased, js.string(Contact.family_name))),
        ("display_name", case((erased, _ERASED_NAME), else_=js.string(name))),
        ("job_title", js.string(Contact.job_title)),
        ("department", js.string(Contact.department)),
        ("organization_id", js.uuid(Contact.organization_id)),
        ("organization", org),
        ("emails", _details("contacts.emails", "address", hidden)),
        ("phones", _details("contacts.phones", "number", hidden)),
        ("responsibilities", js.stored("contacts.responsibilities")),
        ("notes", js.string(Contact.notes) if restricted else js.NULL),
        ("archived", js.boolean(Contact.archived)),
        ("erased", js.boolean(erased)),
        ("memberships", js.const("[]") if public else _memberships(limited, seats)),
    ]
    return js.obj([(key, value) for key, value in members if fields is None or key in fields])


def _details(column_sql: str, value_key: str, hidden: tuple[str, ...]) -> js.Json:
    """E-mails or phones the caller may see: entries of a visibility in `hidden` left out."""
    keys = (value_key, "label", "visibility")
    return js.object_array(
        column_sql, keys, hide="visibility", hide_values=hidden, hide_default="partnership"
    )


def _memberships(limited: bool, seats: Any) -> js.Json:
    if seats is None:
        return _seats(limited)
    return func.coalesce(js.const("[") + seats.c.seats + js.const("]"), js.const("[]"))


def _rendered(
    page: Any,
    order: Sequence[ColumnElement[Any]],
    shape: ContactShape,
    restricted: bool,
    fields: Fields,
) -> Any:
    """The page's contacts (ids in the subquery `page`) as one JSON text, in `order`."""
    shown = not shape.public and (fields is None or "memberships" in fields)
    seats = _page_seats(page, shape.limited) if shown else None
    item = contact_json(shape.public, restricted, shape.limited, fields, seats)
    rows = (
        select(js.agg_array(item, *order))
        .select_from(page)
        .join(Contact, Contact.id == page.c.id)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
    )
    if seats is not None:
        rows = rows.outerjoin(seats, seats.c.contact_id == Contact.id)
    return rows.scalar_subquery()


_ORDER = (Contact.sort_family, Contact.sort_given, Contact.id)


def _plain_page(shape: ContactShape, restricted: bool, fields: Fields, limit: int) -> Select[Any]:
    conds = repository.contact_conditions(shape, array=True)
    # The page size is written into the SQL, not sent as a parameter: with `LIMIT $n`
    # PostgreSQL's generic plan guesses a tenth of the table and hash-joins all contacts
    # (8 ms at 10k), so it planned this statement anew on every run; with `LIMIT 50` it
    # keeps one plan (measured at 10k contacts: 0.97 → 0.54 ms a page). A statement per
    # page size: 1–200, and clients use one or two.
    page = (
        select(Contact.id, Contact.sort_family, Contact.sort_given)
        .where(*conds)
        .order_by(*_ORDER)
        .limit(literal_column(str(int(limit)), Integer))
        .offset(bindparam("offset"))
        .cte("page")
    )
    # counted without the organization's join: an index-only scan of the contacts; only
    # when the data changed since this worker last counted this filter (core/totals.py)
    count = select(func.count()).select_from(Contact).where(*conds).scalar_subquery()
    total, version = counted_or_known(DIRECTORY, count)
    order = (page.c.sort_family, page.c.sort_given, page.c.id)
    return select(_rendered(page, order, shape, restricted, fields).label("items"), total, version)


def _ranked_page(
    matches: Any, total: Any, shape: ContactShape, restricted: bool, fields: Fields
) -> Select[Any]:
    """The page of `matches` (id, rank, sort keys) by rank, then name, written as JSON, and
    `total`: the one row of a search."""
    order = (matches.c.rank, matches.c.sort_family, matches.c.sort_given, matches.c.id)
    page = (
        select(matches)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .cte("page")
    )
    page_order = (page.c.rank, page.c.sort_family, page.c.sort_given, page.c.id)
    items = _rendered(page, page_order, shape, restricted, fields)
    return select(items.label("items"), total.label("total"))


def _search_page(shape: ContactShape, restricted: bool, fields: Fields, cap: int) -> Select[Any]:
    """At most `cap` + 1 matches, ranked, counted and sorted on their own (found through the
    trigram index); `total` over `cap` means: take `_broad_page`."""
    conds = repository.contact_conditions(shape, array=True)
    rank = repository.contact_rank(shape)[0].label("rank")
    matches = (
        select(Contact.id, rank, Contact.sort_family, Contact.sort_given)
        .where(*conds)
        .limit(cap + 1)
        .cte("matches")
    )
    total = select(func.count()).select_from(matches).scalar_subquery()
    return _ranked_page(matches, total, shape, restricted, fields)


def _broad_page(shape: ContactShape, restricted: bool, fields: Fields) -> Select[Any]:
    """`repository.broad_search_page` as one JSON row (see there why it is built so)."""
    conds = repository.contact_conditions(shape, array=True)
    matches = repository.broad_matches(conds, shape.words, bindparam("wanted"))
    total = select(func.count()).select_from(Contact).where(*conds).scalar_subquery()
    return _ranked_page(matches, total, shape, restricted, fields)


def _by_id(public: bool, restricted: bool, limited: bool, fields: Fields) -> Any:
    return (
        select(contact_json(public, restricted, limited, fields).label("json"), Contact.archived)
        .select_from(Contact)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(Contact.id == bindparam("id"))
    )


_BY_ID = StatementCache(_by_id)
_PLAIN = StatementCache(_plain_page)
_SEARCH = StatementCache(_search_page)
_BROAD = StatementCache(_broad_page)


async def contact(
    session: AsyncSession | None,
    held: HeldConnections | None,
    principal: Principal,
    contact_id: uuid.UUID,
    values: dict[str, Any],
    fields: Fields,
) -> bytes | None:
    """One contact's JSON, or None when there is none (for a public key: no active one).
    `values`: `today` and the caller's `plans` (`repository.contact_values`)."""
    shape = (principal.is_public, principal.sees_restricted, principal.plan_ids is not None)
    compiled = _BY_ID.get((*shape, fields))
    rows = await run(session, held, compiled, {**values, "id": contact_id})
    if not rows or (principal.is_public and rows[0]["archived"]):
        return None
    found: str = rows[0]["json"]
    return found.encode()


async def page(
    session: AsyncSession | None,
    held: HeldConnections | None,
    totals: TotalCache,
    principal: Principal,
    shape: ContactShape,
    values: dict[str, Any],
    params: PageParams,
    fields: Fields,
    cap: int,
) -> tuple[bytes, int]:
    """A page of the contact list as the items' JSON (joined by commas) and the total: one
    query; two for a search with more than `cap` matches."""
    restricted = principal.sees_restricted
    values = {**values, "limit": params.limit, "offset": params.offset}
    row = None
    if shape.words:
        compiled = _SEARCH.get((shape, restricted, fields, cap))
        row = (await run(session, held, compiled, values))[0]
        if row["total"] > cap:
            compiled = _BROAD.get((shape, restricted, fields))
            values["wanted"] = params.offset + params.limit
            row = (await run(session, held, compiled, values))[0]
    else:
        key = filter_key(shape, values)
        compiled = _PLAIN.get((shape, restricted, fields, params.limit))
        row = (await run(session, held, compiled, {**values, **totals.known(key)}))[0]
        totals.remember(key, row["version"], row["total"])
    items: str | None = row["items"]
    # an empty page aggregates to NULL (no rows), not "[]"
    return (items[1:-1].encode() if items else b""), int(row["total"])
