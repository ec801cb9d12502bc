"""Meeting rules: times, status moves, attendees, mode rotation and the flow it triggers.

Meetings as they really move (issue 11 point 7; DESIGN §2 rule 1):
- a cancelled meeting can be reopened (`cancelled → planned`); it takes the mode its place
  expects (or, with a drafted agenda, keeps its mode with an automatic override) and the
  meetings after it re-flow;
- moving a meeting with only `starts_at` keeps its duration;
- changing a body's `meeting_rotation` re-flows its meetings from that moment on
  (`rotation_changed`); meetings before it no longer count (`Body.rotation_since`);
- a re-flow never changes the mode of a meeting whose agenda has items (`rotation.reflow`,
  `drafted`);
- every write that re-flows can be previewed (`?dry_run=true`, `rolled_back`).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import utcnow
from app.core.errors import Conflict, RuleViolation, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes
from app.governance.models import Body
from app.meetings import drafts, flow, minutes, repository, rotation
from app.meetings.enums import STATUS_MOVES, MeetingMode, MeetingStatus
from app.meetings.models import Meeting, MeetingAttendee
from app.meetings.schemas import MeetingCreate, MeetingUpdate

RESOURCE = "meeting"

# fields a calendar shows: a change to one of them is a new SEQUENCE
CALENDAR_FIELDS = frozenset(
    {"title", "mode", "starts_at", "ends_at", "location", "online_url", "status"}
)


@dataclass
class Written:
    """A meeting as written, and what the write did to the body's other meetings."""

    meeting: Meeting
    rotation_changes: list[rotation.RotationChange]


async def body_for_write(session: AsyncSession, actor: Principal, body_id: uuid.UUID) -> Body:
    """The body a write names, or 422 (other plans' bodies do not exist for a limited key)."""
    body = await repository.get_body(session, body_id)
    if body is None or not actor.sees_plan(body.plan_id):
        raise Unprocessable(["body", "body_id"], "body_id refers to no body.")
    await repository.lock_body(session, body.id)
    return body


