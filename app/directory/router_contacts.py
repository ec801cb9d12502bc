"""HTTP routes for contacts: CRUD, search, exports (vCard, CSV) and erasure.

The export routes are registered before `/contacts/{contact_id}` so that `contacts.vcf`,
`contacts.csv` and `{id}.vcf` are never taken for an id.
"""

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.db import SessionDep, read_session, session_unless_held
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    NotFound,
    ProblemError,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, json_resource_response, resource_response
from app.core.pagination import PageDep, json_page_response, page_response
from app.core.planned import PlannedRoute
from app.core.schemas import QueryDatetime
from app.core.security import AdminKey, EditorKey, PublicKey
from app.directory import contacts, exports, repository
from app.directory.exports import CsvDialect, VCardVersion
from app.directory.models import Contact
from app.directory.repository import ContactFilters
from app.directory.schemas import (
    SEARCH_DESCRIPTION,
    ContactCreate,
    ContactRead,
    ContactUpdate,
    OrganizationKind,
    SearchQuery,
)
from app.governance.enums import MemberRole

router = APIRouter(prefix="/api/v1", tags=["contacts"], route_class=PlannedRoute)


class VCardResponse(Response):
    """vCard 4.0 (RFC 6350) or 3.0 (RFC 2426), UTF-8."""

    media_type = exports.VCARD_MEDIA_TYPE
    charset = "utf-8"


class CsvResponse(Response):
    """CSV (RFC 4180, or semicolons for a Danish spreadsheet), UTF-8 with BOM."""

    media_type = exports.CSV_MEDIA_TYPE
    charset = "utf-8"


async def contact_filters(
    q: Annotated[
        SearchQuery | None,
        Query(
            max_length=200,
            description="Searches the name, job title, department, organisation name, "
            "responsibilities, e-mail addresses and phone numbers (digits, any spacing, with "
            "or without +45) that the key may see; restricted ones are never searched. "
            + SEARCH_DESCRIPTION,
        ),
    ] = None,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Only people of this organization.")
    ] = None,
    organization_kind: Annotated[
        OrganizationKind | None, Query(description="Only people of organizations of this kind.")
    ] = None,
    responsibility: Annotated[
        str | None,
        Query(max_length=100, description="Only people with this responsibility tag (any case)."),
    ] = None,
    body_id: Annotated[
        uuid.UUID | None,
        Query(description="Only current members of this body (of the key's plans)."),
    ] = None,
    role: Annotated[
        MemberRole | None,
        Query(description="Only people with a current membership in this role."),
    ] = None,
    include_archived: Annotated[
        bool, Query(description="Also archived (and erased) contacts (never for a public key).")
    ] = False,
) -> ContactFilters:
    """The contact list's filters (shared by the exports)."""
    return ContactFilters(
        q=q,
        organization_id=organization_id,
        organization_kind=organization_kind.value if organization_kind else None,
        responsibility=responsibility,
        body_id=body_id,
        role=role.value if role else None,
        include_archived=include_archived,
    )


FiltersDep = Annotated[ContactFilters, Depends(contact_filters)]
ModifiedSince = Annotated[
    QueryDatetime | None,
    Query(description="Only records updated at or after this time (RFC 3339, with offset)."),
]


async def valid_contact(contact_id: uuid.UUID, session: SessionDep) -> Contact:
    """The contact in the path, or 404."""
    contact = await repository.get_contact(session, contact_id)
    if contact is None:
        raise NotFound(f"No contact with id {contact_id}.")
    return contact


ContactDep = Annotated[Contact, Depends(valid_contact)]
VersionQuery = Annotated[
    VCardVersion,
    Query(
        description="4.0 (RFC 6350, the default) or 3.0 (RFC 2426: what Outlook desktop "
        "imports best; TEL as plain E.164 text, CHARSET=UTF-8 on lines with æøå)."
    ),
]


def _location(contact: Contact) -> str:
    return f"/api/v1/contacts/{contact.id}"


