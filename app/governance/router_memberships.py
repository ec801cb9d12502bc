"""HTTP routes for single memberships."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, WRITE_ERRORS, responses
from app.core.fields import Fields, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, ReaderKey
from app.governance import memberships
from app.governance.dependencies import MembershipDep, MembershipEditDep
from app.governance.schemas import MembershipRead, MembershipUpdate

router = APIRouter(prefix="/api/v1/memberships", tags=["memberships"], route_class=PlannedRoute)


@router.get(
    "/{membership_id}",
    operation_id="get_membership",
    response_model=read_model(MembershipRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_membership(
    request: Request,
    _key: ReaderKey,
    membership: MembershipDep,
    fields: Annotated[Fields, Depends(select_fields(MembershipRead))],
) -> Response:
    """One membership."""
    return resource_response(request, MembershipRead.model_validate(membership), fields=fields)


@router.patch(
    "/{membership_id}",
    operation_id="update_membership",
    response_model=MembershipRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_membership(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    membership: MembershipEditDep,
    body: MembershipUpdate,
) -> Response:
    """Change a membership (end it with `end_date`)."""
    await check_if_match(
        request, session, membership, lambda: MembershipRead.model_validate(membership)
    )
    await memberships.update(session, key, membership, body)
    return resource_response(request, MembershipRead.model_validate(membership))


@router.delete(
    "/{membership_id}",
    operation_id="delete_membership",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_membership(
    request: Request, session: SessionDep, key: EditorKey, membership: MembershipEditDep
) -> Response:
    """Delete a membership (to keep its history, set `end_date` instead)."""
    await check_if_match(
        request, session, membership, lambda: MembershipRead.model_validate(membership)
    )
    await memberships.delete(session, key, membership)
    return Response(status_code=204)
