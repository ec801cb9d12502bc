"""Builders for meetings tests: plans and bodies through the governance API, contacts in the
database, meetings and decisions through this issue's API."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.schemas import fold
from app.directory.models import Contact
from tests.aio import ApiClient, DbSession
from tests.helpers import create, municipality

FOCUS = [
    {"key": "uddannelse", "name": "Uddannelse og livschancer"},
    {"key": "beskaeftigelse", "name": "Beskæftigelse"},
]


def plan(client: ApiClient, name: str = "Helhedsplan Nordbyen", **fields: Any) -> dict[str, Any]:
    """A plan with a new municipality and two focus areas."""
    town = municipality(client, name=f"Kommune {uuid.uuid4().hex[:6]}")
    payload: dict[str, Any] = {
        "name": name,
        "municipality_id": town["id"],
        "focus_areas": FOCUS,
        **fields,
    }
    return create(client, "/api/v1/plans", payload)


def body(client: ApiClient, plan_id: str, kind: str = "board", **fields: Any) -> dict[str, Any]:
    """A body of a plan."""
    payload: dict[str, Any] = {"plan_id": plan_id, "kind": kind, "name": kind.title(), **fields}
    return create(client, "/api/v1/bodies", payload)


def alternating_board(client: ApiClient, plan_id: str) -> dict[str, Any]:
    """A board like Randers': plan review, then urban development."""
    return body(
        client,
        plan_id,
        "board",
        name="Bestyrelsen",
        meeting_rotation=["plan_review", "urban_development"],
    )


def steering_group(client: ApiClient, plan_id: str, board_id: str, **fields: Any) -> dict[str, Any]:
    """A steering group that reports to the board."""
    return body(
        client, plan_id, "steering_group", name="Styregruppen", reports_to_id=board_id, **fields
    )


def contact(db: DbSession, given: str = "Anna", family: str = "Berg") -> uuid.UUID:
    """A contact, made directly in the database."""
    row = Contact(
        id=uuid.uuid4(),
        given_name=given,
        family_name=family,
        search_text=fold(f"{given} {family}"),
        sort_family=fold(family),
        sort_given=fold(given),
    )
    db.add(row)
    db.commit()
    return row.id


BASE = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def at(days: int, hours: int = 0) -> datetime:
    """A time `days` after a fixed Monday in the future (2030-01-07 09:00 UTC)."""
    return BASE + timedelta(days=days, hours=hours)


def iso(value: datetime) -> str:
    """RFC 3339."""
    return value.isoformat()


def meeting_payload(body_id: str, days: int, **fields: Any) -> dict[str, Any]:
    """A two-hour meeting `days` after BASE."""
    start = at(days)
    return {
        "body_id": body_id,
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=2)),
        **fields,
    }


def meeting(client: ApiClient, body_id: str, days: int, **fields: Any) -> dict[str, Any]:
    """Create a meeting `days` after BASE."""
    return create(client, "/api/v1/meetings", meeting_payload(body_id, days, **fields))


def decision(client: ApiClient, body_id: str, **fields: Any) -> dict[str, Any]:
    """Record a decision."""
    payload: dict[str, Any] = {"body_id": body_id, "title": "Beslutning", **fields}
    return create(client, "/api/v1/decisions", payload)
