"""Builders for governance tests: plans, bodies and members through the API, contacts in the
database (the directory's own API is tested there)."""

import uuid
from typing import Any

from app.core.schemas import fold
from app.directory.models import Contact
from tests.aio import ApiClient, DbSession
from tests.helpers import create, municipality, organization


def plan(client: ApiClient, municipality_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """Create a plan (with a new municipality unless one is given)."""
    if municipality_id is None:
        municipality_id = municipality(client, name=f"Kommune {uuid.uuid4().hex[:6]}")["id"]
    payload: dict[str, Any] = {
        "name": "Helhedsplan Nordbyen",
        "municipality_id": municipality_id,
        **fields,
    }
    return create(client, "/api/v1/plans", payload)


def body(client: ApiClient, plan_id: str, kind: str = "board", **fields: Any) -> dict[str, Any]:
    """Create a body of a plan."""
    payload: dict[str, Any] = {"plan_id": plan_id, "kind": kind, "name": kind.title(), **fields}
    return create(client, "/api/v1/bodies", payload)


def member(
    client: ApiClient, body_id: str, contact_id: uuid.UUID | str, **fields: Any
) -> dict[str, Any]:
    """Give a contact a seat in a body."""
    payload: dict[str, Any] = {"contact_id": str(contact_id), **fields}
    return create(client, f"/api/v1/bodies/{body_id}/memberships", payload)


def contact(
    db: DbSession,
    given: str = "Anna",
    family: str = "Berg",
    organization_id: str | uuid.UUID | None = None,
    job_title: str | None = None,
) -> uuid.UUID:
    """A contact in the directory, made directly in the database."""
    row = Contact(
        id=uuid.uuid4(),
        given_name=given,
        family_name=family,
        job_title=job_title,
        organization_id=uuid.UUID(str(organization_id)) if organization_id else None,
        search_text=fold(f"{given} {family} {job_title or ''}"),
        sort_family=fold(family),
        sort_given=fold(given),
    )
    db.add(row)
    db.commit()
    return row.id


def housing(client: ApiClient, name: str = "Boligforeningen Gudenå") -> dict[str, Any]:
    """A housing organisation."""
    return organization(client, name=name, kind="housing_organization")
