"""SQL for people: users, role mappings, and what a person's own view reads."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams
from app.core.security import Principal
from app.directory.models import Contact
from app.governance.access import plan_filter
from app.governance.models import Body, Membership
from app.meetings.models import Action, Meeting
from app.people.models import RoleMapping, User

_USER_BY_SUBJECT = select(User).where(
    User.issuer == bindparam("issuer"), User.subject == bindparam("subject")
)
# every mapping, as plain rows: a deployment has a handful to a few hundred
_MAPPINGS = select(RoleMapping.claim, RoleMapping.value, RoleMapping.role, RoleMapping.plan_ids)


async def user_by_subject(session: AsyncSession, issuer: str, subject: str) -> User | None:
    """The user an issuer knows by `subject`."""
    return await session.scalar(_USER_BY_SUBJECT, {"issuer": issuer, "subject": subject})


async def user_by_feed_token(session: AsyncSession, digest: str) -> User | None:
    """The user whose personal calendar token has this digest."""
    return await session.scalar(select(User).where(User.calendar_token_hash == digest))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """One user by id."""
    return await session.get(User, user_id)


def users_query(params: PageParams) -> Select[Any]:
    """Users by name, id last."""
    stmt = select(User)
    if params.modified_since is not None:
        stmt = stmt.where(User.updated_at >= params.modified_since)
    return stmt.order_by(User.name, User.id)


async def all_mappings(session: AsyncSession) -> Sequence[Any]:
    """Every role mapping (claim, value, role, plan_ids)."""
    return (await session.execute(_MAPPINGS)).all()


def mappings_query(params: PageParams) -> Select[Any]:
    """Role mappings by claim and value, id last."""
    stmt = select(RoleMapping)
    if params.modified_since is not None:
        stmt = stmt.where(RoleMapping.updated_at >= params.modified_since)
    return stmt.order_by(RoleMapping.claim, RoleMapping.value, RoleMapping.id)


async def get_mapping(session: AsyncSession, mapping_id: uuid.UUID) -> RoleMapping | None:
    """One role mapping by id."""
    return await session.get(RoleMapping, mapping_id)


async def mapping_exists(session: AsyncSession, claim: str, value: str) -> bool:
    """Whether a mapping for this claim value exists."""
    stmt = select(RoleMapping.id).where(RoleMapping.claim == claim, RoleMapping.value == value)
    return await session.scalar(stmt.limit(1)) is not None


async def contacts_with_email(session: AsyncSession, email: str) -> list[Contact]:
    """Contacts (not erased) holding this address, compared without case.

    The addresses are a JSON list; its text is narrowed with LIKE (portable), and the
    exact comparison is made on the parsed list."""
    wanted = email.casefold()
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = select(Contact).where(
        Contact.erased.is_(False),
        func.lower(cast(Contact.emails, String)).like(pattern, escape="\\"),
    )
    found = await session.scalars(stmt.limit(50))
    return [
        c
        for c in found
        if any(
            isinstance(e, dict) and str(e.get("address", "")).casefold() == wanted for e in c.emails
        )
    ]


async def contact_exists(session: AsyncSession, contact_id: uuid.UUID) -> bool:
    """Whether a contact with this id exists."""
    return await session.scalar(select(Contact.id).where(Contact.id == contact_id)) is not None


async def contact_names(
    session: AsyncSession, contact_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """Given and family names of contacts, by id, in one query."""
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(Contact.id, Contact.given_name, Contact.family_name).where(
            Contact.id.in_(set(contact_ids))
        )
    )
    return {r.id: (r.given_name, r.family_name) for r in rows}


async def seats(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, today: date
) -> Sequence[Any]:
    """The contact's current memberships in bodies of the caller's plans, by body name."""
    stmt = (
        select(
            Membership.id.label("membership_id"),
            Body.id.label("body_id"),
            Body.name.label("body_name"),
            Body.kind.label("body_kind"),
            Body.plan_id,
            Membership.role,
            Membership.start_date,
            Membership.end_date,
        )
        .join(Body, Body.id == Membership.body_id)
        .where(
            Membership.contact_id == contact_id,
            Membership.start_date.is_(None) | (Membership.start_date <= today),
            Membership.end_date.is_(None) | (Membership.end_date >= today),
            plan_filter(principal, Body.plan_id),
        )
        .order_by(Body.name, Body.id, Membership.id)
    )
    return (await session.execute(stmt)).all()


async def next_meetings(
    session: AsyncSession, body_ids: Sequence[uuid.UUID], after: datetime, limit: int
) -> Sequence[Any]:
    """The next meetings (planned or invited) of these bodies, by start."""
    if not body_ids:
        return []
    stmt = (
        select(
            Meeting.id,
            Meeting.title,
            Meeting.body_id,
            Body.name.label("body_name"),
            Meeting.mode,
            Meeting.status,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.location,
            Meeting.online_url,
        )
        .join(Body, Body.id == Meeting.body_id)
        .where(
            Meeting.body_id.in_(set(body_ids)),
            Meeting.starts_at >= after,
            Meeting.status.in_(("planned", "invited")),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def open_actions(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> Sequence[Any]:
    """The open follow-up actions the contact owns, in bodies of the caller's plans: the
    soonest due first, those without a date last."""
    stmt = (
        select(Action.id, Action.title, Action.due_date, Action.status, Action.body_id)
        .join(Body, Body.id == Action.body_id)
        .where(
            Action.owner_id == contact_id,
            Action.status == "open",
            plan_filter(principal, Body.plan_id),
        )
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id)
    )
    return (await session.execute(stmt)).all()


async def seat_body_ids(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID, today: date
) -> list[uuid.UUID]:
    """The bodies the contact sits in today, within the caller's plans."""
    return list({row.body_id: None for row in await seats(session, principal, contact_id, today)})
