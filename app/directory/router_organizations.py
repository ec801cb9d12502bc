"""HTTP routes for organizations."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    NotFound,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, PublicKey
from app.directory import organizations, repository
from app.directory.models import Organization
from app.directory.schemas import (
    SEARCH_DESCRIPTION,
    OrganizationCreate,
    OrganizationKind,
    OrganizationRead,
    OrganizationUpdate,
    SearchQuery,
)

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"], route_class=PlannedRoute)


async def valid_organization(org_id: uuid.UUID, session: SessionDep) -> Organization:
    """The organization in the path, or 404."""
    org = await repository.get_organization(session, org_id)
    if org is None:
        raise NotFound(f"No organization with id {org_id}.")
    return org


OrganizationDep = Annotated[Organization, Depends(valid_organization)]


def _location(org: Organization) -> str:
    return f"/api/v1/organizations/{org.id}"


@router.get(
    "",
    operation_id="list_organizations",
    response_model=page_model(OrganizationRead),
    responses=responses(*READ_ERRORS),
)
async def list_organizations(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(OrganizationRead))],
    kind: OrganizationKind | None = None,
    q: Annotated[
        SearchQuery | None,
        Query(
            max_length=200,
            description="Searches the name, e-mail, phone (digits, with or without +45) and "
            "CVR number. " + SEARCH_DESCRIPTION,
        ),
    ] = None,
    parent_id: uuid.UUID | None = None,
    include_archived: Annotated[
        bool, Query(description="Also archived organizations (never for a public key).")
    ] = False,
) -> Response:
    """List organizations in Danish order of their names (Aa as Å, after Ø); archived ones
    only with `include_archived=true`."""
    stmt = repository.organizations_query(
        page,
        kind=kind,
        q=q,
        parent_id=parent_id,
        include_archived=include_archived and not key.is_public,
    )
    rows, total = await fetch_page(session, stmt, page)
    return page_response(
        request, [OrganizationRead.model_validate(o) for o in rows], total, page, fields
    )


@router.post(
    "",
    operation_id="create_organization",
    status_code=201,
    response_model=OrganizationRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_organization(
    request: Request, session: SessionDep, key: EditorKey, body: OrganizationCreate
) -> Response:
    """Create an organization."""
    org = await organizations.create(session, key, body)
    return resource_response(
        request, OrganizationRead.model_validate(org), status_code=201, location=_location(org)
    )


@router.get(
    "/{org_id}",
    operation_id="get_organization",
    response_model=read_model(OrganizationRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_organization(
    request: Request,
    key: PublicKey,
    org: OrganizationDep,
    fields: Annotated[Fields, Depends(select_fields(OrganizationRead))],
) -> Response:
    """One organization (not an archived one for a public key: 404)."""
    if key.is_public and org.archived:
        raise NotFound(f"No organization with id {org.id}.")
    return resource_response(request, OrganizationRead.model_validate(org), fields=fields)


@router.patch(
    "/{org_id}",
    operation_id="update_organization",
    response_model=OrganizationRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_organization(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    org: OrganizationDep,
    body: OrganizationUpdate,
) -> Response:
    """Change an organization (archive it with `archived: true`)."""
    await check_if_match(request, session, org, lambda: OrganizationRead.model_validate(org))
    await organizations.update(session, key, org, body)
    return resource_response(request, OrganizationRead.model_validate(org))


@router.delete(
    "/{org_id}",
    operation_id="delete_organization",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_organization(
    request: Request, session: SessionDep, key: EditorKey, org: OrganizationDep
) -> Response:
    """Delete an organization that nothing refers to."""
    await check_if_match(request, session, org, lambda: OrganizationRead.model_validate(org))
    await organizations.delete(session, key, org)
    return Response(status_code=204)
