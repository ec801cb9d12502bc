"""Derived text of a contact: display name, search text, responsibility tags, sort keys."""

import unicodedata
from collections.abc import Iterable

from app.core.schemas import fold

ERASED_DISPLAY_NAME = "Slettet kontakt"

# Danish alphabetical order puts æ, ø, å after z (in that order). The sort keys map them to
# the three ASCII characters after "z", so byte order (SQLite, PostgreSQL's C collation)
# is Danish order; ä and ö sort as æ and ø, other accented letters as their base letter.
_DANISH = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})


def display_name(given: str, family: str) -> str:
    """ "given family", as shown in lists."""
    return " ".join(part for part in (given, family) if part)


def sort_key(value: str) -> str:
    """A key whose byte order is Danish alphabetical order (case- and accent-insensitive)."""
    folded = fold(value).translate(_DANISH)
    stripped = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))[:200]


def search_text(
    given: str,
    family: str,
    job_title: str | None,
    organization_name: str | None,
    responsibilities: Iterable[str],
) -> str:
    """What `?q=` searches, folded; fields on separate lines so a query cannot span two."""
    parts = [display_name(given, family), job_title or "", organization_name or ""]
    parts.extend(responsibilities)
    return "\n".join(fold(part) for part in parts)


def responsibility_tags(responsibilities: Iterable[str]) -> str:
    """Folded tags, each between newlines, for an exact `?responsibility=` match."""
    tags = [fold(tag) for tag in responsibilities]
    return "\n" + "".join(f"{tag}\n" for tag in tags) if tags else ""


def tag_pattern(responsibility: str) -> str:
    """The LIKE pattern that finds one tag in `responsibility_tags` (`%`, `_` literal)."""
    escaped = fold(responsibility).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%\n{escaped}\n%"
