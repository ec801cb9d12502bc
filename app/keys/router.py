"""HTTP routes for API keys (admin only; a plan-limited admin manages keys of its plans)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.core.db import SessionDep
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Conflict,
    NotFound,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import AdminKey
from app.keys import service
from app.keys.models import ApiKey
from app.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(prefix="/api/v1/api-keys", tags=["api-keys"], route_class=PlannedRoute)


async def valid_key(key_id: uuid.UUID, session: SessionDep, admin: AdminKey) -> ApiKey:
    """The active key in the path, or 404 (also when it lies outside the caller's plans)."""
    key = await service.get_manageable_key(session, admin, key_id)
    if key is None:
        raise NotFound(f"No active API key with id {key_id}.")
    return key


KeyDep = Annotated[ApiKey, Depends(valid_key)]


@router.get(
    "",
    operation_id="list_api_keys",
    response_model=page_model(ApiKeyRead),
    responses=responses(*READ_ERRORS),
)
async def list_api_keys(
    request: Request,
    session: SessionDep,
    admin: AdminKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(ApiKeyRead))],
    include_revoked: bool = False,
) -> Response:
    """List the keys the caller may manage (never their secrets), oldest first.

    A plan-limited admin sees only keys limited to some of its own plans."""
    stmt = await service.keys_query(session, page, include_revoked, admin)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, [ApiKeyRead.model_validate(k) for k in rows], total, page, fields)


@router.post(
    "",
    operation_id="create_api_key",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=responses(*WRITE_ERRORS),
)
async def create_api_key(
    request: Request, session: SessionDep, admin: AdminKey, body: ApiKeyCreate
) -> Response:
    """Create a key; its secret is in `secret`, shown only in this response.

    Names are unique (409). A plan-limited admin may create only keys whose `plan_ids` is a
    non-empty subset of its own; no key may be given a role above the caller's (403)."""
    key, secret = await service.create_key_for(session, admin, body.name, body.role, body.plan_ids)
    payload = ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(key).model_dump(), "secret": secret}
    )
    return resource_response(
        request,
        payload,
        status_code=201,
        location=f"/api/v1/api-keys/{key.id}",
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/{key_id}",
    operation_id="get_api_key",
    response_model=read_model(ApiKeyRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_api_key(
    request: Request,
    _admin: AdminKey,
    key: KeyDep,
    fields: Annotated[Fields, Depends(select_fields(ApiKeyRead))],
) -> Response:
    """One active key the caller may manage, without its secret."""
    return resource_response(request, ApiKeyRead.model_validate(key), fields=fields)


@router.delete(
    "/{key_id}",
    operation_id="revoke_api_key",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def revoke_api_key(request: Request, admin: AdminKey, key: KeyDep) -> Response:
    """Revoke a key; it stops working at once. A key cannot revoke itself (no lock-out)."""
    if key.id == admin.key_id:
        raise Conflict("A key cannot revoke itself; revoke it with another admin key.")
    service.revoke(key)
    request.app.state.key_cache.forget(key.id)  # at once on this worker; others within ttl
    return Response(status_code=204)
