"""Contact rules: derived text, organizations that exist, visibility, deletion and erasure."""

import uuid
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core import idempotency
from app.core.clock import local_today
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.fields import Fields
from app.core.pagination import PageParams
from app.core.pgread import HeldConnections
from app.core.security import Principal
from app.core.totals import TotalCache
from app.core.writes import delete_or_conflict
from app.directory import reads, repository, text
from app.directory.models import Contact, Organization
from app.directory.repository import ContactFilters, Seat
from app.directory.schemas import ContactCreate, ContactRead, ContactUpdate, Visibility

RESOURCE = "contact"
# written as JSON lists of objects: the request's models become plain dicts
_LIST_FIELDS = ("emails", "phones")
# what erasure wipes (the change log names these fields, never their values)
ERASED_FIELDS = (
    "department",
    "emails",
    "family_name",
    "given_name",
    "job_title",
    "notes",
    "phones",
    "responsibilities",
)


# ---- reading -----------------------------------------------------------------------------


def present(
    contact: Contact | Row[Any],
    principal: Principal,
    seats: Sequence[dict[str, Any]] = (),
) -> ContactRead:
    """The contact as this key may see it: restricted values and notes only for editors+,
    and for a public key only public values.

    `contact` is an ORM object or a plain row (`repository._CONTACT_ROW`: the contact's
    columns and `org_id`, `org_name`, `org_kind`); `seats` its current memberships as
    `{body_id, body_name, role}`. Built as plain data and validated once (nested values in
    pydantic-core), which keeps a page of 50 cheap.
    """
    sees_restricted = principal.sees_restricted
    hidden = (
        {Visibility.restricted.value, Visibility.partnership.value}
        if principal.is_public
        else {Visibility.restricted.value}
    )
    org: Any
    if isinstance(contact, Contact):
        org = contact.organization
    else:
        org = SimpleNamespace(id=contact.org_id, name=contact.org_name, kind=contact.org_kind)
        org = org if contact.org_id is not None else None
    erased = contact.erased
    return ContactRead.model_validate(
        {
            "id": contact.id,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
            "given_name": None if erased else contact.given_name,
            "family_name": None if erased else contact.family_name,
            "display_name": (
                text.ERASED_DISPLAY_NAME
                if erased
                else text.display_name(contact.given_name, contact.family_name)
            ),
            "job_title": contact.job_title,
            "department": contact.department,
            "organization_id": contact.organization_id,
            "organization": (
                {"id": org.id, "name": org.name, "kind": org.kind} if org is not None else None
            ),
            "emails": [
                e
                for e in contact.emails
                if sees_restricted or e.get("visibility", "partnership") not in hidden
            ],
            "phones": [
                p
                for p in contact.phones
                if sees_restricted or p.get("visibility", "partnership") not in hidden
            ],
            "responsibilities": contact.responsibilities,
            "notes": contact.notes if sees_restricted else None,
            "archived": contact.archived,
            "erased": erased,
            "memberships": seats,
        }
    )


def ensure_visible(principal: Principal, contact: Contact | Row[Any]) -> None:
    """404 for a public key asking for an archived (or erased) contact."""
    if principal.is_public and contact.archived:
        raise NotFound(f"No contact with id {contact.id}.")


def _seat_dicts(seats: Sequence[Seat]) -> list[dict[str, Any]]:
    return [{"body_id": s.body_id, "body_name": s.body_name, "role": s.role} for s in seats]


async def read_one(session: AsyncSession, principal: Principal, contact: Contact) -> ContactRead:
    """A loaded contact (after a write) with its current memberships (one query for them)."""
    seats = await repository.current_seats(session, principal, [contact.id], local_today())
    return present(contact, principal, _seat_dicts(seats.get(contact.id, [])))


