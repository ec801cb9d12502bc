"""Meeting list pages as JSON written by PostgreSQL (the fast read path, `core/pgread.py`).

One statement per `MeetingShape` and `?fields=`, compiled once; its one row is the page's
meetings as `MeetingRead`'s JSON (joined by commas) and the total. The page's ids are
found first, then only those meetings are written, with their attendees (a correlated
list per written row, not per row the offset skips). `tests/meetings/test_reads.py`
compares the bytes with the Python path's.
"""

from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import jsonsql as js
from app.core.fields import Fields
from app.core.pagination import PageParams
from app.core.pgread import HeldConnections, StatementCache, run
from app.governance.access import in_plans
from app.governance.models import Body
from app.meetings.models import Meeting, MeetingAttendee
from app.meetings.repository import MeetingShape, meeting_conditions


def _attendees() -> js.Json:
    ids = js.agg_array(js.uuid(MeetingAttendee.contact_id), MeetingAttendee.contact_id)
    return select(ids).where(MeetingAttendee.meeting_id == Meeting.id).scalar_subquery()


def meeting_json(fields: Fields) -> js.Json:
    """A meeting as `MeetingRead`'s JSON; only `fields` if given."""
    members: list[tuple[str, js.Json]] = [
        ("id", js.uuid(Meeting.id)),
        ("created_at", js.timestamp(Meeting.created_at)),
        ("updated_at", js.timestamp(Meeting.updated_at)),
        ("body_id", js.uuid(Meeting.body_id)),
        ("title", js.string(Meeting.title)),
        ("mode", js.string(Meeting.mode)),
        ("mode_override_reason", js.string(Meeting.mode_override_reason)),
        ("starts_at", js.timestamp(Meeting.starts_at)),
        ("ends_at", js.timestamp(Meeting.ends_at)),
        ("location", js.string(Meeting.location)),
        ("online_url", js.string(Meeting.online_url)),
        ("status", js.string(Meeting.status)),
        ("minutes", js.string(Meeting.minutes)),
        ("minutes_approved_at", js.timestamp(Meeting.minutes_approved_at)),
        ("attendee_ids", _attendees()),
        ("sequence", js.integer(Meeting.sequence)),
    ]
    return js.obj([(key, value) for key, value in members if fields is None or key in fields])


def _page(shape: MeetingShape, fields: Fields) -> Select[Any]:
    conds = meeting_conditions(shape, array=True)
    page = (
        select(Meeting.id, Meeting.starts_at)
        .join(Body, Body.id == Meeting.body_id)
        .where(*conds)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    items = (
        select(js.agg_array(meeting_json(fields), page.c.starts_at, page.c.id))
        .select_from(page)
        .join(Meeting, Meeting.id == page.c.id)
        .scalar_subquery()
    )
    total = (
        select(func.count())
        .select_from(Meeting)
        .join(Body, Body.id == Meeting.body_id)
        .where(*conds)
        .scalar_subquery()
    )
    columns = [items.label("items"), total.label("total")]
    if shape.body_id:
        # the body route's 404 in the same round trip: the body exists and the key sees it
        body = select(Body.id).where(Body.id == bindparam("body_id"))
        if shape.limited:
            body = body.where(in_plans(Body.plan_id, array=True))
        columns.append(body.exists().label("body_found"))
    return select(*columns)


_PAGES = StatementCache(_page)


async def page(
    session: AsyncSession | None,
    held: HeldConnections | None,
    shape: MeetingShape,
    values: dict[str, Any],
    params: PageParams,
    fields: Fields,
) -> tuple[bytes, int, bool]:
    """A page of meetings as the items' JSON (joined by commas), the total, and (with a
    `body_id`) whether that body exists for the key: one query."""
    values = {**values, "limit": params.limit, "offset": params.offset}
    row = (await run(session, held, _PAGES.get((shape, fields)), values))[0]
    items: str = row["items"]
    return items[1:-1].encode(), int(row["total"]), bool(row.get("body_found", True))
