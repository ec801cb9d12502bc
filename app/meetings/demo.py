"""Meetings demo data: Randers' alternating board, Varde's steering group with bøvl og blær,
decisions that flow to Varde's board and back, and a year's meeting cycle:

- drafts a secretary would send (standing items, Opfølgning, Eventuelt) on every meeting;
- history: two everyday decisions reported to the board; an escalation the board resolved
  (its answer flows back down as "Orientering fra Bestyrelsen" on the steering group's next
  meeting) and one it did not get to (postponed, carried on to its next open meeting);
  approved minutes with an outcome per item;
- today: a matter escalated to the board's next meeting, a decision first recorded as routine
  and corrected to major, a duplicate withdrawn;
- follow-ups: open, done and one past its due date (the governance check warns).

Dates lie around the day the demo is seeded: about four months of history (held meetings,
approved minutes) and the rest of a year ahead.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import LOCAL_TZ, local_today
from app.core.db import utcnow
from app.core.security import Principal
from app.governance.demo import GovernanceDemo
from app.governance.enums import MemberRole
from app.governance.models import Body
from app.meetings import actions, agenda, decisions, drafts, meetings, repository, series
from app.meetings.enums import (
    HELD_STATUSES,
    ActionStatus,
    AgendaItemKind,
    DecisionImpact,
    MeetingStatus,
)
from app.meetings.models import Action, AgendaItem, Decision, Meeting
from app.meetings.schemas import (
    ActionCreate,
    AgendaItemCreate,
    AgendaItemUpdate,
    DecisionCreate,
    DecisionUpdate,
    MeetingUpdate,
    SeriesCreate,
)

HISTORY = timedelta(days=125)


@dataclass
class MeetingsDemo:
    """What the meetings demo made."""

    meetings: list[Meeting] = field(default_factory=list)
    agenda_items: list[AgendaItem] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Records made, by kind."""
        return {
            "meetings": len(self.meetings),
            "agenda items": len(self.agenda_items),
            "decisions": len(self.decisions),
            "follow-ups": len(self.actions),
        }


def _first_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


async def _series(
    session: AsyncSession,
    actor: Principal,
    body: Body,
    *,
    weekday: int,
    at: time,
    count: int,
    weeks: int,
    location: str,
) -> list[Meeting]:
    first = _first_weekday((utcnow() - HISTORY).date(), weekday)
    data = SeriesCreate(
        first_starts_at=_local(first, at),
        count=count,
        interval_weeks=weeks,
        duration_minutes=120,
        location=location,
    )
    made, _changes = await series.create_series(session, actor, body, data)
    return made


async def _close_history(
    session: AsyncSession, actor: Principal, body: Body, made: list[Meeting]
) -> None:
    now = utcnow()
    for meeting in made:
        if meeting.starts_at >= now:
            continue
        await meetings.update(
            session, actor, meeting, body, MeetingUpdate(status=MeetingStatus.held)
        )
        if meeting.starts_at < now - timedelta(days=30):
            await _minutes(session, actor, meeting, body)
            await meetings.update(
                session,
                actor,
                meeting,
                body,
                MeetingUpdate(status=MeetingStatus.minutes_approved),
            )


# the outcome the minutes record under each standing item, by topic
OUTCOMES = {
    drafts.AGENDA_APPROVAL: "Dagsordenen blev godkendt.",
    drafts.MINUTES_APPROVAL: "Referatet blev godkendt uden bemærkninger.",
    drafts.FOLLOW_UP: "Opfølgningspunkterne blev gennemgået.",
    drafts.ANY_OTHER_BUSINESS: "Intet.",
}


async def _minutes(session: AsyncSession, actor: Principal, meeting: Meeting, body: Body) -> None:
    """Minutes as a secretary writes them: an outcome per item, then the text."""
    lines = []
    for item in await repository.agenda(session, meeting.id):
        outcome = item.outcome or OUTCOMES.get(item.topic or "", "Drøftet.")
        if item.outcome is None:
            await agenda.update(
                session, actor, item, meeting, body, AgendaItemUpdate(outcome=outcome)
            )
        lines.append(f"{item.position}. {item.title}: {outcome}")
    await meetings.update(
        session, actor, meeting, body, MeetingUpdate(minutes="Referat\n\n" + "\n".join(lines))
    )


