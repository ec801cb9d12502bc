"""Agenda items: positions, rules 5 and 6, focus areas, reordering and drafts."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.meetings.models import AgendaItem
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem, create
from tests.meetings import factories as f


@pytest.fixture
def org(editor: ApiClient) -> dict[str, Any]:
    plan = f.plan(editor)
    board = f.alternating_board(editor, plan["id"])
    steering = f.steering_group(
        editor, plan["id"], board["id"], agenda_format="trouble_and_success"
    )
    review = f.meeting(editor, board["id"], 0)
    urban = f.meeting(editor, board["id"], 14)
    sg = f.meeting(editor, steering["id"], 3)
    return {
        "plan": plan,
        "board": board,
        "steering": steering,
        "review": review,
        "urban": urban,
        "sg": sg,
    }


def _add(client: ApiClient, meeting_id: str, **fields: Any) -> dict[str, Any]:
    return create(
        client, f"/api/v1/meetings/{meeting_id}/agenda-items", {"title": "Punkt", **fields}
    )


def _titles(client: ApiClient, meeting_id: str) -> list[tuple[int, str, str]]:
    items = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items").json()["items"]
    return [(i["position"], i["number"], i["title"]) for i in items]


def test_positions_stay_one_to_n(editor: ApiClient, org: dict[str, Any], db: DbSession) -> None:
    mid = org["review"]["id"]
    a = _add(editor, mid, title="A")
    b = _add(editor, mid, title="B")
    c = _add(editor, mid, title="C", position=1)
    assert c["position"] == 1 and c["number"] == "1"
    assert _titles(editor, mid) == [(1, "1", "C"), (2, "2", "A"), (3, "3", "B")]
    assert_problem(
        editor.post(f"/api/v1/meetings/{mid}/agenda-items", json={"title": "X", "position": 5}), 422
    )
    moved = editor.patch(f"/api/v1/agenda-items/{b['id']}", json={"position": 1})
    assert moved.status_code == 200 and moved.json()["position"] == 1
    assert [t for _, _, t in _titles(editor, mid)] == ["B", "C", "A"]
    assert_problem(editor.patch(f"/api/v1/agenda-items/{b['id']}", json={"position": 4}), 422)
    assert editor.delete(f"/api/v1/agenda-items/{c['id']}").status_code == 204
    assert _titles(editor, mid) == [(1, "1", "B"), (2, "2", "A")]
    positions = db.scalars(
        select(AgendaItem.position)
        .where(AgendaItem.meeting_id == uuid.UUID(mid))
        .order_by(AgendaItem.position)
    )
    assert list(positions) == [1, 2]
    assert_problem(editor.get(f"/api/v1/agenda-items/{c['id']}"), 404)
    assert editor.get(f"/api/v1/agenda-items/{a['id']}").json()["position"] == 2


def test_defaults_and_fields(editor: ApiClient, org: dict[str, Any], db: DbSession) -> None:
    presenter = f.contact(db)
    item = _add(
        editor,
        org["review"]["id"],
        presenter_id=str(presenter),
        duration_minutes=20,
        focus_area="uddannelse",
        topic="skole",
    )
    assert item["within_plan"] is True and item["public"] is False and item["kind"] == "discussion"
    assert item["source_decision_ids"] == [] and item["source_body_id"] is None
    assert item["presenter_id"] == str(presenter)
    body = assert_problem(
        editor.post(
            f"/api/v1/meetings/{org['review']['id']}/agenda-items",
            json={"title": "x", "focus_area": "ukendt"},
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "focus_area"]
    body = assert_problem(
        editor.post(
            f"/api/v1/meetings/{org['review']['id']}/agenda-items",
            json={"title": "x", "presenter_id": str(uuid.uuid4())},
        ),
        422,
    )
    assert body["errors"][0]["loc"] == ["body", "presenter_id"]
    assert_problem(
        editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"focus_area": "ukendt"}), 422
    )
    assert (
        editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"focus_area": None}).json()[
            "focus_area"
        ]
        is None
    )


def test_scope_rule(editor: ApiClient, org: dict[str, Any]) -> None:
    body = assert_problem(
        editor.post(
            f"/api/v1/meetings/{org['review']['id']}/agenda-items",
            json={"title": "Letbane", "within_plan": False},
        ),
        409,
        "rule-violation",
    )
    assert body["rule"] == "scope"
    outside = _add(editor, org["urban"]["id"], title="Letbane", within_plan=False)
    assert outside["within_plan"] is False
    inside = _add(editor, org["review"]["id"])
    assert (
        editor.patch(f"/api/v1/agenda-items/{inside['id']}", json={"within_plan": False}).json()[
            "rule"
        ]
        == "scope"
    )
    # a meeting with items outside the plan cannot become a plan review
    body = assert_problem(
        editor.patch(
            f"/api/v1/meetings/{org['urban']['id']}",
            json={"mode": "plan_review", "mode_override_reason": "x"},
        ),
        409,
    )
    assert body["rule"] == "scope"


def test_reflow_keeps_meetings_with_items_outside_the_plan(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    _add(editor, org["urban"]["id"], title="Letbane", within_plan=False)
    # a new first meeting (plan review) turns review → urban, and urban → review: refused
    response = editor.post("/api/v1/meetings", json=f.meeting_payload(org["board"]["id"], -14))
    assert response.status_code == 201, response.text
    assert response.json()["rotation_changes"] == [
        {
            "meeting_id": org["review"]["id"],
            "from_mode": "plan_review",
            "to_mode": "urban_development",
            "mode_override_reason": None,
        },
        {
            "meeting_id": org["urban"]["id"],
            "from_mode": "urban_development",
            "to_mode": "urban_development",
            "mode_override_reason": "mode kept: the agenda has items outside the plan",
        },
    ]
    assert (
        editor.get(f"/api/v1/meetings/{org['urban']['id']}").json()["mode"] == "urban_development"
    )


def test_agenda_format_rule(editor: ApiClient, org: dict[str, Any]) -> None:
    for kind in ("trouble", "success"):
        body = assert_problem(
            editor.post(
                f"/api/v1/meetings/{org['review']['id']}/agenda-items",
                json={"title": "x", "kind": kind},
            ),
            409,
        )
        assert body["rule"] == "agenda-format"
        assert _add(editor, org["sg"]["id"], kind=kind)["kind"] == kind
    item = _add(editor, org["review"]["id"])
    assert (
        editor.patch(f"/api/v1/agenda-items/{item['id']}", json={"kind": "trouble"}).json()["rule"]
        == "agenda-format"
    )


def test_reorder(editor: ApiClient, org: dict[str, Any]) -> None:
    mid = org["review"]["id"]
    a, b, c = (_add(editor, mid, title=t) for t in "ABC")
    response = editor.put(
        f"/api/v1/meetings/{mid}/agenda-order", json={"item_ids": [c["id"], a["id"], b["id"]]}
    )
    assert response.status_code == 200, response.text
    assert [(i["title"], i["position"]) for i in response.json()["items"]] == [
        ("C", 1),
        ("A", 2),
        ("B", 3),
    ]
    for bad in (
        [a["id"], b["id"]],
        [a["id"], a["id"], b["id"]],
        [a["id"], b["id"], str(uuid.uuid4())],
    ):
        body = assert_problem(
            editor.put(f"/api/v1/meetings/{mid}/agenda-order", json={"item_ids": bad}), 422
        )
        assert body["errors"][0]["loc"] == ["body", "item_ids"]


def test_drafts_by_mode_and_format(editor: ApiClient, org: dict[str, Any]) -> None:
    standing = {"agenda_approval", "minutes_approval", "follow_up", "any_other_business"}

    def mode_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [i for i in items if i["topic"] not in standing]

    review = editor.post(f"/api/v1/meetings/{org['review']['id']}/agenda-draft")
    assert review.status_code == 201, review.text
    assert [(i["title"], i["focus_area"]) for i in mode_items(review.json()["items"])] == [
        ("Fremdrift: Uddannelse og livschancer", "uddannelse"),
        ("Fremdrift: Beskæftigelse", "beskaeftigelse"),
    ]
    assert [i["topic"] for i in review.json()["items"] if i["topic"] in standing] == [
        "agenda_approval",
        "follow_up",
        "any_other_business",
    ]
    # nothing twice
    assert editor.post(f"/api/v1/meetings/{org['review']['id']}/agenda-draft").json()["items"] == []
    urban = editor.post(f"/api/v1/meetings/{org['urban']['id']}/agenda-draft").json()["items"]
    assert [i["title"] for i in mode_items(urban)] == [
        "Fysisk udvikling",
        "Kriminalpræventiv ombygning",
        "Udlejningsregler",
        "Byen som helhed",
    ]
    assert all(i["within_plan"] is False for i in mode_items(urban))
    _add(editor, org["sg"]["id"], title="Egen bøvlrunde", kind="trouble")
    sg = editor.post(f"/api/v1/meetings/{org['sg']['id']}/agenda-draft").json()["items"]
    assert [(i["title"], i["kind"]) for i in mode_items(sg)] == [("Blær", "success")]
    listed = editor.get(f"/api/v1/meetings/{org['sg']['id']}/agenda-items").json()["items"]
    assert [i["title"] for i in listed] == [
        "Godkendelse af dagsorden",
        "Egen bøvlrunde",
        "Blær",
        "Opfølgning",
        "Eventuelt",
    ]


def test_public_item_changes_bump_the_meetings_sequence(
    editor: ApiClient, org: dict[str, Any]
) -> None:
    mid = org["review"]["id"]
    _add(editor, mid, title="Intern")
    assert editor.get(f"/api/v1/meetings/{mid}").json()["sequence"] == 0
    public = _add(editor, mid, title="Åbent punkt", public=True)
    assert editor.get(f"/api/v1/meetings/{mid}").json()["sequence"] == 1
    editor.patch(f"/api/v1/agenda-items/{public['id']}", json={"title": "Nyt navn"})
    assert editor.get(f"/api/v1/meetings/{mid}").json()["sequence"] == 2


def test_item_with_a_decision_cannot_be_deleted(editor: ApiClient, org: dict[str, Any]) -> None:
    item = _add(editor, org["review"]["id"])
    f.decision(
        editor, org["board"]["id"], meeting_id=org["review"]["id"], agenda_item_id=item["id"]
    )
    assert_problem(editor.delete(f"/api/v1/agenda-items/{item['id']}"), 409)
    assert_problem(editor.delete(f"/api/v1/meetings/{org['review']['id']}"), 409)


def test_delete_meeting_takes_its_agenda(
    editor: ApiClient, org: dict[str, Any], db: DbSession
) -> None:
    item = _add(editor, org["review"]["id"])
    assert editor.delete(f"/api/v1/meetings/{org['review']['id']}").status_code == 204
    assert db.get(AgendaItem, uuid.UUID(item["id"])) is None


def test_agenda_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, org: dict[str, Any], count_queries: Any
) -> None:
    mid = org["review"]["id"]
    _add(editor, mid)
    f.decision(editor, org["steering"]["id"])  # a flow item with sources on the board's meeting
    reader.get(f"/api/v1/meetings/{mid}/agenda-items")
    count_queries.count = 0
    reader.get(f"/api/v1/meetings/{mid}/agenda-items")
    few = count_queries.count
    for n in range(10):
        _add(editor, mid, title=f"Punkt {n}")
    f.decision(editor, org["steering"]["id"])
    count_queries.count = 0
    listing = reader.get(f"/api/v1/meetings/{mid}/agenda-items").json()
    assert len(listing["items"]) == 12 and listing["total"] == 12 and listing["limit"] == 50
    assert count_queries.count == few


def test_reader_cannot_write_agenda(
    reader: ApiClient, editor: ApiClient, org: dict[str, Any]
) -> None:
    item = _add(editor, org["review"]["id"])
    assert_problem(
        reader.post(f"/api/v1/meetings/{org['review']['id']}/agenda-items", json={"title": "x"}),
        403,
    )
    assert_problem(reader.patch(f"/api/v1/agenda-items/{item['id']}", json={"title": "x"}), 403)
    assert_problem(reader.delete(f"/api/v1/agenda-items/{item['id']}"), 403)
    assert_problem(
        reader.put(
            f"/api/v1/meetings/{org['review']['id']}/agenda-order", json={"item_ids": [item["id"]]}
        ),
        403,
    )
    assert_problem(reader.post(f"/api/v1/meetings/{org['review']['id']}/agenda-draft"), 403)
