"""SQL for meetings, agenda items and decisions."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from app.core.pagination import PageParams, fetch_row_page
from app.core.security import Principal
from app.directory.models import Contact
from app.governance.access import in_plans, plan_filter
from app.governance.models import Body, Plan
from app.meetings.enums import (
    HELD_STATUSES,
    OPEN_STATUSES,
    ActionStatus,
    AgendaOutcome,
    DecisionImpact,
    DecisionStatus,
    MeetingStatus,
)
from app.meetings.models import (
    Action,
    AgendaItem,
    AgendaItemSource,
    Decision,
    Meeting,
    MeetingAttendee,
)

# --- bodies, plans, contacts -------------------------------------------------------------


async def get_body(session: AsyncSession, body_id: uuid.UUID) -> Body | None:
    """One body by id."""
    return await session.get(Body, body_id)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    """One plan by id."""
    return await session.get(Plan, plan_id)


async def lock_body(session: AsyncSession, body_id: uuid.UUID) -> None:
    """Serialise writes that re-flow a body's rotation or gather its reports (PostgreSQL row
    lock until commit; SQLite has a single writer anyway). FOR NO KEY UPDATE: writers of the
    body wait for each other, while inserts that merely refer to the body (a decision, a
    flow item's source_body_id) do not — a FOR UPDATE here deadlocked such an insert against
    the change log's lock."""
    await session.execute(select(Body.id).where(Body.id == body_id).with_for_update(key_share=True))


async def lock_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> None:
    """Serialise writes to a meeting's agenda positions (FOR NO KEY UPDATE, as `lock_body`:
    an agenda item inserted elsewhere only key-shares the meeting row)."""
    await session.execute(
        select(Meeting.id).where(Meeting.id == meeting_id).with_for_update(key_share=True)
    )


async def bodies_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Body]:
    """Bodies by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {b.id: b for b in await session.scalars(select(Body).where(Body.id.in_(wanted)))}


async def contact_ids_existing(session: AsyncSession, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are contacts."""
    if not ids:
        return set()
    return set(await session.scalars(select(Contact.id).where(Contact.id.in_(ids))))


# --- meetings ----------------------------------------------------------------------------


