"""Base schemas and shared field types."""

import re
import unicodedata
import uuid
from datetime import UTC, date, datetime
from itertools import islice
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


def _no_control(value: Any) -> Any:
    # PostgreSQL cannot store NUL, and no field here has a use for control characters.
    if isinstance(value, str):
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
            raise ValueError("control characters are not allowed")
    elif isinstance(value, list):
        for item in value:
            _no_control(item)
    return value


def _no_numbers(value: Any) -> Any:
    # Lax mode would read 0.5 as a Unix timestamp; a date or time must be written as one.
    if isinstance(value, (int, float)):
        raise ValueError("expected an ISO 8601 string")
    return value


_STRICT_TYPES: tuple[type, ...] = (bool, int, float)
_TEMPORAL_TYPES: tuple[type, ...] = (datetime, date)


def _base_type(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return _base_type(args[0])
    return annotation


MAX_UNKNOWN_FIELDS = 20
"""More unknown fields than this in one object are refused with one error, not one each."""


class InputModel(BaseModel):
    """A request body: unknown fields refused, strings trimmed, control characters refused.

    Scalars are taken as JSON writes them: `"5"` is not an integer, `1` is not a boolean,
    and a number is not a datetime (FastAPI validates in Python mode, which is lax).
    An object with more than `MAX_UNKNOWN_FIELDS` unknown fields is refused with one error
    before any field is validated: an error per field made a 1 MiB body of 100,000 unknown
    fields cost the event loop 0.7 s and answer 8.8 MB.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _bounded_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and len(data) > MAX_UNKNOWN_FIELDS:
            fields = cls.__pydantic_fields__
            count = len(data) - sum(1 for name in fields if name in data)  # O(fields), not O(keys)
            if count > MAX_UNKNOWN_FIELDS:
                sample = islice((str(key)[:40] for key in data if key not in fields), 3)
                raise PydanticCustomError(
                    "too_many_fields",
                    "{count} unknown fields (e.g. {sample}); this object has {known} fields",
                    {"count": count, "sample": ", ".join(map(repr, sample)), "known": len(fields)},
                )
        return data

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for field in cls.model_fields.values():
            base = _base_type(field.annotation)
            if base in _STRICT_TYPES and not any(isinstance(m, Strict) for m in field.metadata):
                field.metadata.append(Strict())
                changed = True
            elif (
                base is AwareDatetime
                or (isinstance(base, type) and issubclass(base, _TEMPORAL_TYPES))
            ) and not any(getattr(m, "func", None) is _no_numbers for m in field.metadata):
                field.metadata.append(BeforeValidator(_no_numbers))
                changed = True
        if changed:
            cls.model_rebuild(force=True)

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


MIN_YEAR, MAX_YEAR = 1900, 2200
_ISO_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_only(value: Any) -> Any:
    # pydantic also reads numbers and numeric strings ("0.5", "-2e-308") as Unix times; the
    # contract says RFC 3339
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise ValueError(
            "must be an RFC 3339 date-time with an offset, e.g. 2030-01-07T10:00:00+01:00"
        )
    return value


def _in_range(value: datetime) -> datetime:
    # Far-off years overflow on time-zone arithmetic; nothing here needs them.
    if not MIN_YEAR <= value.year <= MAX_YEAR or value.astimezone(UTC).year < MIN_YEAR:
        raise ValueError(f"must lie between the years {MIN_YEAR} and {MAX_YEAR}")
    return value.astimezone(UTC)


# An instant: RFC 3339 with an offset (naive is refused), within sane years, held in UTC.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_only),
    AfterValidator(_in_range),
    Field(description="RFC 3339 with an offset; naive datetimes are refused."),
]
QueryDatetime = Instant


def optional() -> Any:
    """Default for a PATCH field that may be omitted but, when sent, may not be null."""
    return Field(default=None)


# Bidi embedding, override and isolate controls: they make text display in another order
# than it is stored ("Trojan source"), e.g. in a calendar, and no field here needs them;
# right-to-left text displays correctly without them (the marks U+200E/U+200F stay allowed).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = frozenset(BIDI_CONTROLS)
_BIDI_RANGES = r"\u202a-\u202e\u2066-\u2069"


def _no_bidi_controls(value: str) -> str:
    if not _BIDI.isdisjoint(value):
        raise ValueError("bidi control characters (U+202A-U+202E, U+2066-U+2069) are not allowed")
    return value


def _one_line(value: str) -> str:
    # A name or title ends up on one line of a calendar, a vCard or a CSV cell.
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line: line breaks (CR, LF) are not allowed")
    return _no_bidi_controls(value)


OneLine = Annotated[
    str,
    AfterValidator(_one_line),
    Field(
        description="One line: line breaks (CR, LF) and bidi controls (U+202A-U+202E, "
        "U+2066-U+2069) are refused.",
        json_schema_extra={"pattern": f"^[^\\r\\n{_BIDI_RANGES}]*$"},
    ),
]
"""Single-line text: names, titles, places, tags."""

MultiLine = Annotated[
    str,
    AfterValidator(_no_bidi_controls),
    Field(
        description="Text of several lines: line breaks are kept; bidi controls "
        "(U+202A-U+202E, U+2066-U+2069) are refused.",
        json_schema_extra={"pattern": f"^[^{_BIDI_RANGES}]*$"},
    ),
]
"""Multi-line text: descriptions, minutes, notes, mandates."""

Name = Annotated[OneLine, Field(min_length=1, max_length=200)]
ShortText = Annotated[OneLine, Field(max_length=500)]
LongText = Annotated[MultiLine, Field(max_length=20_000)]


def fold(value: str) -> str:
    """Casefolded, NFC-normalised text: 'ØSTERGAARD' and 'Østergaard' fold alike."""
    return unicodedata.normalize("NFC", value.replace("\x00", "")).casefold()


def like_pattern(query: str) -> str:
    """A substring LIKE pattern for folded text, with `%`, `_` and `\\` taken literally."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
