"""meetings: meetings, attendees, agenda items, decisions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("mode_override_reason", sa.String(length=500), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("online_url", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_meetings_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index("ix_meetings_body_starts", "meetings", ["body_id", "starts_at"])
    op.create_index(op.f("ix_meetings_starts_at"), "meetings", ["starts_at"])
    op.create_index(op.f("ix_meetings_updated_at"), "meetings", ["updated_at"])
    op.create_table(
        "meeting_attendees",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_meeting_attendees_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_attendees_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "contact_id", name=op.f("pk_meeting_attendees")),
    )
    op.create_index(op.f("ix_meeting_attendees_contact_id"), "meeting_attendees", ["contact_id"])
    op.create_table(
        "agenda_items",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("within_plan", sa.Boolean(), nullable=False),
        sa.Column("focus_area", sa.String(length=100), nullable=True),
        sa.Column("presenter_id", sa.Uuid(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("source_body_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_agenda_items_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["presenter_id"], ["contacts.id"], name=op.f("fk_agenda_items_presenter_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["source_body_id"], ["bodies.id"], name=op.f("fk_agenda_items_source_body_id_bodies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    op.create_index("ix_agenda_items_meeting_position", "agenda_items", ["meeting_id", "position"])
    op.create_index(op.f("ix_agenda_items_presenter_id"), "agenda_items", ["presenter_id"])
    op.create_index(op.f("ix_agenda_items_source_body_id"), "agenda_items", ["source_body_id"])
    op.create_index(op.f("ix_agenda_items_updated_at"), "agenda_items", ["updated_at"])
    op.create_table(
        "decisions",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("impact", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=True),
        sa.Column("origin_decision_id", sa.Uuid(), nullable=True),
        sa.Column("focus_area", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_decisions_agenda_item_id_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_decisions_body_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["origin_decision_id"],
            ["decisions.id"],
            name=op.f("fk_decisions_origin_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_agenda_item_id"), "decisions", ["agenda_item_id"])
    op.create_index(op.f("ix_decisions_body_id"), "decisions", ["body_id"])
    op.create_index(op.f("ix_decisions_decided_at"), "decisions", ["decided_at"])
    op.create_index(op.f("ix_decisions_meeting_id"), "decisions", ["meeting_id"])
    op.create_index(op.f("ix_decisions_origin_decision_id"), "decisions", ["origin_decision_id"])
    op.create_index(op.f("ix_decisions_updated_at"), "decisions", ["updated_at"])
    op.create_table(
        "agenda_item_sources",
        sa.Column("agenda_item_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_agenda_item_sources_agenda_item_id_agenda_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_agenda_item_sources_decision_id_decisions"),
        ),
        sa.PrimaryKeyConstraint(
            "agenda_item_id", "decision_id", name=op.f("pk_agenda_item_sources")
        ),
    )
    op.create_index(
        op.f("ix_agenda_item_sources_decision_id"), "agenda_item_sources", ["decision_id"]
    )


def downgrade() -> None:
    op.drop_table("agenda_item_sources")
    op.drop_table("decisions")
    op.drop_table("agenda_items")
    op.drop_table("meeting_attendees")
    op.drop_table("meetings")
