"""Contact exports: vCard 4.0 (RFC 6350) and 3.0 (RFC 2426, for Outlook desktop), and CSV in
two dialects: RFC 4180 for machines, and `excel` for a Danish spreadsheet.

Both take contacts as the caller may see them (`ContactRead`), so restricted values and notes
never reach a reader through an export either.
"""

import csv
import io
from collections.abc import Callable, Iterable
from datetime import UTC
from enum import StrEnum

from app.core.clock import LOCAL_TZ
from app.directory.schemas import ContactRead, EmailLabel, PhoneLabel
from app.directory.text import written_phone
from app.governance.vocabularies import label

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


class VCardVersion(StrEnum):
    """The vCard version of an export."""

    v4 = "4.0"
    v3 = "3.0"


# vCard 3.0 (RFC 2426): TYPE values in upper case, INTERNET for e-mail, TEL as plain text
_EMAIL_TYPES_3 = {
    EmailLabel.work: "INTERNET,WORK",
    EmailLabel.home: "INTERNET,HOME",
    EmailLabel.other: "INTERNET",
}
_PHONE_TYPES_3 = {
    PhoneLabel.work: "WORK,VOICE",
    PhoneLabel.mobile: "CELL,VOICE",
    PhoneLabel.switchboard: "WORK,VOICE",
    PhoneLabel.home: "HOME,VOICE",
    PhoneLabel.other: "VOICE",
}


def vcard(contact: ContactRead, version: VCardVersion = VCardVersion.v4) -> str:
    """One vCard, 4.0 (the default) or 3.0."""
    v3 = version is VCardVersion.v3
    lines = [
        "BEGIN:VCARD",
        f"VERSION:{version.value}",
        *([] if v3 else ["KIND:individual"]),
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
        kind = _EMAIL_TYPES_3[email.label] if v3 else _EMAIL_TYPES[email.label]
        params = f";TYPE={kind}" if kind else ""
        lines.append(f"EMAIL{params}:{_escape(email.address)}")
    for phone in contact.phones:
        if v3:
            lines.append(f"TEL;TYPE={_PHONE_TYPES_3[phone.label]}:{phone.number}")
        else:
            lines.append(f"TEL;VALUE=uri;TYPE={_PHONE_TYPES[phone.label]}:tel:{phone.number}")
    if contact.responsibilities:
        lines.append("CATEGORIES:" + ",".join(_escape(r) for r in contact.responsibilities))
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    lines.append("REV:" + contact.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    if v3:
        lines = [_charset(line) for line in lines]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _charset(line: str) -> str:
    """A 3.0 line with non-ASCII text gets `CHARSET=UTF-8`: Outlook desktop reads a vCard
    file without it in the Windows code page ("SÃ¸ren"); other readers ignore the
    parameter (RFC 2426 leaves the charset to MIME, and vobject keeps it as a parameter)."""
    if line.isascii():
        return line
    name, _, value = line.partition(":")
    return f"{name};CHARSET=UTF-8:{value}"


def vcards(contacts: Iterable[ContactRead], version: VCardVersion = VCardVersion.v4) -> str:
    """Several vCards, one after the other."""
    return "".join(vcard(contact, version) for contact in contacts)


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
    """The contacts as CSV for machines (RFC 4180): a header row of the API's field names,
    comma-separated, CRLF, UTF-8 BOM first.

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


# ---- the spreadsheet dialect -------------------------------------------------------------


class CsvDialect(StrEnum):
    """The CSV export's form."""

    rfc4180 = "rfc4180"
    excel = "excel"


def dialect_for(accept_language: str | None) -> CsvDialect:
    """`excel` when the caller's most preferred language is Danish (`da`, `da-DK`), else
    `rfc4180` (machines usually send no Accept-Language)."""
    best, best_q = "", 0.0
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        # the first of equal weights wins: a lower position breaks the tie
        if tag and weight - position * 1e-6 > best_q:
            best, best_q = tag.strip().lower(), weight - position * 1e-6
    return CsvDialect.excel if best.split("-")[0] == "da" else CsvDialect.rfc4180


def _excel_phone(number: str) -> str:
    """A phone as a spreadsheet must keep it: "12 34 56 01" (Danish) or "0046 8 123 456 78"
    (abroad, 00 for +). Digits in groups are not a number to Excel (its Danish thousands
    separator is "."), and without a leading + nothing starts a formula: the cell stays the
    text it is, and the leading 0 of 0046 stays too."""
    return written_phone(number)


def _local(contact: ContactRead) -> str:
    return contact.updated_at.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def _yes_no(value: bool) -> str:
    return "Ja" if value else "Nej"


def _emails(wanted: EmailLabel) -> Callable[[ContactRead], str]:
    return lambda c: ", ".join(e.address for e in c.emails if e.label is wanted)


def _phones(wanted: PhoneLabel) -> Callable[[ContactRead], str]:
    return lambda c: ", ".join(_excel_phone(p.number) for p in c.phones if p.label is wanted)


def _excel_columns() -> list[tuple[str, Callable[[ContactRead], str]]]:
    columns: list[tuple[str, Callable[[ContactRead], str]]] = [
        ("Navn", lambda c: c.display_name),
        ("Fornavn", lambda c: c.given_name or ""),
        ("Efternavn", lambda c: c.family_name or ""),
        ("Stilling", lambda c: c.job_title or ""),
        ("Afdeling", lambda c: c.department or ""),
        ("Organisation", lambda c: c.organization.name if c.organization else ""),
        (
            "Organisationstype",
            lambda c: label("organization_kinds", c.organization.kind) if c.organization else "",
        ),
    ]
    # one column per label, so a spreadsheet can sort and filter by it; several values with
    # one label share their cell, separated by ", "
    for email_label in EmailLabel:
        columns.append(
            (f"E-mail ({label('email_labels', email_label).lower()})", _emails(email_label))
        )
    for phone_label in PhoneLabel:
        columns.append(
            (f"Telefon ({label('phone_labels', phone_label).lower()})", _phones(phone_label))
        )
    columns += [
        ("Ansvarsområder", lambda c: ", ".join(c.responsibilities)),
        ("Noter", lambda c: c.notes or ""),
        ("Arkiveret", lambda c: _yes_no(c.archived)),
        ("Slettet", lambda c: _yes_no(c.erased)),
        ("Opdateret", _local),
        ("ID", lambda c: str(c.id)),
    ]
    return columns


EXCEL_COLUMNS = _excel_columns()


def csv_excel(contacts: Iterable[ContactRead]) -> str:
    """The contacts for a Danish spreadsheet (Excel's Danish CSV): semicolon-separated, CRLF,
    UTF-8 BOM first, Danish headers and labels, one column per e-mail and phone label, phones
    kept as text, times as `dd-mm-yyyy HH:MM` in Danish time. Every cell passes the formula
    guard (`_cell`)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(name for name, _ in EXCEL_COLUMNS)
    for c in contacts:
        writer.writerow(_cell(value(c)) for _, value in EXCEL_COLUMNS)
    return buffer.getvalue()
