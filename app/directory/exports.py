"""Contact exports: vCard 4.0 (RFC 6350) and CSV (RFC 4180, UTF-8 with BOM).

Both take contacts as the caller may see them (`ContactRead`), so restricted values and notes
never reach a reader through an export either.
"""

import csv
import io
from collections.abc import Iterable
from datetime import UTC

from app.directory.schemas import ContactRead, EmailLabel, PhoneLabel

VCARD_MEDIA_TYPE = "text/vcard"
CSV_MEDIA_TYPE = "text/csv"

_EMAIL_TYPES = {EmailLabel.work: "work", EmailLabel.home: "home", EmailLabel.other: None}
_PHONE_TYPES = {
    PhoneLabel.work: "work,voice",
    PhoneLabel.mobile: "cell",
    PhoneLabel.switchboard: "work,voice",
    PhoneLabel.home: "home,voice",
    PhoneLabel.other: "voice",
}


def _escape(value: str) -> str:
    """A TEXT value (RFC 6350 §3.4): backslash, comma, semicolon and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.2), never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def vcard(contact: ContactRead) -> str:
    """One vCard 4.0."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:individual",
        f"UID:urn:uuid:{contact.id}",
        f"FN:{_escape(contact.display_name)}",
        "N:"
        + ";".join(_escape(part or "") for part in (contact.family_name, contact.given_name))
        + ";;;",
    ]
    org_name = contact.organization.name if contact.organization else ""
    if org_name or contact.department:
        units = [org_name] + ([contact.department] if contact.department else [])
        lines.append("ORG:" + ";".join(_escape(unit) for unit in units))
    if contact.job_title:
        lines.append(f"TITLE:{_escape(contact.job_title)}")
    for email in contact.emails:
        kind = _EMAIL_TYPES[email.label]
        params = f";TYPE={kind}" if kind else ""
        lines.append(f"EMAIL{params}:{_escape(email.address)}")
    for phone in contact.phones:
        lines.append(f"TEL;VALUE=uri;TYPE={_PHONE_TYPES[phone.label]}:tel:{phone.number}")
    if contact.responsibilities:
        lines.append("CATEGORIES:" + ",".join(_escape(r) for r in contact.responsibilities))
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    lines.append("REV:" + contact.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def vcards(contacts: Iterable[ContactRead]) -> str:
    """Several vCards, one after the other."""
    return "".join(vcard(contact) for contact in contacts)


CSV_COLUMNS = (
    "id",
    "display_name",
    "given_name",
    "family_name",
    "job_title",
    "department",
    "organization",
    "organization_kind",
    "emails",
    "phones",
    "responsibilities",
    "notes",
    "archived",
    "erased",
    "updated_at",
)


def _cell(value: str | None) -> str:
    """Text as a spreadsheet shows it: a leading =, +, -, @ or control would start a formula,
    so such a value gets a leading apostrophe (OWASP CSV injection)."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def csv_document(contacts: Iterable[ContactRead]) -> str:
    """The contacts as CSV: a header row, comma-separated, CRLF, UTF-8 BOM first.

    Several e-mail addresses, phone numbers or responsibilities share a cell, separated
    by `; `. Phone numbers are E.164 (`+4512345601`) and are written as they are.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for c in contacts:
        writer.writerow(
            [
                str(c.id),
                _cell(c.display_name),
                _cell(c.given_name),
                _cell(c.family_name),
                _cell(c.job_title),
                _cell(c.department),
                _cell(c.organization.name if c.organization else None),
                c.organization.kind.value if c.organization else "",
                _cell("; ".join(e.address for e in c.emails)),
                "; ".join(p.number for p in c.phones),
                _cell("; ".join(c.responsibilities)),
                _cell(c.notes),
                "true" if c.archived else "false",
                "true" if c.erased else "false",
                c.updated_at.astimezone(UTC).isoformat(),
            ]
        )
    return buffer.getvalue()
