"""Meetings, their agenda items and the decisions that flow between bodies."""

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Entity

meeting_attendees = Table(
    "meeting_attendees",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id"), primary_key=True, index=True),
)

agenda_item_sources = Table(
    "agenda_item_sources",
    Base.metadata,
    Column("agenda_item_id", ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True),
    Column("decision_id", ForeignKey("decisions.id"), primary_key=True, index=True),
)


class MeetingAttendee(Base):
    """A contact invited to a meeting (mapped onto `meeting_attendees`)."""

    __table__ = meeting_attendees

    meeting_id: Mapped[uuid.UUID]
    contact_id: Mapped[uuid.UUID]


class AgendaItemSource(Base):
    """A decision an agenda item brings before the body (mapped onto `agenda_item_sources`)."""

    __table__ = agenda_item_sources

    agenda_item_id: Mapped[uuid.UUID]
    decision_id: Mapped[uuid.UUID]


class Meeting(Entity):
    """A meeting of a body, in one mode of the body's rotation."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_body_starts", "body_id", "starts_at"),)

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.id"))
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(32))
    mode_override_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(500), default=None)
    online_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    status: Mapped[str] = mapped_column(String(32), default="planned")
    minutes: Mapped[str | None] = mapped_column(Text, default=None)
    # set when the minutes are approved (status minutes_approved): the meeting is locked
    minutes_approved_at: Mapped[datetime | None] = mapped_column(default=None)
    # iCalendar SEQUENCE: grows with each change a calendar client should notice
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    attendee_links: Mapped[list[MeetingAttendee]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MeetingAttendee.contact_id",
    )

    @property
    def attendee_ids(self) -> list[uuid.UUID]:
        """The invited contacts, in a stable order."""
        return [link.contact_id for link in self.attendee_links]

    def bump(self) -> None:
        """A change calendars should notice: a new SEQUENCE and a new `updated_at`."""
        self.sequence = (self.sequence or 0) + 1
        self.touch()


class AgendaItem(Entity):
    """An item on a meeting's agenda, kept in order 1..n."""

    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting_position", "meeting_id", "position"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    kind: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(200), default=None)
    within_plan: Mapped[bool] = mapped_column(Boolean, default=True)
    focus_area: Mapped[str | None] = mapped_column(String(100), default=None)
    presenter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id"), index=True, default=None
    )
    duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    # what became of the item (AgendaOutcome); `postponed` carries it on (flow.py)
    outcome_status: Mapped[str | None] = mapped_column(String(16), default=None)
    # a postponed item carried on points back to the item it continues
    carried_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id"), index=True, default=None
    )
    # bookkeeping, not in the API: the carried copy of this postponed item was deleted by
    # hand, so the matter was dropped and is not carried again (flow.place_waiting)
    carry_dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    # set on items the decision flow made: the reporting body whose reports it gathers
    source_body_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bodies.id"), index=True, default=None
    )
    # the "Godkendelse af referat" item: the meeting whose minutes it approves
    refers_to_meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True, default=None
    )

    source_links: Mapped[list[AgendaItemSource]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AgendaItemSource.decision_id",
    )

    @property
    def source_decision_ids(self) -> list[uuid.UUID]:
        """The decisions this item brings up from a body below."""
        return [link.decision_id for link in self.source_links]

    @property
    def number(self) -> str:
        """The display label: "1", "2", …"""
        return str(self.position)


class Decision(Entity):
    """A decision of a body; routine ones are reported up, major ones escalated."""

    __tablename__ = "decisions"

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.id"), index=True)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meetings.id"), index=True, default=None
    )
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text, default=None)
    impact: Mapped[str] = mapped_column(String(16), default="routine")
    status: Mapped[str] = mapped_column(String(16), default="decided")
    reported: Mapped[bool | None] = mapped_column(Boolean, default=None)
    origin_decision_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("decisions.id"), index=True, default=None
    )
    focus_area: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[datetime] = mapped_column(index=True)
    # a resolution (origin_decision_id set) is told to the body that escalated: true once an
    # item carrying it is on a held meeting of that body without being postponed
    reported_down: Mapped[bool | None] = mapped_column(Boolean, default=None)


class Action(Entity):
    """A follow-up (opfølgningspunkt): who does what by when, and where it came from."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_body_status_due", "body_id", "status", "due_date"),)

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id"), index=True, default=None
    )
    due_date: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True, default=None
    )
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True, default=None
    )
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), index=True, default=None
    )
