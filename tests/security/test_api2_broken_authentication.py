"""API2:2023 Broken Authentication: keys stay out of URLs and out of logs (issue 8, point 5)."""

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.core.redaction import ACCESS_LOGGER, RedactSecrets, redact
from app.core.security import Role
from app.main import create_app
from tests.aio import ApiClient
from tests.databases import fresh_database, key_secret
from tests.helpers import assert_problem
from tests.live import live_server
from tests.meetings import factories as f

FEEDS = ["/api/v1/calendar.ics"]


@pytest.fixture
def meeting_feeds(editor: ApiClient) -> list[str]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    meeting = f.meeting(editor, board["id"], 0)
    return [
        "/api/v1/calendar.ics",
        f"/api/v1/meetings/{meeting['id']}.ics",
        f"/api/v1/bodies/{board['id']}/meetings.ics",
        f"/api/v1/plans/{plan['id']}/meetings.ics",
    ]


@pytest.mark.parametrize("role", [Role.reader, Role.editor, Role.admin])
def test_a_key_other_than_a_calendar_key_in_the_url_is_401(
    anon: ApiClient, make_key: Callable[..., str], meeting_feeds: list[str], role: Role
) -> None:
    secret = make_key(role, f"url-{role.value}")
    for feed in meeting_feeds:
        body = assert_problem(anon.get(feed, params={"token": secret}), 401, "unauthorized")
        assert "calendar key" in body["detail"]
    # the same key in the header opens every feed, as before
    for feed in meeting_feeds:
        assert anon.get(feed, headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_calendar_key_opens_the_feeds_from_the_url(
    anon: ApiClient, make_key: Callable[..., str], meeting_feeds: list[str]
) -> None:
    secret = make_key(Role.calendar, "kalender")
    for feed in meeting_feeds:
        response = anon.get(feed, params={"token": secret})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/calendar")


def test_a_header_does_not_excuse_an_admin_key_in_the_url(
    reader: ApiClient, make_key: Callable[..., str]
) -> None:
    admin_secret = make_key(Role.admin, "admin-in-url")
    assert_problem(reader.get(FEEDS[0], params={"token": admin_secret}), 401)
    calendar_secret = make_key(Role.calendar, "kalender-beside-header")
    assert reader.get(FEEDS[0], params={"token": calendar_secret}).status_code == 200
    assert_problem(reader.get(FEEDS[0], params={"token": "sam_not-a-key"}), 401)


def test_the_filter_redacts_uvicorns_access_record() -> None:
    secret = "sam_" + "A1b2-C3d4_" * 4
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            f"/api/v1/calendar.ics?from=2030-01-01&token={secret}&to=2030-02-01",
            "1.1",
            200,
        ),
        None,
    )
    assert RedactSecrets().filter(record)
    line = record.getMessage()
    assert secret not in line
    assert (
        line == '127.0.0.1:5000 - "GET /api/v1/calendar.ics?from=2030-01-01&token=[redacted]'
        '&to=2030-02-01 HTTP/1.1" 200'
    )


@pytest.mark.parametrize(
    "path",
    [
        "/x.ics?TOKEN=secret-without-prefix",
        "/x.ics?%74oken=secret-without-prefix",
        "/x.ics?q=sam_abcdefABCDEF012345-_",
        "/x.ics?q=sam%5Fabcdef012345",
        "/sam_abcdefABCDEF012345/x",
    ],
)
def test_redact_catches_other_spellings(path: str) -> None:
    out = redact(path)
    assert "secret-without-prefix" not in out and "abcdef" not in out
    assert "[redacted]" in out


def test_creating_the_app_installs_the_filter_once() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    create_app()
    create_app()
    assert sum(isinstance(flt, RedactSecrets) for flt in logger.filters) == 1


def test_the_access_log_of_a_live_server_holds_no_key(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with fresh_database("sqlite", tmp_path) as engine:
        calendar_secret = key_secret(engine, "kalender", Role.calendar)
        reader_secret = key_secret(engine, "læser", Role.reader)
        url = engine.url.render_as_string(hide_password=False)
        with live_server(url, access_log=log) as base:
            feed = httpx.get(f"{base}/api/v1/calendar.ics", params={"token": calendar_secret})
            assert feed.status_code == 200
            refused = httpx.get(f"{base}/api/v1/calendar.ics", params={"token": reader_secret})
            assert refused.status_code == 401
            by_header = httpx.get(
                f"{base}/api/v1/contacts", headers={"Authorization": f"Bearer {reader_secret}"}
            )
            assert by_header.status_code == 200
            elsewhere = httpx.get(f"{base}/api/v1/nowhere/{reader_secret}")
            assert elsewhere.status_code == 404
    text = log.read_text()
    assert calendar_secret not in text and reader_secret not in text
    assert "sam_" not in text
    # the access log is on, and shows the path with the value redacted
    assert text.count("GET /api/v1/calendar.ics?token=[redacted] HTTP/1.1") == 2
    assert "GET /api/v1/contacts HTTP/1.1" in text
    assert "GET /api/v1/nowhere/[redacted] HTTP/1.1" in text
