"""The API key table: only a hash of each secret is stored."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Entity


class ApiKey(Entity):
    """A bearer key with a role and, optionally, the plans it is limited to."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    plan_ids: Mapped[list[Any] | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def plan_uuids(self) -> list[uuid.UUID] | None:
        """The plans this key is limited to, or None for all."""
        if self.plan_ids is None:
            return None
        return [uuid.UUID(str(p)) for p in self.plan_ids]
