"""compact json lists: contacts' e-mails, phones and responsibilities rewritten compactly,
each entry's keys in the order the API shows them (issue 9)

The app now writes JSON columns compactly (`core/db.py compact_json`), exactly as the API
answers, so PostgreSQL can send a stored list unchanged (`directory/reads.py`). Rows
written before are rewritten here. Nothing else changes: the downgrade has nothing to undo.

Revision ID: 0011
Revises: 0010
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
# each entry's keys in the API's order, with the defaults an entry was written with
_KEYS = {
    "emails": (("address", None), ("label", "work"), ("visibility", "partnership")),
    "phones": (("number", None), ("label", "work"), ("visibility", "partnership")),
}
_contacts = sa.table(
    "contacts",
    sa.column("id", sa.Uuid()),
    sa.column("emails", sa.JSON()),
    sa.column("phones", sa.JSON()),
    sa.column("responsibilities", sa.JSON()),
)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _entries(column: str, entries: Any) -> str:
    keys = _KEYS[column]
    return _compact(
        [{key: entry.get(key, default) for key, default in keys} for entry in entries or []]
    )


def upgrade() -> None:
    conn = op.get_bind()
    text = sa.bindparam
    if conn.dialect.name == "postgresql":
        values = {c: sa.cast(text(c, type_=sa.Text()), sa.JSON()) for c in (*_KEYS, "resp")}
    else:
        values = {c: text(c, type_=sa.Text()) for c in (*_KEYS, "resp")}
    stmt = (
        sa.update(_contacts)
        .where(_contacts.c.id == text("row_id"))
        .values(emails=values["emails"], phones=values["phones"], responsibilities=values["resp"])
    )
    rows = conn.execute(
        sa.select(
            _contacts.c.id, _contacts.c.emails, _contacts.c.phones, _contacts.c.responsibilities
        )
    ).all()
    batch = [
        {
            "row_id": row.id,
            "emails": _entries("emails", row.emails),
            "phones": _entries("phones", row.phones),
            "resp": _compact(list(row.responsibilities or [])),
        }
        for row in rows
    ]
    for start in range(0, len(batch), _BATCH):
        conn.execute(stmt, batch[start : start + _BATCH])


def downgrade() -> None:
    """The rewritten lists hold the same values: nothing to undo."""
