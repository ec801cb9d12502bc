"""iCalendar feeds (RFC 5545) of meetings, built with the `icalendar` package."""

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

from app.core.clock import LOCAL_TZ, local_day_start
from app.core.db import utcnow
from app.governance.vocabularies import mode_label
from app.meetings.enums import MeetingStatus
from app.meetings.repository import FeedItem, FeedMeeting

TZID = "Europe/Copenhagen"
PRODID = "-//Samstyre//Meetings//DA"
UID_DOMAIN = "samstyre"
DEFAULT_BACK = timedelta(days=90)
DEFAULT_YEARS_AHEAD = 2
"""The default window: 90 days back, and every meeting of the coming two years."""
REFRESH = "PT1H"
"""How often a subscriber should fetch the feed again (RFC 7986 REFRESH-INTERVAL, Outlook's
X-PUBLISHED-TTL): a polled feed costs a 304 when nothing changed."""

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
    upper = _as_instant(end, end_of_day=True) if end is not None else years_ahead(now)
    return lower, upper


def years_ahead(now: datetime, years: int = DEFAULT_YEARS_AHEAD) -> datetime:
    """The end of the local day `years` years after `now`'s (29 February: the 28th)."""
    today = now.astimezone(LOCAL_TZ).date()
    try:
        day = today.replace(year=today.year + years)
    except ValueError:
        day = today.replace(year=today.year + years, day=28)
    return local_day_start(day + timedelta(days=1)).astimezone(UTC)


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


def description(items: Sequence[FeedItem]) -> str:
    """The public agenda items, one a line, with their numbers."""
    if not items:
        return ""
    lines = ["Dagsorden:"]
    for item in items:
        lines.append(f"{item.position}. {item.title}")
        # a public item's description says what it is about (a report item: what was decided)
        lines += [f"   {line}" for line in (item.description or "").splitlines()[:50] if line]
    return "\n".join(lines)


# --- VEVENTs -------------------------------------------------------------------------------
# icalendar's Component.to_ical costs about 0.8 ms per event (400 ms for 500 meetings), far
# over the feed's budget, so events are written here as content lines (RFC 5545 §3.1, §3.3.11)
# and checked by parsing every feed with icalendar in the tests. The VCALENDAR envelope and the
# VTIMEZONE still come from icalendar.

# RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped; other control
# characters may not appear in TEXT at all (§3.1: only HTAB), so they are dropped. The API
# refuses them on input, but rows written another way must not break the feed.
_TEXT_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        ";": "\\;",
        ",": "\\,",
        "\n": "\\n",
        **{chr(c): None for c in [*range(0x09), *range(0x0B, 0x20), 0x7F]},
    }
)


def text_value(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks (LF, CRLF, CR) escaped."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_TEXT_ESCAPES)


def uri_value(value: str) -> str:
    """A URI value: characters that may not appear in a URI (RFC 3986) percent-encoded."""
    return quote(value, safe="!#$%&'()*+,/:;=?@[]~")


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets without splitting a UTF-8 sequence, with CRLF."""
    raw = line.encode()
    if len(raw) <= 75:
        return raw + b"\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(raw) - start > limit:
        end = start + limit
        while raw[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: break before its sequence
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74  # continuation lines start with a space
    parts.append(raw[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M%S")


def event_lines(meeting: FeedMeeting, items: Sequence[FeedItem], stamp: datetime) -> bytes:
    """One meeting as a VEVENT; `stamp` is the time the feed is made (its DTSTAMP)."""
    agenda_text = description(items)
    head = f"Organ: {meeting.body_name}"
    if meeting.online_url:
        # in the text too: many clients show DESCRIPTION and never URL
        head += f"\nOnline: {uri_value(meeting.online_url)}"
    summary = f"{head}\n\n{agenda_text}" if agenda_text else head
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.id}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(stamp)}",
        f"CREATED:{_utc(meeting.created_at)}",
        f"LAST-MODIFIED:{_utc(meeting.updated_at)}",
        f"SEQUENCE:{meeting.sequence}",
        f"SUMMARY:{text_value(meeting.title)}",
        f"DTSTART;TZID={TZID}:{_local(meeting.starts_at)}",
        f"DTEND;TZID={TZID}:{_local(meeting.ends_at)}",
        f"STATUS:{_STATUS.get(meeting.status, 'TENTATIVE')}",
        f"CATEGORIES:{text_value(mode_label(meeting.mode))}",
    ]
    if meeting.location:
        lines.append(f"LOCATION:{text_value(meeting.location)}")
    if meeting.online_url:
        lines.append(f"URL:{uri_value(meeting.online_url)}")
    lines.append(f"DESCRIPTION:{text_value(summary)}")
    lines.append("END:VEVENT")
    return b"".join(fold(line) for line in lines)


@lru_cache(maxsize=1)
def _vtimezone_bytes() -> bytes:
    out: bytes = vtimezone().to_ical()
    return out


def render(
    name: str,
    rows: Sequence[FeedMeeting],
    items: Mapping[uuid.UUID, Sequence[FeedItem]],
    stamp: datetime | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and the VTIMEZONE they use.

    Every DTSTAMP is `stamp` (default: now): with METHOD:PUBLISH, DTSTAMP is the time the
    publisher made the object (RFC 5545 §3.8.7.2); `validator` leaves it out.
    """
    stamp = stamp or utcnow()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", TZID)
    head: bytes = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    # The name is a body's, a plan's or a meeting's: written here, escaped as TEXT, since
    # icalendar writes X- properties raw (a newline in a name failed every request).
    body = [
        head.removesuffix(end),
        fold(f"X-WR-CALNAME:{text_value(name)}"),
        fold(f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"),
        fold(f"X-PUBLISHED-TTL:{REFRESH}"),
        _vtimezone_bytes(),
    ]
    body += [event_lines(meeting, items.get(meeting.id, ()), stamp) for meeting in rows]
    body.append(end)
    return b"".join(body)


# A DTSTAMP line as `event_lines` writes it (never folded: 24 octets).
_DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[0-9]{8}T[0-9]{6}Z\r\n", re.MULTILINE)


def validator(feed: bytes) -> bytes:
    """The feed without its DTSTAMPs: what the feed's ETag is a hash of.

    DTSTAMP is the time the feed is made, so it differs on every request; a hash of the whole
    feed would never match twice and a polling client would never get a 304. The feed's ETag
    is therefore weak (RFC 9110 §8.8.1: two feeds that differ only in DTSTAMP are equivalent,
    not identical) and If-None-Match compares weakly.
    """
    return _DTSTAMP_LINE.sub(b"", feed)
