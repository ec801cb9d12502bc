"""Meeting rules of the governance check (mode-rotation, escalation-overdue, report-overdue,
no-upcoming-meeting): called by `app.governance.check.run_check`.

Three queries whatever the plan's size: its meetings, its open flow decisions, and where
those decisions are on agendas.
"""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.governance.models import Body, Plan
from app.governance.schemas import Finding, Severity, Subject
from app.meetings import repository, rotation
from app.meetings.enums import HELD_STATUSES, OPEN_STATUSES, DecisionImpact, DecisionStatus
from app.meetings.models import Decision, Meeting

UPCOMING = timedelta(days=90)


def _day(value: datetime) -> str:
    return value.date().isoformat()


def _rotation_findings(
    bodies: list[Body], by_body: dict[uuid.UUID, list[Meeting]]
) -> list[Finding]:
    findings = []
    for body in bodies:
        modes = rotation.effective_rotation(body.meeting_rotation, body.kind)
        meetings = {m.id: m for m in by_body.get(body.id, [])}
        slots = [
            rotation.Slot(m.id, m.starts_at, m.mode, m.status, m.mode_override_reason)
            for m in meetings.values()
        ]
        for slot, expected in rotation.violations(modes, slots):
            meeting = meetings[slot.id]
            findings.append(
                Finding(
                    rule="mode-rotation",
                    severity=Severity.error,
                    message=(
                        f"The meeting {meeting.title!r} of {body.name!r} on "
                        f"{_day(meeting.starts_at)} is {meeting.mode}, but the rotation expects "
                        f"{expected} there (and it has no mode_override_reason)."
                    ),
                    subject=Subject(type="meeting", id=meeting.id),
                )
            )
    return findings


def _flow_findings(
    bodies: dict[uuid.UUID, Body],
    decisions: list[Decision],
    meetings: dict[uuid.UUID, Meeting],
    by_body: dict[uuid.UUID, list[Meeting]],
    placed_on: dict[uuid.UUID, list[uuid.UUID]],
) -> list[Finding]:
    findings = []
    for decision in decisions:
        body = bodies.get(decision.body_id)
        if body is None or body.reports_to_id is None:
            continue
        parent = bodies.get(body.reports_to_id)
        parent_name = parent.name if parent else "the body it reports to"
        if decision.status == DecisionStatus.escalated:
            held = [
                meetings[mid]
                for mid in placed_on.get(decision.id, [])
                if mid in meetings
                and meetings[mid].body_id == body.reports_to_id
                and meetings[mid].status in HELD_STATUSES
            ]
            if held:
                findings.append(
                    Finding(
                        rule="escalation-overdue",
                        severity=Severity.warning,
                        message=(
                            f"{parent_name!r} held the meeting on {_day(held[0].starts_at)} with "
                            f"the escalated decision {decision.title!r} of {body.name!r} on its "
                            "agenda without resolving it."
                        ),
                        subject=Subject(type="decision", id=decision.id),
                    )
                )
        elif decision.impact == DecisionImpact.routine and decision.reported is False:
            since = [
                m
                for m in by_body.get(body.reports_to_id, [])
                if m.status in HELD_STATUSES and m.starts_at > decision.decided_at
            ]
            if since:
                findings.append(
                    Finding(
                        rule="report-overdue",
                        severity=Severity.warning,
                        message=(
                            f"The decision {decision.title!r} of {body.name!r} is not reported "
                            f"although {parent_name!r} has held a meeting since "
                            f"({_day(since[0].starts_at)})."
                        ),
                        subject=Subject(type="decision", id=decision.id),
                    )
                )
    return findings


def _upcoming_findings(
    bodies: list[Body], by_body: dict[uuid.UUID, list[Meeting]], now: datetime
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
                Finding(
                    rule="no-upcoming-meeting",
                    severity=Severity.info,
                    message=f"{body.name!r} has no meeting planned in the next 90 days.",
                    subject=Subject(type="body", id=body.id),
                )
            )
    return findings


async def meeting_findings(session: AsyncSession, plan: Plan, bodies: list[Body]) -> list[Finding]:
    """Findings about the meetings of `plan`'s `bodies` (all of them, by name; check `active`).

    Order does not matter: run_check sorts by severity, then rule, keeping each rule's order.
    """
    ids = [b.id for b in bodies]
    all_meetings = await repository.plan_meetings(session, ids)
    decisions = await repository.open_flow_decisions(session, ids)
    placed_on: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    escalated = [d.id for d in decisions if d.status == DecisionStatus.escalated]
    for decision_id, meeting_id in await repository.placements(session, escalated):
        placed_on[decision_id].append(meeting_id)
    by_body: dict[uuid.UUID, list[Meeting]] = defaultdict(list)
    for meeting in all_meetings:
        by_body[meeting.body_id].append(meeting)
    return (
        _rotation_findings(bodies, by_body)
        + _flow_findings(
            {b.id: b for b in bodies},
            decisions,
            {m.id: m for m in all_meetings},
            by_body,
            placed_on,
        )
        + _upcoming_findings(bodies, by_body, utcnow())
    )
