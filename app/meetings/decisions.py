"""Decision records: references checked, then the flow of rule 4 (app/meetings/flow.py)."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import utcnow
from app.core.errors import Conflict, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes
from app.governance.models import Body
from app.meetings import flow, repository
from app.meetings.agenda import check_focus_area
from app.meetings.enums import DecisionStatus
from app.meetings.meetings import body_for_write
from app.meetings.models import Decision, Meeting
from app.meetings.schemas import DecisionCreate, DecisionUpdate

RESOURCE = flow.DECISION


async def _meeting_of(session: AsyncSession, body: Body, meeting_id: uuid.UUID) -> Meeting:
    found = await repository.get_meeting(session, meeting_id)
    if found is None or found[0].body_id != body.id:
        raise Unprocessable(["body", "meeting_id"], "meeting_id refers to no meeting of the body.")
    return found[0]


async def _check_item(
    session: AsyncSession, body: Body, meeting: Meeting | None, item_id: uuid.UUID
) -> None:
    found = await repository.get_agenda_item(session, item_id)
    if (
        found is None
        or found[2].id != body.id
        or (meeting is not None and found[1].id != meeting.id)
    ):
        raise Unprocessable(
            ["body", "agenda_item_id"],
            "agenda_item_id refers to no agenda item of the body's meeting.",
        )


async def _origin(session: AsyncSession, body: Body, origin_id: uuid.UUID) -> Decision:
    found = await repository.get_decision(session, origin_id)
    if found is None or found[1].reports_to_id != body.id or found[0].impact != "major":
        raise Unprocessable(
            ["body", "origin_decision_id"],
            "origin_decision_id refers to no decision escalated to this body.",
        )
    origin = found[0]
    if origin.status != DecisionStatus.escalated:
        raise Conflict("The escalated decision has already been resolved.")
    return origin


async def create(
    session: AsyncSession, actor: Principal, data: DecisionCreate, now: datetime | None = None
) -> Decision:
    """Record a decision and let it flow (rule 4); `now` as in `flow.route`."""
    body = await body_for_write(session, actor, data.body_id)
    meeting = await _meeting_of(session, body, data.meeting_id) if data.meeting_id else None
    if data.agenda_item_id is not None:
        await _check_item(session, body, meeting, data.agenda_item_id)
    origin = (
        await _origin(session, body, data.origin_decision_id) if data.origin_decision_id else None
    )
    if data.focus_area is not None:
        check_focus_area(await repository.get_plan(session, body.plan_id), data.focus_area)
    status, reported = flow.initial_state(body, data.impact)
    decision = Decision(
        id=uuid.uuid4(),
        body_id=body.id,
        meeting_id=data.meeting_id,
        agenda_item_id=data.agenda_item_id,
        title=data.title,
        text=data.text,
        impact=data.impact,
        status=status,
        reported=reported,
        origin_decision_id=data.origin_decision_id,
        focus_area=data.focus_area,
        decided_at=data.decided_at or (meeting.starts_at if meeting else utcnow()),
    )
    session.add(decision)
    await session.flush()
    await changes.record(
        session,
        actor,
        RESOURCE,
        decision.id,
        "created",
        data.model_fields_set | {"status", "impact", "decided_at", "reported"},
        body.plan_id,
    )
    if origin is not None:
        await flow.resolve(session, actor, origin, body.plan_id)
    starts = meeting.starts_at if meeting else None
    await flow.route(session, actor, decision, body, body.plan_id, starts, now)
    await session.flush()
    return decision


async def update(
    session: AsyncSession, actor: Principal, decision: Decision, body: Body, data: DecisionUpdate
) -> Decision:
    """Change a decision's record; its impact and place in the flow stay."""
    if "focus_area" in data.model_fields_set and data.focus_area is not None:
        check_focus_area(await repository.get_plan(session, body.plan_id), data.focus_area)
    changed = apply_changes(decision, data)
    decision.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, decision.id, "updated", changed, body.plan_id)
    return decision
