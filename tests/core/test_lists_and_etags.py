"""Lists (envelope, Link, limits, modified_since) and ETags (If-Match, If-None-Match)."""

from datetime import UTC, datetime, timedelta

from tests.aio import ApiClient
from tests.conftest import QueryCounter
from tests.helpers import assert_problem, organization


def test_paging_and_link_headers(editor: ApiClient, reader: ApiClient) -> None:
    for i in range(5):
        organization(editor, name=f"Org {i}")
    first = reader.get("/api/v1/organizations", params={"limit": 2})
    body = first.json()
    assert [o["name"] for o in body["items"]] == ["Org 0", "Org 1"]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 0)
    assert 'rel="next"' in first.headers["link"] and 'rel="prev"' not in first.headers["link"]
    assert "offset=2" in first.headers["link"]

    middle = reader.get("/api/v1/organizations", params={"limit": 2, "offset": 2})
    assert 'rel="next"' in middle.headers["link"] and 'rel="prev"' in middle.headers["link"]

    last = reader.get("/api/v1/organizations", params={"limit": 2, "offset": 4})
    assert [o["name"] for o in last.json()["items"]] == ["Org 4"]
    assert 'rel="next"' not in last.headers["link"]


def test_no_link_header_on_a_single_page(reader: ApiClient) -> None:
    assert "link" not in reader.get("/api/v1/organizations").headers


def test_stable_order_with_equal_names(editor: ApiClient, reader: ApiClient) -> None:
    ids = sorted(organization(editor, name="Same")["id"] for _ in range(3))
    listed = [o["id"] for o in reader.get("/api/v1/organizations").json()["items"]]
    assert listed == ids


def test_modified_since(editor: ApiClient, reader: ApiClient) -> None:
    organization(editor, name="Old")
    cut = datetime.now(UTC)
    new = organization(editor, name="New")
    listed = reader.get("/api/v1/organizations", params={"modified_since": cut.isoformat()}).json()
    assert [o["id"] for o in listed["items"]] == [new["id"]]
    future = (cut + timedelta(days=1)).isoformat()
    assert (
        reader.get("/api/v1/organizations", params={"modified_since": future}).json()["total"] == 0
    )


def test_etag_changes_on_write_and_if_match(editor: ApiClient) -> None:
    org = organization(editor)
    url = f"/api/v1/organizations/{org['id']}"
    etag = editor.get(url).headers["etag"]
    assert editor.get(url).headers["etag"] == etag

    updated = editor.patch(url, json={"name": "Renamed"}, headers={"If-Match": etag})
    assert updated.status_code == 200
    new_etag = updated.headers["etag"]
    assert new_etag != etag and editor.get(url).headers["etag"] == new_etag

    stale = editor.patch(url, json={"name": "Lost"}, headers={"If-Match": etag})
    assert_problem(stale, 412, "precondition-failed")
    assert editor.get(url).json()["name"] == "Renamed"
    assert_problem(editor.delete(url, headers={"If-Match": etag}), 412)
    assert editor.delete(url, headers={"If-Match": new_etag}).status_code == 204


def test_if_none_match_gives_304(reader: ApiClient, editor: ApiClient) -> None:
    org = organization(editor)
    url = f"/api/v1/organizations/{org['id']}"
    etag = reader.get(url).headers["etag"]
    cached = reader.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert reader.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_post_answers_with_etag(editor: ApiClient) -> None:
    response = editor.post("/api/v1/organizations", json={"name": "E", "kind": "other"})
    assert response.headers["etag"] == editor.get(response.headers["location"]).headers["etag"]


def test_list_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, count_queries: QueryCounter
) -> None:
    for i in range(3):
        organization(editor, name=f"A{i}")
    count_queries.count = 0
    reader.get("/api/v1/organizations", params={"limit": 2})
    small = count_queries.count
    for i in range(20):
        organization(editor, name=f"B{i}")
    count_queries.count = 0
    reader.get("/api/v1/organizations", params={"limit": 50})
    assert count_queries.count == small <= 3


def test_changes_and_keys_lists_run_a_fixed_number_of_queries(
    admin: ApiClient, count_queries: QueryCounter
) -> None:
    def queries(path: str, limit: int) -> int:
        count_queries.count = 0
        assert admin.get(path, params={"limit": limit}).status_code == 200
        return count_queries.count

    for i in range(2):
        organization(admin, name=f"C{i}")
        admin.post("/api/v1/api-keys", json={"name": f"k{i}", "role": "reader"})
    small = {p: queries(p, 1) for p in ("/api/v1/changes", "/api/v1/api-keys")}
    for i in range(30):
        organization(admin, name=f"D{i}")
        admin.post("/api/v1/api-keys", json={"name": f"m{i}", "role": "reader"})
    for path, count in small.items():
        assert queries(path, 200) == count <= 3, path


def test_total_of_an_empty_list_and_of_a_page_past_the_end(
    editor: ApiClient, reader: ApiClient, count_queries: QueryCounter
) -> None:
    # the total rides on the page's rows; a page without rows must still tell it.
    # (Each request also looks its key up: the tests' key cache is off.)
    count_queries.count = 0
    empty = reader.get("/api/v1/organizations", params={"q": "ingen-her"}).json()
    assert (empty["items"], empty["total"]) == ([], 0)
    assert count_queries.count == 1 + 1  # the page only: nothing to count past
    for i in range(3):
        organization(editor, name=f"Org {i}")
    count_queries.count = 0
    past = reader.get("/api/v1/organizations", params={"limit": 2, "offset": 10}).json()
    assert (past["items"], past["total"], past["offset"]) == ([], 3, 10)
    assert count_queries.count == 1 + 2  # the empty page, then the count on its own
    count_queries.count = 0
    page = reader.get("/api/v1/organizations", params={"limit": 2, "offset": 2}).json()
    assert ([o["name"] for o in page["items"]], page["total"]) == (["Org 2"], 3)
    assert count_queries.count == 1 + 1  # page and total in one query