async def read_by_id(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> ContactRead:
    """One contact by id with its organization and memberships, in one query; 404 when
    there is none."""
    row = await repository.contact_row(session, principal, contact_id, local_today())
    if row is None:
        raise NotFound(f"No contact with id {contact_id}.")
    ensure_visible(principal, row)
    # a public key sees an active contact without memberships
    return present(row, principal, () if principal.is_public else row.seats)


async def read_json(
    session: AsyncSession | None,
    held: HeldConnections | None,
    principal: Principal,
    contact_id: uuid.UUID,
    fields: Fields,
) -> bytes:
    """`read_by_id` as JSON written by PostgreSQL (`directory/reads.py`): one query."""
    values = repository.contact_values(principal, repository.ContactFilters(), local_today())
    found = await reads.contact(session, held, principal, contact_id, values, fields)
    if found is None:
        raise NotFound(f"No contact with id {contact_id}.")
    return found


# Up to this many matches, a search counts and sorts its matches in one query (found through
# the trigram index); beyond, matches are dense enough that counting them and walking the
# sort index finds a page sooner.
SEARCH_SORT_MAX = 5000


def _check_filters(principal: Principal, filters: ContactFilters) -> None:
    """A public key sees no memberships, so it may not filter by them either (403)."""
    if principal.is_public and (filters.body_id is not None or filters.role is not None):
        raise Forbidden(
            "A public key sees no memberships: filtering by body_id or role needs a reader key."
        )


async def list_page(
    session: AsyncSession, principal: Principal, filters: ContactFilters, params: PageParams
) -> tuple[list[ContactRead], int]:
    """A page of the list and its total, then the page's memberships: a fixed number of
    queries whatever the page size (two; three for a broad search or a page past the end).

    The plain list counts with an index-only scan and reads the page along the sort index.
    A search first tries page and total in one query (`repository.search_page`).
    """
    _check_filters(principal, filters)
    day = local_today()
    shape = repository.contact_shape(principal, filters)
    conds = repository.contact_conditions(shape)
    values = repository.contact_values(principal, filters, day)
    found = (
        await repository.search_page(
            session, conds, values, params, SEARCH_SORT_MAX, repository.contact_rank(shape)
        )
        if shape.words
        else None
    )
    if found is None:
        found = await (
            repository.broad_search_page(session, conds, values, params, shape.words)
            if shape.words
            else repository.list_contact_rows(session, conds, values, params)
        )
    rows, total = found
    ids = [] if principal.is_public else [c.id for c in rows]  # no memberships for public
    seats = await repository.current_seats(session, principal, ids, day)
    return [present(c, principal, _seat_dicts(seats.get(c.id, []))) for c in rows], total


async def list_json(
    session: AsyncSession | None,
    held: HeldConnections | None,
    totals: TotalCache,
    principal: Principal,
    filters: ContactFilters,
    params: PageParams,
    fields: Fields,
) -> tuple[bytes, int]:
    """`list_page` as JSON written by PostgreSQL (`directory/reads.py`): one query (two for
    a broad search), the memberships included."""
    _check_filters(principal, filters)
    shape = repository.contact_shape(principal, filters)
    values = repository.contact_values(principal, filters, local_today())
    return await reads.page(
        session, held, totals, principal, shape, values, params, fields, SEARCH_SORT_MAX
    )


async def export_all(
    session: AsyncSession, principal: Principal, filters: ContactFilters
) -> list[ContactRead]:
    """Every matching contact, for the exports (memberships are not exported)."""
    _check_filters(principal, filters)
    shape = repository.contact_shape(principal, filters)
    values = repository.contact_values(principal, filters, local_today())
    rank = repository.contact_rank(shape)
    rows = await repository.list_contacts(
        session,
        repository.contact_conditions(shape),
        values,
        filter_first=bool(rank),
        rank=rank,
    )
    return [present(c, principal) for c in rows]


# ---- writing -----------------------------------------------------------------------------


async def _organization(session: AsyncSession, org_id: uuid.UUID | None) -> Organization | None:
    if org_id is None:
        return None
    org = await repository.get_organization(session, org_id)
    if org is None:
        raise Unprocessable(
            ["body", "organization_id"], "organization_id refers to no organization."
        )
    return org


def _derive(contact: Contact, org: Organization | None) -> None:
    """Recompute what is derived from the person's fields and the organization's name."""
    fields: dict[str, Any] = {
        "job_title": contact.job_title,
        "organization_name": org.name if org is not None else None,
        "responsibilities": contact.responsibilities,
        "department": contact.department,
        "emails": contact.emails,
        "phones": contact.phones,
    }
    given, family = contact.given_name, contact.family_name
    contact.search_text = text.search_text(given, family, **fields)
    contact.search_public = text.search_text(given, family, **fields, levels=text.PUBLIC)
    contact.search_name = text.search_name(given, family)
    contact.responsibility_tags = text.responsibility_tags(contact.responsibilities)
    contact.sort_family = text.sort_key(family)
    contact.sort_given = text.sort_key(given)


async def create(session: AsyncSession, actor: Principal, data: ContactCreate) -> Contact:
    """Create a contact."""
    org = await _organization(session, data.organization_id)
    values = data.model_dump(mode="json", include={*_LIST_FIELDS})
    contact = Contact(
        id=uuid.uuid4(),
        **data.model_dump(exclude={*_LIST_FIELDS, "organization_id"}),
        **values,
        erased=False,
    )
    contact.organization = org
    _derive(contact, org)
    session.add(contact)
    await session.flush()
    fields = data.model_fields_set | {"given_name", "family_name"}
    await changes.record(session, actor, RESOURCE, contact.id, "created", fields)
    return contact


async def update(
    session: AsyncSession, actor: Principal, contact: Contact, data: ContactUpdate
) -> Contact:
    """Apply a partial update; lists are replaced whole."""
    if contact.erased:
        raise Conflict("The contact has been erased; an erased contact cannot be changed.")
    sent = data.model_dump(mode="json", include=data.model_fields_set & {*_LIST_FIELDS})
    changed: list[str] = []
    for name in sorted(data.model_fields_set):
        value = sent[name] if name in sent else getattr(data, name)
        if getattr(contact, name) != value:
            changed.append(name)
            if name == "organization_id":
                contact.organization = await _organization(session, value)
            setattr(contact, name, value)
    if not changed:
        return contact
    _derive(contact, contact.organization)
    contact.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, contact.id, "updated", changed)
    return contact


