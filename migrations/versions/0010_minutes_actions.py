"""minutes actions: follow-ups (actions), the minutes item's pointer, rotation changes

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_actions_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["contacts.id"], name=op.f("fk_actions_owner_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_actions_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_actions_agenda_item_id_agenda_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_actions_decision_id_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index("ix_actions_body_status_due", "actions", ["body_id", "status", "due_date"])
    op.create_index(op.f("ix_actions_owner_id"), "actions", ["owner_id"])
    op.create_index(op.f("ix_actions_meeting_id"), "actions", ["meeting_id"])
    op.create_index(op.f("ix_actions_agenda_item_id"), "actions", ["agenda_item_id"])
    op.create_index(op.f("ix_actions_decision_id"), "actions", ["decision_id"])
    op.create_index(op.f("ix_actions_updated_at"), "actions", ["updated_at"])
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(sa.Column("refers_to_meeting_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_agenda_items_refers_to_meeting_id_meetings"),
            "meetings",
            ["refers_to_meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_agenda_items_refers_to_meeting_id"), ["refers_to_meeting_id"])
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(
            sa.Column("minutes_approved_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("bodies") as batch:
        batch.add_column(sa.Column("rotation_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bodies") as batch:
        batch.drop_column("rotation_since")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("minutes_approved_at")
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_index(op.f("ix_agenda_items_refers_to_meeting_id"))
        batch.drop_constraint(
            op.f("fk_agenda_items_refers_to_meeting_id_meetings"), type_="foreignkey"
        )
        batch.drop_column("refers_to_meeting_id")
    op.drop_table("actions")
