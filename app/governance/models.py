"""Plans, their bodies and the bodies' members."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Entity

plan_partners = Table(
    "plan_partners",
    Base.metadata,
    Column("plan_id", ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True, index=True),
)


class Plan(Entity):
    """A helhedsplan: a municipality and housing organisations working to one plan."""

    __tablename__ = "plans"

    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    municipality_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    areas: Mapped[list[Any]] = mapped_column(default=list)
    funding_round: Mapped[str | None] = mapped_column(String(32), default=None)
    period_start: Mapped[date | None] = mapped_column(Date, default=None)
    period_end: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    focus_areas: Mapped[list[Any]] = mapped_column(default=list)

    partner_links: Mapped[list["PlanPartner"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanPartner.organization_id",
    )

    @property
    def partner_ids(self) -> list[uuid.UUID]:
        """The partner organizations, in a stable order."""
        return sorted(link.organization_id for link in self.partner_links)


class PlanPartner(Base):
    """A partner organization of a plan (mapped onto `plan_partners`)."""

    __table__ = plan_partners

    plan_id: Mapped[uuid.UUID]
    organization_id: Mapped[uuid.UUID]


class Body(Entity):
    """A board, steering group, working group, … of a plan."""

    __tablename__ = "bodies"
    # DESIGN §2 rule 2, held by the database too: one active board per plan, even under races
    __table_args__ = (
        Index(
            "uq_bodies_active_board",
            "plan_id",
            unique=True,
            sqlite_where=text("kind = 'board' AND active"),
            postgresql_where=text("kind = 'board' AND active"),
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    mandate: Mapped[str | None] = mapped_column(Text, default=None)
    decision_authority: Mapped[str | None] = mapped_column(Text, default=None)
    reports_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bodies.id"), index=True, default=None
    )
    meeting_rotation: Mapped[list[Any]] = mapped_column(default=list)
    # when meeting_rotation last changed: meetings before it no longer count in the rotation
    rotation_since: Mapped[datetime | None] = mapped_column(default=None)
    agenda_format: Mapped[str] = mapped_column(String(32), default="standard")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Membership(Entity):
    """A contact's seat in a body, with a role and a period."""

    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_body_start", "body_id", "start_date"),)

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bodies.id"))
    contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contacts.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    on_behalf_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), index=True, default=None
    )
    voting_right: Mapped[bool] = mapped_column(Boolean, default=True)
    substitute_for_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id"), index=True, default=None
    )
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    body: Mapped[Body] = relationship(lazy="raise")
