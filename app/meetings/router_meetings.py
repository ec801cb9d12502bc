"""HTTP routes for meetings, and the meeting routes under a body."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, etag_of, resource_response
from app.core.pagination import PageDep, PageParams, fetch_page, page_response
from app.core.schemas import Instant
from app.core.security import EditorKey, Principal, ReaderKey
from app.meetings import meetings, repository, rotation, series
from app.meetings.calendar import window
from app.meetings.dependencies import BodyDep, MeetingDep
from app.meetings.enums import MeetingMode, MeetingStatus
from app.meetings.models import Meeting
from app.meetings.schemas import (
    Bound,
    DecisionRead,
    MeetingCreate,
    MeetingRead,
    MeetingUpdate,
    MeetingWritten,
    NextMode,
    RotationChangeRead,
    SeriesCreate,
    SeriesCreated,
)

router = APIRouter(prefix="/api/v1", tags=["meetings"])


def location_of(meeting: Meeting) -> str:
    """The meeting's URL."""
    return f"/api/v1/meetings/{meeting.id}"


def changes_read(result: list[rotation.RotationChange]) -> list[RotationChangeRead]:
    """Rotation changes as the API shows them."""
    return [
        RotationChangeRead(
            meeting_id=c.meeting_id,
            from_mode=MeetingMode(c.from_mode),
            to_mode=MeetingMode(c.to_mode),
            mode_override_reason=c.mode_override_reason,
        )
        for c in result
    ]


def written_response(
    request: Request, written: meetings.Written, status_code: int = 200
) -> Response:
    """The meeting plus `rotation_changes`; the ETag is the meeting's own (as GET gives it)."""
    read = MeetingRead.model_validate(written.meeting)
    body = MeetingWritten(
        **read.model_dump(), rotation_changes=changes_read(written.rotation_changes)
    )
    return resource_response(
        request,
        body,
        status_code=status_code,
        location=location_of(written.meeting) if status_code == 201 else None,
        headers={"ETag": etag_of(read.model_dump_json().encode())},
    )


async def _list(
    request: Request,
    session: SessionDep,
    key: Principal,
    page: PageParams,
    *,
    body_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    mode: MeetingMode | None,
    status: MeetingStatus | None,
    start: date | datetime | None,
    end: date | datetime | None,
    fields: Fields,
) -> Response:
    lower, upper = window(start, end)
    stmt = repository.meetings_query(
        key,
        page,
        body_id=body_id,
        plan_id=plan_id,
        mode=mode,
        status=status,
        starts_from=lower if start is not None else None,
        starts_before=upper if end is not None else None,
    )
    rows, total = await repository.meetings_page(session, stmt, page)
    return page_response(
        request, [MeetingRead.model_validate(m) for m in rows], total, page, fields
    )


FromQuery = Annotated[
    Bound | None,
    Query(alias="from", description="Meetings starting at or after (a date: that whole day)."),
]
ToQuery = Annotated[
    Bound | None,
    Query(alias="to", description="Meetings starting before (a date: up to that day's end)."),
]


@router.get(
    "/meetings",
    operation_id="list_meetings",
    response_model=page_model(MeetingRead),
    responses=responses(*READ_ERRORS),
)
async def list_meetings(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(MeetingRead))],
    body_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    mode: MeetingMode | None = None,
    status: MeetingStatus | None = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """List meetings by start time; filter by body, plan, mode, status and time."""
    return await _list(
        request,
        session,
        key,
        page,
        body_id=body_id,
        plan_id=plan_id,
        mode=mode,
        status=status,
        start=start,
        end=end,
        fields=fields,
    )


@router.post(
    "/meetings",
    operation_id="create_meeting",
    status_code=201,
    response_model=MeetingWritten,
    responses=responses(*WRITE_ERRORS),
)
async def create_meeting(
    request: Request, session: SessionDep, key: EditorKey, body: MeetingCreate
) -> Response:
    """Create a meeting. Its mode must be the one the body's rotation expects at its place
    (409, rule `mode-rotation`, with `expected_mode`) unless `mode_override_reason` is set;
    later planned meetings re-flow (`rotation_changes`)."""
    written = await meetings.create(session, key, body)
    return written_response(request, written, status_code=201)


