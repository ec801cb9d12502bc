"""People who sign in (users) and the role mappings that give them their rights."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Entity, utcnow


class User(Entity):
    """A person known from their issuer's tokens (issuer + `sub`), optionally a contact."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),)

    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    # The directory entry of this person: how the system knows which bodies they sit in.
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None, index=True
    )
    # The claims of the last token (timestamps dropped): the personal calendar feed, which no
    # token accompanies, resolves the person's role mappings against them.
    claims: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    calendar_token_created_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def has_calendar_token(self) -> bool:
        """Whether a personal calendar feed is on."""
        return self.calendar_token_hash is not None


class RoleMapping(Entity):
    """A token claim value (e.g. an Entra group id in `groups`) that grants a role and plans."""

    __tablename__ = "role_mappings"
    __table_args__ = (UniqueConstraint("claim", "value", name="uq_role_mappings_claim_value"),)

    claim: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(16))
    plan_ids: Mapped[list[Any] | None] = mapped_column(default=None)
