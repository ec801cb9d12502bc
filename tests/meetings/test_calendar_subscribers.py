"""Feeds as calendar subscribers expect them (issue 10 §4), parsed with `icalendar`.

Refresh hints on every feed, DTSTAMP the time the feed was made (and still a 304 for a client
whose copy is current), the online link in the text, and a default window of two years ahead.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy import update

from app.meetings import calendar
from app.meetings.models import Meeting
from tests.aio import ApiClient, DbSession
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    return {"plan": plan, "board": board}


def _meeting(editor: ApiClient, body_id: str, start: datetime, **fields: Any) -> dict[str, Any]:
    payload = {
        "body_id": body_id,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "mode": "plan_review",
        "mode_override_reason": "test",
        **fields,
    }
    response = editor.post("/api/v1/meetings", json=payload)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def _feeds(org: dict[str, Any], meeting_id: str) -> list[str]:
    return [
        f"/api/v1/meetings/{meeting_id}.ics",
        f"/api/v1/bodies/{org['board']['id']}/meetings.ics",
        f"/api/v1/plans/{org['plan']['id']}/meetings.ics",
        "/api/v1/calendar.ics",
    ]


def _calendar(response: Any) -> icalendar.Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _uids(cal: icalendar.Calendar) -> set[str]:
    return {str(event["UID"]).split("@")[0] for event in cal.walk("VEVENT")}


def test_every_feed_tells_subscribers_to_refresh_hourly(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    m = _meeting(editor, org["board"]["id"], datetime.now(UTC) + timedelta(days=7))
    for path in _feeds(org, m["id"]):
        cal = _calendar(reader.get(path))
        assert m["id"] in _uids(cal), path
        # RFC 7986 §5.7, a DURATION value
        assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION", path
        assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=1), path
        # Outlook's name for it
        assert str(cal["X-PUBLISHED-TTL"]) == "PT1H", path


def test_dtstamp_is_when_the_feed_was_made(
    db: DbSession, editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    m = _meeting(
        editor, org["board"]["id"], datetime.now(UTC) + timedelta(days=7), title="Bestyrelsesmøde"
    )
    # a meeting last changed long ago: DTSTAMP must not be that change
    changed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.execute(update(Meeting).where(Meeting.id == uuid.UUID(m["id"])).values(updated_at=changed))
    db.commit()
    for path in _feeds(org, m["id"]):
        before = datetime.now(UTC).replace(microsecond=0)
        cal = _calendar(reader.get(path))
        after = datetime.now(UTC)
        [event] = [e for e in cal.walk("VEVENT") if str(e["UID"]) == f"{m['id']}@samstyre"]
        stamp = event.decoded("DTSTAMP")
        assert before <= stamp <= after, (path, stamp)
        assert event.decoded("LAST-MODIFIED") == changed, path


def test_feeds_still_answer_304_though_dtstamp_changes(
    monkeypatch: pytest.MonkeyPatch, editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    m = _meeting(editor, org["board"]["id"], datetime.now(UTC) + timedelta(days=7))
    now = datetime.now(UTC)
    for path in _feeds(org, m["id"]):
        monkeypatch.setattr(calendar, "utcnow", lambda: now)
        first = reader.get(path)
        # a client polling an hour later: a new DTSTAMP, the same meetings
        monkeypatch.setattr(calendar, "utcnow", lambda: now + timedelta(hours=1))
        again = reader.get(path)
        stamps = [
            {e.decoded("DTSTAMP") for e in _calendar(r).walk("VEVENT")} for r in (first, again)
        ]
        assert stamps[0] != stamps[1], path  # the feeds differ (in DTSTAMP only) ...
        etag = first.headers["etag"]
        assert etag.startswith('W/"'), etag  # ... so the validator is weak
        assert again.headers["etag"] == etag, path
        current = reader.get(path, headers={"If-None-Match": etag})
        assert current.status_code == 304, path
        assert current.headers["etag"] == etag and current.content == b""
        head = reader.head(path, headers={"If-None-Match": etag})
        assert head.status_code == 304, path
    # a real change: a new ETag and the whole feed
    editor.patch(f"/api/v1/meetings/{m['id']}", json={"location": "Beboerhuset"})
    for path in _feeds(org, m["id"]):
        changed = reader.get(path, headers={"If-None-Match": etag})
        assert changed.status_code == 200, path
        assert changed.headers["etag"] != etag
        [event] = [e for e in _calendar(changed).walk("VEVENT") if m["id"] in str(e["UID"])]
        assert str(event["LOCATION"]) == "Beboerhuset"


def test_the_online_link_is_in_the_description(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    start = datetime.now(UTC) + timedelta(days=7)
    url = "https://meet.example.org/bestyrelsen?pwd=a1b2"
    online = _meeting(editor, org["board"]["id"], start, online_url=url, location="Beboerhuset")
    offline = _meeting(editor, org["board"]["id"], start + timedelta(days=1))
    editor.post(
        f"/api/v1/meetings/{online['id']}/agenda-items", json={"title": "Velkomst", "public": True}
    )
    for path in _feeds(org, online["id"]):
        events = {
            str(e["UID"]).split("@")[0]: e for e in _calendar(reader.get(path)).walk("VEVENT")
        }
        event = events[online["id"]]
        description = str(event["DESCRIPTION"])
        assert description.splitlines()[:2] == ["Organ: Bestyrelsen", f"Online: {url}"], path
        assert "1. Velkomst" in description
        assert str(event["URL"]) == url
        if offline["id"] in events:
            assert "Online" not in str(events[offline["id"]]["DESCRIPTION"])


def test_default_window_is_every_meeting_of_the_coming_two_years(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    board = org["board"]["id"]
    next_year = _meeting(editor, board, now + timedelta(days=400))
    # the last days of the coming two years (two years are at most 731 days)
    late = _meeting(editor, board, now + timedelta(days=729))
    beyond = _meeting(editor, board, now + timedelta(days=740))
    past = _meeting(editor, board, now - timedelta(days=30))
    for path in _feeds(org, late["id"])[1:]:
        uids = _uids(_calendar(reader.get(path)))
        assert {next_year["id"], late["id"], past["id"]} <= uids, path
        assert beyond["id"] not in uids, path
    # `from`/`to` still choose any window
    wide = {"from": "2000-01-01", "to": "2100-01-01"}
    uids = _uids(_calendar(reader.get(f"/api/v1/bodies/{board}/meetings.ics", params=wide)))
    assert beyond["id"] in uids


def test_the_window_ends_with_the_local_day_two_years_ahead() -> None:
    # 1 December 2026, 23:30 UTC is already 2 December in Copenhagen
    lower, upper = calendar.window(None, None, now=datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    assert lower == datetime(2026, 9, 2, 23, 30, tzinfo=UTC)
    assert upper == datetime(2028, 12, 2, 23, 0, tzinfo=UTC)  # 3 December 2028, 00:00 CET
    # 29 February: two years on is the 28th
    _, upper = calendar.window(None, None, now=datetime(2028, 2, 29, 12, tzinfo=UTC))
    assert upper == datetime(2030, 2, 28, 23, 0, tzinfo=UTC)
