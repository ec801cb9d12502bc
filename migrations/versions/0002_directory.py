"""directory: contacts (with a trigram search index on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("responsibilities", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("erased", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("responsibility_tags", sa.Text(), nullable=False),
        sa.Column("sort_family", sa.String(length=200), nullable=False),
        sa.Column("sort_given", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contacts_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_organization_id"), "contacts", ["organization_id"])
    op.create_index("ix_contacts_sort", "contacts", ["sort_family", "sort_given", "id"])
    # the default list hides archived contacts: this partial index gives its order and
    # lets its count be an index-only scan (the repository writes `NOT archived`)
    op.create_index(
        "ix_contacts_active_sort",
        "contacts",
        ["sort_family", "sort_given", "id"],
        postgresql_where=sa.text("NOT archived"),
        sqlite_where=sa.text("archived = 0"),
    )
    op.create_index(op.f("ix_contacts_updated_at"), "contacts", ["updated_at"])
    # `?q=` is a substring LIKE on the folded search_text: on PostgreSQL a trigram GIN index
    # serves it (and its count) without scanning the table; SQLite gets a plain index.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_contacts_search_text",
        "contacts",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_table("contacts")
