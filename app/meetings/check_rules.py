"""Meeting rules of the governance check: called by `app.governance.check.run_check`.

- mode-rotation (error): a meeting whose mode breaks the body's rotation — counted from the
  last change of the rotation (`Body.rotation_since`): meetings held under an earlier
  rotation are not reported;
- escalation-overdue (warning): the parent held a meeting with the escalation on its agenda
  without resolving it;
- escalation-waiting (warning): an escalation waits in the parent's inbox (on none of its
  meetings) although the parent has met since it was escalated;
- report-overdue (warning): a routine decision not reported although the parent has met since;
- plan-period-ended (warning): an open meeting planned after the plan's period;
- action-overdue (warning): an open follow-up past its due date;
- no-upcoming-meeting (info): an active body with no open meeting in the next 90 days.

Four queries whatever the plan's size: its meetings, its open flow decisions, where those
decisions are on agendas, and its overdue follow-ups with their owners' names.
"""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import LOCAL_TZ, local_today
from app.core.db import utcnow
from app.governance.check_texts import NOBODY, PARENT_UNKNOWN, day, finding, mode, quoted
from app.governance.models import Body, Plan
from app.governance.schemas import Finding, Severity
from app.meetings import repository, rotation
from app.meetings.enums import HELD_STATUSES, OPEN_STATUSES, DecisionImpact, DecisionStatus
from app.meetings.models import Action, Decision, Meeting

UPCOMING = timedelta(days=90)


def _rotation_findings(
    bodies: list[Body], by_body: dict[uuid.UUID, list[Meeting]], lang: str
) -> list[Finding]:
    findings = []
    for body in bodies:
        modes = rotation.effective_rotation(body.meeting_rotation, body.kind)
        meetings = {m.id: m for m in by_body.get(body.id, [])}
        slots = rotation.current(
            [
                rotation.Slot(m.id, m.starts_at, m.mode, m.status, m.mode_override_reason)
                for m in meetings.values()
            ],
            body.rotation_since,
        )
        for slot, expected in rotation.violations(modes, slots):
            meeting = meetings[slot.id]
            findings.append(
                finding(
                    "mode-rotation",
                    Severity.error,
                    "meeting",
                    meeting.id,
                    lang,
                    meeting=quoted(meeting.title, lang),
                    body=quoted(body.name, lang),
                    day=day(meeting.starts_at, lang),
                    mode=mode(meeting.mode, lang),
                    expected=mode(expected, lang),
                    expected_code=expected,
                )
            )
    return findings


def _flow_findings(
    bodies: dict[uuid.UUID, Body],
    decisions: list[Decision],
    meetings: dict[uuid.UUID, Meeting],
    by_body: dict[uuid.UUID, list[Meeting]],
    placed_on: dict[uuid.UUID, list[uuid.UUID]],
    lang: str,
) -> list[Finding]:
    findings = []
    for decision in decisions:
        body = bodies.get(decision.body_id)
        if body is None or body.reports_to_id is None:
            continue
        parent = bodies.get(body.reports_to_id)
        names = {
            "parent": quoted(parent.name, lang) if parent else PARENT_UNKNOWN[lang],
            "body": quoted(body.name, lang),
            "decision": quoted(decision.title, lang),
        }
        on_parent = [
            meetings[mid]
            for mid in placed_on.get(decision.id, [])
            if mid in meetings and meetings[mid].body_id == body.reports_to_id
        ]
        held_since = [
            m
            for m in by_body.get(body.reports_to_id, [])
            if m.status in HELD_STATUSES and m.starts_at > decision.decided_at
        ]
        if decision.status == DecisionStatus.escalated:
            held = [m for m in on_parent if m.status in HELD_STATUSES]
            upcoming = [m for m in on_parent if m.status in OPEN_STATUSES]
            if held:
                findings.append(
                    finding(
                        "escalation-overdue",
                        Severity.warning,
                        "decision",
                        decision.id,
                        lang,
                        day=day(held[0].starts_at, lang),
                        **names,
                    )
                )
            elif not upcoming and held_since:
                findings.append(
                    finding(
                        "escalation-waiting",
                        Severity.warning,
                        "decision",
                        decision.id,
                        lang,
                        day=day(held_since[-1].starts_at, lang),
                        **names,
                    )
                )
        elif (
            decision.impact == DecisionImpact.routine and decision.reported is False and held_since
        ):
            findings.append(
                finding(
                    "report-overdue",
                    Severity.warning,
                    "decision",
                    decision.id,
                    lang,
                    day=day(held_since[0].starts_at, lang),
                    **names,
                )
            )
    return findings


