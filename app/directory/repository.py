"""SQL for the directory."""

import uuid
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from app.core.pagination import PageParams
from app.core.schemas import like_pattern
from app.directory.models import Organization


def get_organization(session: Session, org_id: uuid.UUID) -> Organization | None:
    """One organization by id."""
    return session.get(Organization, org_id)


def organization_ids_existing(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are organizations."""
    if not ids:
        return set()
    return set(session.scalars(select(Organization.id).where(Organization.id.in_(ids))))


def cvr_taken(session: Session, cvr: str, exclude_id: uuid.UUID | None = None) -> bool:
    """Whether another organization has this CVR number."""
    cond = Organization.cvr == cvr
    if exclude_id is not None:
        cond = cond & (Organization.id != exclude_id)
    return bool(session.scalar(select(exists().where(cond))))


def organization_parent_map(session: Session) -> dict[uuid.UUID, uuid.UUID | None]:
    """id → parent_id for organizations that have a parent (for cycle checks)."""
    rows = session.execute(
        select(Organization.id, Organization.parent_id).where(Organization.parent_id.is_not(None))
    )
    return {row.id: row.parent_id for row in rows}


def organizations_query(
    params: PageParams,
    *,
    kind: str | None,
    q: str | None,
    parent_id: uuid.UUID | None,
    include_archived: bool,
) -> Select[Any]:
    """The organization list, ordered by name."""
    stmt = select(Organization)
    if not include_archived:
        stmt = stmt.where(Organization.archived.is_(False))
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    if q:
        stmt = stmt.where(Organization.name_folded.like(like_pattern(q), escape="\\"))
    if params.modified_since is not None:
        stmt = stmt.where(Organization.updated_at >= params.modified_since)
    return stmt.order_by(Organization.name_folded, Organization.id)
