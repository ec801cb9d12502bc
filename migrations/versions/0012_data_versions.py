"""data versions: a version per group of tables, new at each committed write (issue 9)

`data_versions` (one row, `directory`) lets a worker keep a list's total and prove it
current in the page's own query (`app/core/totals.py`). On PostgreSQL a deferred
constraint trigger on contacts, organizations, bodies and memberships gives the row a new
number from a sequence at commit (once per row written: the writes are few rows each).
SQLite keeps the table unused (it
counts every time).

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("contacts", "organizations", "bodies", "memberships")

_BUMP = """
CREATE FUNCTION samstyre_bump_directory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = nextval('data_version_numbers')
    WHERE name = 'directory';
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    op.execute("INSERT INTO data_versions (name, version) VALUES ('directory', 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE data_version_numbers")
    op.execute(_BUMP)
    for table in _TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_bump_directory AFTER INSERT OR UPDATE OR DELETE"
            f" ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            " EXECUTE FUNCTION samstyre_bump_directory()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_bump_directory ON {table}")
        op.execute("DROP FUNCTION samstyre_bump_directory()")
        op.execute("DROP SEQUENCE data_version_numbers")
    op.drop_table("data_versions")