async def _draft_all(
    session: AsyncSession, actor: Principal, body: Body, made: list[Meeting], demo: MeetingsDemo
) -> None:
    for meeting in made:
        items = await drafts.draft(session, actor, meeting, body)
        if items:
            # the first standing item is public: it shows in the calendar's description
            await agenda.update(
                session, actor, items[0], meeting, body, AgendaItemUpdate(public=True)
            )
        demo.agenda_items += items


TROUBLE = [
    "Lektiecaféen mangler lokaler efter kl. 16",
    "Ventetid på visitation til familiebehandling",
    "Uklart hvem der følger op på unge uden job eller uddannelse",
]
SUCCESS = [
    "Tre unge fra Kærhøjparken i gang med erhvervsuddannelse",
    "Fælles sommerfest med 300 beboere",
    "Klubben holder åbent fredag aften sammen med politiet",
]


async def _bovl_og_blaer(
    session: AsyncSession, actor: Principal, body: Body, made: list[Meeting], demo: MeetingsDemo
) -> None:
    for index, meeting in enumerate(made[:3]):
        for kind, titles in (("trouble", TROUBLE), ("success", SUCCESS)):
            demo.agenda_items.append(
                await agenda.create(
                    session,
                    actor,
                    meeting,
                    body,
                    AgendaItemCreate(
                        title=titles[index],
                        kind=AgendaItemKind(kind),
                        topic=kind,
                    ),
                )
            )


async def seed_meetings(
    session: AsyncSession, actor: Principal, governance: GovernanceDemo
) -> MeetingsDemo:
    """A year of meetings for Randers and Varde, through the services (change log)."""
    demo = MeetingsDemo()
    randers = governance.bodies["randers_board"]
    varde_board = governance.bodies["varde_board"]
    group = governance.bodies["varde_steering_group"]

    randers_meetings = await _series(
        session,
        actor,
        randers,
        weekday=1,
        at=time(14),
        count=9,
        weeks=6,
        location="Rådhuset, Randers",
    )
    board_meetings = await _series(
        session,
        actor,
        varde_board,
        weekday=2,
        at=time(15),
        count=7,
        weeks=8,
        location="Varde Rådhus",
    )
    group_meetings = await _series(
        session,
        actor,
        group,
        weekday=3,
        at=time(9),
        count=13,
        weeks=4,
        location="Kærhøjparkens fælleshus",
    )
    demo.meetings = randers_meetings + board_meetings + group_meetings
    await _draft_all(session, actor, randers, randers_meetings, demo)
    await _draft_all(session, actor, varde_board, board_meetings, demo)
    await _draft_all(session, actor, group, group_meetings, demo)
    await _bovl_og_blaer(session, actor, group, group_meetings, demo)

    # history entered as it happened: two everyday decisions of the steering group, reported
    # to the board at its next meeting (held since), and two matters escalated with them
    now = utcnow()
    past_group = [m for m in group_meetings if m.starts_at < now]
    past_board = [m for m in board_meetings if m.starts_at < now]
    if past_group and past_board:
        early = next(
            (m for m in past_group if m.starts_at < past_board[-1].starts_at), past_group[0]
        )
        for title in ("Lektiecaféen flytter til skolens bibliotek", "Fælles sommerfest i juni"):
            demo.decisions.append(
                await decisions.create(
                    session,
                    actor,
                    DecisionCreate(body_id=group.id, meeting_id=early.id, title=title),
                    now=early.ends_at,
                )
            )
        await _escalations(session, actor, demo, group, varde_board, early, board_meetings)
    await _close_history(session, actor, randers, randers_meetings)
    await _close_history(session, actor, varde_board, board_meetings)
    await _close_history(session, actor, group, group_meetings)

    # and today: a major matter the steering group escalates to the board's next meeting
    latest = past_group[-1] if past_group else None
    demo.decisions.append(
        await decisions.create(
            session,
            actor,
            DecisionCreate(
                body_id=group.id,
                meeting_id=latest.id if latest else None,
                title="Nyt fælles mødested for unge i Kærhøjparken",
                text="Styregruppen indstiller, at bestyrelsen beslutter at etablere et mødested.",
                impact=DecisionImpact.major,
            ),
        )
    )
    await _corrections(session, actor, demo, group, latest)
    await _follow_ups(session, actor, demo, governance, randers, randers_meetings, group)
    await session.flush()
    return demo


