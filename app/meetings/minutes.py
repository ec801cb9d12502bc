"""Minutes (DESIGN §2 rule 4's meeting cycle, issue 11 point 4).

A meeting's record is its `minutes` (text) and an `outcome` per agenda item. They are a
draft while the meeting is `held`; approving them (status `minutes_approved`) locks the
meeting: its fields, its agenda items (outcomes included) and the decisions made at it refuse
every change with 409, rule `minutes-locked`. The next meeting's draft carries the standing
item "Godkendelse af referat" pointing back to it (`app/meetings/drafts.py`).

Every write path that touches a meeting, an agenda item or a decision calls one of the checks
here before it changes anything.
"""

import uuid

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.errors import RuleViolation
from app.meetings import repository
from app.meetings.enums import MeetingStatus
from app.meetings.models import Decision, Meeting

RULE = "minutes-locked"


def locked(status: str) -> bool:
    """Whether a meeting with this status is locked by its approved minutes."""
    return status == MeetingStatus.minutes_approved


def refusal(meeting_id: uuid.UUID, what: str = "The meeting") -> RuleViolation:
    """The 409 a write to a locked meeting's record gets."""
    return RuleViolation(
        RULE,
        f"{what} belongs to the record of meeting {meeting_id}, whose minutes are approved; "
        "an approved record does not change.",
        meeting_id=str(meeting_id),
    )


def check_unlocked(meeting: Meeting, what: str = "The meeting") -> None:
    """409 `minutes-locked` when the meeting's minutes are approved."""
    if locked(meeting.status):
        raise refusal(meeting.id, what)


async def ensure_unlocked(
    session: AsyncSession, meeting: Meeting, what: str = "The meeting"
) -> None:
    """Lock the meeting's row, re-read it, then `check_unlocked`: a write waits for an
    approval being committed and then sees it (PostgreSQL `FOR UPDATE`; SQLite writers hold
    the database's lock already). Take it before the body's lock (`lock_body`): one order."""
    await session.flush()  # a re-read must not drop changes still pending in the session
    # FOR NO KEY UPDATE: writers of the meeting wait, while a flow item inserted on it by a
    # writer holding the body's lock (it only key-shares the row) does not — with FOR UPDATE
    # the two deadlocked over the change log's lock
    columns = [attr.key for attr in sa_inspect(meeting).mapper.column_attrs]
    await session.refresh(meeting, attribute_names=columns, with_for_update={"key_share": True})
    check_unlocked(meeting, what)


async def check_meetings_unlocked(
    session: AsyncSession, meeting_ids: set[uuid.UUID | None], what: str
) -> None:
    """409 `minutes-locked` when any of the meetings (by id; None ignored) is locked."""
    wanted = {m for m in meeting_ids if m is not None}
    for meeting_id, status in sorted((await repository.meeting_statuses(session, wanted)).items()):
        if locked(status):
            raise refusal(meeting_id, what)


async def check_decision_unlocked(session: AsyncSession, decision: Decision) -> None:
    """409 `minutes-locked` when the decision was made at (or under an item of) a meeting
    whose minutes are approved."""
    ids: set[uuid.UUID | None] = {decision.meeting_id}
    if decision.agenda_item_id is not None:
        ids.add(await repository.meeting_of_item(session, decision.agenda_item_id))
    await check_meetings_unlocked(session, ids, "The decision")


def approve(meeting: Meeting) -> None:
    """Stamp the approval (the status move itself is the caller's)."""
    meeting.minutes_approved_at = utcnow()
