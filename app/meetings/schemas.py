"""Request and response bodies of meetings, agenda items and decisions."""

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    TypeAdapter,
    model_validator,
)

from app.core.schemas import (
    MAX_YEAR,
    MIN_YEAR,
    EntityRead,
    InputModel,
    Instant,
    LongText,
    MultiLine,
    Name,
    OneLine,
    ShortText,
    optional,
)
from app.meetings.enums import (
    ActionStatus,
    AgendaItemKind,
    AgendaOutcome,
    DecisionImpact,
    DecisionStatus,
    MeetingMode,
    MeetingStatus,
)

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

_INSTANT = TypeAdapter(Instant)


def _bound(value: Any) -> Any:
    # A date (YYYY-MM-DD) or an aware datetime; a naive datetime is refused.
    if isinstance(value, str) and _DATE.match(value.strip()):
        parsed = date.fromisoformat(value.strip())
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise ValueError(f"must lie between the years {MIN_YEAR} and {MAX_YEAR}")
        return parsed
    return _INSTANT.validate_python(value)


Bound = Annotated[
    date | AwareDatetime,
    BeforeValidator(_bound),
    Field(description="A date (a whole day in Europe/Copenhagen) or a datetime with offset."),
]

Url = Annotated[str, Field(max_length=1000, pattern=r"^https?://[^\s]+$")]
Reason = Annotated[MultiLine, Field(min_length=1, max_length=500)]
Minutes = Annotated[int, Field(ge=1, le=1440)]
AttendeeIds = Annotated[list[uuid.UUID], Field(max_length=500)]


def _check_order(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and not starts_at < ends_at:
        raise ValueError("starts_at must be before ends_at")


class MeetingCreate(InputModel):
    """A new meeting. Without `mode` it gets the mode the rotation expects."""

    body_id: uuid.UUID
    title: Name | None = Field(default=None, description="Default: the body's name.")
    mode: MeetingMode | None = Field(
        default=None, description="Default: the mode the body's rotation expects at starts_at."
    )
    mode_override_reason: Reason | None = Field(
        default=None, description="Keeps a mode the rotation does not expect (rule 1)."
    )
    starts_at: Instant
    ends_at: Instant
    location: ShortText | None = None
    online_url: Url | None = None
    status: MeetingStatus = MeetingStatus.planned
    minutes: LongText | None = None
    attendee_ids: AttendeeIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _starts_before_end(self) -> "MeetingCreate":
        _check_order(self.starts_at, self.ends_at)
        return self


class MeetingUpdate(InputModel):
    """Changes to a meeting, status moves included; only the fields sent are written."""

    title: Name = optional()
    mode: MeetingMode = optional()
    mode_override_reason: Reason | None = None
    starts_at: Instant = optional()
    ends_at: Instant = optional()
    location: ShortText | None = None
    online_url: Url | None = None
    status: MeetingStatus = optional()
    minutes: LongText | None = None
    attendee_ids: AttendeeIds = optional()

    @model_validator(mode="after")
    def _starts_before_end(self) -> "MeetingUpdate":
        _check_order(self.starts_at, self.ends_at)
        return self


class MeetingRead(EntityRead):
    """A meeting."""

    body_id: uuid.UUID
    title: str
    mode: MeetingMode
    mode_override_reason: str | None
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    status: MeetingStatus
    minutes: str | None = Field(
        description="The minutes (referat): a draft until approved (status minutes_approved)."
    )
    minutes_approved_at: datetime | None = Field(
        description="When the minutes were approved; from then on the meeting, its agenda "
        "items and its decisions refuse changes (409, rule minutes-locked)."
    )
    attendee_ids: list[uuid.UUID]
    sequence: int = Field(description="iCalendar SEQUENCE: grows with each calendar change.")


class RotationChangeRead(BaseModel):
    """A meeting the write re-flowed: a new mode, or its mode kept with an override."""

    meeting_id: uuid.UUID
    from_mode: MeetingMode
    to_mode: MeetingMode
    mode_override_reason: str | None = Field(
        default=None, description="Set when the meeting kept its mode (agenda already sent)."
    )


class MeetingWritten(MeetingRead):
    """A meeting as written, with the changes the write made to the body's other meetings."""

    rotation_changes: list[RotationChangeRead]


class RotationPreview(BaseModel):
    """What a write would do to the rotation (`?dry_run=true` on a delete)."""

    rotation_changes: list[RotationChangeRead]


class SeriesCreate(InputModel):
    """A series of meetings at a fixed interval, keeping local wall-clock time."""

    first_starts_at: Instant
    count: Annotated[int, Field(ge=1, le=104)]
    interval_weeks: Annotated[int, Field(ge=1, le=52)]
    duration_minutes: Minutes
    location: ShortText | None = None
    title: Name | None = Field(default=None, description="Default: the body's name.")


class SeriesCreated(BaseModel):
    """The meetings a series made."""

    items: list[MeetingRead]
    rotation_changes: list[RotationChangeRead]


class NextMode(BaseModel):
    """The mode the rotation expects for a new meeting at `at`."""

    mode: MeetingMode
    free_choice: bool = Field(
        description="True when no meeting counts before `at`: any mode of the rotation fits."
    )
    rotation: list[MeetingMode]
    previous_meeting_id: uuid.UUID | None = Field(
        description="The meeting the expected mode follows, if any."
    )


class AgendaItemCreate(InputModel):
    """A new agenda item; without `position` it goes last."""

    title: Annotated[OneLine, Field(min_length=1, max_length=300)]
    description: LongText | None = None
    kind: AgendaItemKind = AgendaItemKind.discussion
    topic: Annotated[OneLine, Field(max_length=200)] | None = None
    within_plan: bool = True
    focus_area: Annotated[OneLine, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="One of the plan's focus area keys."
    )
    presenter_id: uuid.UUID | None = None
    duration_minutes: Minutes | None = None
    public: bool = False
    outcome: LongText | None = None
    outcome_status: AgendaOutcome | None = Field(
        default=None,
        description="What became of the item; postponed on a held meeting carries it on.",
    )
    position: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="1..n+1; the items from there on move down."
    )


