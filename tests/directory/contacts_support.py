"""Helpers for the contact tests: contacts through the API, memberships through the ORM."""

import uuid
from datetime import date
from typing import Any

from app.core.schemas import fold
from app.directory.models import Organization
from app.governance.models import Body, Membership, Plan
from tests.aio import ApiClient, DbSession
from tests.helpers import create


def contact(
    client: ApiClient, given: str = "Anna", family: str = "Berg", **fields: Any
) -> dict[str, Any]:
    """Create a contact through the API."""
    return create(
        client, "/api/v1/contacts", {"given_name": given, "family_name": family, **fields}
    )


def plan_with_body(
    db: DbSession, name: str = "Helhedsplan Nordbyen", body_name: str = "Bestyrelsen"
) -> tuple[Plan, Body]:
    """A plan (with its municipality) and one body, committed through the ORM."""
    municipality = Organization(
        id=uuid.uuid4(),
        name=f"Kommune for {name}",
        name_folded=fold(f"Kommune for {name}"),
        kind="municipality",
        municipality_code="730",
    )
    plan = Plan(id=uuid.uuid4(), name=name, name_folded=fold(name), municipality_id=municipality.id)
    body = Body(
        id=uuid.uuid4(), plan_id=plan.id, kind="board", name=body_name, name_folded=fold(body_name)
    )
    db.add(municipality)
    db.flush()
    db.add(plan)
    db.flush()
    db.add(body)
    db.commit()
    return plan, body


def add_body(db: DbSession, plan: Plan, name: str, kind: str = "steering_group") -> Body:
    """Another body of the plan."""
    body = Body(id=uuid.uuid4(), plan_id=plan.id, kind=kind, name=name, name_folded=fold(name))
    db.add(body)
    db.commit()
    return body


def seat(
    db: DbSession,
    body: Body,
    contact_id: str,
    role: str = "member",
    start: date | None = None,
    end: date | None = None,
) -> Membership:
    """A membership row, committed."""
    membership = Membership(
        id=uuid.uuid4(),
        body_id=body.id,
        contact_id=uuid.UUID(contact_id),
        role=role,
        start_date=start,
        end_date=end,
    )
    db.add(membership)
    db.commit()
    return membership
