"""directory danish: Danish search text and words, Danish sort keys (aa as å), byte-order
sort columns on PostgreSQL, organization search and sort columns (issue 13)

Revision ID: 0007
Revises: 0006
"""

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# ---- the folding, frozen -----------------------------------------------------------------
# A deliberate copy of app/directory/text.py as of this revision, not an import: a migration
# is history and must compute tomorrow what it computes today, whatever the app's module
# becomes (renamed, re-signed, folding differently — such a change ships its own backfill).
# tests/directory/test_danish_search.py checks that this copy and the app agree, so rows
# backfilled here are found by the app's queries exactly like rows it writes.


def _fold(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\x00", "")).casefold()


_SPELLED = str.maketrans({"æ": "ae", "ä": "ae", "ø": "o", "ö": "o", "å": "aa", "œ": "oe"})
_DANISH = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"})
_OLD_DANISH = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})


def _strip(value: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    )


def _spelled(value: str) -> str:
    return _strip(_fold(value).translate(_SPELLED))


def _search_fold(value: str) -> str:
    return _spelled(value).replace("oe", "o")


def _fields_folded(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if not value:
            continue
        spelled = _spelled(value)
        folded = spelled.replace("oe", "o")
        out.append(folded)
        if folded != spelled:
            out.append(spelled)
    return out


def _phone_digits(number: str) -> list[str]:
    written = number.strip()
    digits = "".join(ch for ch in written if ch.isdigit())
    if written.startswith("00"):
        digits = digits[2:]
    if len(digits) == 8 and not written.startswith(("+", "00")):
        return ["45" + digits, digits]
    if len(digits) == 10 and digits.startswith("45"):
        return [digits, digits[2:]]
    return [digits] if digits else []


def search_text(row: Mapping[str, Any], levels: frozenset[str]) -> str:
    """Contact search text (app.directory.text.search_text)."""
    name = " ".join(p for p in (row["given_name"], row["family_name"]) if p)
    parts = [name, row["job_title"] or "", row["department"] or "", row["org_name"] or ""]
    parts.extend(row["responsibilities"] or [])
    emails = row["emails"] or []
    parts.extend(str(e.get("address", "")) for e in emails if _level(e) in levels)
    lines = _fields_folded(parts)
    for phone in row["phones"] or []:
        if _level(phone) in levels:
            lines.extend(_phone_digits(str(phone.get("number", ""))))
    return "\n".join(lines)


def _level(value: Mapping[str, Any]) -> str:
    return str(value.get("visibility", "partnership"))


def search_name(*names: str | None) -> str:
    """app.directory.text.search_name."""
    words = " ".join(_search_fold(n) for n in names if n).split()
    return f" {' '.join(words)} " if words else ""


def organization_search_text(row: Mapping[str, Any]) -> str:
    """app.directory.text.organization_search_text."""
    lines = _fields_folded([row["name"], row["email"] or ""])
    if row["phone"]:
        lines.extend(_phone_digits(row["phone"]))
    if row["cvr"]:
        lines.append(row["cvr"])
    return "\n".join(lines)


def sort_key(value: str) -> str:
    """app.directory.text.sort_key."""
    return _strip(_fold(value).replace("aa", "å").translate(_DANISH))[:200]


def _old_sort_key(value: str) -> str:
    return _strip(_fold(value).translate(_OLD_DANISH))[:200]


def _old_search_text(row: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (row["given_name"], row["family_name"]) if p)
    parts = [name, row["job_title"] or "", row["org_name"] or ""]
    parts.extend(row["responsibilities"] or [])
    return "\n".join(_fold(p) for p in parts)


# ---- tables ------------------------------------------------------------------------------

_orgs = sa.table(
    "organizations",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("email", sa.String()),
    sa.column("phone", sa.String()),
    sa.column("cvr", sa.String()),
    sa.column("search_text", sa.Text()),
    sa.column("search_name", sa.Text()),
    sa.column("sort_name", sa.String()),
)
_contacts = sa.table(
    "contacts",
    sa.column("id", sa.Uuid()),
    sa.column("given_name", sa.String()),
    sa.column("family_name", sa.String()),
    sa.column("job_title", sa.String()),
    sa.column("department", sa.String()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("emails", sa.JSON()),
    sa.column("phones", sa.JSON()),
    sa.column("responsibilities", sa.JSON()),
    sa.column("erased", sa.Boolean()),
    sa.column("search_text", sa.Text()),
    sa.column("search_public", sa.Text()),
    sa.column("search_name", sa.Text()),
    sa.column("sort_family", sa.String()),
    sa.column("sort_given", sa.String()),
)
_BATCH = 1000


def _contact_rows(conn: sa.Connection) -> Iterable[Mapping[str, Any]]:
    stmt = sa.select(
        _contacts.c.id,
        _contacts.c.given_name,
        _contacts.c.family_name,
        _contacts.c.job_title,
        _contacts.c.department,
        _contacts.c.emails,
        _contacts.c.phones,
        _contacts.c.responsibilities,
        _contacts.c.erased,
        _orgs.c.name.label("org_name"),
    ).select_from(_contacts.outerjoin(_orgs, _orgs.c.id == _contacts.c.organization_id))
    yield from conn.execute(stmt).mappings().all()


def _update(conn: sa.Connection, table: sa.TableClause, values: list[dict[str, Any]]) -> None:
    """Write `values` (each with `row_id` and the new columns) in batches (executemany)."""
    if not values:
        return
    columns = [k for k in values[0] if k != "row_id"]
    stmt = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({c: sa.bindparam(c) for c in columns})
    )
    for start in range(0, len(values), _BATCH):
        conn.execute(stmt, values[start : start + _BATCH])


def _collate(conn: sa.Connection, table: str, columns: Sequence[str], collation: str) -> None:
    for column in columns:
        conn.execute(
            sa.text(
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(200) COLLATE "{collation}"'
            )
        )


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    # server defaults only so that existing rows get a value before the backfill
    for name in ("search_public", "search_name"):
        op.add_column("contacts", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "organizations", sa.Column("search_text", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "organizations", sa.Column("search_name", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "organizations",
        sa.Column(
            "sort_name",
            sa.String(200, collation="C") if postgres else sa.String(200),
            nullable=False,
            server_default="",
        ),
    )
    if postgres:
        # byte order whatever the database's own collation: the same order as SQLite
        _collate(conn, "contacts", ("sort_family", "sort_given"), "C")

    orgs = conn.execute(
        sa.select(_orgs.c.id, _orgs.c.name, _orgs.c.email, _orgs.c.phone, _orgs.c.cvr)
    ).mappings()
    _update(
        conn,
        _orgs,
        [
            {
                "row_id": o["id"],
                "search_text": organization_search_text(o),
                "search_name": search_name(o["name"]),
                "sort_name": sort_key(o["name"]),
            }
            for o in orgs.all()
        ],
    )
    everyone, public = frozenset({"public", "partnership"}), frozenset({"public"})
    _update(
        conn,
        _contacts,
        [
            {
                "row_id": c["id"],
                "search_text": search_text(c, everyone),
                "search_public": search_text(c, public),
                "search_name": search_name(c["given_name"], c["family_name"]),
                "sort_family": sort_key(c["family_name"]),
                "sort_given": sort_key(c["given_name"]),
            }
            for c in _contact_rows(conn)
            if not c["erased"]  # an erased contact keeps its empty derived text
        ],
    )
    op.create_index("ix_organizations_sort", "organizations", ["sort_name", "id"])
    op.create_index(
        "ix_organizations_search_text",
        "organizations",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def downgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    op.drop_index("ix_organizations_search_text", table_name="organizations")
    op.drop_index("ix_organizations_sort", table_name="organizations")
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no batch copy of the contacts table,
    # which would have to rebuild its partial and trigram indexes
    for table, column in (
        ("organizations", "sort_name"),
        ("organizations", "search_name"),
        ("organizations", "search_text"),
        ("contacts", "search_name"),
        ("contacts", "search_public"),
    ):
        conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    if postgres:
        _collate(conn, "contacts", ("sort_family", "sort_given"), "default")
    # 0006's derived text and sort keys, so the older app finds and orders what it expects
    _update(
        conn,
        _contacts,
        [
            {
                "row_id": c["id"],
                "search_text": _old_search_text(c),
                "sort_family": _old_sort_key(c["family_name"]),
                "sort_given": _old_sort_key(c["given_name"]),
            }
            for c in _contact_rows(conn)
            if not c["erased"]
        ],
    )
