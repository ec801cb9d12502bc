"""HTTP routes for people: role mappings and users (unlimited admin), and the caller's own
view: /me, the personal calendar token and feed."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from app.core.clock import local_today
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import (
    ITEM_READ_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Forbidden,
    NotFound,
    responses,
)
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import AdminKey, Principal, authenticate, authenticated, bearer
from app.meetings.router_calendar import FEED_ERRORS, ICS_RESPONSE, feed_response
from app.meetings.router_meetings import FromQuery, ToQuery
from app.people import repository, service
from app.people.models import RoleMapping, User
from app.people.schemas import (
    CalendarTokenCreated,
    MeRead,
    RoleMappingCreate,
    RoleMappingRead,
    RoleMappingUpdate,
    UserRead,
    UserUpdate,
)

mappings_router = APIRouter(
    prefix="/api/v1/role-mappings", tags=["role-mappings"], route_class=PlannedRoute
)
users_router = APIRouter(prefix="/api/v1/users", tags=["users"], route_class=PlannedRoute)
me_router = APIRouter(prefix="/api/v1/me", tags=["me"], route_class=PlannedRoute)

Caller = Annotated[Principal, Depends(authenticated)]


async def unlimited_admin(admin: AdminKey) -> Principal:
    """An admin not limited to plans (403 otherwise): who manages mappings and users."""
    service.ensure_unlimited_admin(admin)
    return admin


UnlimitedAdmin = Annotated[Principal, Depends(unlimited_admin)]


def _forget_people(request: Request) -> None:
    # every person's rights may have changed: at once on this worker, elsewhere within ttl
    request.app.state.user_cache.clear()


# --- role mappings ---------------------------------------------------------------------


async def valid_mapping(
    mapping_id: uuid.UUID, session: SessionDep, _admin: UnlimitedAdmin
) -> RoleMapping:
    """The role mapping in the path, or 404."""
    mapping = await repository.get_mapping(session, mapping_id)
    if mapping is None:
        raise NotFound(f"No role mapping with id {mapping_id}.")
    return mapping


MappingDep = Annotated[RoleMapping, Depends(valid_mapping)]


@mappings_router.get(
    "",
    operation_id="list_role_mappings",
    response_model=page_model(RoleMappingRead),
    responses=responses(*READ_ERRORS),
)
async def list_role_mappings(
    request: Request,
    session: SessionDep,
    _admin: UnlimitedAdmin,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(RoleMappingRead))],
) -> Response:
    """Every role mapping, by claim and value. Unlimited admins only."""
    rows, total = await fetch_page(session, repository.mappings_query(page), page)
    items = [RoleMappingRead.model_validate(m) for m in rows]
    return page_response(request, items, total, page, fields)


@mappings_router.post(
    "",
    operation_id="create_role_mapping",
    status_code=201,
    response_model=RoleMappingRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_role_mapping(
    request: Request, session: SessionDep, admin: UnlimitedAdmin, body: RoleMappingCreate
) -> Response:
    """Map a token claim value (e.g. a group) to a role and, optionally, plans.

    A person gets the highest role among the mappings their token matches, limited to the
    union of the plans of the mappings with that role. One mapping per claim value (409).
    Only an admin not limited to plans manages mappings (403)."""
    mapping = await service.create_mapping(session, admin, body)
    _forget_people(request)
    return resource_response(
        request,
        RoleMappingRead.model_validate(mapping),
        status_code=201,
        location=f"/api/v1/role-mappings/{mapping.id}",
    )


@mappings_router.get(
    "/{mapping_id}",
    operation_id="get_role_mapping",
    response_model=read_model(RoleMappingRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_role_mapping(
    request: Request,
    mapping: MappingDep,
    fields: Annotated[Fields, Depends(select_fields(RoleMappingRead))],
) -> Response:
    """One role mapping."""
    return resource_response(request, RoleMappingRead.model_validate(mapping), fields=fields)


@mappings_router.patch(
    "/{mapping_id}",
    operation_id="update_role_mapping",
    response_model=RoleMappingRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_role_mapping(
    request: Request,
    session: SessionDep,
    admin: UnlimitedAdmin,
    mapping: MappingDep,
    body: RoleMappingUpdate,
) -> Response:
    """Change a mapping's role or plans; people have the new rights on their next request."""
    await check_if_match(request, session, mapping, lambda: RoleMappingRead.model_validate(mapping))
    await service.update_mapping(session, admin, mapping, body)
    _forget_people(request)
    return resource_response(request, RoleMappingRead.model_validate(mapping))


@mappings_router.delete(
    "/{mapping_id}",
    operation_id="delete_role_mapping",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_role_mapping(
    request: Request, session: SessionDep, admin: UnlimitedAdmin, mapping: MappingDep
) -> Response:
    """Remove a mapping; the people it gave a role lose it on their next request."""
    await check_if_match(request, session, mapping, lambda: RoleMappingRead.model_validate(mapping))
    await service.delete_mapping(session, admin, mapping)
    _forget_people(request)
    return Response(status_code=204)


# --- users -----------------------------------------------------------------------------


async def valid_user(user_id: uuid.UUID, session: SessionDep, _admin: UnlimitedAdmin) -> User:
    """The user in the path, or 404."""
    user = await repository.get_user(session, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


UserDep = Annotated[User, Depends(valid_user)]


@users_router.get(
    "",
    operation_id="list_users",
    response_model=page_model(UserRead),
    responses=responses(*READ_ERRORS),
)
async def list_users(
    request: Request,
    session: SessionDep,
    _admin: UnlimitedAdmin,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(UserRead))],
) -> Response:
    """The people who have signed in, by name. Unlimited admins only."""
    rows, total = await fetch_page(session, repository.users_query(page), page)
    return page_response(request, [UserRead.model_validate(u) for u in rows], total, page, fields)


