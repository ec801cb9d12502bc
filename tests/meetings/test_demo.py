"""The meetings demo tells both stories."""

from collections import Counter

from sqlalchemy import select

from app.demo import seed
from app.governance.models import Body, Plan
from app.meetings.check_rules import meeting_findings
from app.meetings.models import AgendaItem, Decision, Meeting
from tests.aio import DbSession, run


def test_demo_meetings(db: DbSession) -> None:
    summary = run(seed(db.session))
    db.commit()
    assert "meetings" in summary and "decisions" in summary
    bodies = {b.name: b for b in db.scalars(select(Body))}
    randers = bodies["Bestyrelsen for helhedsplanen i Nordbyen"]
    modes = list(
        db.scalars(
            select(Meeting.mode).where(Meeting.body_id == randers.id).order_by(Meeting.starts_at)
        )
    )
    assert len(modes) >= 8
    assert modes[:4] == ["plan_review", "urban_development", "plan_review", "urban_development"]
    group = bodies["Styregruppen"]
    kinds = Counter(
        db.scalars(
            select(AgendaItem.kind)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.body_id == group.id)
        )
    )
    assert kinds["trouble"] >= 3 and kinds["success"] >= 3
    decisions = list(db.scalars(select(Decision)))
    assert sorted((d.status, d.reported) for d in decisions if d.body_id == group.id) == [
        ("decided", True),
        ("decided", True),
        ("escalated", None),
    ]
    for plan in db.scalars(select(Plan)):
        plan_bodies = [b for b in bodies.values() if b.plan_id == plan.id]
        rules = {f.rule for f in run(meeting_findings(db.session, plan, plan_bodies))}
        assert "mode-rotation" not in rules and "report-overdue" not in rules
