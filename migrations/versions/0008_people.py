"""people: users who sign in, role mappings, personal calendar tokens; the change log names
the acting user or key (actor_kind + actor_id instead of actor_key_id)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_changes = sa.table(
    "changes",
    sa.column("actor_key_id", sa.Uuid()),
    sa.column("actor_kind", sa.String()),
    sa.column("actor_id", sa.Uuid()),
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calendar_token_hash", sa.String(length=64), nullable=True),
        sa.Column("calendar_token_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_users_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),
        sa.UniqueConstraint("calendar_token_hash", name=op.f("uq_users_calendar_token_hash")),
    )
    op.create_index(op.f("ix_users_contact_id"), "users", ["contact_id"])
    op.create_index(op.f("ix_users_updated_at"), "users", ["updated_at"])
    op.create_table(
        "role_mappings",
        sa.Column("claim", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("plan_ids", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_mappings")),
        sa.UniqueConstraint("claim", "value", name="uq_role_mappings_claim_value"),
    )
    op.create_index(op.f("ix_role_mappings_updated_at"), "role_mappings", ["updated_at"])

    # The change log: every existing entry was made by a key (actor_key_id set) or by the
    # server itself (demo data, actor_key_id null).
    with op.batch_alter_table("changes") as batch:
        batch.add_column(
            sa.Column("actor_kind", sa.String(length=8), nullable=False, server_default="system")
        )
        batch.add_column(sa.Column("actor_id", sa.Uuid(), nullable=True))
    op.execute(
        _changes.update()
        .where(_changes.c.actor_key_id.is_not(None))
        .values(actor_kind="key", actor_id=_changes.c.actor_key_id)
    )
    with op.batch_alter_table("changes") as batch:
        batch.alter_column("actor_kind", server_default=None)
        batch.drop_column("actor_key_id")


def downgrade() -> None:
    # A person's entries keep their actor name; their id has no place in the old column.
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("actor_key_id", sa.Uuid(), nullable=True))
    op.execute(
        _changes.update()
        .where(_changes.c.actor_kind == "key")
        .values(actor_key_id=_changes.c.actor_id)
    )
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("actor_id")
        batch.drop_column("actor_kind")
    op.drop_index(op.f("ix_role_mappings_updated_at"), table_name="role_mappings")
    op.drop_table("role_mappings")
    op.drop_index(op.f("ix_users_updated_at"), table_name="users")
    op.drop_index(op.f("ix_users_contact_id"), table_name="users")
    op.drop_table("users")
