"""API key bodies."""

import uuid
from datetime import datetime

from pydantic import Field, field_validator

from app.core.schemas import EntityRead, InputModel, Name
from app.core.security import Role


class ApiKeyCreate(InputModel):
    """A new key."""

    name: Name = Field(
        description="Who or what uses the key; the change log's actor. Unique, one line "
        "(no control or bidirectional-override characters)."
    )
    role: Role
    plan_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=100,
        description="Limit the key to these plans; null for all. A key limited to plans may "
        "only create keys limited to some of its own plans.",
    )

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # The name is printed in logs and the change log: nothing may forge a line or
        # reorder what a reader sees.
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch in _BIDI for ch in value):
            raise ValueError("a key name is one line without control or bidi characters")
        return value


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ApiKeyRead(EntityRead):
    """A key, without its secret."""

    name: str
    role: Role
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    plan_ids: list[uuid.UUID] | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A new key, with its secret: shown this once, never again."""

    secret: str
