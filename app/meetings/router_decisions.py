"""HTTP routes for decisions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, NotFound, responses
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, PublicKey
from app.meetings import decisions, repository
from app.meetings.dependencies import DecisionDep
from app.meetings.enums import DecisionImpact, DecisionStatus
from app.meetings.schemas import DecisionCreate, DecisionRead, DecisionUpdate

router = APIRouter(prefix="/api/v1/decisions", tags=["decisions"], route_class=PlannedRoute)


@router.get(
    "",
    operation_id="list_decisions",
    response_model=page_model(DecisionRead),
    responses=responses(*READ_ERRORS),
)
async def list_decisions(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(DecisionRead))],
    body_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    meeting_id: Annotated[
        uuid.UUID | None, Query(description="Decisions made at this meeting.")
    ] = None,
    status: DecisionStatus | None = None,
    impact: DecisionImpact | None = None,
    ids: Annotated[
        list[uuid.UUID] | None,
        Query(
            max_length=200,
            description="Only these decisions (repeat the parameter: ?ids=…&ids=…), e.g. an "
            "agenda item's source_decision_ids.",
        ),
    ] = None,
) -> Response:
    """List decisions by `decided_at`; filter by body, plan, meeting, status, impact, ids (a
    public key: those made on public agenda items)."""
    stmt = repository.decisions_query(
        key,
        page,
        body_id=body_id,
        plan_id=plan_id,
        meeting_id=meeting_id,
        status=status,
        impact=impact,
        ids=ids,
    )
    rows, total = await fetch_page(session, stmt, page)
    return page_response(
        request, [DecisionRead.model_validate(d) for d in rows], total, page, fields
    )


@router.post(
    "",
    operation_id="create_decision",
    status_code=201,
    response_model=DecisionRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_decision(
    request: Request, session: SessionDep, key: EditorKey, body: DecisionCreate
) -> Response:
    """Record a decision. In a body that reports to another, a routine decision is `decided`
    and reported on the parent's next open meeting; a major one is `escalated` there (or
    waits in the parent's inbox). `origin_decision_id` resolves an escalated decision."""
    decision = await decisions.create(session, key, body)
    return resource_response(
        request,
        DecisionRead.model_validate(decision),
        status_code=201,
        location=f"/api/v1/decisions/{decision.id}",
    )


@router.get(
    "/{decision_id}",
    operation_id="get_decision",
    response_model=read_model(DecisionRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_decision(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    ctx: DecisionDep,
    fields: Annotated[Fields, Depends(select_fields(DecisionRead))],
) -> Response:
    """One decision (a public key: one made on a public agenda item, else 404)."""
    if key.is_public and not await repository.decision_is_public(session, ctx.decision):
        raise NotFound(f"No decision with id {ctx.decision.id}.")
    return resource_response(request, DecisionRead.model_validate(ctx.decision), fields=fields)


@router.patch(
    "/{decision_id}",
    operation_id="update_decision",
    response_model=DecisionRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_decision(
    request: Request, session: SessionDep, key: EditorKey, ctx: DecisionDep, body: DecisionUpdate
) -> Response:
    """Correct a decision while it is not yet reported or resolved (else 409, rule
    `decision-final`): title, text, focus area, time; a new `impact` re-routes it (routine
    into the report item, major into its own escalation item); `status: withdrawn` takes it
    off every agenda item not yet held (an emptied report item goes away)."""
    await decisions.lock_flow(session, ctx.decision, ctx.body)
    await check_if_match(
        request, session, ctx.decision, lambda: DecisionRead.model_validate(ctx.decision)
    )
    await decisions.update(session, key, ctx.decision, ctx.body, body)
    return resource_response(request, DecisionRead.model_validate(ctx.decision))


@router.delete(
    "/{decision_id}",
    operation_id="delete_decision",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_decision(
    request: Request, session: SessionDep, key: EditorKey, ctx: DecisionDep
) -> Response:
    """Remove a decision entered by mistake: withdrawn from every agenda item that carries
    it, then deleted. 409 when it is final (rule `decision-final`) or a held meeting already
    had it (rule `decision-on-record`: withdraw it with PATCH instead)."""
    await decisions.lock_flow(session, ctx.decision, ctx.body)
    await check_if_match(
        request, session, ctx.decision, lambda: DecisionRead.model_validate(ctx.decision)
    )
    await decisions.delete(session, key, ctx.decision, ctx.body)
    return Response(status_code=204)
