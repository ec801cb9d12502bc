"""The change log table."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class Change(Base):
    """One write: who changed which record, and which fields (never their values)."""

    __tablename__ = "changes"

    # BIGINT on PostgreSQL; SQLite needs exactly INTEGER for its rowid alias.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    # Who acted: `key` or `user` (a signed-in person), or `system` (the server's own writes,
    # such as demo data); `actor_id` is the key's or the user's id (names are only labels).
    actor_kind: Mapped[str] = mapped_column(String(8), default="system")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    changed_fields: Mapped[list[Any]] = mapped_column(default=list)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
