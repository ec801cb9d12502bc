"""HTTP routes for plans, their structure and their governance check."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, responses
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, ReaderKey
from app.governance import check, check_texts, plans, repository, structure
from app.governance.dependencies import PlanDep, PlanEditDep
from app.governance.enums import PlanStatus
from app.governance.models import Plan
from app.governance.schemas import (
    GovernanceCheck,
    PlanCreate,
    PlanRead,
    PlanStructure,
    PlanUpdate,
)

router = APIRouter(prefix="/api/v1/plans", tags=["plans"], route_class=PlannedRoute)


def _location(plan: Plan) -> str:
    return f"/api/v1/plans/{plan.id}"


@router.get(
    "",
    operation_id="list_plans",
    response_model=page_model(PlanRead),
    responses=responses(*READ_ERRORS),
)
async def list_plans(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(PlanRead))],
    status: PlanStatus | None = None,
    municipality_id: uuid.UUID | None = None,
) -> Response:
    """List plans by name (a key limited to some plans sees only those)."""
    stmt = repository.plans_query(page, key, status=status, municipality_id=municipality_id)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, [PlanRead.model_validate(r) for r in rows], total, page, fields)


@router.post(
    "",
    operation_id="create_plan",
    status_code=201,
    response_model=PlanRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_plan(
    request: Request, session: SessionDep, key: EditorKey, body: PlanCreate
) -> Response:
    """Create a plan; without `focus_areas` it gets its funding round's."""
    plan = await plans.create(session, key, body)
    return resource_response(
        request, PlanRead.model_validate(plan), status_code=201, location=_location(plan)
    )


@router.get(
    "/{plan_id}",
    operation_id="get_plan",
    response_model=read_model(PlanRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_plan(
    request: Request,
    _key: ReaderKey,
    plan: PlanDep,
    fields: Annotated[Fields, Depends(select_fields(PlanRead))],
) -> Response:
    """One plan."""
    return resource_response(request, PlanRead.model_validate(plan), fields=fields)


@router.patch(
    "/{plan_id}",
    operation_id="update_plan",
    response_model=PlanRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_plan(
    request: Request, session: SessionDep, key: EditorKey, plan: PlanEditDep, body: PlanUpdate
) -> Response:
    """Change a plan (end it with `status: ended`)."""
    await check_if_match(request, session, plan, lambda: PlanRead.model_validate(plan))
    await plans.update(session, key, plan, body)
    return resource_response(request, PlanRead.model_validate(plan))


@router.delete(
    "/{plan_id}",
    operation_id="delete_plan",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_plan(
    request: Request, session: SessionDep, key: EditorKey, plan: PlanEditDep
) -> Response:
    """Delete a plan that has no bodies."""
    await check_if_match(request, session, plan, lambda: PlanRead.model_validate(plan))
    await plans.delete(session, key, plan)
    return Response(status_code=204)


@router.get(
    "/{plan_id}/structure",
    operation_id="get_plan_structure",
    response_model=read_model(PlanStructure),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_plan_structure(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    plan: PlanDep,
    fields: Annotated[Fields, Depends(select_fields(PlanStructure))],
) -> Response:
    """The whole organisation in one call: active bodies, reporting lines, current members
    and liaisons."""
    return resource_response(request, await structure.build_structure(session, plan), fields=fields)


@router.get(
    "/{plan_id}/governance-check",
    operation_id="get_plan_governance_check",
    response_model=read_model(GovernanceCheck),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_plan_governance_check(
    request: Request,
    session: SessionDep,
    _key: ReaderKey,
    plan: PlanDep,
    fields: Annotated[Fields, Depends(select_fields(GovernanceCheck))],
    accept_language: Annotated[
        str | None,
        Header(
            max_length=200,
            description="da (the default) or en: the language of `message` and `action`.",
        ),
    ] = None,
) -> Response:
    """Check the plan against good practice; findings by severity, then rule, each with a
    `message` (what is wrong) and an `action` (what to do), in Danish unless
    `Accept-Language` prefers English."""
    lang = check_texts.language(accept_language)
    response = resource_response(
        request,
        GovernanceCheck(findings=await check.run_check(session, plan, lang)),
        fields=fields,
        headers={"Content-Language": lang, "Vary": "Accept-Language"},
    )
    return response
