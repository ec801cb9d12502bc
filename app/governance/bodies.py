"""Body rules: one active board per plan (DESIGN §2 rule 2), reporting lines without cycles
(rule 3) and the default meeting rotation."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import utcnow
from app.core.errors import RuleViolation, Unprocessable
from app.core.schemas import fold
from app.core.security import Principal
from app.core.writes import apply_changes, delete_or_conflict
from app.governance import repository
from app.governance.enums import BodyKind
from app.governance.models import Body
from app.governance.schemas import BodyCreate, BodyUpdate
from app.meetings.enums import MeetingMode

RESOURCE = "body"


def default_rotation(kind: str) -> list[str]:
    """A board reviews the plan; other bodies hold regular meetings."""
    if kind == BodyKind.board:
        return [MeetingMode.plan_review.value]
    return [MeetingMode.regular.value]


async def _check_single_board(session: AsyncSession, body: Body) -> None:
    if body.kind != BodyKind.board or not body.active:
        return
    other = await repository.other_active_board(session, body.plan_id, body.id)
    if other is not None:
        raise RuleViolation(
            rule="single-board",
            detail="The plan already has an active board; a plan has one clear leadership.",
            existing_board_id=str(other),
        )


async def _check_reports_to(
    session: AsyncSession, body: Body, reports_to_id: uuid.UUID | None
) -> None:
    if reports_to_id is None:
        return
    loc = ["body", "reports_to_id"]
    if reports_to_id == body.id:
        raise Unprocessable(loc, "A body cannot report to itself.")
    parent = await repository.get_body(session, reports_to_id)
    if parent is None or parent.plan_id != body.plan_id:
        raise Unprocessable(loc, "reports_to_id refers to no body of the same plan.")
    parents = await repository.body_parent_map(session, body.plan_id)
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = reports_to_id
    while current is not None and current not in seen:
        if current == body.id:
            raise Unprocessable(loc, "reports_to_id would make a cycle of reporting lines.")
        seen.add(current)
        current = parents.get(current)


async def create(session: AsyncSession, actor: Principal, data: BodyCreate) -> Body:
    """Create a body."""
    plan = await repository.get_plan(session, data.plan_id)
    if plan is None or not actor.sees_plan(plan.id):
        raise Unprocessable(["body", "plan_id"], "plan_id refers to no plan.")
    rotation = data.meeting_rotation or default_rotation(data.kind)
    body = Body(
        id=uuid.uuid4(),
        plan_id=data.plan_id,
        kind=data.kind.value,
        name=data.name,
        name_folded=fold(data.name),
        mandate=data.mandate,
        decision_authority=data.decision_authority,
        reports_to_id=data.reports_to_id,
        meeting_rotation=[str(mode) for mode in rotation],
        agenda_format=data.agenda_format.value,
        active=data.active,
    )
    await _check_reports_to(session, body, data.reports_to_id)
    await _check_single_board(session, body)
    session.add(body)
    await session.flush()
    await changes.record(
        session, actor, RESOURCE, body.id, "created", BodyCreate.model_fields, plan.id
    )
    return body


async def update(session: AsyncSession, actor: Principal, body: Body, data: BodyUpdate) -> Body:
    """Apply a partial update."""
    sent = data.model_fields_set
    if "reports_to_id" in sent:
        await _check_reports_to(session, body, data.reports_to_id)
    changed = []
    if "meeting_rotation" in sent:
        rotation = [str(mode) for mode in data.meeting_rotation]
        if rotation != body.meeting_rotation:
            body.meeting_rotation = rotation
            # the new rotation holds from now: meetings before no longer count in it
            body.rotation_since = utcnow()
            changed += ["meeting_rotation", "rotation_since"]
    changed += apply_changes(body, data, skip={"meeting_rotation"})
    if "name" in changed:
        body.name_folded = fold(body.name)
    await _check_single_board(session, body)
    body.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, body.id, "updated", changed, body.plan_id)
    return body


async def delete(session: AsyncSession, actor: Principal, body: Body) -> None:
    """Delete a body nothing refers to; otherwise 409 (deactivate it instead)."""
    await delete_or_conflict(
        session,
        body,
        "The body is referenced (by memberships, meetings, decisions or bodies reporting to "
        "it) and cannot be deleted; set active: false instead.",
    )
    await changes.record(session, actor, RESOURCE, body.id, "deleted", plan_id=body.plan_id)
