"""Request and response bodies of the governance structure, the check and the vocabularies."""

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from app.core.schemas import EntityRead, InputModel, LongText, Name, OneLine, optional
from app.governance.enums import AgendaFormat, BodyKind, MemberRole, PlanStatus
from app.meetings.enums import MeetingMode
from app.meetings.schemas import RotationChangeRead


def _iso_date(value: object) -> object:
    # lax parsing would read "20" as a Unix timestamp; a date is written YYYY-MM-DD
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected an ISO 8601 date (YYYY-MM-DD)")
    return value


# A query parameter date: YYYY-MM-DD, nothing else.
QueryDate = Annotated[date, BeforeValidator(_iso_date)]

AreaName = Annotated[OneLine, Field(min_length=1, max_length=200)]
FundingRound = Annotated[
    OneLine, Field(min_length=1, max_length=32, description='Bevillingsramme, e.g. "2019-2026".')
]
FocusAreaKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_]*$",
        description="A stable code, e.g. `employment`.",
    ),
]
PartnerIds = Annotated[list[uuid.UUID], Field(max_length=50, description="Partner organizations.")]
Areas = Annotated[list[AreaName], Field(max_length=100, description="Names of the housing areas.")]
Rotation = Annotated[
    list[MeetingMode],
    Field(
        min_length=1,
        max_length=24,
        description="The modes the body's meetings follow, cyclically (DESIGN §2 rule 1).",
    ),
]


class FocusArea(InputModel):
    """A plan's focus area (indsatsområde)."""

    key: FocusAreaKey
    name: Name


FocusAreas = Annotated[list[FocusArea], Field(max_length=50)]


def _unique_keys(areas: list[FocusArea] | None) -> list[FocusArea] | None:
    if areas is not None:
        keys = [area.key for area in areas]
        if len(keys) != len(set(keys)):
            raise ValueError("focus area keys must be unique")
    return areas


class PlanCreate(InputModel):
    """A new plan (helhedsplan)."""

    name: Name
    municipality_id: uuid.UUID = Field(description="An organization of kind municipality.")
    partner_ids: PartnerIds = Field(default_factory=list)
    areas: Areas = Field(default_factory=list)
    funding_round: FundingRound | None = None
    period_start: date | None = None
    period_end: date | None = Field(default=None, description="After `period_start`.")
    status: PlanStatus = PlanStatus.draft
    focus_areas: FocusAreas | None = Field(
        default=None,
        description="Left out: the funding round's focus areas from the vocabularies.",
    )

    _check_focus_areas = field_validator("focus_areas")(_unique_keys)


class PlanUpdate(InputModel):
    """Changes to a plan: only the fields sent are written."""

    name: Name = optional()
    municipality_id: uuid.UUID = optional()
    partner_ids: PartnerIds = optional()
    areas: Areas = optional()
    funding_round: FundingRound | None = None
    period_start: date | None = None
    period_end: date | None = None
    status: PlanStatus = optional()
    focus_areas: FocusAreas = optional()

    _check_focus_areas = field_validator("focus_areas")(_unique_keys)


class FocusAreaRead(BaseModel):
    """A plan's focus area."""

    key: str
    name: str


class PlanRead(EntityRead):
    """A plan."""

    name: str
    municipality_id: uuid.UUID
    partner_ids: list[uuid.UUID]
    areas: list[str]
    funding_round: str | None
    period_start: date | None
    period_end: date | None
    status: PlanStatus
    focus_areas: list[FocusAreaRead]


class BodyCreate(InputModel):
    """A new body of a plan."""

    plan_id: uuid.UUID
    kind: BodyKind
    name: Name
    mandate: LongText | None = None
    decision_authority: LongText | None = None
    reports_to_id: uuid.UUID | None = Field(
        default=None, description="A body of the same plan; no cycles."
    )
    meeting_rotation: Rotation | None = Field(
        default=None,
        description='Left out: `["plan_review"]` for a board, `["regular"]` for other bodies.',
    )
    agenda_format: AgendaFormat = AgendaFormat.standard
    active: bool = True


class BodyUpdate(InputModel):
    """Changes to a body (its plan cannot change): only the fields sent are written."""

    kind: BodyKind = optional()
    name: Name = optional()
    mandate: LongText | None = None
    decision_authority: LongText | None = None
    reports_to_id: uuid.UUID | None = None
    meeting_rotation: Rotation = optional()
    agenda_format: AgendaFormat = optional()
    active: bool = optional()


