"""Decision records: references checked, then the flow of rule 4 (app/meetings/flow.py);
corrections and withdrawal while a decision is not final (rule 10: 409 `decision-final`)."""

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import lock_for_write, utcnow
from app.core.errors import Conflict, RuleViolation, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes
from app.governance.models import Body
from app.meetings import flow, minutes, repository
from app.meetings.agenda import check_focus_area
from app.meetings.enums import HELD_STATUSES, DecisionStatus
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
    await minutes.check_meetings_unlocked(
        session,
        {data.meeting_id}
        | (
            {await repository.meeting_of_item(session, data.agenda_item_id)}
            if data.agenda_item_id
            else set()
        ),
        "The decision",
    )
    origin = (
        await _origin(session, body, data.origin_decision_id) if data.origin_decision_id else None
    )
    # the body is locked (body_for_write); its parent, and the body that escalated a matter
    # this resolves, before anything is written
    await lock_bodies(session, [origin.body_id if origin else None, body.id, body.reports_to_id])
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
        reported_down=False if origin is not None else None,
    )
    session.add(decision)
    await session.flush()
    await changes.record(
        session,
        actor,
        RESOURCE,
        decision.id,
        "created",
        data.model_fields_set
        | {"status", "impact", "decided_at", "reported"}
        | ({"reported_down"} if origin is not None else set()),
        body.plan_id,
    )
    starts = meeting.starts_at if meeting else None
    if origin is not None:
        await flow.resolve(session, actor, origin, decision, body.plan_id)
        await flow.route_down(session, actor, decision, body, origin, body.plan_id, starts, now)
    await flow.route(session, actor, decision, body, body.plan_id, starts, now)
    await session.flush()
    return decision


def check_correctable(decision: Decision) -> None:
    """Rule 10: a reported, resolved, told-down or withdrawn decision is final (409)."""
    if flow.is_final(decision):
        raise RuleViolation(
            "decision-final",
            f"The decision is {_final_state(decision)}: it is part of the record and can no "
            "longer be corrected or withdrawn; record a new decision instead.",
        )


def _final_state(decision: Decision) -> str:
    if decision.status in (DecisionStatus.resolved, DecisionStatus.withdrawn):
        return str(decision.status)
    return "reported" if decision.reported else "reported back down"


async def lock_flow(session: AsyncSession, decision: Decision, body: Body) -> None:
    """Serialise a correction with the flow: the bodies whose agendas it may change first
    (`lock_bodies`), then the decision's row, re-read as committed. The route calls it
    before `check_if_match` (same order)."""
    origin_body = None
    if decision.origin_decision_id is not None:
        found = await repository.get_decision(session, decision.origin_decision_id)
        origin_body = found[0].body_id if found is not None else None
    await lock_bodies(session, [origin_body, body.id, body.reports_to_id])
    await lock_for_write(session, decision)


async def lock_bodies(session: AsyncSession, body_ids: list[uuid.UUID | None]) -> None:
    """Lock bodies child before parent — the one order every flow write takes them in, and
    all before the first change-log entry (whose lock comes last) — so writers wait, never
    deadlock."""
    for body_id in dict.fromkeys(b for b in body_ids if b is not None):
        await repository.lock_body(session, body_id)


async def update(
    session: AsyncSession, actor: Principal, decision: Decision, body: Body, data: DecisionUpdate
) -> Decision:
    """Correct a decision (rule 10): a new impact re-routes it, `status: withdrawn` withdraws
    it, a new title or text shows on the items that carry it."""
    await lock_flow(session, decision, body)
    await minutes.check_decision_unlocked(session, decision)
    check_correctable(decision)
    sent = data.model_fields_set
    if "focus_area" in sent and data.focus_area is not None:
        check_focus_area(await repository.get_plan(session, body.plan_id), data.focus_area)
    changed = apply_changes(decision, data, skip={"status", "impact"})
    rerouted = "impact" in sent and data.impact != decision.impact
    if rerouted:
        decision.impact = data.impact
        changed.append("impact")
    withdrawing = "status" in sent
    if withdrawing:
        decision.status = DecisionStatus.withdrawn
        changed.append("status")
    elif rerouted and body.reports_to_id is not None:
        status, reported = flow.initial_state(body, decision.impact)
        decision.status, decision.reported = status, reported
        changed += ["status", "reported"]
    decision.touch()
    await session.flush()
    await changes.record(
        session, actor, RESOURCE, decision.id, "updated", sorted(set(changed)), body.plan_id
    )
    if withdrawing:
        await _take_off(session, actor, decision, body)
    elif rerouted and body.reports_to_id is not None:
        await _reroute(session, actor, decision, body)
    elif {"title", "text"} & set(changed):
        for item, _meeting in await repository.items_carrying(
            session, [decision.id], flow.NOT_HELD
        ):
            await flow.refresh(session, actor, item, body.plan_id)
    await session.flush()
    return decision


async def _reroute(session: AsyncSession, actor: Principal, decision: Decision, body: Body) -> None:
    # out of the items that brought it up as the old kind, then up again as the new kind
    await flow.detach(session, actor, [decision.id], body.plan_id, on_body=body.reports_to_id)
    await session.flush()
    starts = await repository.meeting_starts(
        session, [decision.meeting_id] if decision.meeting_id else []
    )
    await flow.route(
        session,
        actor,
        decision,
        body,
        body.plan_id,
        starts.get(decision.meeting_id) if decision.meeting_id else None,
    )


async def _take_off(
    session: AsyncSession, actor: Principal, decision: Decision, body: Body
) -> None:
    """A withdrawn decision leaves every agenda item not yet held; a withdrawn resolution
    re-opens the escalation it resolved, which flows up again."""
    await flow.detach(session, actor, [decision.id], body.plan_id)
    if decision.origin_decision_id is None:
        return
    found = await repository.get_decision(session, decision.origin_decision_id)
    if found is None or found[0].status != DecisionStatus.resolved:
        return
    origin, origin_body = found
    origin.status = DecisionStatus.escalated
    origin.touch()
    await changes.record(session, actor, RESOURCE, origin.id, "updated", ["status"], body.plan_id)
    await session.flush()
    if await repository.placed_on_open(session, [origin.id], body.id):
        return  # the item it was resolved under is still on an upcoming agenda
    starts = await repository.meeting_starts(
        session, [origin.meeting_id] if origin.meeting_id else []
    )
    await flow.route(
        session,
        actor,
        origin,
        origin_body,
        body.plan_id,
        starts.get(origin.meeting_id) if origin.meeting_id else None,
    )


async def delete(session: AsyncSession, actor: Principal, decision: Decision, body: Body) -> None:
    """Withdraw and remove a decision entered by mistake (rule 10). One that a held meeting
    already had before it (a postponed item) stays on record: withdraw it instead (409)."""
    await lock_flow(session, decision, body)
    await minutes.check_decision_unlocked(session, decision)
    check_correctable(decision)
    if await repository.items_carrying(session, [decision.id], HELD_STATUSES):
        raise RuleViolation(
            "decision-on-record",
            "A held meeting had this decision on its agenda; it stays on record. "
            "Withdraw it instead (PATCH status withdrawn).",
        )
    await _take_off(session, actor, decision, body)
    try:
        async with session.begin_nested():
            await session.delete(decision)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Something refers to this decision (a follow-up action, or a decision that "
            "resolves it); withdraw it instead (PATCH status withdrawn)."
        ) from exc
    await changes.record(session, actor, RESOURCE, decision.id, "deleted", (), body.plan_id)
