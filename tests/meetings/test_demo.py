"""The meetings demo tells both stories."""

from collections import Counter

from sqlalchemy import select

from app.demo import seed
from app.governance.models import Body, Plan
from app.meetings.check_rules import meeting_findings
from app.meetings.models import Action, AgendaItem, AgendaItemSource, Decision, Meeting
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
    decisions = {d.title: d for d in db.scalars(select(Decision))}
    assert sorted(
        (d.status, d.impact, d.reported) for d in decisions.values() if d.body_id == group.id
    ) == [
        ("decided", "routine", True),
        ("decided", "routine", True),
        ("escalated", "major", None),  # postponed at the board, carried on
        ("escalated", "major", None),  # escalated today
        ("escalated", "major", None),  # recorded as routine, corrected
        ("resolved", "major", None),  # the board's answer flowed back down
        ("withdrawn", "routine", False),  # a duplicate
    ]
    # the postponed matter stays on the held meeting's record and is carried on
    postponed = decisions["Boligsocial medarbejder i Ådalen"]
    items = list(
        db.scalars(
            select(AgendaItem)
            .join(AgendaItemSource, AgendaItemSource.agenda_item_id == AgendaItem.id)
            .where(AgendaItemSource.decision_id == postponed.id)
        )
    )
    assert sorted(i.outcome_status or "" for i in items) == ["", "postponed"]
    assert any(i.carried_from_id is not None for i in items)
    # the answer flows down: an "Orientering fra …" item on a steering group meeting
    answer = decisions["Fælles visitation indføres fra næste kvartal"]
    down = list(
        db.scalars(
            select(Meeting.body_id)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .join(AgendaItemSource, AgendaItemSource.agenda_item_id == AgendaItem.id)
            .where(AgendaItemSource.decision_id == answer.id)
        )
    )
    assert group.id in down
    # approved minutes with an outcome per item; drafts with the standing items
    approved = list(db.scalars(select(Meeting).where(Meeting.status == "minutes_approved")))
    assert approved and all(m.minutes and m.minutes.startswith("Referat") for m in approved)
    assert all(m.minutes_approved_at is not None for m in approved)
    topics = Counter(db.scalars(select(AgendaItem.topic)))
    assert topics["agenda_approval"] == topics["any_other_business"] == topics["follow_up"]
    assert topics["minutes_approval"] >= 1
    # follow-ups: open, done and overdue
    statuses = Counter(db.scalars(select(Action.status)))
    assert statuses["open"] >= 2 and statuses["done"] >= 1
    for plan in db.scalars(select(Plan)):
        plan_bodies = [b for b in bodies.values() if b.plan_id == plan.id]
        rules = {f.rule for f in run(meeting_findings(db.session, plan, plan_bodies))}
        assert "mode-rotation" not in rules and "report-overdue" not in rules
        if plan_bodies and randers in plan_bodies:
            assert "action-overdue" in rules
