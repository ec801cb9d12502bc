"""If-None-Match compares weakly (RFC 9110 §13.1.2); If-Match stays strong."""

import pytest

from app.core.http import _matches
from tests.aio import ApiClient
from tests.helpers import assert_problem, create
from tests.meetings import factories as f


def _weak(etag: str) -> str:
    return f"W/{etag}"


@pytest.fixture
def urls(editor: ApiClient) -> dict[str, str]:
    contact = create(editor, "/api/v1/contacts", {"given_name": "Anna", "family_name": "Berg"})
    board = f.alternating_board(editor, f.plan(editor)["id"])
    meeting = f.meeting(editor, board["id"], 0)
    return {
        "contact": f"/api/v1/contacts/{contact['id']}",
        "meeting": f"/api/v1/meetings/{meeting['id']}",
        "feed": f"/api/v1/meetings/{meeting['id']}.ics",
        "body_feed": f"/api/v1/bodies/{board['id']}/meetings.ics",
    }


@pytest.mark.parametrize("name", ["contact", "meeting", "feed", "body_feed"])
def test_if_none_match_is_weak_comparison(
    reader: ApiClient, urls: dict[str, str], name: str
) -> None:
    url = urls[name]
    first = reader.get(url)
    assert first.status_code == 200
    served = first.headers["etag"]
    etag = served.removeprefix("W/")  # the opaque tag (a feed's ETag may be weak)
    assert etag.startswith('"') and (served == etag or name.endswith("feed"))
    for header in (
        served,
        etag,
        _weak(etag),
        f'"other", {_weak(etag)}',
        f'W/"other",{etag}',
        "*",
        f' {_weak(etag)} , "x"',
    ):
        cached = reader.get(url, headers={"If-None-Match": header})
        assert cached.status_code == 304, (header, cached.text)
        assert cached.content == b"" and cached.headers["etag"] == served
    for header in ('W/"other"', '"other", W/"x"', etag[1:-1], f"W/{etag[1:-1]}"):
        assert reader.get(url, headers={"If-None-Match": header}).status_code == 200, header


@pytest.mark.parametrize("name", ["contact", "meeting"])
def test_if_match_stays_strong(editor: ApiClient, urls: dict[str, str], name: str) -> None:
    url = urls[name]
    etag = editor.get(url).headers["etag"]
    change = {"notes": "x"} if name == "contact" else {"location": "Rådhuset"}
    assert_problem(editor.patch(url, json=change, headers={"If-Match": _weak(etag)}), 412)
    assert_problem(
        editor.patch(url, json=change, headers={"If-Match": f'"other", {_weak(etag)}'}), 412
    )
    assert editor.get(url).headers["etag"] == etag  # nothing was written
    listed = editor.patch(url, json=change, headers={"If-Match": f'"other", {etag}'})
    assert listed.status_code == 200, listed.text
    assert editor.patch(url, json=change, headers={"If-Match": "*"}).status_code == 200


def test_matches_parses_entity_tag_lists() -> None:
    tag = '"abc"'
    assert _matches('W/"abc"', tag, weak=True) and not _matches('W/"abc"', tag)
    assert _matches('"x" ,W/"abc"', tag, weak=True) and _matches('"x","abc"', tag)
    assert _matches(" * ", tag) and _matches("*", tag, weak=True)
    assert not _matches('"abcd"', tag, weak=True) and not _matches("abc", tag, weak=True)
    assert not _matches('w/"abc"', tag, weak=True)  # `W/` is case-sensitive
    assert not _matches("", tag, weak=True) and not _matches('"ab,c"', tag, weak=True)
