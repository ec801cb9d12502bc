"""A plan's organisation at a glance: active bodies, reporting lines, current members, liaisons.

Loaded in a fixed number of queries (bodies, then every current seat of the plan in one go),
then assembled in memory; the governance check reads the same snapshot.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import local_today
from app.directory import text
from app.directory.models import Contact
from app.governance import repository
from app.governance.enums import BodyKind, MemberRole
from app.governance.models import Body, Membership, Plan
from app.governance.schemas import (
    PlanRead,
    PlanStructure,
    StructureBody,
    StructureLiaison,
    StructureMember,
)

ROLE_ORDER = {role.value: rank for rank, role in enumerate(MemberRole)}


@dataclass(frozen=True)
class Seat:
    """A current membership with what an organisation chart shows of its contact."""

    membership: Membership
    contact: Contact
    organization_name: str | None

    @property
    def display_name(self) -> str:
        """The contact's name as the directory shows it ("given family", or erased)."""
        if self.contact.erased:
            return text.ERASED_DISPLAY_NAME
        return text.display_name(self.contact.given_name, self.contact.family_name)


@dataclass
class PlanSnapshot:
    """A plan's bodies (all, by name) and the seats that hold on `on`, by body."""

    plan: Plan
    on: date
    bodies: list[Body]
    seats: dict[uuid.UUID, list[Seat]] = field(default_factory=dict)

    def seats_of(self, body_id: uuid.UUID) -> list[Seat]:
        """The body's current seats, ordered by contact name."""
        return self.seats.get(body_id, [])

    def liaisons_of(self, body: Body) -> list[Seat]:
        """Who links `body` to the body it reports to: anyone sitting in both, or holding the
        liaison role in `body` (one seat per contact). A secretary serves the bodies rather
        than sitting in them, so a secretariat serving both is no link."""
        if body.reports_to_id is None:
            return []
        in_parent = {
            seat.contact.id
            for seat in self.seats_of(body.reports_to_id)
            if seat.membership.role != MemberRole.secretary
        }
        out: dict[uuid.UUID, Seat] = {}
        for seat in self.seats_of(body.id):
            role = seat.membership.role
            sits_in_both = seat.contact.id in in_parent and role != MemberRole.secretary
            if sits_in_both or role == MemberRole.liaison:
                out.setdefault(seat.contact.id, seat)
        return list(out.values())


async def load_snapshot(session: AsyncSession, plan: Plan, on: date | None = None) -> PlanSnapshot:
    """Two queries, however large the plan."""
    day = on or local_today()
    snapshot = PlanSnapshot(
        plan=plan, on=day, bodies=await repository.plan_bodies(session, plan.id)
    )
    seats: dict[uuid.UUID, list[Seat]] = defaultdict(list)
    for membership, contact, org_name in await repository.current_seats(session, plan.id, day):
        seats[membership.body_id].append(Seat(membership, contact, org_name))
    snapshot.seats = dict(seats)
    return snapshot


def _members(seats: list[Seat]) -> list[StructureMember]:
    ordered = sorted(seats, key=lambda seat: ROLE_ORDER.get(seat.membership.role, len(ROLE_ORDER)))
    return [
        StructureMember(
            contact_id=seat.contact.id,
            display_name=seat.display_name,
            job_title=seat.contact.job_title,
            organization_name=seat.organization_name,
            role=MemberRole(seat.membership.role),
            on_behalf_of_id=seat.membership.on_behalf_of_id,
        )
        for seat in ordered
    ]


async def build_structure(session: AsyncSession, plan: Plan) -> PlanStructure:
    """The organisation chart of a plan: active bodies by name, with current members."""
    snapshot = await load_snapshot(session, plan)
    bodies = []
    for body in snapshot.bodies:
        if not body.active:
            continue
        liaisons = [
            StructureLiaison(
                contact_id=seat.contact.id,
                display_name=seat.display_name,
                to_body_id=body.reports_to_id,
            )
            for seat in snapshot.liaisons_of(body)
            if body.reports_to_id is not None
        ]
        bodies.append(
            StructureBody(
                id=body.id,
                kind=BodyKind(body.kind),
                name=body.name,
                reports_to_id=body.reports_to_id,
                members=_members(snapshot.seats_of(body.id)),
                liaisons=liaisons,
            )
        )
    return PlanStructure(plan=PlanRead.model_validate(plan), bodies=bodies)
