"""HTTP routes for meetings, and the meeting routes under a body."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep, read_session, session_unless_held
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    NotFound,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, etag_of, resource_response
from app.core.pagination import PageDep, PageParams, json_page_response, page_response
from app.core.planned import PlannedRoute
from app.core.schemas import Instant
from app.core.security import EditorKey, Principal, ReaderKey
from app.meetings import meetings, reads, repository, rotation, series
from app.meetings.calendar import window
from app.meetings.dependencies import BodyDep, MeetingDep, valid_body
from app.meetings.enums import MeetingMode, MeetingStatus
from app.meetings.models import Meeting
from app.meetings.schemas import (
    Bound,
    DecisionRead,
    InboxEntryRead,
    MeetingCreate,
    MeetingRead,
    MeetingUpdate,
    MeetingWritten,
    NextMode,
    RotationChangeRead,
    RotationPreview,
    SeriesCreate,
    SeriesCreated,
)

router = APIRouter(prefix="/api/v1", tags=["meetings"], route_class=PlannedRoute)

DryRun = Annotated[
    bool,
    Query(
        description="true: answer what the write would change (rotation_changes included) "
        "without changing anything."
    ),
]


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
    request: Request, written: meetings.Written, status_code: int = 200, preview: bool = False
) -> Response:
    """The meeting plus `rotation_changes`; the ETag is the meeting's own (as GET gives it).
    A preview (dry run) is 200 without ETag or Location: nothing was written."""
    read = MeetingRead.model_validate(written.meeting)
    body = MeetingWritten(
        **read.model_dump(), rotation_changes=changes_read(written.rotation_changes)
    )
    if preview:
        return Response(body.model_dump_json(), media_type="application/json")
    return resource_response(
        request,
        body,
        status_code=status_code,
        location=location_of(written.meeting) if status_code == 201 else None,
        headers={"ETag": etag_of(read.model_dump_json().encode())},
    )


async def _list(
    request: Request,
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
    body_route: bool = False,
) -> Response:
    """A page of meetings. `body_route`: the body's own list, 404 when the key does not see
    the body (checked in the page's query on PostgreSQL, by `body_to_read` on SQLite)."""
    lower, upper = window(start, end)
    filters = repository.MeetingFilters(
        body_id=body_id,
        plan_id=plan_id,
        mode=mode.value if mode is not None else None,
        status=status.value if status is not None else None,
        starts_from=lower if start is not None else None,
        starts_before=upper if end is not None else None,
        modified_since=page.modified_since,
    )
    shape = repository.meeting_shape(key, filters)
    values = repository.meeting_values(key, filters)
    state = request.app.state
    if state.json_reads:
        async with session_unless_held(request, state.held_reads) as session:
            items, total, found = await reads.page(
                session, state.held_reads, shape, values, page, fields
            )
        if body_route and not found:
            raise NotFound(f"No body with id {body_id}.")
        return json_page_response(request, items, total, page)
    async with read_session(request) as read:
        if body_route and body_id is not None:
            await valid_body(body_id, read, key)
        stmt = repository.meetings_query(shape)
        rows, total = await repository.meetings_page(read, stmt, values, page)
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


@router.get(
    "/bodies/{body_id}/meetings",
    operation_id="list_body_meetings",
    response_model=page_model(MeetingRead),
    responses=responses(*READ_ERRORS, 404),
)
async def list_body_meetings(
    request: Request,
    key: ReaderKey,
    body_id: uuid.UUID,
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
        key,
        page,
        body_id=body_id,
        plan_id=None,
        mode=mode,
        status=status,
        start=start,
        end=end,
        fields=fields,
        body_route=True,
    )


@router.post(
    "/meetings",
    operation_id="create_meeting",
    status_code=201,
    response_model=MeetingWritten,
    responses={
        **responses(*WRITE_ERRORS),
        200: {"model": MeetingWritten, "description": "dry_run=true: what would be created."},
    },
)
async def create_meeting(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    body: MeetingCreate,
    dry_run: DryRun = False,
) -> Response:
    """Create a meeting. Its mode must be the one the body's rotation expects at its place
    (409, rule `mode-rotation`, with `expected_mode`) unless `mode_override_reason` is set;
    later planned meetings re-flow (`rotation_changes`). `dry_run=true`: 200 with the
    meeting as it would be, nothing created."""
    if dry_run:
        async with meetings.rolled_back(session):
            written = await meetings.create(session, key, body)
            return written_response(request, written, preview=True)
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
    request: Request,
    session: SessionDep,
    key: EditorKey,
    ctx: MeetingDep,
    body: MeetingUpdate,
    dry_run: DryRun = False,
) -> Response:
    """Change a meeting. Status moves: planned → invited → held → minutes_approved,
    planned → held, planned or invited → cancelled, cancelled → planned (reopen); else 409.
    Moving it (only `starts_at`: the duration is kept), changing its mode, cancelling or
    reopening it re-flows the rotation (`rotation_changes`). Approved minutes lock the
    meeting (409, rule `minutes-locked`). `dry_run=true`: the answer, nothing changed."""
    await check_if_match(
        request, session, ctx.meeting, lambda: MeetingRead.model_validate(ctx.meeting)
    )
    if dry_run:
        async with meetings.rolled_back(session):
            written = await meetings.update(session, key, ctx.meeting, ctx.body, body)
            return written_response(request, written, preview=True)
    written = await meetings.update(session, key, ctx.meeting, ctx.body, body)
    return written_response(request, written)