async def get_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> tuple[Meeting, Body] | None:
    """A meeting with its attendees, and its body."""
    row = (
        await session.execute(
            select(Meeting, Body)
            .join(Body, Body.id == Meeting.body_id)
            .where(Meeting.id == meeting_id)
            .options(selectinload(Meeting.attendee_links))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def body_meetings(session: AsyncSession, body_id: uuid.UUID) -> list[Meeting]:
    """Every meeting of a body, in rotation order (attendees not loaded)."""
    stmt = select(Meeting).where(Meeting.body_id == body_id).order_by(Meeting.starts_at, Meeting.id)
    return list(await session.scalars(stmt))


async def meetings_with_items(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of the meetings have at least one agenda item."""
    if not meeting_ids:
        return set()
    stmt = select(AgendaItem.meeting_id).where(AgendaItem.meeting_id.in_(meeting_ids)).distinct()
    return set(await session.scalars(stmt))


async def meeting_statuses(
    session: AsyncSession, meeting_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Status by meeting id."""
    wanted = set(meeting_ids)
    if not wanted:
        return {}
    rows = await session.execute(select(Meeting.id, Meeting.status).where(Meeting.id.in_(wanted)))
    return {row.id: row.status for row in rows}


async def meeting_of_item(session: AsyncSession, item_id: uuid.UUID) -> uuid.UUID | None:
    """The meeting an agenda item is on."""
    return await session.scalar(select(AgendaItem.meeting_id).where(AgendaItem.id == item_id))


async def meetings_with_items_outside_plan(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of the meetings have an agenda item with `within_plan` false."""
    if not meeting_ids:
        return set()
    stmt = (
        select(AgendaItem.meeting_id)
        .where(AgendaItem.meeting_id.in_(meeting_ids), AgendaItem.within_plan.is_(False))
        .distinct()
    )
    return set(await session.scalars(stmt))


_MEETING_COLUMNS = tuple(Meeting.__table__.c)
_ATTENDEES = (
    select(MeetingAttendee.meeting_id, MeetingAttendee.contact_id)
    .where(MeetingAttendee.meeting_id.in_(bindparam("ids", expanding=True)))
    .order_by(MeetingAttendee.meeting_id, MeetingAttendee.contact_id)
)


async def meetings_page(
    session: AsyncSession, stmt: Select[Any], values: dict[str, Any], params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """A page of `meetings_query` as plain data (with `attendee_ids`) and its total: two
    queries whatever the page size (page and total, the page's attendees)."""
    rows, total = await fetch_row_page(session, stmt, params, values)
    attendees: dict[uuid.UUID, list[uuid.UUID]] = {row.id: [] for row in rows}
    if rows:
        for meeting_id, contact_id in await session.execute(_ATTENDEES, {"ids": list(attendees)}):
            attendees[meeting_id].append(contact_id)
    return [{**row._mapping, "attendee_ids": attendees[row.id]} for row in rows], total


@dataclass(frozen=True)
class MeetingShape:
    """Which filters a meeting list request has and whether its caller is limited to
    plans, without the values (`meeting_values`): the shape picks the statement (on
    PostgreSQL compiled once, `meetings/reads.py`)."""

    limited: bool
    body_id: bool = False
    plan_id: bool = False
    mode: bool = False
    status: bool = False
    starts_from: bool = False
    starts_before: bool = False
    since: bool = False


@dataclass(frozen=True)
class MeetingFilters:
    """What a meeting list filters by."""

    body_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
    mode: str | None = None
    status: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    modified_since: datetime | None = None


def meeting_shape(principal: Principal, filters: MeetingFilters) -> MeetingShape:
    """The shape of a meeting list request."""
    return MeetingShape(
        limited=principal.plan_ids is not None,
        body_id=filters.body_id is not None,
        plan_id=filters.plan_id is not None,
        mode=filters.mode is not None,
        status=filters.status is not None,
        starts_from=filters.starts_from is not None,
        starts_before=filters.starts_before is not None,
        since=filters.modified_since is not None,
    )


def meeting_values(principal: Principal, filters: MeetingFilters) -> dict[str, Any]:
    """The bind parameters of `meeting_conditions` for a request."""
    values: dict[str, Any] = {
        name: value
        for name, value in (
            ("body_id", filters.body_id),
            ("plan_id", filters.plan_id),
            ("mode", filters.mode),
            ("status", filters.status),
            ("starts_from", filters.starts_from),
            ("starts_before", filters.starts_before),
            ("since", filters.modified_since),
        )
        if value is not None
    }
    if principal.plan_ids is not None:
        values["plans"] = list(principal.plan_ids)
    return values


def meeting_conditions(shape: MeetingShape, *, array: bool = False) -> list[ColumnElement[bool]]:
    """WHERE clauses of a meeting list (joined with its body), with bind parameters named
    as `meeting_values` names them. `array`: see `directory.repository.in_plans`."""
    conds: list[ColumnElement[bool]] = []
    if shape.limited:
        conds.append(in_plans(Body.plan_id, array=array))
    columns: list[tuple[bool, ColumnElement[bool]]] = [
        (shape.body_id, Meeting.body_id == bindparam("body_id")),
        (shape.plan_id, Body.plan_id == bindparam("plan_id")),
        (shape.mode, Meeting.mode == bindparam("mode")),
        (shape.status, Meeting.status == bindparam("status")),
        (shape.starts_from, Meeting.starts_at >= bindparam("starts_from")),
        (shape.starts_before, Meeting.starts_at < bindparam("starts_before")),
        (shape.since, Meeting.updated_at >= bindparam("since")),
    ]
    conds.extend(cond for present, cond in columns if present)
    return conds


def meetings_query(shape: MeetingShape) -> Select[Any]:
    """Meetings the key may see, as plain rows of their columns, ordered by start."""
    return (
        select(*_MEETING_COLUMNS)
        .join(Body, Body.id == Meeting.body_id)
        .where(*meeting_conditions(shape))
        .order_by(Meeting.starts_at, Meeting.id)
    )


async def next_open_meeting(
    session: AsyncSession, body_id: uuid.UUID, after: datetime
) -> Meeting | None:
    """The body's earliest planned or invited meeting starting after `after`."""
    stmt = (
        select(Meeting)
        .where(
            Meeting.body_id == body_id,
            Meeting.status.in_(list(OPEN_STATUSES)),
            Meeting.starts_at > after,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


class FeedMeeting(Protocol):
    """What a calendar feed shows of a meeting (a row, not an ORM object: feeds are big)."""

    id: uuid.UUID
    title: str
    mode: str
    status: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    sequence: int
    created_at: datetime
    updated_at: datetime
    body_name: str


class FeedItem(Protocol):
    """What a calendar feed shows of a public agenda item."""

    meeting_id: uuid.UUID
    position: int
    title: str
    description: str | None


async def calendar_meetings(
    session: AsyncSession,
    principal: Principal,
    *,
    starts_from: datetime | None,
    starts_before: datetime | None,
    body_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    meeting_id: uuid.UUID | None = None,
    body_ids: Sequence[uuid.UUID] | None = None,
) -> list[FeedMeeting]:
    """Meetings for a feed with their body's name, ordered by start."""
    stmt = (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.mode,
            Meeting.status,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.location,
            Meeting.online_url,
            Meeting.sequence,
            Meeting.created_at,
            Meeting.updated_at,
            Body.name.label("body_name"),
        )
        .join(Body, Body.id == Meeting.body_id)
        .where(plan_filter(principal, Body.plan_id))
    )
    if meeting_id is not None:
        stmt = stmt.where(Meeting.id == meeting_id)
    if body_id is not None:
        stmt = stmt.where(Meeting.body_id == body_id)
    if body_ids is not None:  # a person's feed: the bodies they sit in
        stmt = stmt.where(Meeting.body_id.in_(list(body_ids)))
    if plan_id is not None:
        stmt = stmt.where(Body.plan_id == plan_id)
    if starts_from is not None:
        stmt = stmt.where(Meeting.starts_at >= starts_from)
    if starts_before is not None:
        stmt = stmt.where(Meeting.starts_at < starts_before)
    rows = await session.execute(stmt.order_by(Meeting.starts_at, Meeting.id))
    return list(rows)


async def public_items(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FeedItem]]:
    """Public agenda items of the meetings, by meeting, in order (one query per 5000)."""
    out: dict[uuid.UUID, list[FeedItem]] = {}
    ids = list(meeting_ids)
    # chunked: both databases cap the number of bound parameters
    for start in range(0, len(ids), 5000):
        stmt = (
            select(
                AgendaItem.meeting_id,
                AgendaItem.position,
                AgendaItem.title,
                AgendaItem.description,
            )
            .where(
                AgendaItem.meeting_id.in_(ids[start : start + 5000]),
                AgendaItem.public.is_(True),
            )
            .order_by(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.id)
        )
        for row in await session.execute(stmt):
            out.setdefault(row.meeting_id, []).append(row)
    return out


# --- agenda items ------------------------------------------------------------------------


def agenda_query(
    meeting_id: uuid.UUID, params: PageParams, *, public_only: bool = False
) -> Select[Any]:
    """A meeting's agenda items by position, their sources loaded in one more query."""
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id)
        .options(selectinload(AgendaItem.source_links))
    )
    if public_only:
        stmt = stmt.where(AgendaItem.public)
    if params.modified_since is not None:
        stmt = stmt.where(AgendaItem.updated_at >= params.modified_since)
    return stmt.order_by(AgendaItem.position, AgendaItem.id)


async def agenda(session: AsyncSession, meeting_id: uuid.UUID) -> list[AgendaItem]:
    """A meeting's agenda items in order, with their source decisions."""
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id)
        .options(selectinload(AgendaItem.source_links))
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return list(await session.scalars(stmt))


async def get_agenda_item(
    session: AsyncSession, item_id: uuid.UUID
) -> tuple[AgendaItem, Meeting, Body] | None:
    """An agenda item with its sources, its meeting and the meeting's body."""
    row = (
        await session.execute(
            select(AgendaItem, Meeting, Body)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(Body, Body.id == Meeting.body_id)
            .where(AgendaItem.id == item_id)
            .options(selectinload(AgendaItem.source_links))
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _moves_on() -> Any:
    # items the flow put there or carried there: they move on when their meeting cannot
    # take them (the other items stay as the meeting's own record)
    return or_(AgendaItem.source_body_id.is_not(None), AgendaItem.carried_from_id.is_not(None))


async def flow_items(session: AsyncSession, meeting_id: uuid.UUID) -> list[AgendaItem]:
    """The items the decision flow put or carried on a meeting, with their sources."""
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, _moves_on())
        .options(selectinload(AgendaItem.source_links))
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return list(await session.scalars(stmt))


async def gathering_item(
    session: AsyncSession, meeting_id: uuid.UUID, source_body_id: uuid.UUID
) -> AgendaItem | None:
    """The information item that gathers a reporting body's decisions on a meeting."""
    stmt = (
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == meeting_id,
            AgendaItem.source_body_id == source_body_id,
            AgendaItem.kind == "information",
        )
        .options(selectinload(AgendaItem.source_links))
        .order_by(AgendaItem.position, AgendaItem.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def max_position(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """The last position on a meeting's agenda (0 when empty)."""
    return (
        await session.scalar(
            select(func.coalesce(func.max(AgendaItem.position), 0)).where(
                AgendaItem.meeting_id == meeting_id
            )
        )
        or 0
    )


async def decisions_of_items(
    session: AsyncSession, item_ids: Sequence[uuid.UUID]
) -> list[Decision]:
    """The decisions the items list as sources."""
    if not item_ids:
        return []
    stmt = (
        select(Decision)
        .join(AgendaItemSource, AgendaItemSource.decision_id == Decision.id)
        .where(AgendaItemSource.agenda_item_id.in_(item_ids))
        .order_by(Decision.decided_at, Decision.id)
        .distinct()
    )
    return list(await session.scalars(stmt))


async def items_named_by_decisions(
    session: AsyncSession, item_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of the items a decision names as the item it was made under."""
    if not item_ids:
        return set()
    stmt = select(Decision.agenda_item_id).where(Decision.agenda_item_id.in_(item_ids))
    return {i for i in await session.scalars(stmt) if i is not None}


# --- decisions ---------------------------------------------------------------------------


async def get_decision(
    session: AsyncSession, decision_id: uuid.UUID
) -> tuple[Decision, Body] | None:
    """A decision and its body."""
    row = (
        await session.execute(
            select(Decision, Body)
            .join(Body, Body.id == Decision.body_id)
            .where(Decision.id == decision_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


_PUBLIC_ITEMS = select(AgendaItem.id).where(AgendaItem.public)


async def public_decision_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` were made on a public agenda item (what a public key may see)."""
    wanted = set(ids)
    if not wanted:
        return set()
    stmt = select(Decision.id).where(
        Decision.id.in_(wanted), Decision.agenda_item_id.in_(_PUBLIC_ITEMS)
    )
    return set(await session.scalars(stmt))


async def decision_is_public(session: AsyncSession, decision: Decision) -> bool:
    """Whether the decision was made on a public agenda item."""
    if decision.agenda_item_id is None:
        return False
    stmt = select(AgendaItem.public).where(AgendaItem.id == decision.agenda_item_id)
    return bool(await session.scalar(stmt))


def decisions_query(
    principal: Principal,
    params: PageParams,
    *,
    body_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    meeting_id: uuid.UUID | None = None,
    status: str | None = None,
    impact: str | None = None,
    ids: Sequence[uuid.UUID] | None = None,
) -> Select[Any]:
    """Decisions the key may see, ordered by `decided_at` (for a public key: only those on a
    public agenda item)."""
    stmt = (
        select(Decision)
        .join(Body, Body.id == Decision.body_id)
        .where(plan_filter(principal, Body.plan_id))
    )
    if principal.is_public:
        stmt = stmt.where(Decision.agenda_item_id.in_(_PUBLIC_ITEMS))
    if body_id is not None:
        stmt = stmt.where(Decision.body_id == body_id)
    if plan_id is not None:
        stmt = stmt.where(Body.plan_id == plan_id)
    if meeting_id is not None:
        stmt = stmt.where(Decision.meeting_id == meeting_id)
    if status is not None:
        stmt = stmt.where(Decision.status == status)
    if impact is not None:
        stmt = stmt.where(Decision.impact == impact)
    if ids is not None:
        stmt = stmt.where(Decision.id.in_(list(ids)))
    if params.modified_since is not None:
        stmt = stmt.where(Decision.updated_at >= params.modified_since)
    return stmt.order_by(Decision.decided_at, Decision.id)


def _waiting_condition() -> Any:
    return or_(
        Decision.status == DecisionStatus.escalated,
        and_(
            Decision.impact == DecisionImpact.routine,
            Decision.status == DecisionStatus.decided,
            Decision.reported.is_(False),
        ),
    )


_Origin = aliased(Decision)


def _waits_for(body_id: uuid.UUID) -> Any:
    """Decisions that wait for a meeting of `body_id`: reports and escalations from the
    bodies below, and resolutions to be told to it (it escalated their origin)."""
    up = select(Body.id).where(Body.reports_to_id == body_id)
    down = select(_Origin.id).where(_Origin.body_id == body_id)
    return or_(
        and_(Decision.body_id.in_(up), _waiting_condition()),
        and_(
            Decision.origin_decision_id.in_(down),
            Decision.reported_down.is_(False),
            Decision.status != DecisionStatus.withdrawn,
        ),
    )


def placed_on_column(body_id: uuid.UUID) -> Any:
    """The earliest upcoming (planned or invited) meeting of the body whose agenda carries
    the decision, or null (a correlated subquery)."""
    return (
        select(Meeting.id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .join(AgendaItemSource, AgendaItemSource.agenda_item_id == AgendaItem.id)
        .where(
            Meeting.body_id == body_id,
            Meeting.status.in_(list(OPEN_STATUSES)),
            AgendaItemSource.decision_id == Decision.id,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
        .correlate(Decision)
        .scalar_subquery()
    )


def inbox_query(params: PageParams | None, body_id: uuid.UUID) -> Select[Any]:
    """Everything that waits for a meeting of `body_id`, with `placed_on` (an upcoming
    meeting that carries it, or null): one query."""
    stmt = select(Decision, placed_on_column(body_id).label("placed_on")).where(_waits_for(body_id))
    if params is not None and params.modified_since is not None:
        stmt = stmt.where(Decision.updated_at >= params.modified_since)
    return stmt.order_by(Decision.decided_at, Decision.id)


async def inbox_page(
    session: AsyncSession, stmt: Select[Any], params: PageParams
) -> tuple[list[tuple[Decision, uuid.UUID | None]], int]:
    """A page of `inbox_query` as (decision, placed_on) and its total, in one query."""
    rows, total = await fetch_row_page(session, stmt, params)
    return [(row[0], row.placed_on) for row in rows], total


async def inbox(session: AsyncSession, body_id: uuid.UUID) -> list[Decision]:
    """The decisions waiting for the body that no upcoming meeting of it carries."""
    stmt = (
        select(Decision)
        .where(_waits_for(body_id), placed_on_column(body_id).is_(None))
        .order_by(Decision.decided_at, Decision.id)
    )
    return list(await session.scalars(stmt))


async def decisions_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    """Decisions by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {d.id: d for d in await session.scalars(select(Decision).where(Decision.id.in_(wanted)))}


async def items_carrying(
    session: AsyncSession, decision_ids: Sequence[uuid.UUID], statuses: Iterable[str]
) -> list[tuple[AgendaItem, Meeting]]:
    """The agenda items (with sources) on meetings in `statuses` that carry the decisions."""
    if not decision_ids:
        return []
    carrying = select(AgendaItemSource.agenda_item_id).where(
        AgendaItemSource.decision_id.in_(list(decision_ids))
    )
    stmt = (
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.id.in_(carrying), Meeting.status.in_(list(statuses)))
        .options(selectinload(AgendaItem.source_links))
        .order_by(Meeting.starts_at, AgendaItem.position, AgendaItem.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def carried_on(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the items an item carries on (`carried_from_id`)."""
    if not item_ids:
        return set()
    stmt = select(AgendaItem.carried_from_id).where(AgendaItem.carried_from_id.in_(list(item_ids)))
    return {i for i in await session.scalars(stmt) if i is not None}


async def pending_carries(
    session: AsyncSession, body_id: uuid.UUID
) -> list[tuple[AgendaItem, Meeting]]:
    """Postponed items on the body's held meetings that no item carries on yet."""
    successor = aliased(AgendaItem)
    still_waiting = (
        select(AgendaItemSource.decision_id)
        .join(Decision, Decision.id == AgendaItemSource.decision_id)
        .where(
            AgendaItemSource.agenda_item_id == AgendaItem.id,
            or_(
                _waiting_condition(),
                and_(
                    Decision.reported_down.is_(False),
                    Decision.status != DecisionStatus.withdrawn,
                ),
            ),
        )
    )
    stmt = (
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.body_id == body_id,
            Meeting.status.in_(list(HELD_STATUSES)),
            AgendaItem.outcome_status == AgendaOutcome.postponed,
            AgendaItem.carry_dropped.is_(False),
            ~exists(select(successor.id).where(successor.carried_from_id == AgendaItem.id)),
            # a flow item whose decisions no longer wait has nothing to carry on
            or_(AgendaItem.source_body_id.is_(None), exists(still_waiting)),
        )
        .options(selectinload(AgendaItem.source_links))
        .order_by(Meeting.starts_at, AgendaItem.position, AgendaItem.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


async def placed_on_open(
    session: AsyncSession, decision_ids: Sequence[uuid.UUID], body_id: uuid.UUID
) -> set[uuid.UUID]:
    """Which of the decisions an item on an upcoming meeting of the body carries."""
    if not decision_ids:
        return set()
    stmt = (
        select(AgendaItemSource.decision_id)
        .join(AgendaItem, AgendaItem.id == AgendaItemSource.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItemSource.decision_id.in_(list(decision_ids)),
            Meeting.body_id == body_id,
            Meeting.status.in_(list(OPEN_STATUSES)),
        )
    )
    return set(await session.scalars(stmt))


async def parked_items(session: AsyncSession, body_id: uuid.UUID) -> list[AgendaItem]:
    """Flow and carried items left on the body's cancelled meetings (no open meeting took
    them yet)."""
    stmt = (
        select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            Meeting.body_id == body_id,
            Meeting.status == MeetingStatus.cancelled,
            _moves_on(),
        )
        .options(selectinload(AgendaItem.source_links))
        .order_by(Meeting.starts_at, AgendaItem.position, AgendaItem.id)
    )
    return list(await session.scalars(stmt))


async def resolutions_of(
    session: AsyncSession, origin_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    """Resolutions (not withdrawn) by the id of the decision they resolve."""
    if not origin_ids:
        return {}
    stmt = select(Decision).where(
        Decision.origin_decision_id.in_(list(origin_ids)),
        Decision.status != DecisionStatus.withdrawn,
    )
    return {d.origin_decision_id: d for d in await session.scalars(stmt) if d.origin_decision_id}


async def meeting_starts(
    session: AsyncSession, meeting_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """Start times by meeting id."""
    wanted = set(meeting_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Meeting.id, Meeting.starts_at).where(Meeting.id.in_(wanted))
    )
    return {row.id: row.starts_at for row in rows}


# --- governance check --------------------------------------------------------------------


async def plan_meetings(session: AsyncSession, body_ids: Sequence[uuid.UUID]) -> list[Meeting]:
    """Every meeting of the bodies, in order."""
    if not body_ids:
        return []
    stmt = (
        select(Meeting).where(Meeting.body_id.in_(body_ids)).order_by(Meeting.starts_at, Meeting.id)
    )
    return list(await session.scalars(stmt))


async def open_flow_decisions(
    session: AsyncSession, body_ids: Sequence[uuid.UUID]
) -> list[Decision]:
    """Escalated or unreported routine decisions of the bodies."""
    if not body_ids:
        return []
    stmt = (
        select(Decision)
        .where(Decision.body_id.in_(body_ids), _waiting_condition())
        .order_by(Decision.decided_at, Decision.id)
    )
    return list(await session.scalars(stmt))


async def placements(
    session: AsyncSession, decision_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(decision id, meeting id) for every agenda item that lists the decisions."""
    if not decision_ids:
        return []
    rows = await session.execute(
        select(AgendaItemSource.decision_id, AgendaItem.meeting_id)
        .join(AgendaItem, AgendaItem.id == AgendaItemSource.agenda_item_id)
        .where(AgendaItemSource.decision_id.in_(decision_ids))
    )
    return [(row[0], row[1]) for row in rows]


# --- follow-ups (actions) ----------------------------------------------------------------


async def get_action(session: AsyncSession, action_id: uuid.UUID) -> tuple[Action, Body] | None:
    """A follow-up and its body."""
    row = (
        await session.execute(
            select(Action, Body).join(Body, Body.id == Action.body_id).where(Action.id == action_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


def actions_query(
    principal: Principal,
    params: PageParams,
    *,
    body_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status: str | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> Select[Any]:
    """Follow-ups the key may see, by due date (undated last), then creation."""
    stmt = (
        select(Action)
        .join(Body, Body.id == Action.body_id)
        .where(plan_filter(principal, Body.plan_id))
    )
    if plan_id is not None:
        stmt = stmt.where(Body.plan_id == plan_id)
    if body_id is not None:
        stmt = stmt.where(Action.body_id == body_id)
    if owner_id is not None:
        stmt = stmt.where(Action.owner_id == owner_id)
    if status is not None:
        stmt = stmt.where(Action.status == status)
    if due_from is not None:
        stmt = stmt.where(Action.due_date >= due_from)
    if due_to is not None:
        stmt = stmt.where(Action.due_date <= due_to)
    if params.modified_since is not None:
        stmt = stmt.where(Action.updated_at >= params.modified_since)
    return stmt.order_by(Action.due_date.is_(None), Action.due_date, Action.created_at, Action.id)


async def open_actions(session: AsyncSession, body_ids: Sequence[uuid.UUID]) -> list[Action]:
    """The bodies' open follow-ups, by due date (undated last)."""
    if not body_ids:
        return []
    stmt = (
        select(Action)
        .where(Action.body_id.in_(body_ids), Action.status == ActionStatus.open)
        .order_by(Action.due_date.is_(None), Action.due_date, Action.created_at, Action.id)
    )
    return list(await session.scalars(stmt))


async def contact_names(
    session: AsyncSession, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    """Display names of contacts by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Contact.id, Contact.given_name, Contact.family_name).where(Contact.id.in_(wanted))
    )
    return {row.id: f"{row.given_name} {row.family_name}".strip() for row in rows}


async def open_meetings_of(session: AsyncSession, body_id: uuid.UUID) -> list[Meeting]:
    """The body's planned and invited meetings, by start."""
    stmt = (
        select(Meeting)
        .where(Meeting.body_id == body_id, Meeting.status.in_(list(OPEN_STATUSES)))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(await session.scalars(stmt))


async def items_with_topic(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID], topic: str
) -> list[AgendaItem]:
    """The meetings' agenda items with this topic (standing items are marked by topic)."""
    if not meeting_ids:
        return []
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id.in_(meeting_ids), AgendaItem.topic == topic)
        .order_by(AgendaItem.meeting_id, AgendaItem.position)
    )
    return list(await session.scalars(stmt))


async def previous_meeting(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    """The body's latest meeting before this one that was not cancelled."""
    stmt = (
        select(Meeting)
        .where(
            Meeting.body_id == meeting.body_id,
            Meeting.status != MeetingStatus.cancelled,
            Meeting.id != meeting.id,
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def overdue_actions(
    session: AsyncSession, body_ids: Sequence[uuid.UUID], today: date
) -> list[tuple[Action, str | None]]:
    """Open follow-ups of the bodies due before `today`, with their owner's name (one query)."""
    if not body_ids:
        return []
    stmt = (
        select(Action, Contact.given_name, Contact.family_name)
        .outerjoin(Contact, Contact.id == Action.owner_id)
        .where(
            Action.body_id.in_(body_ids),
            Action.status == ActionStatus.open,
            Action.due_date < today,
        )
        .order_by(Action.due_date, Action.created_at, Action.id)
    )
    return [
        (row[0], f"{row[1]} {row[2]}".strip() if row[1] is not None else None)
        for row in await session.execute(stmt)
    ]