@router.get(
    "/meetings/{meeting_id:uuid}",
    operation_id="get_meeting",
    response_model=read_model(MeetingRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_meeting(
    request: Request,
    _key: ReaderKey,
    ctx: MeetingDep,
    fields: Annotated[Fields, Depends(select_fields(MeetingRead))],
) -> Response:
    """One meeting."""
    return resource_response(request, MeetingRead.model_validate(ctx.meeting), fields=fields)


@router.patch(
    "/meetings/{meeting_id:uuid}",
    operation_id="update_meeting",
    response_model=MeetingWritten,
    responses=responses(*WRITE_ERRORS),
)
async def update_meeting(
    request: Request, session: SessionDep, key: EditorKey, ctx: MeetingDep, body: MeetingUpdate
) -> Response:
    """Change a meeting. Status moves: planned → invited → held → minutes_approved,
    planned → held, planned or invited → cancelled (else 409). Moving it, changing its mode
    or cancelling it re-flows the rotation (`rotation_changes`)."""
    await check_if_match(
        request, session, ctx.meeting, lambda: MeetingRead.model_validate(ctx.meeting)
    )
    written = await meetings.update(session, key, ctx.meeting, ctx.body, body)
    return written_response(request, written)


@router.delete(
    "/meetings/{meeting_id:uuid}",
    operation_id="delete_meeting",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_meeting(
    request: Request, session: SessionDep, key: EditorKey, ctx: MeetingDep
) -> Response:
    """Delete a meeting (and its agenda) at which no decision was recorded; later meetings
    re-flow. To keep the record, cancel it instead."""
    await check_if_match(
        request, session, ctx.meeting, lambda: MeetingRead.model_validate(ctx.meeting)
    )
    await meetings.delete(session, key, ctx.meeting, ctx.body)
    return Response(status_code=204)


@router.get(
    "/bodies/{body_id}/meetings",
    operation_id="list_body_meetings",
    response_model=page_model(MeetingRead),
    responses=responses(*READ_ERRORS, 404),
)
async def list_body_meetings(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    body: BodyDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(MeetingRead))],
    mode: MeetingMode | None = None,
    status: MeetingStatus | None = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The body's meetings by start time."""
    return await _list(
        request,
        session,
        key,
        page,
        body_id=body.id,
        plan_id=None,
        mode=mode,
        status=status,
        start=start,
        end=end,
        fields=fields,
    )


@router.get(
    "/bodies/{body_id}/next-mode",
    operation_id="get_next_mode",
    response_model=read_model(NextMode),
    responses=responses(*READ_ERRORS, 304, 404),
)
async def get_next_mode(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    body: BodyDep,
    at: Annotated[Instant, Query(description="When the new meeting would start.")],
    fields: Annotated[Fields, Depends(select_fields(NextMode))],
) -> Response:
    """The mode the body's rotation expects for a new meeting starting at `at`."""
    mode, free, modes, previous = await meetings.expected_mode(session, body, at)
    answer = NextMode(
        mode=MeetingMode(mode),
        free_choice=free,
        rotation=[MeetingMode(m) for m in modes if m in MeetingMode.__members__],
        previous_meeting_id=previous,
    )
    return resource_response(request, answer, fields=fields)


@router.post(
    "/bodies/{body_id}/meeting-series",
    operation_id="create_meeting_series",
    status_code=201,
    response_model=SeriesCreated,
    responses=responses(*WRITE_ERRORS),
)
async def create_meeting_series(
    session: SessionDep, key: EditorKey, body: BodyDep, data: SeriesCreate
) -> SeriesCreated:
    """Schedule `count` meetings `interval_weeks` apart at the same local time
    (Europe/Copenhagen, across DST), modes following the rotation."""
    created, changed = await series.create_series(session, key, body, data)
    return SeriesCreated(
        items=[MeetingRead.model_validate(m) for m in created],
        rotation_changes=changes_read(changed),
    )


@router.get(
    "/bodies/{body_id}/inbox",
    operation_id="get_body_inbox",
    response_model=page_model(DecisionRead),
    responses=responses(*READ_ERRORS, 404),
)
async def get_body_inbox(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    body: BodyDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(DecisionRead))],
) -> Response:
    """Decisions of the bodies below that wait for a meeting of this body: routine ones to be
    reported and escalated ones to be decided, not yet on an open or held meeting of it."""
    rows, total = await fetch_page(session, repository.inbox_query(page, body.id), page)
    return page_response(
        request, [DecisionRead.model_validate(d) for d in rows], total, page, fields
    )
