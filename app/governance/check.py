"""The governance check (DESIGN §2 rule 7): a plan against good practice.

Extension point: `run_check` adds whatever `app.meetings.check_rules.meeting_findings(session,
plan, bodies, lang)` returns (mode-rotation, escalation-overdue, …). Rules build `Finding`s
(defined in `app.governance.schemas`, importable without cycles) with `finding(...)`, whose
words come from `check_texts` in the caller's language (Danish by default, English with
`Accept-Language: en`), and need not sort them: findings are ordered here by severity (error,
warning, info), then rule, keeping each rule's own order.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.governance import check_texts, repository
from app.governance.check_texts import finding
from app.governance.enums import BodyKind, MemberRole
from app.governance.models import Plan
from app.governance.schemas import SEVERITY_ORDER, Finding, Severity, Subject
from app.governance.structure import PlanSnapshot, load_snapshot
from app.meetings import check_rules

__all__ = [
    "STRUCTURE_RULES",
    "Finding",
    "Severity",
    "Subject",
    "finding",
    "run_check",
    "sort_findings",
]

# the rules this module checks; app.meetings.check_rules adds its own
STRUCTURE_RULES = ("board-missing", "chair-missing", "management-representation", "liaison-missing")

CHAIR_ROLES = {MemberRole.chair, MemberRole.co_chair}
# bodies that need a chair: the board (an error) and steering groups (a warning)
CHAIRED = {BodyKind.board: Severity.error, BodyKind.steering_group: Severity.warning}
# seats that represent an organization on a board (secretaries, observers, substitutes do not)
SEATED_ROLES = {
    MemberRole.chair,
    MemberRole.co_chair,
    MemberRole.vice_chair,
    MemberRole.member,
    MemberRole.liaison,
}


async def _board_rules(session: AsyncSession, snapshot: PlanSnapshot, lang: str) -> list[Finding]:
    plan = snapshot.plan
    q = check_texts.quoted
    findings = []
    for body in snapshot.bodies:
        severity = CHAIRED.get(BodyKind(body.kind)) if body.kind in CHAIRED else None
        if severity is None or not body.active:
            continue
        if not any(seat.membership.role in CHAIR_ROLES for seat in snapshot.seats_of(body.id)):
            findings.append(
                finding("chair-missing", severity, "body", body.id, lang, body=q(body.name, lang))
            )
    boards = [b for b in snapshot.bodies if b.kind == BodyKind.board and b.active]
    if not boards:
        return [
            finding(
                "board-missing", Severity.error, "plan", plan.id, lang, plan=q(plan.name, lang)
            ),
            *findings,
        ]
    board = boards[0]
    seats = snapshot.seats_of(board.id)
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
                finding(
                    "management-representation",
                    Severity.warning,
                    "organization",
                    org_id,
                    lang,
                    organization=names.get(org_id, str(org_id)),
                    body=q(board.name, lang),
                )
            )
    return findings


def _liaison_rule(snapshot: PlanSnapshot, lang: str) -> list[Finding]:
    by_id = {body.id: body for body in snapshot.bodies}
    q = check_texts.quoted
    findings = []
    for body in snapshot.bodies:
        if not body.active or body.reports_to_id is None:
            continue
        if not snapshot.liaisons_of(body):
            parent = by_id.get(body.reports_to_id)
            findings.append(
                finding(
                    "liaison-missing",
                    Severity.warning,
                    "body",
                    body.id,
                    lang,
                    body=q(body.name, lang),
                    parent=q(parent.name, lang) if parent else check_texts.PARENT_UNKNOWN[lang],
                )
            )
    return findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Severity (error, warning, info), then rule; stable within a rule."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))


async def run_check(
    session: AsyncSession, plan: Plan, lang: str = check_texts.DEFAULT_LANGUAGE
) -> list[Finding]:
    """Every finding for a plan, in a stable order, worded in `lang` (da or en)."""
    snapshot = await load_snapshot(session, plan)
    findings = await _board_rules(session, snapshot, lang) + _liaison_rule(snapshot, lang)
    findings += await check_rules.meeting_findings(session, plan, snapshot.bodies, lang)
    return sort_findings(findings)
