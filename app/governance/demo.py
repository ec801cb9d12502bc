"""Governance demo data: the article's two stories.

Randers: a board chaired by the municipality's director of Teknik og Miljø, with the housing
directors and the police, that alternates plan-review and strategic urban-development
meetings. Varde: a board and, below it, a steering group of school, social and labour-market
managers, institution leaders and both housing directors that meets as "bøvl og blær", linked
to the board by the director of Social & Health.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import Principal
from app.directory.demo import DirectoryDemo
from app.governance import bodies, memberships, plans
from app.governance.enums import AgendaFormat, BodyKind, MemberRole, PlanStatus
from app.governance.models import Body, Membership, Plan
from app.governance.schemas import BodyCreate, MembershipCreate, PlanCreate
from app.meetings.enums import MeetingMode

FUNDING_ROUND = "2019-2026"
PLAN_START = date(2021, 1, 1)
PLAN_END = date(2026, 12, 31)


@dataclass
class GovernanceDemo:
    """What the governance demo made, by key, for the meetings' demo data."""

    plans: dict[str, Plan] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Records made, by kind."""
        return {
            "plans": len(self.plans),
            "bodies": len(self.bodies),
            "memberships": len(self.memberships),
        }


# (contact key, role, organization key it sits for or None)
Seat = tuple[str, MemberRole, str | None]

RANDERS_BOARD: list[Seat] = [
    ("randers_tm_director", MemberRole.chair, "randers"),
    ("gudenaa_director", MemberRole.member, "gudenaa"),
    ("kronjylland_director", MemberRole.member, "kronjylland"),
    ("politi_oj_leader", MemberRole.member, "politi_oj"),
    ("randers_project_lead", MemberRole.secretary, None),
]

VARDE_BOARD: list[Seat] = [
    ("varde_municipal_director", MemberRole.chair, "varde"),
    ("vestkyst_director", MemberRole.member, "vestkyst"),
    ("vardeaa_director", MemberRole.member, "vardeaa"),
    ("varde_social_health_director", MemberRole.member, "varde"),
    ("varde_project_lead", MemberRole.secretary, None),
]

VARDE_STEERING_GROUP: list[Seat] = [
    ("varde_school_chief", MemberRole.member, "varde"),
    ("varde_social_chief", MemberRole.chair, "varde"),
    ("varde_labour_chief", MemberRole.member, "varde"),
    ("varde_institution_leader_school", MemberRole.member, "skole_varde"),
    ("varde_institution_leader_club", MemberRole.member, "fritid_varde"),
    ("vestkyst_director", MemberRole.member, "vestkyst"),
    ("vardeaa_director", MemberRole.member, "vardeaa"),
    ("varde_social_health_director", MemberRole.liaison, "varde"),
    ("varde_project_lead", MemberRole.secretary, None),
]


async def _seat(
    session: AsyncSession,
    actor: Principal,
    directory: DirectoryDemo,
    body: Body,
    seats: list[Seat],
) -> list[Membership]:
    made = []
    for contact_key, role, org_key in seats:
        data = MembershipCreate(
            contact_id=directory.contacts[contact_key].id,
            role=role,
            on_behalf_of_id=directory.organizations[org_key].id if org_key else None,
            start_date=PLAN_START,
        )
        made.append(await memberships.create(session, actor, body, data))
    return made


async def seed_governance(
    session: AsyncSession, actor: Principal, directory: DirectoryDemo
) -> GovernanceDemo:
    """Plans, bodies and members of Randers and Varde, through the services (change log)."""
    orgs = directory.organizations
    demo = GovernanceDemo()

    demo.plans["randers"] = await plans.create(
        session,
        actor,
        PlanCreate(
            name="Helhedsplan Nordbyen, Randers",
            municipality_id=orgs["randers"].id,
            partner_ids=[orgs["gudenaa"].id, orgs["kronjylland"].id],
            areas=["Nordbyen", "Vorup Vest"],
            funding_round=FUNDING_ROUND,
            period_start=PLAN_START,
            period_end=PLAN_END,
            status=PlanStatus.active,
        ),
    )
    demo.bodies["randers_board"] = await bodies.create(
        session,
        actor,
        BodyCreate(
            plan_id=demo.plans["randers"].id,
            kind=BodyKind.board,
            name="Bestyrelsen for helhedsplanen i Nordbyen",
            mandate=(
                "Tæt på topledelsen. Hvert andet møde handler om helhedsplanens fremdrift, "
                "hvert andet er strategisk byudviklingsbestyrelse: fysisk udvikling, "
                "kriminalpræventiv ombygning, udlejningsregler og byen som helhed."
            ),
            decision_authority="Træffer de store beslutninger, også uden for helhedsplanen.",
            meeting_rotation=[MeetingMode.plan_review, MeetingMode.urban_development],
        ),
    )
    demo.memberships += await _seat(
        session, actor, directory, demo.bodies["randers_board"], RANDERS_BOARD
    )

    demo.plans["varde"] = await plans.create(
        session,
        actor,
        PlanCreate(
            name="Helhedsplan Varde Nord",
            municipality_id=orgs["varde"].id,
            partner_ids=[orgs["vestkyst"].id, orgs["vardeaa"].id],
            areas=["Kærhøjparken", "Sønderbro"],
            funding_round=FUNDING_ROUND,
            period_start=PLAN_START,
            period_end=PLAN_END,
            status=PlanStatus.active,
        ),
    )
    board = await bodies.create(
        session,
        actor,
        BodyCreate(
            plan_id=demo.plans["varde"].id,
            kind=BodyKind.board,
            name="Bestyrelsen for helhedsplanen i Varde",
            mandate=(
                "Helhedsplanens øverste ledelse: kommunens og boligorganisationernes topledelse."
            ),
            decision_authority="Træffer de kæmpestore beslutninger; orienteres om resten.",
        ),
    )
    demo.bodies["varde_board"] = board
    demo.memberships += await _seat(session, actor, directory, board, VARDE_BOARD)
    group = await bodies.create(
        session,
        actor,
        BodyCreate(
            plan_id=demo.plans["varde"].id,
            kind=BodyKind.steering_group,
            name="Styregruppen",
            mandate=(
                "Løser bøvl på tværs af forvaltninger og fejrer det, der lykkes (bøvl og blær)."
            ),
            decision_authority=(
                "Træffer hverdagens beslutninger og orienterer bestyrelsen bagefter; "
                "større beslutninger går til bestyrelsen."
            ),
            reports_to_id=board.id,
            agenda_format=AgendaFormat.trouble_and_success,
        ),
    )
    demo.bodies["varde_steering_group"] = group
    demo.memberships += await _seat(session, actor, directory, group, VARDE_STEERING_GROUP)
    return demo
