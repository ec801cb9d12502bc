"""Code lists of the governance structure."""

from enum import StrEnum


class PlanStatus(StrEnum):
    """Where a plan is in its life."""

    draft = "draft"
    active = "active"
    ended = "ended"


class BodyKind(StrEnum):
    """Kinds of governance body."""

    board = "board"
    steering_group = "steering_group"
    working_group = "working_group"
    follow_up_group = "follow_up_group"
    secretariat = "secretariat"
    other = "other"


class AgendaFormat(StrEnum):
    """How a body's agendas are built."""

    standard = "standard"
    trouble_and_success = "trouble_and_success"


class MemberRole(StrEnum):
    """A member's role in a body."""

    chair = "chair"
    co_chair = "co_chair"
    vice_chair = "vice_chair"
    member = "member"
    secretary = "secretary"
    liaison = "liaison"
    observer = "observer"
    substitute = "substitute"
