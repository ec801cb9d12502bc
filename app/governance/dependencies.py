"""Path resources of the governance API: 404 when missing or bound to another plan.

Each loader exists once per role and takes that role's key dependency (`ReaderKey`,
`EditorKey`), the same one the route declares first: FastAPI resolves it once per request,
so a caller without a key gets 401 (or 403), never 404, and the key is looked up once.
"""

import uuid
from typing import Annotated

from fastapi import Depends

from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.security import EditorKey, Principal, ReaderKey
from app.governance import repository
from app.governance.access import ensure_plan_visible
from app.governance.models import Body, Membership, Plan


async def _plan(session: SessionDep, key: Principal, plan_id: uuid.UUID) -> Plan:
    plan = await repository.get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"No plan with id {plan_id}.")
    ensure_plan_visible(key, plan.id, "plan", plan_id)
    return plan


async def _body(session: SessionDep, key: Principal, body_id: uuid.UUID) -> Body:
    body = await repository.get_body(session, body_id)
    if body is None:
        raise NotFound(f"No body with id {body_id}.")
    ensure_plan_visible(key, body.plan_id, "body", body_id)
    return body


async def _membership(session: SessionDep, key: Principal, membership_id: uuid.UUID) -> Membership:
    membership = await repository.get_membership(session, membership_id)
    if membership is None:
        raise NotFound(f"No membership with id {membership_id}.")
    ensure_plan_visible(key, membership.body.plan_id, "membership", membership_id)
    return membership


async def plan_to_read(plan_id: uuid.UUID, session: SessionDep, key: ReaderKey) -> Plan:
    """The plan in the path, or 404 (also when the key is limited to other plans)."""
    return await _plan(session, key, plan_id)


async def plan_to_edit(plan_id: uuid.UUID, session: SessionDep, key: EditorKey) -> Plan:
    """The plan in the path for a write, or 404."""
    return await _plan(session, key, plan_id)


async def body_to_read(body_id: uuid.UUID, session: SessionDep, key: ReaderKey) -> Body:
    """The body in the path, or 404."""
    return await _body(session, key, body_id)


async def body_to_edit(body_id: uuid.UUID, session: SessionDep, key: EditorKey) -> Body:
    """The body in the path for a write, or 404."""
    return await _body(session, key, body_id)


async def membership_to_read(
    membership_id: uuid.UUID, session: SessionDep, key: ReaderKey
) -> Membership:
    """The membership in the path, or 404."""
    return await _membership(session, key, membership_id)


async def membership_to_edit(
    membership_id: uuid.UUID, session: SessionDep, key: EditorKey
) -> Membership:
    """The membership in the path for a write, or 404."""
    return await _membership(session, key, membership_id)


PlanDep = Annotated[Plan, Depends(plan_to_read)]
PlanEditDep = Annotated[Plan, Depends(plan_to_edit)]
BodyDep = Annotated[Body, Depends(body_to_read)]
BodyEditDep = Annotated[Body, Depends(body_to_edit)]
MembershipDep = Annotated[Membership, Depends(membership_to_read)]
MembershipEditDep = Annotated[Membership, Depends(membership_to_edit)]
