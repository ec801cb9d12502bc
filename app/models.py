"""Every model, imported once so that `Base.metadata` is complete (Alembic, tests)."""

from app.changes.models import Change
from app.core.db import Base
from app.core.idempotency import IdempotencyKey
from app.core.totals import DataVersion
from app.directory.models import Contact, Organization
from app.governance.models import Body, Membership, Plan, PlanPartner
from app.keys.models import ApiKey
from app.meetings.models import Action, AgendaItem, Decision, Meeting
from app.people.models import RoleMapping, User

__all__ = [
    "Action",
    "AgendaItem",
    "ApiKey",
    "Base",
    "Body",
    "Change",
    "Contact",
    "DataVersion",
    "Decision",
    "IdempotencyKey",
    "Meeting",
    "Membership",
    "Organization",
    "Plan",
    "PlanPartner",
    "RoleMapping",
    "User",
]
