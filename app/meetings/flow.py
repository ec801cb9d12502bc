"""Decisions flow up (DESIGN §2 rule 4), step by step.

1. A decision of a body that reports to none is `decided` by that body (`reported` null).
2. A routine decision of a body that reports to a parent is `decided` with `reported` false,
   and gathered into the reporting body's ONE information item ("Orientering fra <body>") on
   the parent's next open meeting (its earliest planned or invited meeting starting after both
   now and the meeting where the decision was made).
3. A major decision of such a body is `escalated` and gets its own decision item there.
4. Without an open meeting the decision waits in the parent's inbox; it is placed on the next
   meeting created (or moved) so that it qualifies. A meeting whose agenda is full
   (`MAX_AGENDA_ITEMS`) takes no new item: the decision goes to the next open meeting with
   room, or waits in the inbox.
5. When the parent's meeting is held, the routine decisions on it become `reported`.
6. When the parent records a decision with `origin_decision_id`, the escalated one is `resolved`.
7. A cancelled (or deleted) meeting sends its flow items back: their decisions go to the inbox
   and on to the next open meeting.

Every step is recorded in the change log.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.db import utcnow
from app.core.security import Principal
from app.governance.models import Body
from app.meetings import repository
from app.meetings.agenda import MAX_AGENDA_ITEMS
from app.meetings.enums import AgendaItemKind, DecisionImpact, DecisionStatus
from app.meetings.models import AgendaItem, AgendaItemSource, Decision, Meeting

DECISION = "decision"
AGENDA_ITEM = "agenda_item"
TITLE_MAX = 300


def gathering_title(body: Body) -> str:
    """The information item's title: "Orientering fra Styregruppen"."""
    return f"Orientering fra {body.name}"[:TITLE_MAX]


def escalation_title(decision: Decision) -> str:
    """A decision item's title for an escalated decision."""
    return decision.title[:TITLE_MAX]


def initial_state(body: Body, impact: str) -> tuple[str, bool | None]:
    """Steps 1–3: the status and `reported` a new decision starts with."""
    if body.reports_to_id is None:
        return DecisionStatus.decided, None
    if impact == DecisionImpact.major:
        return DecisionStatus.escalated, None
    return DecisionStatus.decided, False


def waits_for_parent(decision: Decision) -> bool:
    """Whether the decision still has to come before the parent body."""
    if decision.status == DecisionStatus.escalated:
        return True
    return decision.status == DecisionStatus.decided and decision.reported is False


def earliest_start(decision_meeting_starts: datetime | None, now: datetime) -> datetime:
    """The parent's next open meeting must start after both now and the decision's meeting."""
    if decision_meeting_starts is None:
        return now
    return max(now, decision_meeting_starts)


async def _add_item(session: AsyncSession, meeting: Meeting, item: AgendaItem) -> None:
    item.position = await repository.max_position(session, meeting.id) + 1
    session.add(item)


async def _full(session: AsyncSession, decision: Decision, source: Body, meeting: Meeting) -> bool:
    # A routine decision joins its body's gathering item when there is one (no new item).
    if decision.impact == DecisionImpact.routine and (
        await repository.gathering_item(session, meeting.id, source.id) is not None
    ):
        return False
    return await repository.max_position(session, meeting.id) >= MAX_AGENDA_ITEMS


async def place(
    session: AsyncSession,
    actor: Principal,
    decision: Decision,
    source: Body,
    meeting: Meeting,
    plan_id: uuid.UUID,
) -> AgendaItem:
    """Steps 2 and 3: put the decision on the parent's meeting; return the item."""
    item: AgendaItem | None = None
    if decision.impact == DecisionImpact.routine:
        item = await repository.gathering_item(session, meeting.id, source.id)
        if item is not None:
            item.source_links.append(AgendaItemSource(decision_id=decision.id))
            item.touch()
            await session.flush()
            await changes.record(
                session, actor, AGENDA_ITEM, item.id, "updated", ["source_decision_ids"], plan_id
            )
        else:
            item = AgendaItem(
                id=uuid.uuid4(),
                meeting_id=meeting.id,
                title=gathering_title(source),
                kind=AgendaItemKind.information,
                within_plan=True,
                public=False,
                source_body_id=source.id,
                source_links=[AgendaItemSource(decision_id=decision.id)],
            )
    else:
        item = AgendaItem(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            title=escalation_title(decision),
            description=decision.text,
            kind=AgendaItemKind.decision,
            within_plan=True,
            public=False,
            source_body_id=source.id,
            source_links=[AgendaItemSource(decision_id=decision.id)],
        )
    if item not in session:
        await _add_item(session, meeting, item)
        await session.flush()
        await changes.record(
            session,
            actor,
            AGENDA_ITEM,
            item.id,
            "created",
            ["title", "kind", "position", "source_body_id", "source_decision_ids"],
            plan_id,
        )
    return item


