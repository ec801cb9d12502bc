"""Organizations and contacts."""

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Entity

# Sort keys compare byte by byte on both databases: PostgreSQL's COLLATE "C" (the database's
# own collation might be a locale's, which orders "{|}" and letters its own way).
SortKey = String(200).with_variant(String(200, collation="C"), "postgresql")


class Organization(Entity):
    """A municipality, housing organisation, institution, police district, …"""

    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_organizations_sort", "sort_name", "id"),
        Index(
            "ix_organizations_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    # casefolded name: case-insensitive search that treats æ/Æ, ø/Ø, å/Å alike on both databases
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    # what `?q=` searches (app.directory.text.organization_search_text) and the folded name
    # words that rank exact name matches first (text.search_name)
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_name: Mapped[str] = mapped_column(Text, default="")
    # Danish order of the name (text.sort_key); byte order on both databases
    sort_name: Mapped[str] = mapped_column(SortKey, default="")
    kind: Mapped[str] = mapped_column(String(32), index=True)
    cvr: Mapped[str | None] = mapped_column(String(8), unique=True, default=None)
    municipality_code: Mapped[str | None] = mapped_column(String(3), default=None)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), index=True, default=None
    )
    website: Mapped[str | None] = mapped_column(String(500), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Contact(Entity):
    """A person in the partnership's directory."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_sort", "sort_family", "sort_given", "id"),
        # the default list (archived hidden): its order, and its count as an index-only scan
        Index(
            "ix_contacts_active_sort",
            "sort_family",
            "sort_given",
            "id",
            postgresql_where=text("NOT archived"),
            sqlite_where=text("archived = 0"),
        ),
        # substring search (`?q=`): a trigram GIN index on PostgreSQL (pg_trgm, created in
        # migration 0002); SQLite gets a plain index, which its LIKE scans do not use
        Index(
            "ix_contacts_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200), default=None)
    department: Mapped[str | None] = mapped_column(String(200), default=None)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), index=True, default=None
    )
    # [{address, label, visibility}] and [{number, label, visibility}]: read and written whole
    emails: Mapped[list[Any]] = mapped_column(default=list)
    phones: Mapped[list[Any]] = mapped_column(default=list)
    responsibilities: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    # what `?q=` searches, folded the Danish way (app.directory.text.search_text): names,
    # title, department, organisation, responsibilities, non-restricted e-mails and phones
    search_text: Mapped[str] = mapped_column(Text, default="")
    # the same with only public e-mails and phones: a public key's search must match it too
    search_public: Mapped[str] = mapped_column(Text, default="")
    # the folded name words (text.search_name): exact name matches rank first
    search_name: Mapped[str] = mapped_column(Text, default="")
    # folded responsibilities, each between newlines: what `?responsibility=` matches exactly
    responsibility_tags: Mapped[str] = mapped_column(Text, default="")
    # sort keys: family then given name, Danish order (app.directory.text.sort_key)
    sort_family: Mapped[str] = mapped_column(SortKey, default="")
    sort_given: Mapped[str] = mapped_column(SortKey, default="")

    organization: Mapped[Organization | None] = relationship(lazy="raise")
