"""Meeting series (DESIGN §2 rule 8): local wall-clock time in Europe/Copenhagen across DST."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import LOCAL_TZ
from app.core.errors import Unprocessable
from app.core.schemas import MAX_YEAR
from app.core.security import Principal
from app.governance.models import Body
from app.meetings import meetings, rotation
from app.meetings.models import Meeting
from app.meetings.schemas import MeetingCreate, SeriesCreate


def occurrences(first: datetime, count: int, interval_weeks: int) -> list[datetime]:
    """`count` starts `interval_weeks` apart at the same local wall-clock time, in UTC."""
    local = first.astimezone(LOCAL_TZ).replace(tzinfo=None)
    out = []
    for index in range(count):
        wall = local + timedelta(weeks=index * interval_weeks)
        out.append(wall.replace(tzinfo=LOCAL_TZ).astimezone(UTC))
    return out


def _merge(all_changes: list[rotation.RotationChange]) -> list[rotation.RotationChange]:
    merged: dict[uuid.UUID, rotation.RotationChange] = {}
    for change in all_changes:
        first = merged.get(change.meeting_id)
        if first is None:
            merged[change.meeting_id] = change
        else:
            merged[change.meeting_id] = rotation.RotationChange(
                change.meeting_id,
                first.from_mode,
                change.to_mode,
                change.mode_override_reason or first.mode_override_reason,
            )
    return [c for c in merged.values() if c.from_mode != c.to_mode or c.mode_override_reason]


async def create_series(
    session: AsyncSession, actor: Principal, body: Body, data: SeriesCreate
) -> tuple[list[Meeting], list[rotation.RotationChange]]:
    """Create the meetings one by one through the meeting rules, modes from the rotation."""
    starts = occurrences(data.first_starts_at, data.count, data.interval_weeks)
    if (starts[-1] + timedelta(minutes=data.duration_minutes)).year > MAX_YEAR:
        raise Unprocessable(["body", "count"], f"the series would run past the year {MAX_YEAR}.")
    created: list[Meeting] = []
    all_changes: list[rotation.RotationChange] = []
    for start in starts:
        written = await meetings.create(
            session,
            actor,
            MeetingCreate(
                body_id=body.id,
                title=data.title,
                starts_at=start,
                ends_at=start + timedelta(minutes=data.duration_minutes),
                location=data.location,
            ),
        )
        created.append(written.meeting)
        all_changes.extend(written.rotation_changes)
    return created, _merge(all_changes)
