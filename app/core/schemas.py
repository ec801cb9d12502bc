"""Base schemas and shared field types."""

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _no_control(value: Any) -> Any:
    # PostgreSQL cannot store NUL, and no field here has a use for control characters.
    if isinstance(value, str):
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
            raise ValueError("control characters are not allowed")
    elif isinstance(value, list):
        for item in value:
            _no_control(item)
    return value


class InputModel(BaseModel):
    """A request body: unknown fields refused, strings trimmed, control characters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _check_text(cls, value: Any) -> Any:
        return _no_control(value)


class ReadModel(BaseModel):
    """A response body built from a model instance."""

    model_config = ConfigDict(from_attributes=True)


class EntityRead(ReadModel):
    """Fields every resource has."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(max_length=500)]
LongText = Annotated[str, Field(max_length=20_000)]


def fold(value: str) -> str:
    """Casefolded, NFC-normalised text: 'ØSTERGAARD' and 'Østergaard' fold alike."""
    return unicodedata.normalize("NFC", value.replace("\x00", "")).casefold()


def like_pattern(query: str) -> str:
    """A substring LIKE pattern for folded text, with `%`, `_` and `\\` taken literally."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