async def route(
    session: AsyncSession,
    actor: Principal,
    decision: Decision,
    source: Body,
    plan_id: uuid.UUID,
    decision_meeting_starts: datetime | None,
    now: datetime | None = None,
) -> Meeting | None:
    """Steps 2–4: place a decision on the parent's next open meeting, else leave it waiting.

    `now` is the clock (history entered as it happened passes the time it happened).
    """
    if source.reports_to_id is None or not waits_for_parent(decision):
        return None
    after = earliest_start(decision_meeting_starts, now or utcnow())
    await repository.lock_body(session, source.reports_to_id)
    meeting = await repository.next_open_meeting(session, source.reports_to_id, after)
    while meeting is not None and await _full(session, decision, source, meeting):
        # a full agenda takes no new item: on to the next open meeting with room
        meeting = await repository.next_open_meeting(
            session, source.reports_to_id, meeting.starts_at
        )
    if meeting is None:
        return None  # step 4: it waits in the parent's inbox
    await place(session, actor, decision, source, meeting, plan_id)
    return meeting


async def resolve(
    session: AsyncSession, actor: Principal, origin: Decision, plan_id: uuid.UUID
) -> None:
    """Step 6: the parent decided the escalated matter."""
    origin.status = DecisionStatus.resolved
    origin.touch()
    await changes.record(session, actor, DECISION, origin.id, "updated", ["status"], plan_id)


async def meeting_held(
    session: AsyncSession, actor: Principal, meeting: Meeting, plan_id: uuid.UUID
) -> None:
    """Step 5: the routine decisions gathered on a held meeting are reported."""
    items = await repository.flow_items(session, meeting.id)
    for decision in await repository.decisions_of_items(session, [i.id for i in items]):
        if decision.impact == DecisionImpact.routine and decision.reported is False:
            decision.reported = True
            decision.touch()
            await changes.record(
                session, actor, DECISION, decision.id, "updated", ["reported"], plan_id
            )


async def send_back(
    session: AsyncSession, actor: Principal, meeting: Meeting, plan_id: uuid.UUID
) -> None:
    """Step 7: take the flow items off a cancelled or deleted meeting (back to the inbox)."""
    items = await repository.flow_items(session, meeting.id)
    if not items:
        return
    named = await repository.items_named_by_decisions(session, [i.id for i in items])
    for item in items:
        if item.id in named:
            # a decision was recorded under it: the item stays, its sources go back
            item.source_links.clear()
            item.touch()
            await changes.record(
                session, actor, AGENDA_ITEM, item.id, "updated", ["source_decision_ids"], plan_id
            )
        else:
            await session.delete(item)
            await changes.record(session, actor, AGENDA_ITEM, item.id, "deleted", (), plan_id)
    await session.flush()
    for position, item in enumerate(await repository.agenda(session, meeting.id), start=1):
        if item.position != position:
            item.position = position
            item.touch()
    await session.flush()


async def place_waiting(session: AsyncSession, actor: Principal, body: Body) -> list[Decision]:
    """Step 4: place the decisions waiting in the body's inbox where a meeting now qualifies."""
    waiting = await repository.inbox(session, body.id)
    if not waiting:
        return []
    sources = await repository.bodies_by_id(session, {d.body_id for d in waiting})
    starts = await repository.meeting_starts(
        session, {d.meeting_id for d in waiting if d.meeting_id}
    )
    placed = []
    for decision in waiting:
        source = sources[decision.body_id]
        meeting_starts = starts.get(decision.meeting_id) if decision.meeting_id else None
        if await route(session, actor, decision, source, body.plan_id, meeting_starts) is not None:
            placed.append(decision)
    return placed
