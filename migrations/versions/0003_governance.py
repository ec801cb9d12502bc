"""governance: plans, partners, bodies, memberships

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("municipality_id", sa.Uuid(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("funding_round", sa.String(length=32), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("focus_areas", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["organizations.id"],
            name=op.f("fk_plans_municipality_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(op.f("ix_plans_municipality_id"), "plans", ["municipality_id"])
    op.create_index(op.f("ix_plans_name_folded"), "plans", ["name_folded"])
    op.create_index(op.f("ix_plans_updated_at"), "plans", ["updated_at"])
    op.create_table(
        "plan_partners",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_plan_partners_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_partners_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "organization_id", name=op.f("pk_plan_partners")),
    )
    op.create_index(op.f("ix_plan_partners_organization_id"), "plan_partners", ["organization_id"])
    op.create_table(
        "bodies",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("mandate", sa.Text(), nullable=True),
        sa.Column("decision_authority", sa.Text(), nullable=True),
        sa.Column("reports_to_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_rotation", sa.JSON(), nullable=False),
        sa.Column("agenda_format", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_bodies_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["reports_to_id"], ["bodies.id"], name=op.f("fk_bodies_reports_to_id_bodies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bodies")),
    )
    op.create_index(op.f("ix_bodies_name_folded"), "bodies", ["name_folded"])
    op.create_index(op.f("ix_bodies_plan_id"), "bodies", ["plan_id"])
    op.create_index(op.f("ix_bodies_reports_to_id"), "bodies", ["reports_to_id"])
    op.create_index(op.f("ix_bodies_updated_at"), "bodies", ["updated_at"])
    # one active board per plan (DESIGN §2 rule 2), also under concurrent writes
    op.create_index(
        "uq_bodies_active_board",
        "bodies",
        ["plan_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'board' AND active"),
        postgresql_where=sa.text("kind = 'board' AND active"),
    )
    op.create_table(
        "memberships",
        sa.Column("body_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("on_behalf_of_id", sa.Uuid(), nullable=True),
        sa.Column("voting_right", sa.Boolean(), nullable=False),
        sa.Column("substitute_for_id", sa.Uuid(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_memberships_body_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_memberships_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_on_behalf_of_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["substitute_for_id"],
            ["contacts.id"],
            name=op.f("fk_memberships_substitute_for_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_body_start", "memberships", ["body_id", "start_date"])
    op.create_index(op.f("ix_memberships_contact_id"), "memberships", ["contact_id"])
    op.create_index(op.f("ix_memberships_on_behalf_of_id"), "memberships", ["on_behalf_of_id"])
    op.create_index(op.f("ix_memberships_substitute_for_id"), "memberships", ["substitute_for_id"])
    op.create_index(op.f("ix_memberships_updated_at"), "memberships", ["updated_at"])


def downgrade() -> None:
    op.drop_table("memberships")
    op.drop_table("bodies")
    op.drop_table("plan_partners")
    op.drop_table("plans")
