"""meeting flow: postponed items carried on, decision corrections, resolutions reported down

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(sa.Column("outcome_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("carried_from_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_agenda_items_carried_from_id_agenda_items"),
            "agenda_items",
            ["carried_from_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_agenda_items_carried_from_id"), ["carried_from_id"])
        batch.add_column(
            sa.Column("carry_dropped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("reported_down", sa.Boolean(), nullable=True))
    # resolutions recorded before this revision count as told (they predate the flow down);
    # an agenda would otherwise fill with old news
    op.execute("UPDATE decisions SET reported_down = true WHERE origin_decision_id IS NOT NULL")


def downgrade() -> None:
    # the old schema knows no withdrawn decision: keep it as decided, out of the flow
    op.execute(
        "UPDATE decisions SET status = 'decided', reported = NULL WHERE status = 'withdrawn'"
    )
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("reported_down")
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_column("carry_dropped")
        batch.drop_index(op.f("ix_agenda_items_carried_from_id"))
        batch.drop_constraint(
            op.f("fk_agenda_items_carried_from_id_agenda_items"), type_="foreignkey"
        )
        batch.drop_column("carried_from_id")
        batch.drop_column("outcome_status")