async def delete(session: AsyncSession, actor: Principal, contact: Contact) -> None:
    """Delete a contact nothing refers to; otherwise 409 pointing to erasure."""
    await delete_or_conflict(
        session,
        contact,
        "The contact is referred to (by memberships, agenda items or meetings) and cannot be "
        f"deleted. To remove the person's data, erase it: POST /api/v1/contacts/{contact.id}/erase "
        "(admin); the id stays so the history that refers to it holds.",
    )
    await changes.record(session, actor, RESOURCE, contact.id, "deleted")


async def erase(session: AsyncSession, actor: Principal, contact: Contact) -> Contact:
    """Wipe the person's data, keep the id (archived, shown as an erased contact).

    The directory is shared by every plan, so only an unlimited admin erases (403)."""
    if actor.plan_ids is not None:
        raise Forbidden(
            "Erasure wipes a person from the directory every plan shares: "
            "it needs an admin key that is not limited to plans."
        )
    if contact.erased:
        return contact
    contact.given_name = ""
    contact.family_name = ""
    contact.job_title = None
    contact.department = None
    contact.emails = []
    contact.phones = []
    contact.notes = None
    contact.responsibilities = []
    contact.erased = True
    contact.archived = True
    contact.search_text = ""
    contact.search_public = ""
    contact.search_name = ""
    contact.responsibility_tags = ""
    contact.sort_family = ""
    contact.sort_given = ""
    contact.touch()
    await session.flush()
    await idempotency.forget_responses_about(session, f"/api/v1/contacts/{contact.id}")
    await changes.record(session, actor, RESOURCE, contact.id, "erased", ERASED_FIELDS)
    return contact


async def refresh_for_organization(session: AsyncSession, org: Organization) -> None:
    """After an organization's name or kind changed: its contacts' search text follows, and
    their `updated_at` moves, since the organization they show changed (so `modified_since`
    and the ETag agree with what a client sees)."""
    for contact in await repository.contacts_of_organization(session, org.id):
        if not contact.erased:
            _derive(contact, org)
        contact.touch()
