"""`GET /api/v1/changes`: the change feed, in `seq` order."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

from app.changes.models import Change
from app.core.db import SessionDep
from app.core.errors import READ_ERRORS, Unprocessable, responses
from app.core.fields import Fields, page_model, select_fields
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import ReaderKey

router = APIRouter(prefix="/api/v1", tags=["changes"], route_class=PlannedRoute)

# What the change log records (each domain's RESOURCE); a new kind of resource adds its name
RESOURCES = (
    "action",
    "agenda_item",
    "body",
    "contact",
    "decision",
    "meeting",
    "membership",
    "organization",
    "plan",
    "role_mapping",
    "user",
)


async def resource_kinds(
    resource: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Only entries about these kinds of resource, comma-separated, e.g. "
            "`contact,organization` for a contact sync. Kinds: " + ", ".join(RESOURCES) + ".",
        ),
    ] = None,
) -> list[str] | None:
    """The `?resource=` filter: known kinds only (422 naming the others)."""
    if resource is None:
        return None
    kinds = [kind.strip() for kind in resource.split(",") if kind.strip()]
    unknown = sorted({kind for kind in kinds if kind not in RESOURCES})
    if unknown or not kinds:
        raise Unprocessable(
            ["query", "resource"],
            f"unknown resource kind(s): {', '.join(unknown)}; known: {', '.join(RESOURCES)}"
            if unknown
            else "give at least one resource kind",
        )
    return kinds


class ChangeRead(BaseModel):
    """A change-log entry."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str = Field(
        description="Who made the change: the signed-in person's name or the API key's."
    )
    actor_kind: Literal["user", "key", "system"] = Field(
        description="`user` (a signed-in person), `key` (an API key), or `system` (the server "
        "itself, such as the demo data)."
    )
    actor_id: uuid.UUID | None = Field(
        description="The user's or the key's id (names are labels; the id tells them apart); "
        "null for the server's own changes."
    )
    resource: str
    resource_id: uuid.UUID
    action: str = Field(description="created, updated, deleted or erased")
    changed_fields: list[str] = Field(description="Names of the fields written, never values.")


@router.get(
    "/changes",
    operation_id="list_changes",
    response_model=page_model(ChangeRead),
    responses=responses(*READ_ERRORS),
)
async def list_changes(
    request: Request,
    session: SessionDep,
    key: ReaderKey,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(ChangeRead))],
    resources: Annotated[list[str] | None, Depends(resource_kinds)],
    after: Annotated[
        int, Query(ge=0, le=2**62, description="Only entries with a greater `seq`.")
    ] = 0,
) -> Response:
    """Page through the change log in `seq` order."""
    stmt = select(Change).where(Change.seq > after).order_by(Change.seq)
    if resources is not None:
        stmt = stmt.where(Change.resource.in_(resources))
    if key.plan_ids is not None:
        stmt = stmt.where(or_(Change.plan_id.is_(None), Change.plan_id.in_(key.plan_ids)))
    if page.modified_since is not None:
        stmt = stmt.where(Change.at >= page.modified_since)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, [ChangeRead.model_validate(r) for r in rows], total, page, fields)
