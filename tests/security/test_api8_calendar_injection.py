"""API8:2023 Security Misconfiguration: calendars cannot be broken or injected into (point 7).

Single-line fields refuse CR, LF and bidi controls; multi-line fields keep line breaks but
refuse bidi controls; whatever is already stored, every feed stays valid iCalendar whose
values read back as stored.
"""

import re
import uuid
from typing import Any

import icalendar
import pytest

from app.governance.models import Body, Plan
from app.meetings.models import AgendaItem, Meeting
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem, create
from tests.meetings import factories as f

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
BREAKS = ["\n", "\r", "\r\n"]


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    meeting = f.meeting(editor, board["id"], 0)
    item = create(
        editor,
        f"/api/v1/meetings/{meeting['id']}/agenda-items",
        {"title": "Velkomst", "public": True},
    )
    return {"plan": plan, "board": board, "meeting": meeting, "item": item}


def _single_line_writes(org: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body with {} for the value, field) for single-line fields."""
    meeting, board, plan = org["meeting"]["id"], org["board"]["id"], org["plan"]["id"]
    return [
        ("patch", f"/api/v1/bodies/{board}", {"name": "{}"}, "name"),
        ("patch", f"/api/v1/plans/{plan}", {"name": "{}"}, "name"),
        ("patch", f"/api/v1/meetings/{meeting}", {"title": "{}"}, "title"),
        ("patch", f"/api/v1/meetings/{meeting}", {"location": "{}"}, "location"),
        ("post", f"/api/v1/meetings/{meeting}/agenda-items", {"title": "{}"}, "title"),
        ("patch", f"/api/v1/agenda-items/{org['item']['id']}", {"topic": "{}"}, "topic"),
        ("post", "/api/v1/organizations", {"name": "{}", "kind": "other"}, "name"),
        ("post", "/api/v1/contacts", {"given_name": "{}", "family_name": "B"}, "given_name"),
        (
            "post",
            "/api/v1/contacts",
            {"given_name": "A", "family_name": "B", "job_title": "{}"},
            "job_title",
        ),
        ("post", "/api/v1/decisions", {"body_id": board, "title": "{}"}, "title"),
    ]


def _fill(body: dict[str, Any], value: str) -> dict[str, Any]:
    return {k: value if v == "{}" else v for k, v in body.items()}


@pytest.mark.parametrize("bad", [*BREAKS, *BIDI], ids=lambda c: f"U+{ord(c[0]):04X}")
def test_single_line_fields_refuse_line_breaks_and_bidi_controls(
    editor: ApiClient, org: dict[str, Any], bad: str
) -> None:
    for method, path, body, field in _single_line_writes(org):
        response = getattr(editor, method)(path, json=_fill(body, f"Del 1{bad}Del 2"))
        problem = assert_problem(response, 422, "validation-error")
        assert [e["loc"][-1] for e in problem["errors"]] == [field], (path, problem)


def test_single_line_fields_take_plain_text(editor: ApiClient, org: dict[str, Any]) -> None:
    # the same writes with a comma, semicolon, backslash and right-to-left text succeed
    value = "Møde; lokale 2, \\ أ ב"
    for method, path, body, _field in _single_line_writes(org):
        response = getattr(editor, method)(path, json=_fill(body, value))
        assert response.status_code in (200, 201), (path, response.text)


def test_multi_line_fields_keep_line_breaks_and_refuse_bidi_controls(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    meeting, board = org["meeting"]["id"], org["board"]["id"]
    fields = [
        (f"/api/v1/meetings/{meeting}", "minutes"),
        (f"/api/v1/bodies/{board}", "mandate"),
        (f"/api/v1/agenda-items/{org['item']['id']}", "description"),
    ]
    for path, field in fields:
        ok = editor.patch(path, json={field: "Linje 1\nLinje 2\r\nLinje 3"})
        assert ok.status_code == 200, ok.text
        assert ok.json()[field] == "Linje 1\nLinje 2\r\nLinje 3"
        for bad in BIDI:
            problem = assert_problem(editor.patch(path, json={field: f"a{bad}b"}), 422)
            assert problem["errors"][0]["loc"] == ["body", field]


def test_the_contract_documents_both_kinds() -> None:
    from app.main import create_app

    schemas = create_app().openapi()["components"]["schemas"]
    title = schemas["MeetingUpdate"]["properties"]["title"]
    assert title["pattern"] == "^[^\\r\\n\\u202a-\\u202e\\u2066-\\u2069]*$"
    minutes = schemas["MeetingUpdate"]["properties"]["minutes"]["anyOf"][0]
    assert minutes["pattern"] == "^[^\\u202a-\\u202e\\u2066-\\u2069]*$"
    assert "line breaks are kept" in minutes["description"]


# --- data already stored ------------------------------------------------------------------

_ESCAPED = re.compile(r"\\([\\;,nN])")


def _unescape(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT, decoded (icalendar keeps X- properties raw)."""
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _as_stored(value: str) -> str:
    # iCalendar has one line break: CR and CRLF are read back as LF
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _parse(response: Any) -> icalendar.Calendar:
    assert response.status_code == 200, response.text
    raw: bytes = response.content
    # every line ends in CRLF, and no CR or LF stands anywhere else
    assert raw.endswith(b"\r\n")
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    return icalendar.Calendar.from_ical(raw)


