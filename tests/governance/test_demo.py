"""The governance demo data: Randers' alternating board, Varde's steering group and liaison."""

import uuid

from sqlalchemy import func, select

from app.changes.models import Change
from app.demo import DEMO_ACTOR
from app.directory.demo import seed_directory
from app.governance.check import STRUCTURE_RULES
from app.governance.demo import seed_governance
from tests.aio import ApiClient, DbSession, run


def test_demo_tells_both_stories(db: DbSession, reader: ApiClient) -> None:
    directory = run(seed_directory(db.session, DEMO_ACTOR))
    demo = run(seed_governance(db.session, DEMO_ACTOR, directory))
    db.commit()
    assert demo.counts() == {"plans": 2, "bodies": 3, "memberships": 19}
    people = {c.id: key for key, c in directory.contacts.items()}

    randers = reader.get(f"/api/v1/plans/{demo.plans['randers'].id}/structure").json()
    (board,) = randers["bodies"]
    assert board["kind"] == "board"
    roles = {people[uuid.UUID(m["contact_id"])]: m["role"] for m in board["members"]}
    assert roles == {
        "randers_tm_director": "chair",
        "gudenaa_director": "member",
        "kronjylland_director": "member",
        "politi_oj_leader": "member",
        "randers_project_lead": "secretary",
    }
    randers_board = reader.get(f"/api/v1/bodies/{board['id']}").json()
    assert randers_board["meeting_rotation"] == ["plan_review", "urban_development"]
    assert randers["plan"]["focus_areas"][0]["name"] == "Uddannelse og livschancer"

    varde = reader.get(f"/api/v1/plans/{demo.plans['varde'].id}/structure").json()
    by_kind = {b["kind"]: b for b in varde["bodies"]}
    group = by_kind["steering_group"]
    assert group["reports_to_id"] == by_kind["board"]["id"]
    liaison_keys = {people[uuid.UUID(x["contact_id"])] for x in group["liaisons"]}
    # the director of Social & Health (liaison role) and the two housing directors sit in both
    assert liaison_keys == {"varde_social_health_director", "vestkyst_director", "vardeaa_director"}
    assert len(group["members"]) == 9
    steering = reader.get(f"/api/v1/bodies/{group['id']}").json()
    assert steering["agenda_format"] == "trouble_and_success"

    for plan in demo.plans.values():
        check = reader.get(f"/api/v1/plans/{plan.id}/governance-check").json()
        structure_findings = [f for f in check["findings"] if f["rule"] in STRUCTURE_RULES]
        assert structure_findings == [], check

    logged = db.scalar(
        select(func.count()).select_from(Change).where(Change.resource == "membership")
    )
    assert logged == 19
