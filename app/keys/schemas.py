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
    def _no_tab(cls, value: str) -> str:
        # `Name` refuses line breaks and bidi controls, `InputModel` every other control
        # character but tab: a key name, printed in logs as a label, takes no tab either.
        if "\t" in value:
            raise ValueError("a key name has no tab")
        return value


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