@router.delete(
    "/meetings/{meeting_id:uuid}",
    operation_id="delete_meeting",
    status_code=204,
    responses={
        **responses(*WRITE_ERRORS),
        200: {"model": RotationPreview, "description": "dry_run=true: what would change."},
    },
)
async def delete_meeting(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    ctx: MeetingDep,
    dry_run: DryRun = False,
) -> Response:
    """Delete a meeting (and its agenda) at which no decision was recorded; later meetings
    re-flow. To keep the record, cancel it instead. `dry_run=true`: 200 with the
    `rotation_changes` the delete would make, nothing deleted."""
    await check_if_match(
        request, session, ctx.meeting, lambda: MeetingRead.model_validate(ctx.meeting)
    )
    if dry_run:
        async with meetings.rolled_back(session):
            written = await meetings.delete(session, key, ctx.meeting, ctx.body)
            preview = RotationPreview(rotation_changes=changes_read(written.rotation_changes))
            return Response(preview.model_dump_json(), media_type="application/json")
    await meetings.delete(session, key, ctx.meeting, ctx.body)
    return Response(status_code=204)


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
    responses={
        **responses(*WRITE_ERRORS),
        200: {"model": SeriesCreated, "description": "dry_run=true: what would be created."},
    },
)
async def create_meeting_series(
    session: SessionDep,
    key: EditorKey,
    body: BodyDep,
    data: SeriesCreate,
    dry_run: DryRun = False,
) -> Response:
    """Schedule `count` meetings `interval_weeks` apart at the same local time
    (Europe/Copenhagen, across DST), modes following the rotation. `dry_run=true`: 200 with
    the meetings as they would be, nothing created."""
    if dry_run:
        async with meetings.rolled_back(session):
            return _series_response(*await series.create_series(session, key, body, data), 200)
    return _series_response(*await series.create_series(session, key, body, data), 201)


def _series_response(
    created: list[Meeting], changed: list[rotation.RotationChange], status_code: int
) -> Response:
    answer = SeriesCreated(
        items=[MeetingRead.model_validate(m) for m in created],
        rotation_changes=changes_read(changed),
    )
    return Response(
        answer.model_dump_json(), status_code=status_code, media_type="application/json"
    )


@router.get(
    "/bodies/{body_id}/inbox",
    operation_id="get_body_inbox",
    response_model=page_model(InboxEntryRead),
    responses=responses(*READ_ERRORS, 404),
)
async def get_body_inbox(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    body: BodyDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(InboxEntryRead))],
) -> Response:
    """Everything that waits for this body: reports and escalations from the bodies below,
    and resolutions from the body above to be told here — those on no meeting yet
    (`placed_on` null) and those placed on its upcoming meetings (`placed_on`: the meeting)."""
    rows, total = await repository.inbox_page(session, repository.inbox_query(page, body.id), page)
    return page_response(
        request,
        [
            InboxEntryRead.model_validate(
                {**DecisionRead.model_validate(d).model_dump(), "placed_on": placed}
            )
            for d, placed in rows
        ],
        total,
        page,
        fields,
    )
