"""Code lists of meetings, agendas and decisions."""

from enum import StrEnum


class MeetingMode(StrEnum):
    """What a meeting is about (DESIGN §2 rule 1)."""

    plan_review = "plan_review"
    urban_development = "urban_development"
    regular = "regular"


class MeetingStatus(StrEnum):
    """A meeting's life: planned → invited → held → minutes_approved, or cancelled."""

    planned = "planned"
    invited = "invited"
    held = "held"
    minutes_approved = "minutes_approved"
    cancelled = "cancelled"


class AgendaItemKind(StrEnum):
    """Kinds of agenda item; trouble and success need the trouble_and_success format."""

    decision = "decision"
    information = "information"
    discussion = "discussion"
    trouble = "trouble"
    success = "success"


class DecisionImpact(StrEnum):
    """Routine decisions are reported up; major ones are escalated."""

    routine = "routine"
    major = "major"


class DecisionStatus(StrEnum):
    """Where a decision is in the flow (DESIGN §2 rule 4)."""

    decided = "decided"
    escalated = "escalated"
    resolved = "resolved"
    withdrawn = "withdrawn"


class AgendaOutcome(StrEnum):
    """What became of an agenda item at its meeting; `postponed` carries it on (rule 4)."""

    decided = "decided"
    noted = "noted"
    discussed = "discussed"
    postponed = "postponed"


# The moves a meeting's status may make by PATCH (DESIGN §4, issue 5).
STATUS_MOVES: dict[str, frozenset[str]] = {
    MeetingStatus.planned: frozenset(
        {MeetingStatus.invited, MeetingStatus.held, MeetingStatus.cancelled}
    ),
    MeetingStatus.invited: frozenset({MeetingStatus.held, MeetingStatus.cancelled}),
    MeetingStatus.held: frozenset({MeetingStatus.minutes_approved}),
    MeetingStatus.minutes_approved: frozenset(),
    # reopened: the rotation re-flows around it again (issue 11 point 7)
    MeetingStatus.cancelled: frozenset({MeetingStatus.planned}),
}

OPEN_STATUSES = frozenset({MeetingStatus.planned, MeetingStatus.invited})
HELD_STATUSES = frozenset({MeetingStatus.held, MeetingStatus.minutes_approved})
# a decision in one of these states is part of the record: no correction, no withdrawal
FINAL_DECISION_STATES = frozenset({DecisionStatus.resolved, DecisionStatus.withdrawn})


class ActionStatus(StrEnum):
    """A follow-up is open until done, or dropped."""

    open = "open"
    done = "done"
    dropped = "dropped"