def test_stored_line_breaks_and_specials_give_valid_feeds(
    db: DbSession, reader: ApiClient, org: dict[str, Any]
) -> None:
    name = "Bestyrelsen\nfor Nordbyen;\r\nog\rVesterbro, \\ ø"
    title = "Møde\r\nom, budget; \\n"
    location = "Lokale 1,\nFløj Ø;\rkælder"
    item_title = "Valg\naf; formand, \\"
    board = db.get(Body, uuid.UUID(org["board"]["id"]))
    plan = db.get(Plan, uuid.UUID(org["plan"]["id"]))
    meeting = db.get(Meeting, uuid.UUID(org["meeting"]["id"]))
    item = db.get(AgendaItem, uuid.UUID(org["item"]["id"]))
    assert board and plan and meeting and item
    board.name, plan.name = name, f"Plan {name}"
    meeting.title, meeting.location = title, location
    meeting.online_url = "https://example.org/møde 1\r\nX-INJECTED:1"
    item.title = item_title
    db.commit()
    meeting_id, board_id, plan_id = meeting.id, board.id, plan.id
    db.expire_all()

    feeds = {
        f"/api/v1/meetings/{meeting_id}.ics": title,
        f"/api/v1/bodies/{board_id}/meetings.ics": name,
        f"/api/v1/plans/{plan_id}/meetings.ics": f"Plan {name}",
        "/api/v1/calendar.ics": "Samstyre",
    }
    window = {"from": "2029-12-01", "to": "2030-12-31"}
    for path, calname in feeds.items():
        cal = _parse(reader.get(path, params={} if path.startswith("/api/v1/meetings") else window))
        assert _unescape(str(cal["X-WR-CALNAME"])) == _as_stored(calname)
        [event] = cal.walk("VEVENT")
        assert str(event["SUMMARY"]) == _as_stored(title)
        assert str(event["LOCATION"]) == _as_stored(location)
        description = str(event["DESCRIPTION"])
        online = "https://example.org/m%C3%B8de%201%0D%0AX-INJECTED:1"
        assert description.startswith(f"Organ: {_as_stored(name)}\nOnline: {online}\n\n")
        assert f"1. {_as_stored(item_title)}" in description
        assert "X-INJECTED" not in [key.upper() for key in event]
        assert str(event["URL"]) == "https://example.org/m%C3%B8de%201%0D%0AX-INJECTED:1"


def test_stored_control_characters_are_dropped_not_written(
    db: DbSession, reader: ApiClient, org: dict[str, Any]
) -> None:
    meeting = db.get(Meeting, uuid.UUID(org["meeting"]["id"]))
    assert meeting
    meeting.title = "Bel\x07l\x0bet\x1b[31m\ttab"
    db.commit()
    cal = _parse(reader.get(f"/api/v1/meetings/{meeting.id}.ics"))
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Bellet[31m\ttab"


def test_the_old_failure_a_newline_in_a_body_name(
    db: DbSession, editor: ApiClient, reader: ApiClient
) -> None:
    # before: icalendar asserted on the X-WR-CALNAME line and every subscriber got 500
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    f.meeting(editor, board["id"], 0)
    row = db.get(Body, uuid.UUID(board["id"]))
    assert row
    row.name = "Bestyrelsen\nX-EVIL:1"
    db.commit()
    for path in (f"/api/v1/bodies/{board['id']}/meetings.ics", "/api/v1/calendar.ics"):
        cal = _parse(reader.get(path, params={"from": "2029-12-01", "to": "2030-12-31"}))
        assert "X-EVIL" not in cal
        [event] = cal.walk("VEVENT")
        assert str(event["DESCRIPTION"]) == "Organ: Bestyrelsen\nX-EVIL:1"