async def _escalations(
    session: AsyncSession,
    actor: Principal,
    demo: MeetingsDemo,
    group: Body,
    board: Body,
    early: Meeting,
    board_meetings: list[Meeting],
) -> None:
    """Two matters escalated at `early`: the board resolves one at its next meeting (the answer
    flows back down); the other it does not get to (postponed when the meeting is held)."""
    resolved = await decisions.create(
        session,
        actor,
        DecisionCreate(
            body_id=group.id,
            meeting_id=early.id,
            title="Fælles visitation til familiebehandling",
            text="Styregruppen indstiller én fælles visitation på tværs af forvaltningerne.",
            impact=DecisionImpact.major,
        ),
        now=early.ends_at,
    )
    postponed = await decisions.create(
        session,
        actor,
        DecisionCreate(
            body_id=group.id,
            meeting_id=early.id,
            title="Boligsocial medarbejder i Ådalen",
            text="Styregruppen indstiller en ekstra boligsocial medarbejder i Ådalen.",
            impact=DecisionImpact.major,
        ),
        now=early.ends_at,
    )
    demo.decisions += [resolved, postponed]
    board_meeting = next((m for m in board_meetings if m.starts_at > early.ends_at), None)
    if board_meeting is None:
        return
    demo.decisions.append(
        await decisions.create(
            session,
            actor,
            DecisionCreate(
                body_id=board.id,
                meeting_id=board_meeting.id,
                title="Fælles visitation indføres fra næste kvartal",
                text="Bestyrelsen tilslutter sig styregruppens indstilling.",
                origin_decision_id=resolved.id,
            ),
            now=board_meeting.ends_at,
        )
    )


async def _corrections(
    session: AsyncSession,
    actor: Principal,
    demo: MeetingsDemo,
    group: Body,
    latest: Meeting | None,
) -> None:
    """A decision recorded as routine and corrected to major; a duplicate withdrawn."""
    meeting_id = latest.id if latest else None
    misfiled = await decisions.create(
        session,
        actor,
        DecisionCreate(
            body_id=group.id,
            meeting_id=meeting_id,
            title="Klubben får nye åbningstider i weekenden",
            text="Kræver ekstra personale: en sag for bestyrelsen.",
        ),
    )
    await decisions.update(
        session, actor, misfiled, group, DecisionUpdate(impact=DecisionImpact.major)
    )
    duplicate = await decisions.create(
        session,
        actor,
        DecisionCreate(
            body_id=group.id, meeting_id=meeting_id, title="Fælles sommerfest i juni (dublet)"
        ),
    )
    await decisions.update(session, actor, duplicate, group, DecisionUpdate(status="withdrawn"))
    demo.decisions += [misfiled, duplicate]


def _member(governance: GovernanceDemo, body: Body, role: MemberRole) -> uuid.UUID | None:
    return next(
        (m.contact_id for m in governance.memberships if m.body_id == body.id and m.role == role),
        None,
    )


async def _follow_ups(
    session: AsyncSession,
    actor: Principal,
    demo: MeetingsDemo,
    governance: GovernanceDemo,
    randers: Body,
    randers_meetings: list[Meeting],
    group: Body,
) -> None:
    """Follow-ups from the minutes: one done, two open, one past its due date."""
    today = local_today()
    held = [m for m in randers_meetings if m.status in HELD_STATUSES]
    origin = held[-1].id if held else None
    specs = [
        (
            randers,
            "Oplæg om kriminalpræventiv ombygning af Nordbyen",
            MemberRole.secretary,
            today + timedelta(days=21),
            ActionStatus.open,
        ),
        (
            randers,
            "Tal for beskæftigelse i Nordbyen til næste møde",
            MemberRole.secretary,
            today - timedelta(days=10),
            ActionStatus.done,
        ),
        (
            randers,
            "Afklar politiets deltagelse i tryghedsvandringer",
            MemberRole.chair,
            today - timedelta(days=5),
            ActionStatus.open,
        ),
        (
            group,
            "Find lokaler til lektiecaféen efter kl. 16",
            MemberRole.chair,
            today + timedelta(days=30),
            ActionStatus.open,
        ),
    ]
    for body, title, role, due, status in specs:
        demo.actions.append(
            await actions.create(
                session,
                actor,
                ActionCreate(
                    body_id=body.id,
                    title=title,
                    owner_id=_member(governance, body, role),
                    due_date=due,
                    status=status,
                    meeting_id=origin if body is randers else None,
                ),
            )
        )
