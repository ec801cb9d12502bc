"""Path resources of the meetings routes: loaded, checked against the key's plans, or 404."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.security import Principal, authenticated, feed_principal
from app.governance.access import ensure_plan_visible
from app.governance.models import Body, Plan
from app.meetings import repository
from app.meetings.models import AgendaItem, Decision, Meeting


@dataclass
class MeetingCtx:
    """A meeting and its body."""

    meeting: Meeting
    body: Body


@dataclass
class ItemCtx:
    """An agenda item, its meeting and the meeting's body."""

    item: AgendaItem
    meeting: Meeting
    body: Body


@dataclass
class DecisionCtx:
    """A decision and its body."""

    decision: Decision
    body: Body


JsonKey = Annotated[Principal, Depends(authenticated)]
FeedPrincipal = Annotated[Principal, Depends(feed_principal)]


async def _meeting(session: SessionDep, meeting_id: uuid.UUID, key: Principal) -> MeetingCtx:
    found = await repository.get_meeting(session, meeting_id)
    if found is None:
        raise NotFound(f"No meeting with id {meeting_id}.")
    ensure_plan_visible(key, found[1].plan_id, "meeting", meeting_id)
    return MeetingCtx(*found)


async def valid_meeting(meeting_id: uuid.UUID, session: SessionDep, key: JsonKey) -> MeetingCtx:
    """The meeting in the path, or 404."""
    return await _meeting(session, meeting_id, key)


async def feed_meeting(
    meeting_id: uuid.UUID, session: SessionDep, key: FeedPrincipal
) -> MeetingCtx:
    """The meeting in a feed's path, or 404."""
    return await _meeting(session, meeting_id, key)


async def _body(session: SessionDep, body_id: uuid.UUID, key: Principal) -> Body:
    body = await repository.get_body(session, body_id)
    if body is None:
        raise NotFound(f"No body with id {body_id}.")
    ensure_plan_visible(key, body.plan_id, "body", body_id)
    return body


async def valid_body(body_id: uuid.UUID, session: SessionDep, key: JsonKey) -> Body:
    """The body in the path, or 404."""
    return await _body(session, body_id, key)


async def feed_body(body_id: uuid.UUID, session: SessionDep, key: FeedPrincipal) -> Body:
    """The body in a feed's path, or 404."""
    return await _body(session, body_id, key)


async def feed_plan(plan_id: uuid.UUID, session: SessionDep, key: FeedPrincipal) -> Plan:
    """The plan in a feed's path, or 404."""
    plan = await repository.get_plan(session, plan_id)
    if plan is None:
        raise NotFound(f"No plan with id {plan_id}.")
    ensure_plan_visible(key, plan.id, "plan", plan_id)
    return plan


async def valid_item(item_id: uuid.UUID, session: SessionDep, key: JsonKey) -> ItemCtx:
    """The agenda item in the path, or 404."""
    found = await repository.get_agenda_item(session, item_id)
    if found is None:
        raise NotFound(f"No agenda item with id {item_id}.")
    ensure_plan_visible(key, found[2].plan_id, "agenda item", item_id)
    return ItemCtx(*found)


async def valid_decision(decision_id: uuid.UUID, session: SessionDep, key: JsonKey) -> DecisionCtx:
    """The decision in the path, or 404."""
    found = await repository.get_decision(session, decision_id)
    if found is None:
        raise NotFound(f"No decision with id {decision_id}.")
    ensure_plan_visible(key, found[1].plan_id, "decision", decision_id)
    return DecisionCtx(*found)


MeetingDep = Annotated[MeetingCtx, Depends(valid_meeting)]
FeedMeetingDep = Annotated[MeetingCtx, Depends(feed_meeting)]
BodyDep = Annotated[Body, Depends(valid_body)]
FeedBodyDep = Annotated[Body, Depends(feed_body)]
FeedPlanDep = Annotated[Plan, Depends(feed_plan)]
ItemDep = Annotated[ItemCtx, Depends(valid_item)]
DecisionDep = Annotated[DecisionCtx, Depends(valid_decision)]