class AgendaItemUpdate(InputModel):
    """Changes to an agenda item; a new `position` moves it."""

    title: Annotated[OneLine, Field(min_length=1, max_length=300)] = optional()
    description: LongText | None = None
    kind: AgendaItemKind = optional()
    topic: Annotated[OneLine, Field(max_length=200)] | None = None
    within_plan: bool = optional()
    focus_area: Annotated[OneLine, Field(min_length=1, max_length=100)] | None = None
    presenter_id: uuid.UUID | None = None
    duration_minutes: Minutes | None = None
    public: bool = optional()
    outcome: LongText | None = None
    outcome_status: AgendaOutcome | None = Field(
        default=None,
        description="What became of the item; postponed on a held meeting carries it on.",
    )
    position: Annotated[int, Field(ge=1, le=10_000)] = optional()
    meeting_id: Annotated[
        uuid.UUID,
        Field(
            description=(
                "Move the item (same id) to another meeting of the same body; the target's "
                "rules apply (scope, format, room). With `position` it lands there, else "
                "before the closing standing items."
            )
        ),
    ] = optional()


class AgendaItemRead(EntityRead):
    """An agenda item."""

    meeting_id: uuid.UUID
    position: int
    number: str = Field(description='The display label: "1", "2", …')
    title: str
    description: str | None
    kind: AgendaItemKind
    topic: str | None
    within_plan: bool
    focus_area: str | None
    presenter_id: uuid.UUID | None
    duration_minutes: int | None
    public: bool
    outcome: str | None
    outcome_status: AgendaOutcome | None = Field(
        description="What became of the item at its meeting (postponed: carried on)."
    )
    carried_from_id: uuid.UUID | None = Field(
        description="The postponed item of an earlier meeting this item carries on."
    )
    source_body_id: uuid.UUID | None = Field(
        description="Set on items the decision flow made: the body whose decisions they bring."
    )
    source_decision_ids: list[uuid.UUID]
    refers_to_meeting_id: uuid.UUID | None = Field(
        description='Set on "Godkendelse af referat": the meeting whose minutes it approves.'
    )


class AgendaOrder(InputModel):
    """Every item of the meeting, in the new order."""

    item_ids: Annotated[list[uuid.UUID], Field(max_length=10_000)]


class AgendaItems(BaseModel):
    """Agenda items (a whole agenda, or the ones a draft added)."""

    items: list[AgendaItemRead]