@users_router.get(
    "/{user_id}",
    operation_id="get_user",
    response_model=read_model(UserRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_user(
    request: Request,
    user: UserDep,
    fields: Annotated[Fields, Depends(select_fields(UserRead))],
) -> Response:
    """One person who has signed in."""
    return resource_response(request, UserRead.model_validate(user), fields=fields)


@users_router.patch(
    "/{user_id}",
    operation_id="update_user",
    response_model=UserRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_user(
    request: Request, session: SessionDep, admin: UnlimitedAdmin, user: UserDep, body: UserUpdate
) -> Response:
    """Link a person to their directory entry (`contact_id`), or unlink them (null).

    A person is linked automatically on their first sign-in when exactly one contact holds
    their (verified) e-mail address; this sets or corrects the link."""
    await check_if_match(request, session, user, lambda: UserRead.model_validate(user))
    await service.update_user(session, admin, user, body)
    return resource_response(request, UserRead.model_validate(user))


@users_router.delete(
    "/{user_id}",
    operation_id="delete_user",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_user(
    request: Request, session: SessionDep, admin: UnlimitedAdmin, user: UserDep
) -> Response:
    """Forget a person who left: their record and personal calendar feed go at once.

    Signing in is the issuer's business: remove them there (or from the mapped group) too,
    or their next sign-in records them again — without a calendar feed."""
    await check_if_match(request, session, user, lambda: UserRead.model_validate(user))
    await service.delete_user(session, admin, user)
    _forget_people(request)
    return Response(status_code=204)


# --- the caller's own view -------------------------------------------------------------


@me_router.get(
    "",
    operation_id="get_me",
    response_model=read_model(MeRead),
    responses=responses(304, 400, 401, 403, 422),
)
async def get_me(
    request: Request,
    session: SessionDep,
    caller: Caller,
    fields: Annotated[Fields, Depends(select_fields(MeRead))],
) -> Response:
    """Who the caller is: a key or a signed-in person, their role and plans; for a person
    linked to a contact also the bodies they sit in, their next meetings and open actions."""
    return resource_response(request, await service.me(session, caller), fields=fields)


def _feed_url(settings: Settings, secret: str) -> str:
    base = settings.public_url or ""
    return f"{base}/api/v1/me/meetings.ics?token={secret}"


@me_router.post(
    "/calendar-token",
    operation_id="create_calendar_token",
    status_code=201,
    response_model=CalendarTokenCreated,
    responses=responses(400, 401, 403, 413, 422),
)
async def create_calendar_token(request: Request, session: SessionDep, caller: Caller) -> Response:
    """Issue the caller's personal calendar token (a signed-in person only), replacing any
    earlier one. It opens `/api/v1/me/meetings.ics` and nothing else; shown this once."""
    secret = await service.issue_calendar_token(session, caller)
    payload = CalendarTokenCreated(
        secret=secret, feed_url=_feed_url(request.app.state.settings, secret)
    )
    return resource_response(
        request,
        payload,
        status_code=201,
        location="/api/v1/me/meetings.ics",
        headers={"Cache-Control": "no-store"},
    )


@me_router.delete(
    "/calendar-token",
    operation_id="revoke_calendar_token",
    status_code=204,
    responses=responses(400, 401, 403, 422),
)
async def revoke_calendar_token(session: SessionDep, caller: Caller) -> Response:
    """Turn the caller's personal calendar feed off."""
    await service.revoke_calendar_token(session, caller)
    return Response(status_code=204)


@me_router.get(
    "/meetings.ics",
    operation_id="get_my_meetings_ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **responses(*FEED_ERRORS)},
)
async def get_my_meetings_ics(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[
        str | None,
        Query(
            description="The person's calendar token (POST /api/v1/me/calendar-token), for "
            "calendar clients that cannot send headers. No other key or token works here."
        ),
    ] = None,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The meetings of the bodies the person sits in, and nothing else.

    With `?token=` (a personal calendar token) or a signed-in person's token in the header;
    a key has no personal feed (403)."""
    if token is not None:
        user, principal = await service.feed_owner(session, token)
        contact_id = user.contact_id
    else:
        principal = await authenticate(
            request, session, credentials.credentials if credentials else None
        )
        if principal.user_id is None:
            raise Forbidden(
                "A key has no personal feed; a calendar key opens /api/v1/calendar.ics."
            )
        found = await repository.get_user(session, principal.user_id)
        contact_id = found.contact_id if found is not None else None
    body_ids: list[uuid.UUID] = []
    if contact_id is not None:
        body_ids = await repository.seat_body_ids(session, principal, contact_id, local_today())
    return await feed_response(
        request,
        session,
        principal,
        f"Samstyre: {principal.name}",
        start=start,
        end=end,
        body_ids=body_ids,
    )