async def _check_attendees(session: AsyncSession, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    unique = list(dict.fromkeys(ids))
    missing = set(unique) - await repository.contact_ids_existing(session, set(unique))
    if missing:
        raise Unprocessable(
            ["body", "attendee_ids"],
            f"attendee_ids refers to no contact: {sorted(map(str, missing))[0]}",
        )
    return unique


@asynccontextmanager
async def rolled_back(session: AsyncSession) -> AsyncIterator[None]:
    """A preview (`?dry_run=true`): the write runs in a savepoint that is always rolled back,
    so the answer is exactly what the write would do, and nothing (change log included)
    stays. Build the response inside the block: objects written in it expire afterwards."""
    savepoint = await session.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            await savepoint.rollback()


def _slot(meeting: Meeting) -> rotation.Slot:
    return rotation.Slot(
        meeting.id, meeting.starts_at, meeting.mode, meeting.status, meeting.mode_override_reason
    )


def slots(body: Body, meetings: list[Meeting]) -> list[rotation.Slot]:
    """The body's meetings that count under its current rotation, as slots."""
    return rotation.current([_slot(m) for m in meetings], body.rotation_since)


async def _refused(session: AsyncSession, meetings: list[Meeting]) -> dict[uuid.UUID, str]:
    # rule 5: a planned meeting with items outside the plan cannot become a plan review
    planned = [m.id for m in meetings if m.status == MeetingStatus.planned]
    outside = await repository.meetings_with_items_outside_plan(session, planned)
    return dict.fromkeys(outside, MeetingMode.plan_review)


async def _drafted(session: AsyncSession, meetings: list[Meeting]) -> set[uuid.UUID]:
    # a planned meeting with agenda items keeps its mode (its agenda was drafted for it)
    planned = [m.id for m in meetings if m.status == MeetingStatus.planned]
    return await repository.meetings_with_items(session, planned)


def _rotation_refusal(expected: str | None, mode: str) -> RuleViolation:
    return RuleViolation(
        "mode-rotation",
        f"The body's rotation expects a {expected} meeting here, not {mode}; "
        "set mode_override_reason to keep another mode.",
        expected_mode=expected,
    )


async def apply_rotation_changes(
    session: AsyncSession,
    actor: Principal,
    body: Body,
    meetings: dict[uuid.UUID, Meeting],
    result: list[rotation.RotationChange],
) -> None:
    """Write a re-flow's changes, each in the change log."""
    for change in result:
        meeting = meetings[change.meeting_id]
        if change.mode_override_reason is not None:
            meeting.mode_override_reason = change.mode_override_reason
            fields = ["mode_override_reason"]
        else:
            meeting.mode = change.to_mode
            fields = ["mode", "sequence"]
        meeting.bump()
        await changes.record(session, actor, RESOURCE, meeting.id, "updated", fields, body.plan_id)


async def _reflow(
    session: AsyncSession,
    body: Body,
    others: list[Meeting],
    subject: rotation.Slot | None,
    after: rotation.Key | None,
) -> rotation.Reflow:
    modes = rotation.effective_rotation(body.meeting_rotation, body.kind)
    walked = [_slot(m) for m in others]
    if subject is not None:
        walked.append(subject)
    return rotation.reflow(
        modes,
        rotation.current(walked, body.rotation_since),
        after=after,
        subject=subject.id if subject is not None else None,
        refused=await _refused(session, others),
        drafted=await _drafted(session, others),
    )


async def expected_mode(
    session: AsyncSession, body: Body, at: datetime
) -> tuple[str, bool, list[str], uuid.UUID | None]:
    """The mode a new meeting at `at` must have: (mode, free choice, rotation, predecessor)."""
    modes = rotation.effective_rotation(body.meeting_rotation, body.kind)
    counted = slots(body, await repository.body_meetings(session, body.id))
    key = (at, uuid.UUID(int=0))
    before = [s for s in counted if s.key < key and s.counts]
    mode = rotation.expected_at(modes, counted, key)
    if mode is None:
        return modes[0], True, modes, None
    return mode, False, modes, before[-1].id


async def create(session: AsyncSession, actor: Principal, data: MeetingCreate) -> Written:
    """Create a meeting: its mode must fit the rotation (or be overridden); re-flow after it."""
    body = await body_for_write(session, actor, data.body_id)
    attendees = await _check_attendees(session, data.attendee_ids)
    others = await repository.body_meetings(session, body.id)
    meeting = Meeting(
        id=uuid.uuid4(),
        body_id=body.id,
        title=data.title or body.name,
        mode_override_reason=data.mode_override_reason,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        location=data.location,
        online_url=data.online_url,
        status=data.status,
        minutes=data.minutes,
        sequence=0,
        attendee_links=[MeetingAttendee(contact_id=c) for c in attendees],
        minutes_approved_at=utcnow() if minutes.locked(data.status) else None,
    )
    subject = rotation.Slot(
        meeting.id, data.starts_at, data.mode, data.status, data.mode_override_reason
    )
    result = rotation.Reflow()
    if subject.counts:
        result = await _reflow(session, body, others, subject, subject.key)
        if not result.subject_fits:
            raise _rotation_refusal(result.subject_expected, str(data.mode))
        meeting.mode = result.subject_mode or str(data.mode)
    else:
        modes = rotation.effective_rotation(body.meeting_rotation, body.kind)
        expected = rotation.expected_at(modes, slots(body, others), subject.key)
        meeting.mode = data.mode or expected or modes[0]
    session.add(meeting)
    await session.flush()
    await changes.record(
        session,
        actor,
        RESOURCE,
        meeting.id,
        "created",
        data.model_fields_set | {"title", "mode", "status"},
        body.plan_id,
    )
    await apply_rotation_changes(session, actor, body, {m.id: m for m in others}, result.changes)
    await session.flush()
    await flow.place_waiting(session, actor, body)
    await drafts.repoint_minutes(session, actor, body.id, body.plan_id)
    return Written(meeting, result.changes)


def _check_status_move(current: str, new: str) -> None:
    if new != current and new not in STATUS_MOVES[current]:
        raise Conflict(
            f"A meeting cannot go from {current} to {new}; allowed from {current}: "
            f"{', '.join(sorted(STATUS_MOVES[current])) or 'nothing'}."
        )


def _ends_at(meeting: Meeting, data: MeetingUpdate, starts_at: datetime) -> datetime:
    # a move with only starts_at keeps the meeting's duration
    sent = data.model_fields_set
    if "ends_at" in sent:
        return data.ends_at
    if "starts_at" in sent:
        return starts_at + (meeting.ends_at - meeting.starts_at)
    return meeting.ends_at


async def update(
    session: AsyncSession, actor: Principal, meeting: Meeting, body: Body, data: MeetingUpdate
) -> Written:
    """Apply a partial update: status moves, moves in time, mode changes, re-flow and flow."""
    sent = data.model_fields_set
    if sent:
        # the meeting's row first, then the body's (the order every write here keeps)
        await minutes.ensure_unlocked(session, meeting)
    await repository.lock_body(session, body.id)
    old_status = meeting.status
    old_key = (meeting.starts_at, meeting.id)
    new_status = data.status if "status" in sent else meeting.status
    _check_status_move(meeting.status, new_status)
    reopened = old_status == MeetingStatus.cancelled and new_status == MeetingStatus.planned
    starts_at = data.starts_at if "starts_at" in sent else meeting.starts_at
    ends_at = _ends_at(meeting, data, starts_at)
    if not starts_at < ends_at:
        loc = "starts_at" if "starts_at" in sent else "ends_at"
        raise Unprocessable(["body", loc], "starts_at must be before ends_at.")
    mode = data.mode if "mode" in sent else meeting.mode
    override = (
        data.mode_override_reason
        if "mode_override_reason" in sent
        else meeting.mode_override_reason
    )
    if (
        mode == MeetingMode.plan_review
        and mode != meeting.mode
        and await repository.meetings_with_items_outside_plan(session, [meeting.id])
    ):
        raise RuleViolation(
            "scope",
            "The agenda has items outside the plan (within_plan false); "
            "a plan_review meeting refuses them.",
        )
    if "attendee_ids" in sent:
        attendees = await _check_attendees(session, data.attendee_ids)
    result = rotation.Reflow()
    moved_or_remoded = (
        starts_at != meeting.starts_at
        or mode != meeting.mode
        or override != meeting.mode_override_reason
    )
    cancelled = new_status != old_status and new_status == MeetingStatus.cancelled
    others: list[Meeting] = []
    reopen_mode: str | None = None
    reopen_override: str | None = None
    if moved_or_remoded or cancelled or reopened:
        others = [m for m in await repository.body_meetings(session, body.id) if m.id != meeting.id]
        # a reopened meeting with an empty agenda takes the mode its place expects
        free = reopened and "mode" not in sent and override is None
        has_agenda = free and bool(await repository.meetings_with_items(session, [meeting.id]))
        subject = rotation.Slot(
            meeting.id, starts_at, None if free and not has_agenda else mode, new_status, override
        )
        after = min(old_key, subject.key)
        result = await _reflow(session, body, others, subject, after)
        if subject.counts and moved_or_remoded and not result.subject_fits:
            raise _rotation_refusal(result.subject_expected, str(mode))
        if free and not has_agenda and result.subject_mode is not None:
            reopen_mode = result.subject_mode
        elif has_agenda and not result.subject_fits:
            # its agenda was drafted for its mode: it keeps it, outside the rotation
            reopen_override = rotation.AUTO_OVERRIDE_AGENDA
            subject = rotation.Slot(meeting.id, starts_at, mode, new_status, reopen_override)
            result = await _reflow(session, body, others, subject, after)
    changed = apply_changes(meeting, data, skip={"attendee_ids", "ends_at"})
    if ends_at != meeting.ends_at:
        meeting.ends_at = ends_at
        changed.append("ends_at")
    if reopen_mode is not None and reopen_mode != meeting.mode:
        meeting.mode = reopen_mode
        changed.append("mode")
    if reopen_override is not None:
        meeting.mode_override_reason = reopen_override
        changed.append("mode_override_reason")
    if new_status != old_status and minutes.locked(new_status):
        minutes.approve(meeting)
        changed.append("minutes_approved_at")
    if "attendee_ids" in sent and attendees != meeting.attendee_ids:
        meeting.attendee_links = [MeetingAttendee(contact_id=c) for c in attendees]
        changed.append("attendee_ids")
    if CALENDAR_FIELDS & set(changed):
        meeting.bump()
        changed.append("sequence")
    else:
        meeting.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, meeting.id, "updated", changed, body.plan_id)
    if result.changes:
        await apply_rotation_changes(
            session, actor, body, {m.id: m for m in others}, result.changes
        )
        await session.flush()
    if new_status != old_status:
        if new_status == MeetingStatus.held:
            await flow.meeting_held(session, actor, meeting, body.plan_id)
        elif new_status == MeetingStatus.cancelled:
            await flow.send_back(session, actor, meeting, body.plan_id)
    if "starts_at" in changed or new_status != old_status:
        await session.flush()
        if "starts_at" in changed:
            await flow.meeting_moved(session, actor, meeting, body)
        await flow.place_waiting(session, actor, body)
    if "starts_at" in changed or cancelled or reopened:
        await drafts.repoint_minutes(session, actor, body.id, body.plan_id)
    return Written(meeting, result.changes)


