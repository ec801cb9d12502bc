"""SQL for the directory."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.core.pagination import PageParams, fetch_row_page
from app.core.security import Principal
from app.core.sqljson import json_list
from app.directory.models import Contact, Organization
from app.directory.text import like_escape, query_words, tag_pattern
from app.governance.access import in_plans
from app.governance.models import Body, Membership


async def get_organization(session: AsyncSession, org_id: uuid.UUID) -> Organization | None:
    """One organization by id."""
    return await session.get(Organization, org_id)


async def organization_ids_existing(session: AsyncSession, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are organizations."""
    if not ids:
        return set()
    return set(await session.scalars(select(Organization.id).where(Organization.id.in_(ids))))


async def cvr_taken(session: AsyncSession, cvr: str, exclude_id: uuid.UUID | None = None) -> bool:
    """Whether another organization has this CVR number."""
    cond = Organization.cvr == cvr
    if exclude_id is not None:
        cond = cond & (Organization.id != exclude_id)
    return bool(await session.scalar(select(exists().where(cond))))


async def organization_parent_map(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    """id → parent_id for organizations that have a parent (for cycle checks)."""
    rows = await session.execute(
        select(Organization.id, Organization.parent_id).where(Organization.parent_id.is_not(None))
    )
    return {row.id: row.parent_id for row in rows}


def organizations_query(
    params: PageParams,
    *,
    kind: str | None,
    q: str | None,
    parent_id: uuid.UUID | None,
    include_archived: bool,
) -> Select[Any]:
    """The organization list, ordered by name."""
    stmt = select(Organization)
    if not include_archived:
        stmt = stmt.where(Organization.archived.is_(False))
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    words = query_words(q) if q else []
    stmt = stmt.where(*matching(Organization.search_text, words))
    if params.modified_since is not None:
        stmt = stmt.where(Organization.updated_at >= params.modified_since)
    first = [relevance(Organization.search_name, len(words))] if words else []
    stmt = stmt.order_by(*first, Organization.sort_name, Organization.id)
    return stmt.params(word_values(words)) if words else stmt


# ---- search ------------------------------------------------------------------------------


def matching(column: Any, words: Sequence[str]) -> list[ColumnElement[bool]]:
    """Every word somewhere in the folded `column` (a substring LIKE each: on PostgreSQL the
    trigram index of the column serves them together)."""
    return [column.like(f"%{like_escape(w)}%", escape="\\") for w in words]


def word_values(words: Sequence[str]) -> dict[str, str]:
    """The LIKE patterns of the search words: `w0`… (anywhere), `exact0`… (a whole word of
    a name), `prefix0`… (the start of one)."""
    values: dict[str, str] = {}
    for i, word in enumerate(words):
        escaped = like_escape(word)
        values[f"w{i}"] = f"%{escaped}%"
        values[f"exact{i}"] = f"% {escaped} %"
        values[f"prefix{i}"] = f"% {escaped}%"
    return values


def name_prefix(name_words: Any, words: int) -> ColumnElement[bool]:
    """Every word begins a word of the name (bind parameters `prefix0`…): the matches that
    rank 0 or 1."""
    return and_(*(name_words.like(bindparam(f"prefix{i}"), escape="\\") for i in range(words)))


def relevance(name_words: Any, words: int) -> ColumnElement[int]:
    """0 when every word is a whole word of the name (`exact0`…), 1 when each begins one,
    else 2 (the words matched elsewhere: title, organisation, e-mail …). Computed for
    matches only."""
    exact = and_(*(name_words.like(bindparam(f"exact{i}"), escape="\\") for i in range(words)))
    return case((exact, 0), (name_prefix(name_words, words), 1), else_=2)


# ---- contacts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactFilters:
    """What the contact list, its count and its exports filter by."""

    q: str | None = None
    organization_id: uuid.UUID | None = None
    organization_kind: str | None = None
    responsibility: str | None = None
    body_id: uuid.UUID | None = None
    role: str | None = None
    include_archived: bool = False
    modified_since: datetime | None = None


# Statements of the hottest reads are built once, with bind parameters: building a
# SQLAlchemy expression costs about as much as running it (measured: 15 % of a contact GET).
_CONTACT_BY_ID = (
    select(Contact).options(joinedload(Contact.organization)).where(Contact.id == bindparam("id"))
)


async def get_contact(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    """One contact by id, with its organization."""
    return await session.scalar(_CONTACT_BY_ID, {"id": contact_id})


def _current() -> ColumnElement[bool]:
    """A membership current on the bind parameter `today`."""
    start_ok = Membership.start_date.is_(None) | (Membership.start_date <= bindparam("today"))
    end_ok = Membership.end_date.is_(None) | (Membership.end_date >= bindparam("today"))
    return start_ok & end_ok


@dataclass(frozen=True)
class ContactShape:
    """What a contact list request filters by and what its caller sees, without the values:
    the shape picks a statement (on PostgreSQL built and compiled once per shape,
    `directory/reads.py`), `contact_values` gives its bind parameters."""

    public: bool
    limited: bool  # the caller's plans are a list (memberships of other plans stay hidden)
    archived: bool  # archived contacts included
    words: int
    organization_id: bool = False
    organization_kind: bool = False
    responsibility: bool = False
    body_id: bool = False
    role: bool = False
    since: bool = False


def contact_shape(principal: Principal, filters: ContactFilters) -> ContactShape:
    """The shape of a contact list request."""
    return ContactShape(
        public=principal.is_public,
        limited=principal.plan_ids is not None,
        archived=filters.include_archived and not principal.is_public,
        words=len(search_words(filters)),
        organization_id=filters.organization_id is not None,
        organization_kind=filters.organization_kind is not None,
        responsibility=bool(filters.responsibility),
        body_id=filters.body_id is not None,
        role=filters.role is not None,
        since=filters.modified_since is not None,
    )


def contact_values(principal: Principal, filters: ContactFilters, today: date) -> dict[str, Any]:
    """The bind parameters of `contact_conditions` (and of `seats_of`) for a request."""
    values: dict[str, Any] = {"today": today}
    if principal.plan_ids is not None:
        values["plans"] = list(principal.plan_ids)
    values.update(word_values(search_words(filters)))
    optional = {
        "organization_id": filters.organization_id,
        "organization_kind": filters.organization_kind,
        "responsibility": tag_pattern(filters.responsibility) if filters.responsibility else None,
        "body_id": filters.body_id,
        "role": filters.role,
        "since": filters.modified_since,
    }
    values.update((name, value) for name, value in optional.items() if value is not None)
    return values


def _words(column: Any, shape: ContactShape) -> list[ColumnElement[bool]]:
    return [column.like(bindparam(f"w{i}"), escape="\\") for i in range(shape.words)]


def contact_conditions(shape: ContactShape, *, array: bool = False) -> list[ColumnElement[bool]]:
    """WHERE clauses of the contact list (shared by the count, the page and the exports),
    with bind parameters named as `contact_values` names them. `array`: see `in_plans`."""
    conds: list[ColumnElement[bool]] = []
    if not shape.archived:
        # written so that it matches ix_contacts_active_sort's predicate on both databases
        conds.append(~Contact.archived)
    conds.extend(_words(Contact.search_text, shape))
    if shape.public:
        # the words must match what a public key sees: found through search_text's index,
        # checked against the text without partnership e-mails and phones
        conds.extend(_words(Contact.search_public, shape))
    if shape.organization_id:
        conds.append(Contact.organization_id == bindparam("organization_id"))
    if shape.organization_kind:
        kinds = select(Organization.id).where(Organization.kind == bindparam("organization_kind"))
        conds.append(Contact.organization_id.in_(kinds))
    if shape.responsibility:
        conds.append(Contact.responsibility_tags.like(bindparam("responsibility"), escape="\\"))
    if shape.body_id or shape.role:
        seat = (
            select(Membership.id)
            .join(Body, Body.id == Membership.body_id)
            .where(Membership.contact_id == Contact.id, _current())
        )
        if shape.limited:
            seat = seat.where(in_plans(Body.plan_id, array=array))
        if shape.body_id:
            seat = seat.where(Membership.body_id == bindparam("body_id"))
        if shape.role:
            seat = seat.where(Membership.role == bindparam("role"))
        conds.append(seat.exists())
    if shape.since:
        conds.append(Contact.updated_at >= bindparam("since"))
    return conds


def search_words(filters: ContactFilters) -> list[str]:
    """The words of the filters' `q`, in their search form (none without a `q`)."""
    return query_words(filters.q) if filters.q else []


def contact_rank(shape: ContactShape) -> list[ColumnElement[int]]:
    """What a search orders by before the list's order: exact name matches first."""
    return [relevance(Contact.search_name, shape.words)] if shape.words else []


def contacts_query(
    conds: Sequence[ColumnElement[bool]],
    *,
    filter_first: bool = False,
    rank: Sequence[ColumnElement[int]] = (),
) -> Select[Any]:
    """Matching contacts with their organization, by family name, given name, id.

    With `filter_first` the order is written as an expression that no index provides, so
    the database finds the matches first (PostgreSQL: the trigram index) and sorts only
    those. Otherwise it may walk the sort index and filter as it goes: quick when matches are
    dense, but a scan of nearly the whole table when a rare name sorts late (Østergaard).
    """
    family: Any = Contact.sort_family + "" if filter_first else Contact.sort_family
    return (
        select(Contact)
        .options(joinedload(Contact.organization))
        .where(*conds)
        .order_by(*rank, family, Contact.sort_given, Contact.id)
    )


# A list page reads plain rows (the contact's columns and its organization's), not ORM
# objects: about a third cheaper for a page of 50 (measured: 0.69 against 1.06 ms of CPU).
_CONTACT_ROW = (
    *Contact.__table__.c,
    Organization.id.label("org_id"),
    Organization.name.label("org_name"),
    Organization.kind.label("org_kind"),
)


SEAT_ORDER = (Body.name_folded, Body.id, Membership.role, Membership.id)
"""The order of a contact's seats: by body name."""


def seats_of(
    columns: Sequence[Any], *, limited: bool, array: bool = False, of: Any = None
) -> Select[Any]:
    """`columns` of the current seats (bind parameters `today` and, when `limited`,
    `plans`) of the outer query's contact, or of the contacts whose ids `of` selects."""
    contact = Membership.contact_id == Contact.id if of is None else Membership.contact_id.in_(of)
    seats = (
        select(*columns)
        .select_from(Membership)
        .join(Body, Body.id == Membership.body_id)
        .where(contact, _current())
    )
    return seats.where(in_plans(Body.plan_id, array=array)) if limited else seats


def _seats_json(limited: bool) -> Any:
    columns = (Membership.body_id, Body.name.label("body_name"), Membership.role)
    seats = seats_of(columns, limited=limited).order_by(*SEAT_ORDER)
    return json_list(seats, correlate=Contact).label("seats")


# One contact with its current memberships in bodies of the key's plans (a JSON list of
# `{body_id, body_name, role}`, `json_list`) in one query: one round trip, not two, built
# once per kind of key (all plans, or some; `today` and `plans` are bind parameters).
# Measured on PostgreSQL: −25 % CPU of a contact GET. (A list page keeps `current_seats`:
# a correlated list in the page's query would also be computed for every row the offset
# skips, and wrapping the page in a subquery costs more to build than the round trip.)
_CONTACT_BY_ID_ROW = {
    limited: select(*_CONTACT_ROW, _seats_json(limited))
    .outerjoin(Organization, Organization.id == Contact.organization_id)
    .where(Contact.id == bindparam("id"))
    for limited in (False, True)
}


async def contact_row(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, today: date
) -> Row[*tuple[Any, ...]] | None:
    """One contact as a plain row (`_CONTACT_ROW` and `seats`), in one query."""
    params: dict[str, Any] = {"id": contact_id, "today": today}
    if principal.plan_ids is not None:
        params["plans"] = list(principal.plan_ids)
    stmt = _CONTACT_BY_ID_ROW[principal.plan_ids is not None]
    return (await session.execute(stmt, params)).first()


async def list_contact_rows(
    session: AsyncSession,
    conds: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
    params: PageParams,
) -> tuple[list[Row[Any]], int]:
    """One page of matching contacts as plain rows (`_CONTACT_ROW`) and the total, in one
    query (`fetch_row_page`: the count is an InitPlan, an index-only scan of the contacts
    alone for the plain list)."""
    stmt = (
        select(*_CONTACT_ROW)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(*conds)
        .order_by(Contact.sort_family, Contact.sort_given, Contact.id)
    )
    counted = select(Contact.id).where(*conds)
    return await fetch_row_page(session, stmt, params, values, counted=counted)


def broad_matches(conds: Sequence[ColumnElement[bool]], words: int, wanted: Any) -> Any:
    """The first `wanted` matches of a broad search in each rank class, as the subquery
    `matches` (id, rank, sort keys): those whose name the words begin, ranked and sorted,
    and the others along the sort index (`broad_search_page` says why)."""
    named = name_prefix(Contact.search_name, words)
    rank = relevance(Contact.search_name, words)
    order = (Contact.sort_family, Contact.sort_given, Contact.id)
    first = (
        select(Contact.id, rank.label("rank"), Contact.sort_family, Contact.sort_given)
        .where(*conds, named)
        .order_by(rank, *order)
        .limit(wanted)
        .subquery("first")
    )
    rest = (
        select(Contact.id, literal(2).label("rank"), Contact.sort_family, Contact.sort_given)
        .where(*conds, ~named)
        .order_by(*order)
        .limit(wanted)
        .subquery("rest")
    )
    return union_all(select(first), select(rest)).subquery("matches")


async def broad_search_page(
    session: AsyncSession,
    conds: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
    params: PageParams,
    words: int,
) -> tuple[list[Row[Any]], int]:
    """A page of a search with many matches (more than `search_page` sorts), relevance first,
    and its total, in one query, without ranking and sorting every match.

    The matches whose name the words begin (rank 0 and 1: few, unless a word is very short)
    are ranked and sorted; the others (rank 2) are read along the sort index, as the plain
    list is, only as far as the page needs. A one-letter search at 100k contacts sorted all
    its ~90,000 matches by rank otherwise (≈ 110 ms on PostgreSQL against ≈ 30 ms).
    """
    order = (Contact.sort_family, Contact.sort_given, Contact.id)
    matches = broad_matches(conds, words, params.offset + params.limit)
    page = (
        select(matches.c.id, matches.c.rank)
        .order_by(matches.c.rank, matches.c.sort_family, matches.c.sort_given, matches.c.id)
        .limit(params.limit)
        .offset(params.offset)
        .subquery("page")
    )
    counted = select(func.count()).select_from(Contact).where(*conds)
    stmt = (
        select(*_CONTACT_ROW, counted.scalar_subquery().label("total"))
        .join(page, page.c.id == Contact.id)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .order_by(page.c.rank, *order)
    )
    rows: list[Row[Any]] = list(await session.execute(stmt, values))
    if rows:
        return rows, int(rows[0].total)
    # an empty page: nothing matches, or the page lies past the end (count it then)
    return rows, (await session.scalar(counted, values) or 0) if params.offset else 0


async def list_contacts(
    session: AsyncSession,
    conds: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
    params: PageParams | None = None,
    *,
    filter_first: bool = False,
    rank: Sequence[ColumnElement[int]] = (),
) -> list[Contact]:
    """One page of matching contacts (every one when `params` is None)."""
    stmt = contacts_query(conds, filter_first=filter_first, rank=rank)
    if params is not None:
        stmt = stmt.limit(params.limit).offset(params.offset)
    return list(await session.scalars(stmt, values))


async def search_page(
    session: AsyncSession,
    conds: Sequence[ColumnElement[bool]],
    values: dict[str, Any],
    params: PageParams,
    cap: int,
    rank: Sequence[ColumnElement[int]] = (),
) -> tuple[list[Row[Any]], int] | None:
    """A page of search results and their total in one query, when at most `cap` match.

    The matches (at most cap + 1, found through the trigram index on PostgreSQL) are ranked,
    counted and sorted on their own; only the page's rows are then read whole. None when
    more than `cap` match (the caller counts and pages the plain way) or when the page lies
    past the end (no row carries the total).
    """
    rank_column = (rank[0] if rank else literal(0)).label("rank")
    matches = (
        select(Contact.id, rank_column, Contact.sort_family, Contact.sort_given)
        .where(*conds)
        .limit(cap + 1)
        .subquery("matches")
    )
    order = (matches.c.rank, matches.c.sort_family, matches.c.sort_given, matches.c.id)
    ranked = (
        select(matches.c.id, matches.c.rank, func.count().over().label("total"))
        .order_by(*order)
        .limit(params.limit)
        .offset(params.offset)
        .subquery("ranked")
    )
    stmt = (
        select(*_CONTACT_ROW, ranked.c.total)
        .join(ranked, ranked.c.id == Contact.id)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .order_by(ranked.c.rank, Contact.sort_family, Contact.sort_given, Contact.id)
    )
    rows: list[Row[Any]] = list(await session.execute(stmt, values))
    if not rows or rows[0].total > cap:
        return None
    return rows, int(rows[0].total)


_SEATS = (
    select(Membership.contact_id, Membership.body_id, Body.name, Membership.role)
    .join(Body, Body.id == Membership.body_id)
    .where(
        Membership.contact_id.in_(bindparam("ids", expanding=True)),
        Membership.start_date.is_(None) | (Membership.start_date <= bindparam("today")),
        Membership.end_date.is_(None) | (Membership.end_date >= bindparam("today")),
    )
    .order_by(Body.name_folded, Body.id, Membership.role, Membership.id)
)
_SEATS_IN_PLANS = _SEATS.where(Body.plan_id.in_(bindparam("plans", expanding=True)))


@dataclass(frozen=True)
class Seat:
    """A current membership, as a contact shows it."""

    contact_id: uuid.UUID
    body_id: uuid.UUID
    body_name: str
    role: str


async def current_seats(
    session: AsyncSession, principal: Principal, contact_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, list[Seat]]:
    """Current memberships of the contacts in bodies of the key's plans, in one query."""
    out: dict[uuid.UUID, list[Seat]] = defaultdict(list)
    if not contact_ids:
        return out
    params: dict[str, Any] = {"ids": list(set(contact_ids)), "today": today}
    if principal.plan_ids is None:
        stmt = _SEATS
    else:
        stmt, params["plans"] = _SEATS_IN_PLANS, list(principal.plan_ids)
    rows = await session.execute(stmt, params)
    for contact_id, body_id, body_name, role in rows:
        out[contact_id].append(Seat(contact_id, body_id, body_name, role))
    return out


async def contacts_of_organization(session: AsyncSession, org_id: uuid.UUID) -> list[Contact]:
    """Every contact working for the organization (to refresh their search text)."""
    return list(await session.scalars(select(Contact).where(Contact.organization_id == org_id)))