def _upcoming_findings(
    bodies: list[Body], by_body: dict[uuid.UUID, list[Meeting]], now: datetime, lang: str
) -> list[Finding]:
    findings = []
    for body in bodies:
        if not body.active:
            continue
        upcoming = [
            m
            for m in by_body.get(body.id, [])
            if m.status in OPEN_STATUSES and now <= m.starts_at <= now + UPCOMING
        ]
        if not upcoming:
            findings.append(
                finding(
                    "no-upcoming-meeting",
                    Severity.info,
                    "body",
                    body.id,
                    lang,
                    body=quoted(body.name, lang),
                )
            )
    return findings


def _period_findings(
    plan: Plan, bodies: dict[uuid.UUID, Body], meetings: list[Meeting], lang: str
) -> list[Finding]:
    if plan.period_end is None:
        return []
    return [
        finding(
            "plan-period-ended",
            Severity.warning,
            "meeting",
            m.id,
            lang,
            meeting=quoted(m.title, lang),
            body=quoted(bodies[m.body_id].name, lang),
            day=day(m.starts_at, lang),
            end=day(plan.period_end, lang),
        )
        for m in meetings
        if m.status in OPEN_STATUSES and m.starts_at.astimezone(LOCAL_TZ).date() > plan.period_end
    ]


def _action_findings(
    bodies: dict[uuid.UUID, Body], actions: list[tuple[Action, str | None]], lang: str
) -> list[Finding]:
    return [
        finding(
            "action-overdue",
            Severity.warning,
            "action",
            a.id,
            lang,
            action=quoted(a.title, lang),
            body=quoted(bodies[a.body_id].name, lang),
            day=day(a.due_date, lang) if a.due_date else "",
            owner=owner or NOBODY[lang],
        )
        for a, owner in actions
    ]


async def meeting_findings(
    session: AsyncSession, plan: Plan, bodies: list[Body], lang: str = "da"
) -> list[Finding]:
    """Findings about the meetings of `plan`'s `bodies` (all of them, by name; check `active`).

    Order does not matter: run_check sorts by severity, then rule, keeping each rule's order.
    """
    ids = [b.id for b in bodies]
    by_id = {b.id: b for b in bodies}
    all_meetings = await repository.plan_meetings(session, ids)
    decisions = await repository.open_flow_decisions(session, ids)
    placed_on: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    escalated = [d.id for d in decisions if d.status == DecisionStatus.escalated]
    for decision_id, meeting_id in await repository.placements(session, escalated):
        placed_on[decision_id].append(meeting_id)
    by_body: dict[uuid.UUID, list[Meeting]] = defaultdict(list)
    for meeting in all_meetings:
        by_body[meeting.body_id].append(meeting)
    overdue = await repository.overdue_actions(session, ids, local_today())
    return (
        _rotation_findings(bodies, by_body, lang)
        + _flow_findings(
            by_id, decisions, {m.id: m for m in all_meetings}, by_body, placed_on, lang
        )
        + _upcoming_findings(bodies, by_body, utcnow(), lang)
        + _period_findings(plan, by_id, all_meetings, lang)
        + _action_findings(by_id, overdue, lang)
    )
