"""key trust: unique key names, the change log records the acting key's id

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Names were not unique before: keep the oldest key's name, suffix the others with the
    # start of their id, so the unique constraint can be added to a live database.
    conn = op.get_bind()
    keys = sa.table(
        "api_keys",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    seen: set[str] = set()
    for key_id, name in conn.execute(
        sa.select(keys.c.id, keys.c.name).order_by(keys.c.created_at, keys.c.id)
    ):
        if name in seen:
            new_name = f"{name[:180]} ({str(key_id)[:8]})"
            conn.execute(keys.update().where(keys.c.id == key_id).values(name=new_name))
            name = new_name
        seen.add(name)
    with op.batch_alter_table("api_keys") as batch:
        batch.create_unique_constraint(op.f("uq_api_keys_name"), ["name"])
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("actor_key_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("actor_key_id")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint(op.f("uq_api_keys_name"), type_="unique")
