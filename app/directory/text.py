"""Derived text of a contact and an organization: display name, Danish search text and search
words, responsibility tags, Danish sort keys.

Searching folds text and query the same way (`search_fold`): å ≈ aa, æ ≈ ae, ø ≈ oe ≈ o,
other accents dropped, so "soren", "soeren" and "Søren" are one word, as are "Aarhus" and
"Århus". Migration 0007 holds a frozen copy of these functions for its backfill; a change
here needs a migration that recomputes the columns (tests/directory/test_danish_search.py
checks the copy agrees with this module).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import phonenumbers

from app.core.schemas import fold

ERASED_DISPLAY_NAME = "Slettet kontakt"

# ---- search ------------------------------------------------------------------------------

# Letters with a Danish spelling in plain ASCII; ä and ö are the Swedish and German æ and ø.
_SPELLED = str.maketrans({"æ": "ae", "ä": "ae", "ø": "o", "ö": "o", "å": "aa", "œ": "oe"})


def _spelled(value: str) -> str:
    """Folded, æ ø å spelled out (ø as o), other accents dropped: "Søren Århus" → "soren aarhus"."""
    spelled = unicodedata.normalize("NFKD", fold(value).translate(_SPELLED))
    return "".join(ch for ch in spelled if not unicodedata.combining(ch))


def search_fold(value: str) -> str:
    """The search form of text: `_spelled`, then "oe" read as "o" (Søren = Soeren = Soren).

    "oe" → "o" makes the three spellings one, in the stored text and in the query alike.
    """
    return _spelled(value).replace("oe", "o")


def _fields_folded(values: Iterable[str]) -> list[str]:
    """Each value folded; where "oe" → "o" changed a value, its spelled form too, so that a
    part of a word that starts inside "oe" is still found ("esen" in Boesen)."""
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


def phone_digits(number: str) -> list[str]:
    """How a phone number is searched: its digits with and without Denmark's 45
    (`+4512345601` and an organization's "86 42 00 00" → 4512345601, 12345601), other
    countries' by all their digits."""
    written = number.strip()
    digits = "".join(ch for ch in written if ch.isdigit())
    if written.startswith("00"):
        digits = digits[2:]
    if len(digits) == 8 and not written.startswith(("+", "00")):
        return ["45" + digits, digits]
    if len(digits) == 10 and digits.startswith("45"):
        return [digits, digits[2:]]
    return [digits] if digits else []


def _visible(
    values: Sequence[Mapping[str, Any]], levels: frozenset[str]
) -> list[Mapping[str, Any]]:
    return [v for v in values if v.get("visibility", "partnership") in levels]


PARTNERSHIP = frozenset({"public", "partnership"})
PUBLIC = frozenset({"public"})


def search_text(
    given: str,
    family: str,
    job_title: str | None,
    organization_name: str | None,
    responsibilities: Iterable[str],
    *,
    department: str | None = None,
    emails: Sequence[Mapping[str, Any]] = (),
    phones: Sequence[Mapping[str, Any]] = (),
    levels: frozenset[str] = PARTNERSHIP,
) -> str:
    """What `?q=` searches, folded, one field a line: names, title, department, organization,
    responsibilities, and the e-mail addresses and phone digits of the given visibility levels
    (restricted ones are never searchable: a search must not reveal what a list hides)."""
    parts = [
        display_name(given, family),
        job_title or "",
        department or "",
        organization_name or "",
    ]
    parts.extend(responsibilities)
    parts.extend(str(e.get("address", "")) for e in _visible(emails, levels))
    lines = _fields_folded(parts)
    for phone in _visible(phones, levels):
        lines.extend(phone_digits(str(phone.get("number", ""))))
    return "\n".join(lines)


def search_name(*names: str | None) -> str:
    """The folded words of a name between spaces (" soren ostergaard "): a query word is an
    exact name match when `% word %` matches, a prefix of one when `% word%` does."""
    words = " ".join(search_fold(name) for name in names if name).split()
    return f" {' '.join(words)} " if words else ""


def organization_search_text(
    name: str, email: str | None = None, phone: str | None = None, cvr: str | None = None
) -> str:
    """What an organization's `?q=` searches: its name, e-mail, phone digits and CVR."""
    lines = _fields_folded([name, email or ""])
    if phone:
        lines.extend(phone_digits(phone))
    if cvr:
        lines.append(cvr)
    return "\n".join(lines)


_PHONE_QUERY = re.compile(r"^[+(]?[0-9][0-9 ()./-]*$")


def query_words(query: str) -> list[str]:
    """The words of a `?q=` in their search form, each to be found somewhere (any order).

    A query that looks like a phone number ("+45 12 34 56 01", "0045 1234 5601", "12345601")
    is one word of its digits, without "+" or "00": stored numbers are searched by their
    digits with and without 45.
    """
    stripped = query.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    if _PHONE_QUERY.match(stripped) and len(digits) >= 6:
        return [digits[2:] if stripped.startswith("00") else digits]
    return list(dict.fromkeys(search_fold(stripped).split()))


def like_escape(word: str) -> str:
    """`word` for a LIKE pattern, with `%`, `_` and `\\` taken literally (ESCAPE '\\')."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---- display and sorting -----------------------------------------------------------------


def display_name(given: str, family: str) -> str:
    """ "given family", as shown in lists."""
    return " ".join(part for part in (given, family) if part)


# Danish alphabetical order puts æ, ø, å after z (in that order), and reads "aa" as å (as ICU's
# Danish collation does): Aagaard sorts with Ågaard, at the end. The sort keys map them to the
# three ASCII characters after "z", so byte order (SQLite; PostgreSQL with the columns'
# COLLATE "C") is Danish order on both databases. ä, ö sort as æ, ø and ü as y; other accented
# letters as their base letter.
_DANISH = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}", "ü": "y"})


def sort_key(value: str) -> str:
    """A key whose byte order is Danish alphabetical order (case- and accent-insensitive)."""
    folded = fold(value).replace("aa", "å").translate(_DANISH)
    stripped = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))[:200]


def responsibility_tags(responsibilities: Iterable[str]) -> str:
    """Folded tags, each between newlines, for an exact `?responsibility=` match."""
    tags = [fold(tag) for tag in responsibilities]
    return "\n" + "".join(f"{tag}\n" for tag in tags) if tags else ""


def tag_pattern(responsibility: str) -> str:
    """The LIKE pattern that finds one tag in `responsibility_tags` (`%`, `_` literal)."""
    escaped = fold(responsibility).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%\n{escaped}\n%"


def written_phone(number: str) -> str:
    """A stored E.164 number as a Dane writes it, always with a space between digit groups:
    "12 34 56 01" for Denmark, "0046 8 123 456 78" abroad (00 for +)."""
    try:
        parsed = phonenumbers.parse(number, "DK")
    except phonenumbers.NumberParseException:
        return number
    national = phonenumbers.national_significant_number(parsed)
    if parsed.country_code == 45:
        if len(national) == 8:
            return " ".join(national[i : i + 2] for i in range(0, 8, 2))
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    written = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if " " not in written.removeprefix(f"+{parsed.country_code} "):
        written = f"+{parsed.country_code} {national}"
    return "00" + written[1:]