class DecisionCreate(InputModel):
    """A decision of a body; its status follows from its impact and the body's reporting line."""

    body_id: uuid.UUID
    meeting_id: uuid.UUID | None = Field(default=None, description="A meeting of that body.")
    agenda_item_id: uuid.UUID | None = Field(
        default=None, description="The item it was made under, on a meeting of that body."
    )
    title: Annotated[OneLine, Field(min_length=1, max_length=300)]
    text: LongText | None = None
    impact: DecisionImpact = DecisionImpact.routine
    origin_decision_id: uuid.UUID | None = Field(
        default=None, description="The escalated decision (of a body below) this one resolves."
    )
    focus_area: Annotated[OneLine, Field(min_length=1, max_length=100)] | None = None
    decided_at: Instant | None = Field(
        default=None, description="Default: the meeting's start, else now."
    )


class DecisionUpdate(InputModel):
    """A correction, while the decision is not yet reported or resolved (else 409
    `decision-final`): a new `impact` re-routes it; `status: withdrawn` withdraws it."""

    title: Annotated[OneLine, Field(min_length=1, max_length=300)] = optional()
    text: LongText | None = None
    focus_area: Annotated[OneLine, Field(min_length=1, max_length=100)] | None = None
    decided_at: Instant = optional()
    impact: Annotated[
        DecisionImpact,
        Field(
            description=(
                "routine ↔ major re-routes it: out of the report item into its own escalation "
                "item, or back."
            )
        ),
    ] = optional()
    status: Annotated[
        Literal["withdrawn"],
        Field(
            description=(
                "withdrawn: taken off every agenda item not yet held (an emptied item goes)."
            )
        ),
    ] = optional()


class DecisionRead(EntityRead):
    """A decision."""

    body_id: uuid.UUID
    meeting_id: uuid.UUID | None
    agenda_item_id: uuid.UUID | None
    title: str
    text: str | None
    impact: DecisionImpact
    status: DecisionStatus
    reported: bool | None = Field(
        description="Routine decisions of a body that reports: true once on a held meeting."
    )
    origin_decision_id: uuid.UUID | None
    focus_area: str | None
    decided_at: datetime
    reported_down: bool | None = Field(
        description=(
            "Resolutions (origin_decision_id set): true once told to the body that escalated, "
            "on a held meeting of it."
        )
    )


class InboxEntryRead(DecisionRead):
    """A decision that waits for the body, and where it is placed."""

    placed_on: uuid.UUID | None = Field(
        description="The upcoming (planned or invited) meeting whose agenda carries it, or null."
    )


# --- follow-ups (actions) ----------------------------------------------------------------

ActionTitle = Annotated[OneLine, Field(min_length=1, max_length=300)]


class ActionCreate(InputModel):
    """A follow-up (opfølgningspunkt): what is to be done, by whom, by when, and its origin."""

    body_id: uuid.UUID = Field(description="The body that follows it up.")
    title: ActionTitle
    description: LongText | None = None
    owner_id: uuid.UUID | None = Field(default=None, description="The contact who owns it.")
    due_date: date | None = None
    status: ActionStatus = ActionStatus.open
    meeting_id: uuid.UUID | None = Field(default=None, description="A meeting of that body.")
    agenda_item_id: uuid.UUID | None = Field(
        default=None, description="An agenda item on a meeting of that body."
    )
    decision_id: uuid.UUID | None = Field(default=None, description="A decision of that body.")


class ActionUpdate(InputModel):
    """Changes to a follow-up; `status` done or dropped closes it (`closed_at`)."""

    title: ActionTitle = optional()
    description: LongText | None = None
    owner_id: uuid.UUID | None = None
    due_date: date | None = None
    status: ActionStatus = optional()
    meeting_id: uuid.UUID | None = None
    agenda_item_id: uuid.UUID | None = None
    decision_id: uuid.UUID | None = None


class ActionRead(EntityRead):
    """A follow-up."""

    body_id: uuid.UUID
    title: str
    description: str | None
    owner_id: uuid.UUID | None
    due_date: date | None
    status: ActionStatus
    closed_at: datetime | None = Field(description="When it was marked done or dropped.")
    meeting_id: uuid.UUID | None
    agenda_item_id: uuid.UUID | None
    decision_id: uuid.UUID | None