async def rotation_changed(
    session: AsyncSession, actor: Principal, body: Body
) -> list[rotation.RotationChange]:
    """The body's rotation changed (its `rotation_since` is set): re-flow its meetings from
    then on. Planned meetings with an empty agenda take the new modes; the others keep theirs,
    with an automatic override where they no longer fit."""
    await repository.lock_body(session, body.id)
    meetings = await repository.body_meetings(session, body.id)
    result = await _reflow(session, body, meetings, None, None)
    await apply_rotation_changes(session, actor, body, {m.id: m for m in meetings}, result.changes)
    await session.flush()
    return result.changes


async def delete(session: AsyncSession, actor: Principal, meeting: Meeting, body: Body) -> Written:
    """Delete a meeting no decision was recorded at; its agenda goes with it; re-flow."""
    await minutes.ensure_unlocked(session, meeting)
    await repository.lock_body(session, body.id)
    await flow.send_back(session, actor, meeting, body.plan_id)
    items = await repository.agenda(session, meeting.id)
    try:
        async with session.begin_nested():
            for item in items:
                await session.delete(item)
            await session.delete(meeting)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "Decisions were recorded at this meeting or under its agenda items; "
            "cancel the meeting instead (status: cancelled)."
        ) from exc
    for item in items:
        await changes.record(session, actor, "agenda_item", item.id, "deleted", (), body.plan_id)
    await changes.record(session, actor, RESOURCE, meeting.id, "deleted", (), body.plan_id)
    others = await repository.body_meetings(session, body.id)
    result = await _reflow(session, body, others, None, (meeting.starts_at, meeting.id))
    await apply_rotation_changes(session, actor, body, {m.id: m for m in others}, result.changes)
    await session.flush()
    await flow.place_waiting(session, actor, body)
    await drafts.repoint_minutes(session, actor, body.id, body.plan_id)
    return Written(meeting, result.changes)
