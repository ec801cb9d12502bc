"""Request and response bodies of the directory."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, model_validator

from app.core.schemas import EntityRead, InputModel, Name, optional
from app.directory.validation import is_valid_cvr


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
