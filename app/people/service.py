"""The rules of people: who manages role mappings, linking a person to a contact, a
person's own view (/me) and their personal calendar token.

Only an admin not limited to plans manages role mappings and users: a mapping can grant any
role in any plan, so a plan-limited admin managing them could map anyone (itself included)
above itself. A person sees in /me only what their role and plans let them see anyway.
"""

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Unauthorized, Unprocessable
from app.core.security import PERSONAL_FEED_PREFIX, Principal, hash_key
from app.core.writes import apply_changes
from app.directory.text import display_name
from app.governance.models import Plan
from app.people import repository
from app.people.mappings import Grant, resolve
from app.people.models import RoleMapping, User
from app.people.schemas import (
    ActionRef,
    ContactRef,
    MeetingRef,
    MeRead,
    RoleMappingCreate,
    RoleMappingUpdate,
    SeatRead,
    UserUpdate,
)

MAPPING = "role_mapping"
USER = "user"
NEXT_MEETINGS = 10


def ensure_unlimited_admin(principal: Principal) -> None:
    """403 unless the caller is an admin not limited to plans."""
    if principal.plan_ids is not None:
        raise Forbidden(
            "Only an admin not limited to plans manages role mappings and users: a mapping "
            "can grant any role in any plan."
        )


async def _check_plans(session: AsyncSession, plan_ids: list[uuid.UUID] | None) -> None:
    if not plan_ids:
        return
    wanted = set(plan_ids)
    found = set(await session.scalars(select(Plan.id).where(Plan.id.in_(wanted))))
    if missing := wanted - found:
        raise Unprocessable(
            ["body", "plan_ids"], f"plan_ids refers to no plan: {sorted(map(str, missing))}"
        )


def _plan_list(plan_ids: list[uuid.UUID] | None) -> list[str] | None:
    return None if plan_ids is None else [str(p) for p in dict.fromkeys(plan_ids)]


async def create_mapping(
    session: AsyncSession, actor: Principal, data: RoleMappingCreate
) -> RoleMapping:
    """A new mapping; one per claim value (409)."""
    ensure_unlimited_admin(actor)
    if await repository.mapping_exists(session, data.claim, data.value):
        raise Conflict(
            f"A role mapping for {data.claim} = {data.value!r} exists already; change it instead."
        )
    await _check_plans(session, data.plan_ids)
    mapping = RoleMapping(
        claim=data.claim,
        value=data.value,
        role=data.role.value,
        plan_ids=_plan_list(data.plan_ids),
    )
    session.add(mapping)
    await session.flush()
    await changes.record(
        session, actor, MAPPING, mapping.id, "created", ["claim", "value", "role", "plan_ids"]
    )
    return mapping


async def update_mapping(
    session: AsyncSession, actor: Principal, mapping: RoleMapping, data: RoleMappingUpdate
) -> None:
    """Change a mapping's role or plans."""
    ensure_unlimited_admin(actor)
    if "role" in data.model_fields_set and data.role is None:
        raise Unprocessable(["body", "role"], "role cannot be null.")
    changed = []
    if "role" in data.model_fields_set and data.role is not None and data.role != mapping.role:
        mapping.role = data.role.value
        changed.append("role")
    if "plan_ids" in data.model_fields_set:
        await _check_plans(session, data.plan_ids)
        plans = _plan_list(data.plan_ids)
        if plans != mapping.plan_ids:
            mapping.plan_ids = plans
            changed.append("plan_ids")
    if changed:
        mapping.touch()
        await changes.record(session, actor, MAPPING, mapping.id, "updated", changed)


async def delete_mapping(session: AsyncSession, actor: Principal, mapping: RoleMapping) -> None:
    """Remove a mapping: the people it gave a role lose it (on their next request)."""
    ensure_unlimited_admin(actor)
    await session.delete(mapping)
    await changes.record(session, actor, MAPPING, mapping.id, "deleted")


async def update_user(
    session: AsyncSession, actor: Principal, user: User, data: UserUpdate
) -> None:
    """Link a person to a contact, or unlink them."""
    ensure_unlimited_admin(actor)
    wanted = data.contact_id if "contact_id" in data.model_fields_set else None
    if wanted is not None and not await repository.contact_exists(session, wanted):
        raise Unprocessable(["body", "contact_id"], f"contact_id refers to no contact: {wanted}")
    changed = apply_changes(user, data)
    if changed:
        user.touch()
        await changes.record(session, actor, USER, user.id, "updated", changed)


