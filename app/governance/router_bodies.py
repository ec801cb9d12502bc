"""HTTP routes for bodies and their memberships."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, responses
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, etag_of, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, ReaderKey
from app.governance import bodies, memberships, repository
from app.governance.dependencies import BodyDep, BodyEditDep
from app.governance.enums import BodyKind, MemberRole
from app.governance.models import Body
from app.governance.schemas import (
    BodyCreate,
    BodyRead,
    BodyUpdate,
    BodyWritten,
    MembershipCreate,
    MembershipRead,
    QueryDate,
)
from app.meetings import meetings
from app.meetings.router_meetings import DryRun, changes_read

router = APIRouter(prefix="/api/v1/bodies", tags=["bodies"], route_class=PlannedRoute)


def _location(body: Body) -> str:
    return f"/api/v1/bodies/{body.id}"


@router.get(
    "",
    operation_id="list_bodies",
    response_model=page_model(BodyRead),
    responses=responses(*READ_ERRORS),
)
async def list_bodies(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(BodyRead))],
    plan_id: uuid.UUID | None = None,
    kind: BodyKind | None = None,
    active: bool | None = None,
) -> Response:
    """List bodies by name (a key limited to some plans sees only theirs)."""
    stmt = repository.bodies_query(page, key, plan_id=plan_id, kind=kind, active=active)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, [BodyRead.model_validate(r) for r in rows], total, page, fields)


@router.post(
    "",
    operation_id="create_body",
    status_code=201,
    response_model=BodyRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_body(
    request: Request, session: SessionDep, key: EditorKey, body: BodyCreate
) -> Response:
    """Create a body; at most one active board per plan (409, rule `single-board`)."""
    created = await bodies.create(session, key, body)
    return resource_response(
        request, BodyRead.model_validate(created), status_code=201, location=_location(created)
    )


@router.get(
    "/{body_id}",
    operation_id="get_body",
    response_model=read_model(BodyRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_body(
    request: Request,
    _key: ReaderKey,
    body: BodyDep,
    fields: Annotated[Fields, Depends(select_fields(BodyRead))],
) -> Response:
    """One body."""
    return resource_response(request, BodyRead.model_validate(body), fields=fields)


@router.patch(
    "/{body_id}",
    operation_id="update_body",
    response_model=BodyWritten,
    responses=responses(*WRITE_ERRORS),
)
async def update_body(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    body: BodyEditDep,
    changes: BodyUpdate,
    dry_run: DryRun = False,
) -> Response:
    """Change a body (deactivate it with `active: false`). A new `meeting_rotation` holds from
    now: the body's meetings from now on re-flow (`rotation_changes`); with `dry_run=true`
    the answer shows what would change, and nothing changes."""
    await check_if_match(request, session, body, lambda: BodyRead.model_validate(body))
    if dry_run:
        async with meetings.rolled_back(session):
            return await _update_body(request, session, key, body, changes, preview=True)
    return await _update_body(request, session, key, body, changes, preview=False)


async def _update_body(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    body: Body,
    changes: BodyUpdate,
    *,
    preview: bool,
) -> Response:
    before = list(body.meeting_rotation or [])
    await bodies.update(session, key, body, changes)
    moved = []
    if list(body.meeting_rotation or []) != before:
        moved = await meetings.rotation_changed(session, key, body)
    read = BodyRead.model_validate(body)
    answer = BodyWritten(**read.model_dump(), rotation_changes=changes_read(moved))
    if preview:
        return Response(answer.model_dump_json(), media_type="application/json")
    return resource_response(
        request, answer, headers={"ETag": etag_of(read.model_dump_json().encode())}
    )


@router.delete(
    "/{body_id}",
    operation_id="delete_body",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_body(
    request: Request, session: SessionDep, key: EditorKey, body: BodyEditDep
) -> Response:
    """Delete a body that nothing refers to."""
    await check_if_match(request, session, body, lambda: BodyRead.model_validate(body))
    await bodies.delete(session, key, body)
    return Response(status_code=204)


@router.get(
    "/{body_id}/memberships",
    operation_id="list_body_memberships",
    response_model=page_model(MembershipRead),
    responses=responses(400, 401, 403, 404, 422),
)
async def list_body_memberships(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    body: BodyDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(MembershipRead))],
    active_on: Annotated[
        QueryDate | None, Query(description="Only memberships holding on this day.")
    ] = None,
    role: MemberRole | None = None,
) -> Response:
    """A body's memberships by start date (undated first); `active_on` keeps those holding
    on that day."""
    stmt = repository.memberships_query(page, body_id=body.id, active_on=active_on, role=role)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(
        request, [MembershipRead.model_validate(r) for r in rows], total, page, fields
    )


@router.post(
    "/{body_id}/memberships",
    operation_id="create_membership",
    status_code=201,
    response_model=MembershipRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_membership(
    request: Request, session: SessionDep, key: EditorKey, body: BodyEditDep, data: MembershipCreate
) -> Response:
    """Give a contact a seat in the body."""
    membership = await memberships.create(session, key, body, data)
    return resource_response(
        request,
        MembershipRead.model_validate(membership),
        status_code=201,
        location=f"/api/v1/memberships/{membership.id}",
    )
