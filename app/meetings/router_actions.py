"""HTTP routes for follow-ups (actions), and their lists under a body and a contact."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, NotFound, responses
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, PageParams, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, Principal, ReaderKey
from app.directory.router_contacts import ContactDep
from app.governance.access import ensure_plan_visible
from app.governance.models import Body
from app.governance.schemas import QueryDate
from app.meetings import actions, repository
from app.meetings.dependencies import BodyDep, JsonKey
from app.meetings.enums import ActionStatus
from app.meetings.models import Action
from app.meetings.schemas import ActionCreate, ActionRead, ActionUpdate

router = APIRouter(prefix="/api/v1", tags=["actions"], route_class=PlannedRoute)


@dataclass
class ActionCtx:
    """A follow-up and its body."""

    action: Action
    body: Body


async def valid_action(action_id: uuid.UUID, session: SessionDep, key: JsonKey) -> ActionCtx:
    """The follow-up in the path, or 404 (also for another plan's, to a limited key)."""
    found = await repository.get_action(session, action_id)
    if found is None:
        raise NotFound(f"No action with id {action_id}.")
    ensure_plan_visible(key, found[1].plan_id, "action", action_id)
    return ActionCtx(*found)


ActionDep = Annotated[ActionCtx, Depends(valid_action)]
DueFrom = Annotated[QueryDate | None, Query(description="Due on or after this day.")]
DueTo = Annotated[QueryDate | None, Query(description="Due on or before this day.")]


def _location(action: Action) -> str:
    return f"/api/v1/actions/{action.id}"


async def _list(
    request: Request,
    session: SessionDep,
    key: Principal,
    page: PageParams,
    fields: Fields,
    **filters: object,
) -> Response:
    stmt = repository.actions_query(key, page, **filters)  # type: ignore[arg-type]
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, [ActionRead.model_validate(a) for a in rows], total, page, fields)


@router.get(
    "/actions",
    operation_id="list_actions",
    response_model=page_model(ActionRead),
    responses=responses(*READ_ERRORS),
)
async def list_actions(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(ActionRead))],
    plan_id: uuid.UUID | None = None,
    body_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status: ActionStatus | None = None,
    due_from: DueFrom = None,
    due_to: DueTo = None,
) -> Response:
    """Every follow-up the key may see, by due date (undated last); filter by plan, body,
    owner, status and due date (`status=open&due_to=<yesterday>`: the overdue ones)."""
    return await _list(
        request,
        session,
        key,
        page,
        fields,
        plan_id=plan_id,
        body_id=body_id,
        owner_id=owner_id,
        status=status,
        due_from=due_from,
        due_to=due_to,
    )


@router.post(
    "/actions",
    operation_id="create_action",
    status_code=201,
    response_model=ActionRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_action(
    request: Request, session: SessionDep, key: EditorKey, body: ActionCreate
) -> Response:
    """Record a follow-up of a body: owner (a contact), due date, and optionally where it came
    from (a meeting, an agenda item or a decision of that body)."""
    action = await actions.create(session, key, body)
    return resource_response(
        request, ActionRead.model_validate(action), status_code=201, location=_location(action)
    )


@router.get(
    "/actions/{action_id}",
    operation_id="get_action",
    response_model=read_model(ActionRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_action(
    request: Request,
    _key: ReaderKey,
    ctx: ActionDep,
    fields: Annotated[Fields, Depends(select_fields(ActionRead))],
) -> Response:
    """One follow-up."""
    return resource_response(request, ActionRead.model_validate(ctx.action), fields=fields)


@router.patch(
    "/actions/{action_id}",
    operation_id="update_action",
    response_model=ActionRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_action(
    request: Request, session: SessionDep, key: EditorKey, ctx: ActionDep, body: ActionUpdate
) -> Response:
    """Change a follow-up; `status` done or dropped closes it (`closed_at`)."""
    await check_if_match(
        request, session, ctx.action, lambda: ActionRead.model_validate(ctx.action)
    )
    await actions.update(session, key, ctx.action, ctx.body, body)
    return resource_response(request, ActionRead.model_validate(ctx.action))


@router.delete(
    "/actions/{action_id}",
    operation_id="delete_action",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_action(
    request: Request, session: SessionDep, key: EditorKey, ctx: ActionDep
) -> Response:
    """Delete a follow-up recorded by mistake (to keep its record, set status dropped)."""
    await check_if_match(
        request, session, ctx.action, lambda: ActionRead.model_validate(ctx.action)
    )
    await actions.delete(session, key, ctx.action, ctx.body)
    return Response(status_code=204)


@router.get(
    "/bodies/{body_id}/actions",
    operation_id="list_body_actions",
    response_model=page_model(ActionRead),
    responses=responses(*READ_ERRORS, 404),
)
async def list_body_actions(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    body: BodyDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(ActionRead))],
    status: ActionStatus | None = None,
    owner_id: uuid.UUID | None = None,
    due_from: DueFrom = None,
    due_to: DueTo = None,
) -> Response:
    """The body's follow-ups by due date (undated last); filter by status, owner, due date."""
    return await _list(
        request,
        session,
        key,
        page,
        fields,
        body_id=body.id,
        owner_id=owner_id,
        status=status,
        due_from=due_from,
        due_to=due_to,
    )


@router.get(
    "/contacts/{contact_id}/actions",
    operation_id="list_contact_actions",
    response_model=page_model(ActionRead),
    responses=responses(*READ_ERRORS, 404),
)
async def list_contact_actions(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    contact: ContactDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(ActionRead))],
    status: ActionStatus | None = None,
    body_id: uuid.UUID | None = None,
    due_from: DueFrom = None,
    due_to: DueTo = None,
) -> Response:
    """The follow-ups a contact owns (in the plans the key sees), by due date; filter by
    status, body, due date."""
    return await _list(
        request,
        session,
        key,
        page,
        fields,
        owner_id=contact.id,
        body_id=body_id,
        status=status,
        due_from=due_from,
        due_to=due_to,
    )
