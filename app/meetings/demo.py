"""Meetings demo data: Randers' alternating board, Varde's steering group with bøvl og blær,
decisions that flow to Varde's board (two reported, one escalated).

Dates lie around the day the demo is seeded: about four months of history (held meetings,
approved minutes) and the rest of a year ahead.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import LOCAL_TZ
from app.core.db import utcnow
from app.core.security import Principal
from app.governance.demo import GovernanceDemo
from app.governance.models import Body
from app.meetings import agenda, decisions, meetings, series
from app.meetings.enums import AgendaItemKind, DecisionImpact, MeetingStatus
from app.meetings.models import AgendaItem, Decision, Meeting
from app.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemUpdate,
    DecisionCreate,
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

    def counts(self) -> dict[str, int]:
        """Records made, by kind."""
        return {
            "meetings": len(self.meetings),
            "agenda items": len(self.agenda_items),
            "decisions": len(self.decisions),
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
            await meetings.update(
                session,
                actor,
                meeting,
                body,
                MeetingUpdate(
                    status=MeetingStatus.minutes_approved,
                    minutes="Referatet er godkendt af deltagerne.",
                ),
            )


async def _draft_all(
    session: AsyncSession, actor: Principal, body: Body, made: list[Meeting], demo: MeetingsDemo
) -> None:
    for meeting in made:
        items = await agenda.draft(session, actor, meeting, body)
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
    # to the board at its next meeting (held since)
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
    await session.flush()
    return demo