def _export_responses(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string"}}},
            "headers": {
                "Content-Disposition": {
                    "description": "attachment with a file name",
                    "schema": {"type": "string"},
                }
            },
        }
    }


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _with_since(filters: ContactFilters, modified_since: Any) -> ContactFilters:
    if modified_since is None:
        return filters
    return dataclasses.replace(filters, modified_since=modified_since)


# ---- routes, most read first --------------------------------------------------------------
# FastAPI tries a router's routes in order, twice for the route it picks (0.165), so the
# single contact and the list come first (measured: a fifth of a contact GET's instructions
# went to matching the routes before it). No two paths overlap: `{contact_id:not_vcard}`
# never captures `{id}.vcf` (core/routing.py).


@router.get(
    "/contacts/{contact_id:not_vcard}",
    operation_id="get_contact",
    response_model=read_model(ContactRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_contact(
    request: Request,
    key: PublicKey,
    contact_id: uuid.UUID,
    fields: Annotated[Fields, Depends(select_fields(ContactRead))],
) -> Response:
    """One contact, with its current memberships in bodies of the key's plans."""
    state = request.app.state
    if state.json_reads:
        async with session_unless_held(request, state.held_reads) as session:
            body = await contacts.read_json(session, state.held_reads, key, contact_id, fields)
        return json_resource_response(request, body)
    async with read_session(request) as read:
        found = await contacts.read_by_id(read, key, contact_id)
    return resource_response(request, found, fields=fields)


@router.get(
    "/contacts",
    operation_id="list_contacts",
    response_model=page_model(ContactRead),
    responses=responses(*READ_ERRORS),
)
async def list_contacts(
    request: Request,
    key: PublicKey,
    page: PageDep,
    filters: FiltersDep,
    fields: Annotated[Fields, Depends(select_fields(ContactRead))],
) -> Response:
    """The directory, by family name, given name; archived contacts only on request.

    Each contact carries its current memberships (of the key's plans). A page takes the
    same few queries whatever its size.
    """
    filters = _with_since(filters, page.modified_since)
    state = request.app.state
    if state.json_reads:
        async with session_unless_held(request, state.held_reads) as session:
            body, total = await contacts.list_json(
                session, state.held_reads, state.totals, key, filters, page, fields
            )
        return json_page_response(request, body, total, page)
    async with read_session(request) as read:
        items, total = await contacts.list_page(read, key, filters, page)
    return page_response(request, items, total, page, fields)


@router.get(
    "/contacts/{contact_id}.vcf",
    operation_id="export_contact_vcard",
    response_class=VCardResponse,
    responses={
        **_export_responses(exports.VCARD_MEDIA_TYPE, "The contact as a vCard 4.0 (or 3.0)."),
        **responses(400, 401, 403, 404, 422),
    },
)
async def export_contact_vcard(
    key: PublicKey, contact: ContactDep, version: VersionQuery = VCardVersion.v4
) -> VCardResponse:
    """One contact as a vCard (restricted values only for editors and admins)."""
    contacts.ensure_visible(key, contact)
    card = exports.vcard(contacts.present(contact, key), version)
    return VCardResponse(card, headers=_attachment(f"contact-{contact.id}.vcf"))


@router.api_route(
    "/contacts/{contact_id}.vcf",
    methods=["POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def contact_vcard_other_methods() -> Response:
    """405 for writes to a vCard, naming the methods it answers."""
    raise ProblemError(
        "The vCard export only answers GET.",
        status=405,
        slug="method-not-allowed",
        headers={"Allow": "GET, HEAD"},
    )


# ---- exports and writes -------------------------------------------------------------------


@router.get(
    "/contacts.vcf",
    operation_id="export_contacts_vcard",
    response_class=VCardResponse,
    responses={
        **_export_responses(
            exports.VCARD_MEDIA_TYPE, "Every matching contact as vCard 4.0 (or 3.0)."
        ),
        **responses(*READ_ERRORS),
    },
)
async def export_contacts_vcard(
    session: SessionDep,
    key: PublicKey,
    filters: FiltersDep,
    version: VersionQuery = VCardVersion.v4,
    modified_since: ModifiedSince = None,
) -> VCardResponse:
    """Every matching contact (same filters and visibility as the list, unpaged) as vCards."""
    rows = await contacts.export_all(session, key, _with_since(filters, modified_since))
    return VCardResponse(exports.vcards(rows, version), headers=_attachment("contacts.vcf"))


@router.get(
    "/contacts.csv",
    operation_id="export_contacts_csv",
    response_class=CsvResponse,
    responses={
        **_export_responses(
            exports.CSV_MEDIA_TYPE, "Every matching contact as CSV (UTF-8 with BOM, header row)."
        ),
        **responses(*READ_ERRORS),
    },
)
async def export_contacts_csv(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    filters: FiltersDep,
    dialect: Annotated[
        CsvDialect | None,
        Query(
            description="`rfc4180`: comma-separated, the API's field names, one cell per "
            "list, ISO times: for machines. `excel`: what Danish Excel opens in columns — "
            "semicolon-separated, Danish headers and labels, a column per e-mail and phone "
            "label, phones as text (`12 34 56 01`), times as `dd-mm-yyyy HH:MM` Danish "
            "time. Without it: `excel` when `Accept-Language` puts Danish (`da`) first, "
            "else `rfc4180`."
        ),
    ] = None,
    modified_since: ModifiedSince = None,
) -> CsvResponse:
    """Every matching contact (same filters and visibility as the list, unpaged) as CSV."""
    rows = await contacts.export_all(session, key, _with_since(filters, modified_since))
    chosen = dialect or exports.dialect_for(request.headers.get("accept-language"))
    document = exports.csv_excel(rows) if chosen is CsvDialect.excel else exports.csv_document(rows)
    headers = {**_attachment("contacts.csv"), "Vary": "Accept-Language"}
    return CsvResponse(document, headers=headers)


@router.post(
    "/contacts",
    operation_id="create_contact",
    status_code=201,
    response_model=ContactRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_contact(
    request: Request, session: SessionDep, key: EditorKey, body: ContactCreate
) -> Response:
    """Create a contact. Phone numbers are stored in E.164 (Denmark by default)."""
    contact = await contacts.create(session, key, body)
    return resource_response(
        request,
        contacts.present(contact, key),
        status_code=201,
        location=_location(contact),
    )


@router.patch(
    "/contacts/{contact_id:not_vcard}",
    operation_id="update_contact",
    response_model=ContactRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_contact(
    request: Request,
    session: SessionDep,
    key: EditorKey,
    contact: ContactDep,
    body: ContactUpdate,
) -> Response:
    """Change a contact; `emails`, `phones` and `responsibilities` are replaced whole."""
    await check_if_match(
        request, session, contact, lambda: contacts.read_one(session, key, contact)
    )
    await contacts.update(session, key, contact, body)
    return resource_response(request, await contacts.read_one(session, key, contact))


@router.delete(
    "/contacts/{contact_id:not_vcard}",
    operation_id="delete_contact",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_contact(
    request: Request, session: SessionDep, key: EditorKey, contact: ContactDep
) -> Response:
    """Delete a contact nothing refers to; a referred-to one answers 409 (erase it instead)."""
    await check_if_match(
        request, session, contact, lambda: contacts.read_one(session, key, contact)
    )
    await contacts.delete(session, key, contact)
    return Response(status_code=204)


@router.post(
    "/contacts/{contact_id}/erase",
    operation_id="erase_contact",
    response_model=ContactRead,
    responses=responses(*WRITE_ERRORS),
)
async def erase_contact(
    request: Request, session: SessionDep, key: AdminKey, contact: ContactDep
) -> Response:
    """Wipe the person's names, title, department, e-mails, phones, notes and
    responsibilities (an admin key not limited to plans). The id stays, so what refers to it
    holds; the change log records the erasure without values. Erasing an erased contact
    changes nothing."""
    await check_if_match(
        request, session, contact, lambda: contacts.read_one(session, key, contact)
    )
    await contacts.erase(session, key, contact)
    return resource_response(request, await contacts.read_one(session, key, contact))
