"""Path resources of the governance API: 404 when missing or bound to another plan."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.security import Principal, authenticated
from app.governance import repository
from app.governance.access import ensure_plan_visible
from app.governance.models import Body, Membership, Plan

# Resolved after the route's own key dependency (ReaderKey, EditorKey), which shares this
# cached `authenticated` call: a caller without a key gets 401, never 404.
Caller = Annotated[Principal, Depends(authenticated)]


def valid_plan(plan_id: uuid.UUID, session: SessionDep, caller: Caller) -> Plan:
    """The plan in the path, or 404 (also when the key is limited to other plans)."""
    plan = repository.get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"No plan with id {plan_id}.")
    ensure_plan_visible(caller, plan.id, "plan", plan_id)
    return plan


def valid_body(body_id: uuid.UUID, session: SessionDep, caller: Caller) -> Body:
    """The body in the path, or 404."""
    body = repository.get_body(session, body_id)
    if body is None:
        raise NotFound(f"No body with id {body_id}.")
    ensure_plan_visible(caller, body.plan_id, "body", body_id)
    return body


def valid_membership(membership_id: uuid.UUID, session: SessionDep, caller: Caller) -> Membership:
    """The membership in the path, or 404."""
    membership = repository.get_membership(session, membership_id)
    if membership is None:
        raise NotFound(f"No membership with id {membership_id}.")
    ensure_plan_visible(caller, membership.body.plan_id, "membership", membership_id)
    return membership


PlanDep = Annotated[Plan, Depends(valid_plan)]
BodyDep = Annotated[Body, Depends(valid_body)]
MembershipDep = Annotated[Membership, Depends(valid_membership)]
