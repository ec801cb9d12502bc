"""Bodies of the people routes: role mappings, users, and a caller's own view (/me)."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import EntityRead, InputModel, Name, ReadModel, ShortText, optional


class MappedRole(StrEnum):
    """The roles a mapping may give a person (a calendar role is a key's, for machines)."""

    reader = "reader"
    editor = "editor"
    admin = "admin"


PlanIds = list[uuid.UUID] | None


class RoleMappingCreate(InputModel):
    """A new role mapping: a claim value that grants a role (and, optionally, plans)."""

    claim: Name = Field(
        description="The token claim to look in: `groups`, `roles`, or a dotted path into "
        "nested claims such as Keycloak's `realm_access.roles`.",
        examples=["groups"],
    )
    value: ShortText = Field(
        min_length=1,
        description="The value the claim must hold (itself, or one element of its list), "
        "e.g. the object id of an Entra group.",
        examples=["6b1c2f7e-0a3d-4c1e-9f5a-2d8e7c4b9a10"],
    )
    role: MappedRole
    plan_ids: PlanIds = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Limit the role to these plans; null for every plan.",
    )


class RoleMappingUpdate(InputModel):
    """Changes to a role mapping: its role and plans (claim and value name it)."""

    role: MappedRole = optional()
    plan_ids: PlanIds = Field(default=None, min_length=1, max_length=100)


class RoleMappingRead(EntityRead):
    """A role mapping."""

    claim: str
    value: str
    role: MappedRole
    plan_ids: list[uuid.UUID] | None = Field(description="The plans; null for every plan.")


class UserRead(EntityRead):
    """A person who has signed in."""

    issuer: str = Field(description="The `iss` of their tokens.")
    subject: str = Field(description="The `sub` of their tokens: who they are at the issuer.")
    name: str
    email: str | None
    contact_id: uuid.UUID | None = Field(
        description="The directory entry of this person: the bodies they sit in."
    )
    first_seen_at: datetime
    last_seen_at: datetime = Field(description="Their last request, to within five minutes.")
    has_calendar_token: bool = Field(description="Whether a personal calendar feed is on.")


class UserUpdate(InputModel):
    """Link a person to their directory entry (null: unlink)."""

    contact_id: uuid.UUID | None = Field(default=None)


class ContactRef(ReadModel):
    """The directory entry linked to the caller."""

    id: uuid.UUID
    display_name: str


class SeatRead(ReadModel):
    """A current membership of the caller's contact."""

    membership_id: uuid.UUID
    body_id: uuid.UUID
    body_name: str
    body_kind: str
    plan_id: uuid.UUID
    role: str
    start_date: date | None
    end_date: date | None


class MeetingRef(ReadModel):
    """An upcoming meeting of a body the caller sits in."""

    id: uuid.UUID
    title: str
    body_id: uuid.UUID
    body_name: str
    mode: str
    status: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None


class ActionRef(ReadModel):
    """An open follow-up action the caller's contact owns."""

    id: uuid.UUID
    title: str
    due_date: date | None
    status: Literal["open", "done", "dropped"]
    body_id: uuid.UUID


class MeRead(BaseModel):
    """The caller: who they are, their rights, and (for a person) their seats and meetings."""

    kind: Literal["user", "key"] = Field(description="A signed-in person, or an API key.")
    id: uuid.UUID = Field(description="The user's id, or the key's.")
    name: str
    email: str | None = Field(description="A person's e-mail address (null for a key).")
    role: str
    plan_ids: list[uuid.UUID] | None = Field(description="The plans; null for every plan.")
    contact: ContactRef | None = Field(
        description="The person's directory entry, when they are linked to one."
    )
    seats: list[SeatRead] = Field(
        description="The bodies the contact sits in today (within the caller's plans)."
    )
    next_meetings: list[MeetingRef] = Field(
        description="The next ten planned or invited meetings of those bodies."
    )
    open_actions: list[ActionRef] = Field(
        description="Open follow-up actions the contact owns, soonest due first."
    )
    has_calendar_token: bool = Field(
        description="Whether the person has a personal calendar feed (always false for a key)."
    )


class CalendarTokenCreated(BaseModel):
    """A personal calendar feed token: shown this once, never again."""

    secret: str = Field(description="The token; it opens the personal feed only.")
    feed_url: str = Field(
        description="The feed's URL with the token, for a calendar client's subscription."
    )
