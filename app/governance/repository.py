"""SQL for the governance structure."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.core.pagination import PageParams
from app.core.security import Principal
from app.directory.models import Contact, Organization
from app.governance.access import plan_filter
from app.governance.models import Body, Membership, Plan


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    """One plan by id, with its partners."""
    stmt = select(Plan).options(selectinload(Plan.partner_links)).where(Plan.id == plan_id)
    return await session.scalar(stmt)


def plans_query(
    params: PageParams,
    principal: Principal,
    *,
    status: str | None,
    municipality_id: uuid.UUID | None,
) -> Select[Any]:
    """The plan list, by name, limited to the key's plans."""
    stmt = (
        select(Plan)
        .options(selectinload(Plan.partner_links))
        .where(plan_filter(principal, Plan.id))
    )
    if status is not None:
        stmt = stmt.where(Plan.status == status)
    if municipality_id is not None:
        stmt = stmt.where(Plan.municipality_id == municipality_id)
    if params.modified_since is not None:
        stmt = stmt.where(Plan.updated_at >= params.modified_since)
    return stmt.order_by(Plan.name_folded, Plan.id)


async def plan_ids_existing(session: AsyncSession, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are plans."""
    if not ids:
        return set()
    return set(await session.scalars(select(Plan.id).where(Plan.id.in_(ids))))


async def contact_ids_existing(session: AsyncSession, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are contacts."""
    if not ids:
        return set()
    return set(await session.scalars(select(Contact.id).where(Contact.id.in_(ids))))


async def get_body(session: AsyncSession, body_id: uuid.UUID) -> Body | None:
    """One body by id."""
    return await session.get(Body, body_id)


def bodies_query(
    params: PageParams,
    principal: Principal,
    *,
    plan_id: uuid.UUID | None,
    kind: str | None,
    active: bool | None,
) -> Select[Any]:
    """The body list, by name, limited to the key's plans."""
    stmt = select(Body).where(plan_filter(principal, Body.plan_id))
    if plan_id is not None:
        stmt = stmt.where(Body.plan_id == plan_id)
    if kind is not None:
        stmt = stmt.where(Body.kind == kind)
    if active is not None:
        stmt = stmt.where(Body.active.is_(active))
    if params.modified_since is not None:
        stmt = stmt.where(Body.updated_at >= params.modified_since)
    return stmt.order_by(Body.name_folded, Body.id)


async def plan_bodies(session: AsyncSession, plan_id: uuid.UUID) -> list[Body]:
    """Every body of a plan, by name."""
    stmt = select(Body).where(Body.plan_id == plan_id).order_by(Body.name_folded, Body.id)
    return list(await session.scalars(stmt))


async def other_active_board(
    session: AsyncSession, plan_id: uuid.UUID, exclude_id: uuid.UUID | None
) -> uuid.UUID | None:
    """The id of the plan's active board other than `exclude_id`, if there is one."""
    stmt = select(Body.id).where(
        Body.plan_id == plan_id, Body.kind == "board", Body.active.is_(True)
    )
    if exclude_id is not None:
        stmt = stmt.where(Body.id != exclude_id)
    return await session.scalar(stmt.limit(1))


async def body_parent_map(
    session: AsyncSession, plan_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID | None]:
    """id → reports_to_id for a plan's bodies that report to another (for cycle checks)."""
    rows = await session.execute(
        select(Body.id, Body.reports_to_id).where(
            Body.plan_id == plan_id, Body.reports_to_id.is_not(None)
        )
    )
    return {row.id: row.reports_to_id for row in rows}


async def lock_body(session: AsyncSession, body_id: uuid.UUID) -> None:
    """Serialise writes to one body's memberships (PostgreSQL; SQLite has a single writer)."""
    await session.execute(select(Body.id).where(Body.id == body_id).with_for_update())


async def get_membership(session: AsyncSession, membership_id: uuid.UUID) -> Membership | None:
    """One membership by id, with its body (for the plan it belongs to)."""
    stmt = (
        select(Membership)
        .options(joinedload(Membership.body))
        .where(Membership.id == membership_id)
    )
    return await session.scalar(stmt)


def current_on(on: date) -> ColumnElement[bool]:
    """Memberships that hold on the day `on` (start and end dates inclusive)."""
    return and_(
        or_(Membership.start_date.is_(None), Membership.start_date <= on),
        or_(Membership.end_date.is_(None), Membership.end_date >= on),
    )


def memberships_query(
    params: PageParams,
    *,
    body_id: uuid.UUID,
    active_on: date | None,
    role: str | None,
) -> Select[Any]:
    """A body's memberships by start date (undated first), then id."""
    stmt = select(Membership).where(Membership.body_id == body_id)
    if active_on is not None:
        stmt = stmt.where(current_on(active_on))
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    if params.modified_since is not None:
        stmt = stmt.where(Membership.updated_at >= params.modified_since)
    return stmt.order_by(Membership.start_date.asc().nulls_first(), Membership.id)


async def overlapping_membership_exists(
    session: AsyncSession,
    *,
    body_id: uuid.UUID,
    contact_id: uuid.UUID,
    role: str,
    start: date | None,
    end: date | None,
    exclude_id: uuid.UUID | None,
) -> bool:
    """Whether the contact holds `role` in the body on any day of [start, end] (open ends)."""
    conds: list[ColumnElement[bool]] = [
        Membership.body_id == body_id,
        Membership.contact_id == contact_id,
        Membership.role == role,
    ]
    if end is not None:
        conds.append(or_(Membership.start_date.is_(None), Membership.start_date <= end))
    if start is not None:
        conds.append(or_(Membership.end_date.is_(None), Membership.end_date >= start))
    if exclude_id is not None:
        conds.append(Membership.id != exclude_id)
    return bool(await session.scalar(select(exists().where(*conds))))


async def current_seats(
    session: AsyncSession, plan_id: uuid.UUID, on: date
) -> list[tuple[Membership, Contact, str | None]]:
    """The memberships of a plan's bodies that hold on `on`, with contact and organization name.

    One query, whatever the size of the plan.
    """
    stmt = (
        select(Membership, Contact, Organization.name)
        .join(Body, Body.id == Membership.body_id)
        .join(Contact, Contact.id == Membership.contact_id)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(Body.plan_id == plan_id, current_on(on))
        .order_by(Contact.sort_family, Contact.sort_given, Contact.id, Membership.id)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


async def organization_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """id → name for the given organizations."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids))
    )
    return {row.id: row.name for row in rows}
