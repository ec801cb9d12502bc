"""iCalendar feeds (RFC 5545). Registered before the JSON routes so `{id}` never takes `.ics`."""

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import SessionDep
from app.core.errors import responses
from app.core.http import etag_of, not_modified
from app.core.planned import PlannedRoute
from app.core.security import Principal
from app.meetings import calendar, repository
from app.meetings.dependencies import FeedBodyDep, FeedMeetingDep, FeedPlanDep, FeedPrincipal
from app.meetings.router_meetings import FromQuery, ToQuery

router = APIRouter(prefix="/api/v1", tags=["calendars"], route_class=PlannedRoute)

ICS = "text/calendar; charset=utf-8"
FEED_CACHE_CONTROL = "private, no-cache"
FEED_ERRORS = (304, 400, 401, 403, 404, 422)
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An iCalendar (RFC 5545) feed.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


async def _feed(
    request: Request,
    session: AsyncSession,
    key: Principal,
    name: str,
    *,
    start: Any = None,
    end: Any = None,
    windowed: bool = True,
    **filters: Any,
) -> Response:
    lower, upper = calendar.window(start, end)
    rows = await repository.calendar_meetings(
        session,
        key,
        starts_from=lower if windowed else None,
        starts_before=upper if windowed else None,
        **filters,
    )
    items = await repository.public_items(session, [m.id for m in rows])
    body = calendar.render(name, rows, items)
    # weak, and of the feed without its DTSTAMPs (the time of this request): see validator
    tag = etag_of(calendar.validator(body))
    etag = f"W/{tag}"
    # A feed is one key's view: no shared cache may keep it, and a client revalidates each
    # time (a 304 below when unchanged).
    headers = {"ETag": etag, "Cache-Control": FEED_CACHE_CONTROL}
    # calendar clients poll: an unchanged feed costs them a 304
    if not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ICS, headers=headers)


# the personal feed (app/people/router.py) answers the same way
feed_response = _feed


@router.get(
    "/meetings/{meeting_id}.ics",
    operation_id="get_meeting_ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **responses(*FEED_ERRORS)},
)
async def get_meeting_ics(
    request: Request, session: SessionDep, key: FeedPrincipal, ctx: FeedMeetingDep
) -> Response:
    """One meeting as iCalendar. Any key (also `?token=`); a calendar key opens only feeds."""
    return await _feed(
        request, session, key, ctx.meeting.title, windowed=False, meeting_id=ctx.meeting.id
    )


@router.get(
    "/bodies/{body_id}/meetings.ics",
    operation_id="get_body_meetings_ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **responses(*FEED_ERRORS)},
)
async def get_body_meetings_ics(
    request: Request,
    session: SessionDep,
    key: FeedPrincipal,
    body: FeedBodyDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The body's meetings (default window: 90 days back to two years ahead)."""
    return await _feed(request, session, key, body.name, start=start, end=end, body_id=body.id)


@router.get(
    "/plans/{plan_id}/meetings.ics",
    operation_id="get_plan_meetings_ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **responses(*FEED_ERRORS)},
)
async def get_plan_meetings_ics(
    request: Request,
    session: SessionDep,
    key: FeedPrincipal,
    plan: FeedPlanDep,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """The meetings of every body of the plan."""
    return await _feed(request, session, key, plan.name, start=start, end=end, plan_id=plan.id)


@router.get(
    "/calendar.ics",
    operation_id="get_calendar_ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **responses(304, 400, 401, 403, 422)},
)
async def get_calendar_ics(
    request: Request,
    session: SessionDep,
    key: FeedPrincipal,
    start: FromQuery = None,
    end: ToQuery = None,
) -> Response:
    """Every meeting the key may see (a plan-limited key: only its plans)."""
    return await _feed(request, session, key, "Samstyre", start=start, end=end)
