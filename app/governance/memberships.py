"""Membership rules: references that exist, a sane period, no overlapping seat twice."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.errors import Conflict, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes, delete_or_conflict
from app.directory import repository as directory
from app.governance import repository
from app.governance.enums import MemberRole
from app.governance.models import Body, Membership
from app.governance.schemas import MembershipCreate, MembershipUpdate

RESOURCE = "membership"

# roles that do not vote unless told otherwise
NON_VOTING_ROLES = {MemberRole.secretary, MemberRole.observer, MemberRole.substitute}


async def _check_contact(session: AsyncSession, field: str, contact_id: uuid.UUID | None) -> None:
    if contact_id is not None and not await repository.contact_ids_existing(session, {contact_id}):
        raise Unprocessable(["body", field], f"{field} refers to no contact.")


async def _check_organization(session: AsyncSession, org_id: uuid.UUID | None) -> None:
    if org_id is not None and await directory.get_organization(session, org_id) is None:
        raise Unprocessable(
            ["body", "on_behalf_of_id"], "on_behalf_of_id refers to no organization."
        )


async def _check_seat(session: AsyncSession, membership: Membership) -> None:
    if membership.substitute_for_id == membership.contact_id:
        raise Unprocessable(
            ["body", "substitute_for_id"], "A member cannot substitute for themself."
        )
    start, end = membership.start_date, membership.end_date
    if start is not None and end is not None and end < start:
        raise Unprocessable(["body", "end_date"], "end_date must not be before start_date.")
    await repository.lock_body(session, membership.body_id)
    if await repository.overlapping_membership_exists(
        session,
        body_id=membership.body_id,
        contact_id=membership.contact_id,
        role=membership.role,
        start=start,
        end=end,
        exclude_id=membership.id,
    ):
        raise Conflict(
            "The contact already holds this role in this body for overlapping dates; "
            "end that membership first."
        )


async def create(
    session: AsyncSession, actor: Principal, body: Body, data: MembershipCreate
) -> Membership:
    """Give a contact a seat in a body."""
    await _check_contact(session, "contact_id", data.contact_id)
    await _check_organization(session, data.on_behalf_of_id)
    await _check_contact(session, "substitute_for_id", data.substitute_for_id)
    voting = data.voting_right
    if voting is None:
        voting = data.role not in NON_VOTING_ROLES
    membership = Membership(
        id=uuid.uuid4(),
        body_id=body.id,
        contact_id=data.contact_id,
        role=data.role.value,
        on_behalf_of_id=data.on_behalf_of_id,
        voting_right=voting,
        substitute_for_id=data.substitute_for_id,
        start_date=data.start_date,
        end_date=data.end_date,
        note=data.note,
    )
    await _check_seat(session, membership)
    session.add(membership)
    await session.flush()
    fields = MembershipCreate.model_fields.keys() | {"body_id"}
    await changes.record(session, actor, RESOURCE, membership.id, "created", fields, body.plan_id)
    return membership


async def update(
    session: AsyncSession, actor: Principal, membership: Membership, data: MembershipUpdate
) -> Membership:
    """Apply a partial update."""
    sent = data.model_fields_set
    if "contact_id" in sent:
        await _check_contact(session, "contact_id", data.contact_id)
    if "on_behalf_of_id" in sent:
        await _check_organization(session, data.on_behalf_of_id)
    if "substitute_for_id" in sent:
        await _check_contact(session, "substitute_for_id", data.substitute_for_id)
    changed = apply_changes(membership, data)
    await _check_seat(session, membership)
    membership.touch()
    await session.flush()
    await changes.record(
        session, actor, RESOURCE, membership.id, "updated", changed, membership.body.plan_id
    )
    return membership


async def delete(session: AsyncSession, actor: Principal, membership: Membership) -> None:
    """Remove a seat (to keep its history, set end_date instead)."""
    plan_id = membership.body.plan_id
    await delete_or_conflict(
        session, membership, "The membership is referenced and cannot be deleted."
    )
    await changes.record(session, actor, RESOURCE, membership.id, "deleted", plan_id=plan_id)
