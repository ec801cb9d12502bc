"""The governance check (DESIGN §2 rule 7): a plan against good practice.

Extension point: `run_check` adds whatever `app.meetings.check_rules.meeting_findings(session,
plan, bodies)` returns (mode-rotation, escalation-overdue, …). Rules build `Finding`s (defined
in `app.governance.schemas`, importable without cycles) and need not sort them: findings are
ordered here by severity (error, warning, info), then rule, keeping each rule's own order.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.governance import repository
from app.governance.enums import BodyKind, MemberRole
from app.governance.models import Plan
from app.governance.schemas import SEVERITY_ORDER, Finding, Severity, Subject
from app.governance.structure import PlanSnapshot, load_snapshot
from app.meetings import check_rules

__all__ = ["STRUCTURE_RULES", "Finding", "Severity", "Subject", "run_check", "sort_findings"]

# the rules this module checks; app.meetings.check_rules adds its own
STRUCTURE_RULES = ("board-missing", "chair-missing", "management-representation", "liaison-missing")

CHAIR_ROLES = {MemberRole.chair, MemberRole.co_chair}
# seats that represent an organization on a board (secretaries, observers, substitutes do not)
SEATED_ROLES = {
    MemberRole.chair,
    MemberRole.co_chair,
    MemberRole.vice_chair,
    MemberRole.member,
    MemberRole.liaison,
}


async def _board_rules(session: AsyncSession, snapshot: PlanSnapshot) -> list[Finding]:
    plan = snapshot.plan
    boards = [b for b in snapshot.bodies if b.kind == BodyKind.board and b.active]
    if not boards:
        return [
            Finding(
                rule="board-missing",
                severity=Severity.error,
                message=f"The plan {plan.name!r} has no active board.",
                subject=Subject(type="plan", id=plan.id),
            )
        ]
    board = boards[0]
    seats = snapshot.seats_of(board.id)
    findings = []
    if not any(seat.membership.role in CHAIR_ROLES for seat in seats):
        findings.append(
            Finding(
                rule="chair-missing",
                severity=Severity.error,
                message=f"The board {board.name!r} has no current chair or co-chair.",
                subject=Subject(type="body", id=board.id),
            )
        )
    represented = {
        seat.membership.on_behalf_of_id or seat.contact.organization_id
        for seat in seats
        if seat.membership.role in SEATED_ROLES
    }
    # the municipality first, then the partners (in the plan's stable order)
    expected = list(dict.fromkeys([plan.municipality_id, *plan.partner_ids]))
    names = await repository.organization_names(session, set(expected))
    for org_id in expected:
        if org_id not in represented:
            findings.append(
                Finding(
                    rule="management-representation",
                    severity=Severity.warning,
                    message=(
                        f"{names.get(org_id, str(org_id))} has no current member of the board "
                        f"{board.name!r} on its behalf."
                    ),
                    subject=Subject(type="organization", id=org_id),
                )
            )
    return findings


def _liaison_rule(snapshot: PlanSnapshot) -> list[Finding]:
    by_id = {body.id: body for body in snapshot.bodies}
    findings = []
    for body in snapshot.bodies:
        if not body.active or body.reports_to_id is None:
            continue
        if not snapshot.liaisons_of(body):
            parent = by_id.get(body.reports_to_id)
            findings.append(
                Finding(
                    rule="liaison-missing",
                    severity=Severity.warning,
                    message=(
                        f"No one links {body.name!r} to "
                        f"{parent.name if parent else 'the body it reports to'!r}: nobody sits "
                        "in both, and no member has the liaison role."
                    ),
                    subject=Subject(type="body", id=body.id),
                )
            )
    return findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Severity (error, warning, info), then rule; stable within a rule."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))


async def run_check(session: AsyncSession, plan: Plan) -> list[Finding]:
    """Every finding for a plan, in a stable order."""
    snapshot = await load_snapshot(session, plan)
    findings = await _board_rules(session, snapshot) + _liaison_rule(snapshot)
    findings += await check_rules.meeting_findings(session, plan, snapshot.bodies)
    return sort_findings(findings)