class BodyRead(EntityRead):
    """A body: board, steering group, working group, …"""

    plan_id: uuid.UUID
    kind: BodyKind
    name: str
    mandate: str | None
    decision_authority: str | None
    reports_to_id: uuid.UUID | None
    meeting_rotation: list[MeetingMode]
    rotation_since: datetime | None = Field(
        description="When meeting_rotation last changed: meetings before it no longer count "
        "in the rotation (nor in the governance check's mode-rotation rule)."
    )
    agenda_format: AgendaFormat
    active: bool


class BodyWritten(BodyRead):
    """A body as written, with what a change of its rotation did to its meetings."""

    rotation_changes: list[RotationChangeRead] = Field(
        description="Meetings the new rotation re-flowed (empty unless meeting_rotation changed)."
    )


class MembershipCreate(InputModel):
    """A contact's seat in a body."""

    contact_id: uuid.UUID
    role: MemberRole = MemberRole.member
    on_behalf_of_id: uuid.UUID | None = Field(
        default=None, description="The organization the member represents."
    )
    voting_right: bool | None = Field(
        default=None,
        description="Left out: true, except for secretaries, observers and substitutes.",
    )
    substitute_for_id: uuid.UUID | None = Field(
        default=None, description="The contact this member substitutes for."
    )
    start_date: date | None = None
    end_date: date | None = Field(
        default=None, description="The last day of the seat; null while current."
    )
    note: LongText | None = None


class MembershipUpdate(InputModel):
    """Changes to a membership: only the fields sent are written."""

    contact_id: uuid.UUID = optional()
    role: MemberRole = optional()
    on_behalf_of_id: uuid.UUID | None = None
    voting_right: bool = optional()
    substitute_for_id: uuid.UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    note: LongText | None = None


class MembershipRead(EntityRead):
    """A contact's seat in a body."""

    body_id: uuid.UUID
    contact_id: uuid.UUID
    role: MemberRole
    on_behalf_of_id: uuid.UUID | None
    voting_right: bool
    substitute_for_id: uuid.UUID | None
    start_date: date | None
    end_date: date | None
    note: str | None


class StructureMember(BaseModel):
    """A current member of a body, for an organisation chart."""

    contact_id: uuid.UUID
    display_name: str
    job_title: str | None
    organization_name: str | None = Field(description="The contact's organization.")
    role: MemberRole
    on_behalf_of_id: uuid.UUID | None


class StructureLiaison(BaseModel):
    """Someone who links a body to the body it reports to (bindeled)."""

    contact_id: uuid.UUID
    display_name: str
    to_body_id: uuid.UUID


class StructureBody(BaseModel):
    """An active body with its current members and liaisons."""

    id: uuid.UUID
    kind: BodyKind
    name: str
    reports_to_id: uuid.UUID | None
    members: list[StructureMember]
    liaisons: list[StructureLiaison]


class PlanStructure(BaseModel):
    """A plan's whole organisation in one document."""

    plan: PlanRead
    bodies: list[StructureBody]


class Severity(StrEnum):
    """How serious a finding is; findings are ordered error, warning, info."""

    error = "error"
    warning = "warning"
    info = "info"


SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


class Subject(BaseModel):
    """What a finding is about."""

    type: str = Field(description="plan, body, organization, meeting, decision, …")
    id: uuid.UUID


class Finding(BaseModel):
    """One result of the governance check."""

    rule: str = Field(description="e.g. board-missing, chair-missing, liaison-missing")
    severity: Severity
    message: str = Field(description="What is wrong (Danish, or English with Accept-Language).")
    action: str = Field(description="What to do about it, in the same language.")
    subject: Subject


class GovernanceCheck(BaseModel):
    """The findings of a plan's governance check, ordered by severity, then rule."""

    findings: list[Finding]


class Term(BaseModel):
    """One code of a code list with its labels."""

    code: str
    da: str
    en: str


class FundingRoundTerms(Term):
    """A funding round and its focus areas."""

    focus_areas: list[Term]


class Vocabularies(BaseModel):
    """Every code list of the API with Danish and English labels."""

    organization_kinds: list[Term]
    body_kinds: list[Term]
    member_roles: list[Term]
    plan_statuses: list[Term]
    meeting_modes: list[Term]
    meeting_statuses: list[Term]
    agenda_item_kinds: list[Term]
    agenda_formats: list[Term]
    decision_impacts: list[Term]
    decision_statuses: list[Term]
    agenda_outcomes: list[Term] = Field(description="What became of an agenda item.")
    action_statuses: list[Term] = Field(description="Where a follow-up (action) is.")
    contact_visibilities: list[Term]
    email_labels: list[Term]
    phone_labels: list[Term]
    finding_severities: list[Term]
    check_rules: list[Term] = Field(description="The rules of the governance check.")
    api_key_roles: list[Term]
    funding_rounds: list[FundingRoundTerms] = Field(
        description="Funding rounds with the focus areas a new plan gets by default."
    )
