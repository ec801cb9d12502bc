"""Request and response bodies of the directory."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, model_validator

from app.core.schemas import (
    EntityRead,
    InputModel,
    LongText,
    Name,
    OneLine,
    ReadModel,
    fold,
    optional,
)
from app.directory.validation import is_valid_cvr, normalize_phone
from app.governance.enums import MemberRole

MAX_QUERY_WORDS = 10


def _few_words(value: str) -> str:
    # each word is one more LIKE for the database: bounded, and said so instead of dropped
    if len(value.split()) > MAX_QUERY_WORDS:
        raise ValueError(f"at most {MAX_QUERY_WORDS} words")
    return value


SearchQuery = Annotated[str, AfterValidator(_few_words)]
"""`?q=`: words (at most 10), each found somewhere, in any order (app.directory.text)."""

SEARCH_DESCRIPTION = (
    "Words, each found somewhere in any order: case and accents are ignored and Danish "
    "spellings are one (å = aa, æ = ae, ø = oe = o: `soren`, `soeren` and `Søren` alike). "
    "At most 10 words; `%` and `_` are literal. Results come by relevance first (every word "
    "a whole word of the name, then every word the start of one), then in the list's order."
)


class OrganizationKind(StrEnum):
    """What kind of organization."""

    municipality = "municipality"
    housing_organization = "housing_organization"
    housing_department = "housing_department"
    institution = "institution"
    police = "police"
    other = "other"


def _check_cvr(value: str) -> str:
    if not is_valid_cvr(value):
        raise ValueError("not a valid CVR number (8 digits, modulus-11 check)")
    return value


Cvr = Annotated[
    str,
    Field(pattern=r"^[0-9]{8}$", description="CVR number: 8 digits, modulus-11 checked."),
    AfterValidator(_check_cvr),
]
MunicipalityCode = Annotated[
    str, Field(pattern=r"^[0-9]{3}$", description="Kommunekode, 3 digits (Randers: 730).")
]
Website = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s]+$")]
Phone = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^\+?[0-9 ()-]+$")]


class OrganizationCreate(InputModel):
    """A new organization."""

    name: Name
    kind: OrganizationKind
    cvr: Cvr | None = None
    municipality_code: MunicipalityCode | None = Field(
        default=None, description="Required for municipalities."
    )
    parent_id: uuid.UUID | None = None
    website: Website | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    archived: bool = False

    @model_validator(mode="after")
    def _municipality_has_code(self) -> "OrganizationCreate":
        if self.kind is OrganizationKind.municipality and not self.municipality_code:
            raise ValueError("municipality_code is required for a municipality")
        return self


class OrganizationUpdate(InputModel):
    """Changes to an organization: only the fields sent are written."""

    name: Name = optional()
    kind: OrganizationKind = optional()
    cvr: Cvr | None = None
    municipality_code: MunicipalityCode | None = None
    parent_id: uuid.UUID | None = None
    website: Website | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    archived: bool = optional()


class OrganizationRead(EntityRead):
    """An organization."""

    name: str
    kind: OrganizationKind
    cvr: str | None
    municipality_code: str | None
    parent_id: uuid.UUID | None
    website: str | None
    email: str | None
    phone: str | None
    archived: bool


# ---- contacts ----------------------------------------------------------------------------


class Visibility(StrEnum):
    """Who may see an e-mail address or phone number."""

    public = "public"
    partnership = "partnership"
    restricted = "restricted"


class EmailLabel(StrEnum):
    """What an e-mail address is for."""

    work = "work"
    home = "home"
    other = "other"


class PhoneLabel(StrEnum):
    """What a phone number is for."""

    work = "work"
    mobile = "mobile"
    switchboard = "switchboard"
    home = "home"
    other = "other"


def _check_phone(value: str) -> str:
    return normalize_phone(value)


PhoneNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[+0-9 ()./-]+$",
        description="Any common notation; Denmark is the default region. Stored and returned "
        "in E.164 (`+4512345601`); refused unless a possible number for its country.",
    ),
    AfterValidator(_check_phone),
]
JobText = Annotated[OneLine, Field(min_length=1, max_length=200)]
Responsibility = Annotated[
    OneLine, Field(min_length=1, max_length=100, description="A short tag, e.g. `skole`.")
]


class EmailIn(InputModel):
    """An e-mail address of a contact."""

    address: EmailStr = Field(max_length=320)
    label: EmailLabel = EmailLabel.work
    visibility: Visibility = Visibility.partnership


class PhoneIn(InputModel):
    """A phone number of a contact."""

    number: PhoneNumber
    label: PhoneLabel = PhoneLabel.work
    visibility: Visibility = Visibility.partnership


def _unique_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    seen: set[str] = set()
    out = []
    for tag in tags:
        if fold(tag) not in seen:
            seen.add(fold(tag))
            out.append(tag)
    return out


Emails = Annotated[list[EmailIn], Field(max_length=20)]
Phones = Annotated[list[PhoneIn], Field(max_length=20)]
Responsibilities = Annotated[
    list[Responsibility],
    Field(max_length=30, description="Tags; duplicates (case-insensitive) are dropped."),
    AfterValidator(_unique_tags),
]


class ContactCreate(InputModel):
    """A new contact."""

    given_name: Name
    family_name: Name
    job_title: JobText | None = None
    department: JobText | None = None
    organization_id: uuid.UUID | None = Field(
        default=None, description="The organization the person works for; must exist."
    )
    emails: Emails = Field(default_factory=list)
    phones: Phones = Field(default_factory=list)
    responsibilities: Responsibilities = Field(default_factory=list)
    notes: LongText | None = Field(
        default=None, description="Internal; shown only to editors and admins."
    )
    archived: bool = False


class ContactUpdate(InputModel):
    """Changes to a contact: only the fields sent are written; lists are replaced whole."""

    given_name: Name = optional()
    family_name: Name = optional()
    job_title: JobText | None = None
    department: JobText | None = None
    organization_id: uuid.UUID | None = None
    emails: Emails = optional()
    phones: Phones = optional()
    responsibilities: Responsibilities = optional()
    notes: LongText | None = None
    archived: bool = optional()


class OrganizationSummary(ReadModel):
    """The organization a contact works for."""

    id: uuid.UUID
    name: str
    kind: OrganizationKind


class EmailRead(ReadModel):
    """An e-mail address the caller may see."""

    address: str
    label: EmailLabel
    visibility: Visibility


class PhoneRead(ReadModel):
    """A phone number (E.164) the caller may see."""

    number: str
    label: PhoneLabel
    visibility: Visibility


class MembershipSummary(ReadModel):
    """A current seat of the contact in a body (of the key's plans)."""

    body_id: uuid.UUID
    body_name: str
    role: MemberRole


class ContactRead(EntityRead):
    """A contact, as the calling key may see it."""

    given_name: str | None = Field(description="null once erased.")
    family_name: str | None = Field(description="null once erased.")
    display_name: str = Field(description='"given family"; "Slettet kontakt" once erased.')
    job_title: str | None
    department: str | None
    organization_id: uuid.UUID | None
    organization: OrganizationSummary | None
    emails: list[EmailRead] = Field(description="Restricted addresses only for editors and admins.")
    phones: list[PhoneRead] = Field(description="Restricted numbers only for editors and admins.")
    responsibilities: list[str]
    notes: str | None = Field(description="Internal notes; always null for readers.")
    archived: bool
    erased: bool = Field(description="The person's data was wiped; the id stays.")
    memberships: list[MembershipSummary] = Field(
        description="Current memberships (today within start and end date), limited to the "
        "key's plans, ordered by body name."
    )
