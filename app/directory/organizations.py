"""Organization rules: CVR uniqueness, municipality codes, parents, archiving, deletion."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.errors import Conflict, Unprocessable
from app.core.schemas import fold
from app.core.security import Principal
from app.core.writes import apply_changes, delete_or_conflict
from app.directory import contacts, repository, text
from app.directory.models import Organization
from app.directory.schemas import OrganizationCreate, OrganizationKind, OrganizationUpdate

RESOURCE = "organization"


async def _check_cvr_free(session: AsyncSession, cvr: str | None, org_id: uuid.UUID | None) -> None:
    if cvr is not None and await repository.cvr_taken(session, cvr, exclude_id=org_id):
        raise Conflict(f"Another organization already has CVR number {cvr}.")


async def _check_parent(
    session: AsyncSession, org_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if await repository.get_organization(session, parent_id) is None:
        raise Unprocessable(["body", "parent_id"], "parent_id refers to no organization.")
    parents = await repository.organization_parent_map(session)
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = parent_id
    while current is not None and current not in seen:
        if current == org_id:
            raise Unprocessable(["body", "parent_id"], "parent_id would make a cycle.")
        seen.add(current)
        current = parents.get(current)


def derive(org: Organization) -> None:
    """Recompute the folded name, the search text and words, and the Danish sort key."""
    org.name_folded = fold(org.name)
    org.search_text = text.organization_search_text(org.name, org.email, org.phone, org.cvr)
    org.search_name = text.search_name(org.name)
    org.sort_name = text.sort_key(org.name)


async def create(session: AsyncSession, actor: Principal, data: OrganizationCreate) -> Organization:
    """Create an organization."""
    await _check_cvr_free(session, data.cvr, None)
    org = Organization(**data.model_dump(), id=uuid.uuid4())
    derive(org)
    await _check_parent(session, org.id, data.parent_id)
    session.add(org)
    await session.flush()
    await changes.record(
        session, actor, RESOURCE, org.id, "created", data.model_fields_set | {"name"}
    )
    return org


async def update(
    session: AsyncSession, actor: Principal, org: Organization, data: OrganizationUpdate
) -> Organization:
    """Apply a partial update."""
    if "cvr" in data.model_fields_set:
        await _check_cvr_free(session, data.cvr, org.id)
    if "parent_id" in data.model_fields_set:
        await _check_parent(session, org.id, data.parent_id)
    kind = data.kind if "kind" in data.model_fields_set else org.kind
    code = (
        data.municipality_code
        if "municipality_code" in data.model_fields_set
        else org.municipality_code
    )
    if kind == OrganizationKind.municipality and not code:
        raise Unprocessable(
            ["body", "municipality_code"], "municipality_code is required for a municipality."
        )
    changed = apply_changes(org, data)
    derive(org)
    if {"name", "kind"} & set(changed):
        # a contact shows its organization's name and kind, and searches by the name
        await contacts.refresh_for_organization(session, org)
    org.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, org.id, "updated", changed)
    return org


async def delete(session: AsyncSession, actor: Principal, org: Organization) -> None:
    """Delete an organization nothing refers to; otherwise 409 (archive it instead)."""
    await delete_or_conflict(
        session,
        org,
        "The organization is referenced (by contacts, plans, memberships or child "
        "organizations) and cannot be deleted; archive it with archived: true instead.",
    )
    await changes.record(session, actor, RESOURCE, org.id, "deleted")
