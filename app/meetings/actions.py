"""Follow-ups (opfølgningspunkter, issue 11 point 5).

An action belongs to a body and may name its origin: a meeting of that body, an agenda item
on one of its meetings, a decision of it (each optional; 422 naming the field when it refers
to nothing of the body). Its owner is a contact. It is `open` until `done` or `dropped`
(`closed_at` then says when). Every open meeting's "Opfølgning" item lists the body's open
actions and is kept current on every write here (`drafts.refresh_follow_up`); the governance
check warns about open actions past their due date (`action-overdue`).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import utcnow
from app.core.errors import Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes
from app.governance.models import Body
from app.meetings import drafts, repository
from app.meetings.enums import ActionStatus
from app.meetings.meetings import body_for_write
from app.meetings.models import Action
from app.meetings.schemas import ActionCreate, ActionUpdate

RESOURCE = "action"


async def _check_refs(
    session: AsyncSession,
    body: Body,
    *,
    owner_id: uuid.UUID | None,
    meeting_id: uuid.UUID | None,
    agenda_item_id: uuid.UUID | None,
    decision_id: uuid.UUID | None,
) -> None:
    if owner_id is not None and not await repository.contact_ids_existing(session, {owner_id}):
        raise Unprocessable(["body", "owner_id"], "owner_id refers to no contact.")
    if meeting_id is not None:
        found = await repository.get_meeting(session, meeting_id)
        if found is None or found[0].body_id != body.id:
            raise Unprocessable(
                ["body", "meeting_id"], "meeting_id refers to no meeting of the body."
            )
    if agenda_item_id is not None:
        item = await repository.get_agenda_item(session, agenda_item_id)
        if (
            item is None
            or item[2].id != body.id
            or (meeting_id is not None and item[1].id != meeting_id)
        ):
            raise Unprocessable(
                ["body", "agenda_item_id"],
                "agenda_item_id refers to no agenda item of the body's meeting.",
            )
    if decision_id is not None:
        decision = await repository.get_decision(session, decision_id)
        if decision is None or decision[1].id != body.id:
            raise Unprocessable(
                ["body", "decision_id"], "decision_id refers to no decision of the body."
            )


def _closed(action: Action) -> None:
    action.closed_at = None if action.status == ActionStatus.open else utcnow()


async def create(session: AsyncSession, actor: Principal, data: ActionCreate) -> Action:
    """Record a follow-up."""
    body = await body_for_write(session, actor, data.body_id)
    await _check_refs(
        session,
        body,
        owner_id=data.owner_id,
        meeting_id=data.meeting_id,
        agenda_item_id=data.agenda_item_id,
        decision_id=data.decision_id,
    )
    action = Action(id=uuid.uuid4(), **data.model_dump())
    _closed(action)
    session.add(action)
    await session.flush()
    await changes.record(
        session,
        actor,
        RESOURCE,
        action.id,
        "created",
        data.model_fields_set | {"status"},
        body.plan_id,
    )
    await drafts.refresh_follow_up(session, actor, body.id, body.plan_id)
    return action


async def update(
    session: AsyncSession, actor: Principal, action: Action, body: Body, data: ActionUpdate
) -> Action:
    """Change a follow-up; done or dropped closes it, open reopens it."""
    sent = data.model_fields_set
    await _check_refs(
        session,
        body,
        owner_id=data.owner_id if "owner_id" in sent else action.owner_id,
        meeting_id=data.meeting_id if "meeting_id" in sent else action.meeting_id,
        agenda_item_id=data.agenda_item_id if "agenda_item_id" in sent else action.agenda_item_id,
        decision_id=data.decision_id if "decision_id" in sent else action.decision_id,
    )
    changed = apply_changes(action, data)
    if "status" in changed:
        _closed(action)
        changed.append("closed_at")
    action.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, action.id, "updated", changed, body.plan_id)
    await drafts.refresh_follow_up(session, actor, body.id, body.plan_id)
    return action


async def delete(session: AsyncSession, actor: Principal, action: Action, body: Body) -> None:
    """Delete a follow-up (recorded by mistake; a dropped one keeps its record)."""
    await session.delete(action)
    await session.flush()
    await changes.record(session, actor, RESOURCE, action.id, "deleted", (), body.plan_id)
    await drafts.refresh_follow_up(session, actor, body.id, body.plan_id)