async def delete_user(session: AsyncSession, actor: Principal, user: User) -> None:
    """Forget a person: their record and calendar token go; their next sign-in (if their
    issuer still lets them) records them afresh. The change log keeps their name and id."""
    ensure_unlimited_admin(actor)
    await session.delete(user)
    await changes.record(session, actor, USER, user.id, "deleted")


async def me(session: AsyncSession, principal: Principal, now: datetime | None = None) -> MeRead:
    """The caller's own view: for a person, their contact, seats and next meetings."""
    user = None
    if principal.user_id is not None:
        user = await repository.get_user(session, principal.user_id)
    contact = None
    seats: list[SeatRead] = []
    meetings: list[MeetingRef] = []
    actions: list[ActionRef] = []
    if user is not None and user.contact_id is not None:
        names = await repository.contact_names(session, [user.contact_id])
        if user.contact_id in names:
            contact = ContactRef(
                id=user.contact_id, display_name=display_name(*names[user.contact_id])
            )
            rows = await repository.seats(session, principal, user.contact_id, local_today())
            seats = [SeatRead.model_validate(r) for r in rows]
            body_ids = list(dict.fromkeys(s.body_id for s in seats))
            upcoming = await repository.next_meetings(
                session, body_ids, now or utcnow(), NEXT_MEETINGS
            )
            meetings = [MeetingRef.model_validate(r) for r in upcoming]
            owned = await repository.open_actions(session, principal, user.contact_id)
            actions = [ActionRef.model_validate(r) for r in owned]
    ident = principal.actor_id
    assert ident is not None  # a request's caller is a key or a user
    return MeRead(
        kind="user" if principal.user_id is not None else "key",
        id=ident,
        name=principal.name,
        email=user.email if user is not None else None,
        role=principal.role.value,
        plan_ids=sorted(principal.plan_ids, key=str) if principal.plan_ids is not None else None,
        contact=contact,
        seats=seats,
        next_meetings=meetings,
        open_actions=actions,
        has_calendar_token=user is not None and user.has_calendar_token,
    )


async def issue_calendar_token(session: AsyncSession, principal: Principal) -> str:
    """A new personal feed token for the caller (a person); the previous one stops working."""
    if principal.user_id is None:
        raise Forbidden(
            "Only a signed-in person has a personal calendar; a machine uses a calendar key "
            "(POST /api/v1/api-keys with role calendar)."
        )
    user = await repository.get_user(session, principal.user_id)
    if user is None:  # removed between authentication and now
        raise Unauthorized("Sign in again.")
    secret = PERSONAL_FEED_PREFIX + secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_key(secret)
    user.calendar_token_created_at = utcnow()
    user.touch()
    return secret


async def revoke_calendar_token(session: AsyncSession, principal: Principal) -> None:
    """Turn the caller's personal feed off."""
    if principal.user_id is None:
        raise Forbidden("Only a signed-in person has a personal calendar.")
    user = await repository.get_user(session, principal.user_id)
    if user is not None and user.calendar_token_hash is not None:
        user.calendar_token_hash = None
        user.calendar_token_created_at = None
        user.touch()


async def feed_owner(session: AsyncSession, token: str) -> tuple[User, Principal]:
    """The person a personal feed token belongs to, with the rights their mappings give now
    (against the claims of their last sign-in); 401 for any other token."""
    if not token.startswith(PERSONAL_FEED_PREFIX) or len(token) > 200:
        raise Unauthorized(
            "This feed takes a personal calendar token (POST /api/v1/me/calendar-token) in "
            "?token=, or a signed-in person's token in the Authorization header."
        )
    user = await repository.user_by_feed_token(session, hash_key(token))
    if user is None:
        raise Unauthorized("This personal calendar token is not valid (it may have been replaced).")
    grant: Grant | None = resolve(await repository.all_mappings(session), user.claims)
    if grant is None:
        raise Forbidden(
            "No role mapping gives this person a role any more, so their feed is closed."
        )
    return user, Principal(
        key_id=None, name=user.name, role=grant.role, plan_ids=grant.plan_ids, user_id=user.id
    )
