"""iCalendar feeds, parsed with `icalendar`."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from app.core.security import Role
from tests.aio import ApiClient
from tests.helpers import assert_problem
from tests.meetings import factories as f

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    return {"plan": plan, "board": board}


def _events(response: Any) -> list[Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    events: list[Any] = list(cal.walk("VEVENT"))
    return events


def test_meeting_feed(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    m = f.meeting(
        editor,
        org["board"]["id"],
        0,
        location="Rådhuset, Randers",
        online_url="https://example.org/m",
    )
    editor.post(
        f"/api/v1/meetings/{m['id']}/agenda-items", json={"title": "Velkomst", "public": True}
    )
    editor.post(
        f"/api/v1/meetings/{m['id']}/agenda-items",
        json={"title": "Fortroligt personsag", "description": "Navn og cpr"},
    )
    editor.post(
        f"/api/v1/meetings/{m['id']}/agenda-items",
        json={
            "title": "Boligsocial status",
            "public": True,
            "description": "Styregruppen har besluttet:\n- Lektiecaféen flytter",
        },
    )
    [event] = _events(reader.get(f"/api/v1/meetings/{m['id']}.ics"))
    assert str(event["UID"]) == f"{m['id']}@samstyre"
    assert str(event["SUMMARY"]) == "Bestyrelsen"
    assert str(event["LOCATION"]) == "Rådhuset, Randers"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert event["CATEGORIES"].cats == ["Fremdrift i helhedsplanen"]
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert start == datetime(2030, 1, 7, 9, tzinfo=UTC)
    assert start.astimezone(CPH).hour == 10
    description = str(event["DESCRIPTION"])
    assert "1. Velkomst" in description and "3. Boligsocial status" in description
    # a public item's description is shown under it; a closed item's never
    assert "3. Boligsocial status\n   Styregruppen har besluttet:\n   - Lektiecaféen flytter" in (
        description
    )
    assert "Fortroligt" not in description and "cpr" not in description
    assert int(event["SEQUENCE"]) == 2


def test_sequence_and_cancelled(editor: ApiClient, reader: ApiClient, org: dict[str, Any]) -> None:
    m = f.meeting(editor, org["board"]["id"], 0)
    [before] = _events(reader.get(f"/api/v1/meetings/{m['id']}.ics"))
    editor.patch(
        f"/api/v1/meetings/{m['id']}",
        json={"starts_at": f.iso(f.at(1)), "ends_at": f.iso(f.at(1, 2))},
    )
    editor.patch(f"/api/v1/meetings/{m['id']}", json={"status": "cancelled"})
    [after] = _events(reader.get(f"/api/v1/meetings/{m['id']}.ics"))
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 2
    assert str(after["STATUS"]) == "CANCELLED"


def test_body_plan_and_all_feeds_with_window(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    board = org["board"]["id"]

    def make(delta: timedelta, **fields: Any) -> dict[str, Any]:
        start = now + delta
        payload = {
            "body_id": board,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "mode_override_reason": "test",
            "mode": "plan_review",
            **fields,
        }
        response = editor.post("/api/v1/meetings", json=payload)
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    old = make(timedelta(days=-200))
    recent = make(timedelta(days=-10))
    soon = make(timedelta(days=30), mode="urban_development")
    far = make(timedelta(days=800))  # past the default window (two years ahead)
    other_plan = f.plan(editor, name="Anden plan")
    other_body = f.body(editor, other_plan["id"], "board", name="Anden bestyrelse")
    other = f.meeting(editor, other_body["id"], 0)

    def uids(path: str, **params: str) -> list[str]:
        return [str(e["UID"]).split("@")[0] for e in _events(reader.get(path, params=params))]

    assert uids(f"/api/v1/bodies/{board}/meetings.ics") == [recent["id"], soon["id"]]
    assert uids(f"/api/v1/plans/{org['plan']['id']}/meetings.ics") == [recent["id"], soon["id"]]
    wide = {"from": "2000-01-01", "to": "2100-01-01"}
    assert uids(f"/api/v1/bodies/{board}/meetings.ics", **wide) == [
        old["id"],
        recent["id"],
        soon["id"],
        far["id"],
    ]
    assert set(uids("/api/v1/calendar.ics", **wide)) == {
        old["id"],
        recent["id"],
        soon["id"],
        far["id"],
        other["id"],
    }
    day = (now + timedelta(days=30)).astimezone(CPH).date().isoformat()
    assert uids(f"/api/v1/bodies/{board}/meetings.ics", **{"from": day, "to": day}) == [soon["id"]]
    cats = [
        e["CATEGORIES"].cats for e in _events(reader.get(f"/api/v1/bodies/{board}/meetings.ics"))
    ]
    assert cats == [["Fremdrift i helhedsplanen"], ["Strategisk byudvikling"]]
    assert_problem(reader.get("/api/v1/calendar.ics", params={"from": "2030-01-01T00:00:00"}), 422)


def test_calendar_key_opens_only_feeds(
    editor: ApiClient, anon: ApiClient, client_for: Any, make_key: Any, org: dict[str, Any]
) -> None:
    m = f.meeting(editor, org["board"]["id"], 0)
    secret = make_key(Role.calendar, "kalender")
    by_token = anon.get(f"/api/v1/meetings/{m['id']}.ics", params={"token": secret})
    assert len(_events(by_token)) == 1
    cal_client = client_for(secret)
    feed = cal_client.get(
        f"/api/v1/bodies/{org['board']['id']}/meetings.ics", params={"to": "2031-01-01"}
    )
    assert len(_events(feed)) == 1
    assert_problem(cal_client.get(f"/api/v1/meetings/{m['id']}"), 403)
    assert_problem(cal_client.get("/api/v1/meetings"), 403)
    assert_problem(anon.get("/api/v1/calendar.ics"), 401)
    assert_problem(anon.get("/api/v1/calendar.ics", params={"token": "sam_wrong"}), 401)
    assert_problem(anon.get(f"/api/v1/meetings/{m['id']}.ics"), 401)


def test_ics_paths_are_not_taken_by_id_routes(
    reader: ApiClient, editor: ApiClient, org: dict[str, Any]
) -> None:
    m = f.meeting(editor, org["board"]["id"], 0)
    assert (
        reader.get(f"/api/v1/meetings/{m['id']}.ics")
        .headers["content-type"]
        .startswith("text/calendar")
    )
    assert_problem(reader.get("/api/v1/meetings/not-a-uuid.ics"), 422)
    assert_problem(reader.get("/api/v1/meetings/00000000-0000-4000-8000-000000000000.ics"), 404)


def test_openapi_declares_text_calendar(app: Any) -> None:
    schema = app.openapi()
    for path in (
        "/api/v1/meetings/{meeting_id}.ics",
        "/api/v1/bodies/{body_id}/meetings.ics",
        "/api/v1/plans/{plan_id}/meetings.ics",
        "/api/v1/calendar.ics",
    ):
        assert "text/calendar" in schema["paths"][path]["get"]["responses"]["200"]["content"]


def test_text_is_escaped_and_folded(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    title = "Bøvl; blær, og \\ mere – " + "æøå" * 40
    m = f.meeting(editor, org["board"]["id"], 0, title=title, location="Lokale 1, Fløj Ø")
    editor.post(
        f"/api/v1/meetings/{m['id']}/agenda-items",
        json={"title": "Ærø; Åbenrå, Øster" * 10, "public": True},
    )
    response = reader.get(f"/api/v1/meetings/{m['id']}.ics")
    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # no UTF-8 sequence split across a fold
    [event] = _events(response)
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Lokale 1, Fløj Ø"
    assert "1. " + "Ærø; Åbenrå, Øster" * 10 in str(event["DESCRIPTION"])


def test_other_methods_on_feeds_are_405(editor: ApiClient, org: dict[str, Any]) -> None:
    m = f.meeting(editor, org["board"]["id"], 0)
    assert_problem(editor.patch(f"/api/v1/meetings/{m['id']}.ics", json={"title": "x"}), 405)
    assert_problem(editor.delete(f"/api/v1/meetings/{m['id']}.ics"), 405)
    assert_problem(editor.post("/api/v1/calendar.ics"), 405)


def test_feeds_answer_304_when_unchanged(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any]
) -> None:
    m = f.meeting(editor, org["board"]["id"], 0)
    url = f"/api/v1/meetings/{m['id']}.ics"
    first = reader.get(url)
    etag = first.headers["etag"]
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    editor.patch(f"/api/v1/meetings/{m['id']}", json={"location": "Et andet sted"})
    changed = reader.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
