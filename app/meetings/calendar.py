"""iCalendar feeds (RFC 5545) of meetings, built with the `icalendar` package."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from app.core.db import utcnow
from app.governance.vocabularies import mode_label
from app.meetings.enums import MeetingStatus
from app.meetings.models import AgendaItem, Meeting
from app.meetings.series import LOCAL_TZ, local_day_start

TZID = "Europe/Copenhagen"
PRODID = "-//Samstyre//Meetings//DA"
UID_DOMAIN = "samstyre"
DEFAULT_BACK = timedelta(days=90)
DEFAULT_AHEAD = timedelta(days=365)

_STATUS: dict[str, str] = {
    MeetingStatus.planned: "TENTATIVE",
    MeetingStatus.invited: "CONFIRMED",
    MeetingStatus.held: "CONFIRMED",
    MeetingStatus.minutes_approved: "CONFIRMED",
    MeetingStatus.cancelled: "CANCELLED",
}


def window(
    start: date | datetime | None, end: date | datetime | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """A feed's window: `from` (inclusive) to `to` (a date counts as the whole day)."""
    now = now or utcnow()
    lower = _as_instant(start, end_of_day=False) if start is not None else now - DEFAULT_BACK
    upper = _as_instant(end, end_of_day=True) if end is not None else now + DEFAULT_AHEAD
    return lower, upper


def _as_instant(value: date | datetime, *, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    day = value + timedelta(days=1) if end_of_day else value
    return local_day_start(day).astimezone(UTC)


@lru_cache(maxsize=1)
def vtimezone() -> Timezone:
    """Europe/Copenhagen with the EU's rules (CET/CEST since 1996), as RRULEs."""
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(daylight)
    tz.add_component(standard)
    return tz


def description(items: Sequence[AgendaItem]) -> str:
    """The public agenda items, one a line."""
    if not items:
        return ""
    lines = ["Dagsorden:"]
    lines += [f"{item.number}. {item.title}" for item in items]
    return "\n".join(lines)


def event(meeting: Meeting, body_name: str, items: Sequence[AgendaItem]) -> Event:
    """One meeting as a VEVENT."""
    ev = Event()
    ev.add("uid", f"{meeting.id}@{UID_DOMAIN}")
    ev.add("dtstamp", meeting.updated_at.astimezone(UTC))
    ev.add("created", meeting.created_at.astimezone(UTC))
    ev.add("last-modified", meeting.updated_at.astimezone(UTC))
    ev.add("sequence", meeting.sequence)
    ev.add("summary", meeting.title)
    ev.add("dtstart", meeting.starts_at.astimezone(LOCAL_TZ))
    ev.add("dtend", meeting.ends_at.astimezone(LOCAL_TZ))
    ev.add("status", _STATUS.get(meeting.status, "TENTATIVE"))
    ev.add("categories", [mode_label(meeting.mode)])
    if meeting.location:
        ev.add("location", meeting.location)
    if meeting.online_url:
        ev.add("url", meeting.online_url)
    text = description(items)
    organizer = f"Organ: {body_name}"
    ev.add("description", f"{organizer}\n\n{text}" if text else organizer)
    return ev


def render(
    name: str,
    rows: Sequence[tuple[Meeting, str]],
    items: dict[object, list[AgendaItem]],
) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and the VTIMEZONE they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(vtimezone())
    for meeting, body_name in rows:
        cal.add_component(event(meeting, body_name, items.get(meeting.id, [])))
    out: bytes = cal.to_ical()
    return out
