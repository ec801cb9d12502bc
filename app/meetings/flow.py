"""Decisions flow up and back down (DESIGN §2 rule 4, and rules 9–11 of the meeting cycle).

Up:
1. A decision of a body that reports to none is `decided` by that body (`reported` null).
2. A routine decision of a body that reports to a parent is `decided` with `reported` false,
   and gathered into the reporting body's ONE information item ("Orientering fra <body>") on
   the parent's next open meeting (its earliest planned or invited meeting starting after both
   now and the meeting where the decision was made). The item's description lists the
   decisions it reports (`describe`), so the agenda says what was decided; flow items are
   not public unless someone makes them so.
3. A major decision of such a body is `escalated` and gets its own decision item there.
4. Without an open meeting the decision waits in the parent's inbox; it is placed on the next
   meeting created (or moved, or reopened) so that it qualifies. A meeting whose agenda is full
   (`MAX_AGENDA_ITEMS`) takes no new item: the decision goes to the next open meeting with
   room, or waits in the inbox. New flow items go before the closing standing items
   ("Opfølgning", "Eventuelt"), never after them (`drafts.flow_position`).
5. When the parent resolves an escalation (a decision with `origin_decision_id`), the escalated
   one is `resolved` and leaves every upcoming item that still carried it.

Postponement (rule 9):
6. When a meeting is held, an escalation item whose decision is still unresolved gets the
   outcome `postponed` (and the outcome text "Udsat." when it has none). Any item postponed on
   a held meeting stays in that meeting's record and is carried on to the body's next open
   meeting that fits it (scope, room) as a new item with `carried_from_id` pointing back and
   the same source decisions still waiting; without one it waits (its decisions in the inbox)
   and is carried when a meeting opens.
7. A routine decision is `reported` once an item carrying it is on a held meeting without
   being postponed; a resolution is `reported_down` likewise on the escalating body's meeting.
8. Items move, never die: an item whose meeting is cancelled, deleted, or moved before its
   decisions were made goes (same id) to the next open meeting that fits. Without one, a
   cancelled meeting keeps it (parked) until a meeting opens; a deleted meeting's items go and
   their decisions wait in the inbox. A gathering item joins the target's gathering item of
   the same body when there is one.

Corrections (rule 10, `app/meetings/decisions.py` calls these):
9. A decision not yet reported or resolved may change; a new impact re-routes it (`reroute`):
   it leaves its upcoming items and flows again as the new kind. Withdrawing (`withdraw`)
   takes it off every item not yet held (an emptied flow item goes away); a withdrawn
   resolution re-opens the escalation it resolved.

Back down (rule 11):
10. A resolution is told to the body that escalated: an information item
    "Orientering fra <resolving body>" on that body's next open meeting (after now and the
    resolving meeting), listing the resolutions; without one it waits in that body's inbox.

Every step is recorded in the change log.
"""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.clock import LOCAL_TZ
from app.core.db import utcnow
from app.core.security import Principal
from app.governance.models import Body
from app.meetings import agenda, drafts, repository
from app.meetings.enums import (
    OPEN_STATUSES,
    AgendaItemKind,
    AgendaOutcome,
    DecisionImpact,
    DecisionStatus,
    MeetingMode,
    MeetingStatus,
)
from app.meetings.models import AgendaItem, AgendaItemSource, Decision, Meeting

DECISION = "decision"
AGENDA_ITEM = "agenda_item"
MEETING = "meeting"
TITLE_MAX = 300
POSTPONED_TEXT = "Udsat."
# meetings whose items a correction may still change: the held ones are the record
NOT_HELD = OPEN_STATUSES | {MeetingStatus.cancelled}


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


def waits_down(decision: Decision) -> bool:
    """Whether the resolution still has to be told to the body that escalated."""
    return (
        decision.origin_decision_id is not None
        and decision.reported_down is False
        and decision.status != DecisionStatus.withdrawn
    )


def is_final(decision: Decision) -> bool:
    """Reported, resolved, told down or withdrawn: part of the record (rule 10)."""
    return (
        decision.status in (DecisionStatus.resolved, DecisionStatus.withdrawn)
        or decision.reported is True
        or decision.reported_down is True
    )


def earliest_start(decision_meeting_starts: datetime | None, now: datetime) -> datetime:
    """The parent's next open meeting must start after both now and the decision's meeting."""
    if decision_meeting_starts is None:
        return now
    return max(now, decision_meeting_starts)


def _day(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")


def describe(
    source: Body, decisions: Sequence[Decision], origins: dict[uuid.UUID, Decision], down: bool
) -> str | None:
    """A gathering item's description: the decisions it brings, one line each."""
    if not decisions:
        return None
    head = f"{source.name} har afgjort:" if down else f"{source.name} har besluttet:"
    lines = [head]
    for d in decisions:
        line = f"- {d.title} ({_day(d.decided_at)})"
        origin = origins.get(d.origin_decision_id) if d.origin_decision_id else None
        if down and origin is not None:
            line += f" — svar på «{origin.title}»"
        lines.append(line)
    return "\n".join(lines)


async def _record(
    session: AsyncSession,
    actor: Principal,
    resource: str,
    rid: uuid.UUID,
    fields: Iterable[str],
    plan_id: uuid.UUID,
) -> None:
    await changes.record(session, actor, resource, rid, "updated", list(fields), plan_id)


async def refresh(
    session: AsyncSession, actor: Principal, item: AgendaItem, plan_id: uuid.UUID
) -> None:
    """Make a flow item's title and description say what it carries now (logged if changed)."""
    if item.source_body_id is None:
        return
    decisions = await repository.decisions_of_items(session, [item.id])
    changed: list[str] = []
    if item.kind == AgendaItemKind.decision:
        if len(decisions) == 1:
            title, text = escalation_title(decisions[0]), decisions[0].text
            if item.title != title:
                item.title, changed = title, [*changed, "title"]
            if item.description != text:
                item.description, changed = text, [*changed, "description"]
    else:
        source = await repository.get_body(session, item.source_body_id)
        meeting = await session.get(Meeting, item.meeting_id)
        # an item from a body below reports up; from the body above it tells down
        down = (
            source is not None and meeting is not None and source.reports_to_id != (meeting.body_id)
        )
        origins = await repository.decisions_by_id(
            session, [d.origin_decision_id for d in decisions if d.origin_decision_id]
        )
        text = describe(source, decisions, origins, down) if source is not None else None
        if item.description != text:
            item.description, changed = text, ["description"]
    if changed:
        item.touch()
        await _record(session, actor, AGENDA_ITEM, item.id, changed, plan_id)


async def _make_room(
    session: AsyncSession, actor: Principal, meeting: Meeting, kind: str, plan_id: uuid.UUID
) -> int:
    """The position a new flow item takes (before the closing standing items, an orientering
    before the escalations: `drafts.flow_position`); the items from there on move down."""
    position = await drafts.flow_position(session, meeting.id, kind)
    await drafts.make_room(session, actor, meeting.id, position, plan_id)
    return position


async def _renumber(
    session: AsyncSession, actor: Principal, meeting_id: uuid.UUID, plan_id: uuid.UUID
) -> None:
    await session.flush()
    for position, item in enumerate(await repository.agenda(session, meeting_id), start=1):
        if item.position != position:
            item.position = position
            item.touch()
            await _record(session, actor, AGENDA_ITEM, item.id, ["position"], plan_id)


async def _notice(
    session: AsyncSession, actor: Principal, meeting: Meeting, plan_id: uuid.UUID
) -> None:
    # a public item changing place changes the calendar's DESCRIPTION: a new SEQUENCE
    meeting.bump()
    await _record(session, actor, MEETING, meeting.id, ["sequence"], plan_id)


def fits(meeting: Meeting, item_within_plan: bool) -> bool:
    """Rule 5 for the flow: an item outside the plan skips plan_review meetings."""
    return item_within_plan or meeting.mode != MeetingMode.plan_review


async def _has_room(session: AsyncSession, meeting: Meeting) -> bool:
    return await repository.max_position(session, meeting.id) < agenda.MAX_AGENDA_ITEMS


async def next_fitting(
    session: AsyncSession,
    body_id: uuid.UUID,
    after: datetime,
    *,
    within_plan: bool = True,
    joins: uuid.UUID | None = None,
    exclude: uuid.UUID | None = None,
) -> Meeting | None:
    """The body's next open meeting after `after` that takes an item (scope, room).

    `joins`: a reporting body whose gathering item the item would join (no room needed).
    """
    meeting = await repository.next_open_meeting(session, body_id, after)
    while meeting is not None:
        if meeting.id != exclude and fits(meeting, within_plan):
            if joins is not None and await repository.gathering_item(session, meeting.id, joins):
                return meeting
            if await _has_room(session, meeting):
                return meeting
        meeting = await repository.next_open_meeting(session, body_id, meeting.starts_at)
    return None


async def _add_item(
    session: AsyncSession, actor: Principal, meeting: Meeting, item: AgendaItem, plan_id: uuid.UUID
) -> None:
    item.position = await _make_room(session, actor, meeting, item.kind, plan_id)
    session.add(item)


async def place(
    session: AsyncSession,
    actor: Principal,
    decision: Decision,
    source: Body,
    meeting: Meeting,
    plan_id: uuid.UUID,
    *,
    own_item: bool | None = None,
) -> AgendaItem:
    """Steps 2, 3 and 10: put the decision on the meeting; return the item.

    An escalation gets its own decision item; anything else joins the source body's
    gathering item (made when there is none).
    """
    if own_item is None:
        own_item = decision.status == DecisionStatus.escalated
    item: AgendaItem | None = None
    if not own_item:
        item = await repository.gathering_item(session, meeting.id, source.id)
        if item is not None:
            item.source_links.append(AgendaItemSource(decision_id=decision.id))
            item.touch()
            await session.flush()
            await _record(session, actor, AGENDA_ITEM, item.id, ["source_decision_ids"], plan_id)
            await refresh(session, actor, item, plan_id)
            return item
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
    await _add_item(session, actor, meeting, item, plan_id)
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
    await refresh(session, actor, item, plan_id)
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
    escalation = decision.status == DecisionStatus.escalated
    meeting = await next_fitting(
        session, source.reports_to_id, after, joins=None if escalation else source.id
    )
    if meeting is None:
        return None  # step 4: it waits in the parent's inbox
    await place(session, actor, decision, source, meeting, plan_id)
    return meeting


async def route_down(
    session: AsyncSession,
    actor: Principal,
    resolution: Decision,
    resolver: Body,
    origin: Decision,
    plan_id: uuid.UUID,
    resolution_meeting_starts: datetime | None,
    now: datetime | None = None,
) -> Meeting | None:
    """Step 10: tell the body that escalated, on its next open meeting (else its inbox)."""
    if not waits_down(resolution):
        return None
    after = earliest_start(resolution_meeting_starts, now or utcnow())
    await repository.lock_body(session, origin.body_id)
    meeting = await next_fitting(session, origin.body_id, after, joins=resolver.id)
    if meeting is None:
        return None
    await place(session, actor, resolution, resolver, meeting, plan_id, own_item=False)
    return meeting


async def detach(
    session: AsyncSession,
    actor: Principal,
    decision_ids: Sequence[uuid.UUID],
    plan_id: uuid.UUID,
    *,
    keep_item_id: uuid.UUID | None = None,
    statuses: Iterable[str] = NOT_HELD,
    on_body: uuid.UUID | None = None,
) -> None:
    """Take the decisions off the items that carry them on meetings in `statuses` (of
    `on_body` only, when given); a flow item left empty goes away (unless a decision was
    recorded under it)."""
    wanted = set(decision_ids)
    carrying = [
        (item, meeting)
        for item, meeting in await repository.items_carrying(session, list(wanted), statuses)
        if on_body is None or meeting.body_id == on_body
    ]
    named = await repository.items_named_by_decisions(session, [i.id for i, _m in carrying])
    emptied: set[uuid.UUID] = set()
    for item, meeting in carrying:
        if item.id == keep_item_id:
            continue
        item.source_links[:] = [s for s in item.source_links if s.decision_id not in wanted]
        item.touch()
        await session.flush()
        if not item.source_links and item.source_body_id is not None and item.id not in named:
            await session.delete(item)
            await session.flush()
            await changes.record(session, actor, AGENDA_ITEM, item.id, "deleted", (), plan_id)
            await _renumber(session, actor, meeting.id, plan_id)
            emptied.add(item.id)
            if item.public:
                await _notice(session, actor, meeting, plan_id)
        else:
            await _record(session, actor, AGENDA_ITEM, item.id, ["source_decision_ids"], plan_id)
            await refresh(session, actor, item, plan_id)


async def move_item(
    session: AsyncSession,
    actor: Principal,
    item: AgendaItem,
    target: Meeting,
    plan_id: uuid.UUID,
    position: int | None = None,
) -> AgendaItem:
    """Move an item to another meeting of the same body, keeping its id (rule 9); a gathering
    item joins the target's gathering item of the same body when there is one. Returns the
    item that carries the matter now."""
    origin_meeting = await session.get(Meeting, item.meeting_id)
    assert origin_meeting is not None
    if item.source_body_id is not None and item.kind == AgendaItemKind.information:
        existing = await repository.gathering_item(session, target.id, item.source_body_id)
        if existing is not None and existing.id != item.id:
            have = set(existing.source_decision_ids)
            for link in item.source_links:
                if link.decision_id not in have:
                    existing.source_links.append(AgendaItemSource(decision_id=link.decision_id))
            if existing.carried_from_id is None and item.carried_from_id is not None:
                existing.carried_from_id = item.carried_from_id
            existing.touch()
            await session.delete(item)
            await session.flush()
            await changes.record(session, actor, AGENDA_ITEM, item.id, "deleted", (), plan_id)
            await _record(
                session, actor, AGENDA_ITEM, existing.id, ["source_decision_ids"], plan_id
            )
            await refresh(session, actor, existing, plan_id)
            await _renumber(session, actor, origin_meeting.id, plan_id)
            return existing
    if position is None:
        new_position = await _make_room(session, actor, target, item.kind, plan_id)
    else:
        items = await repository.agenda(session, target.id)
        new_position = min(position, len(items) + 1)
        for other in items:
            if other.position >= new_position:
                other.position += 1
                other.touch()
                await _record(session, actor, AGENDA_ITEM, other.id, ["position"], plan_id)
    item.meeting_id = target.id
    item.position = new_position
    item.touch()
    await session.flush()
    await _record(session, actor, AGENDA_ITEM, item.id, ["meeting_id", "position"], plan_id)
    await _renumber(session, actor, origin_meeting.id, plan_id)
    if item.public:
        await _notice(session, actor, origin_meeting, plan_id)
        await _notice(session, actor, target, plan_id)
    return item


async def _waiting_sources(session: AsyncSession, item: AgendaItem) -> list[Decision]:
    """The item's decisions that still wait, in the item's kind: an escalation item's
    escalations, a gathering item's reports (up or down)."""
    found = await repository.decisions_by_id(session, item.source_decision_ids)
    if item.kind == AgendaItemKind.decision:
        keep = [d for d in found.values() if d.status == DecisionStatus.escalated]
    else:
        keep = [
            d
            for d in found.values()
            if d.status != DecisionStatus.escalated and (waits_for_parent(d) or waits_down(d))
        ]
    return sorted(keep, key=lambda d: (d.decided_at, d.id))


async def _after_for(
    session: AsyncSession, decisions: Sequence[Decision], floor: datetime
) -> datetime:
    starts = await repository.meeting_starts(
        session, {d.meeting_id for d in decisions if d.meeting_id}
    )
    return max([floor, *starts.values()])


async def carry(
    session: AsyncSession,
    actor: Principal,
    item: AgendaItem,
    held: Meeting,
    plan_id: uuid.UUID,
    now: datetime | None = None,
) -> AgendaItem | None:
    """Step 6: carry a postponed item of a held meeting on to the body's next open meeting
    that fits; None when none does yet (it is carried when one opens)."""
    if await repository.carried_on(session, [item.id]):
        return None
    waiting = await _waiting_sources(session, item)
    placed = await repository.placed_on_open(session, [d.id for d in waiting], held.body_id)
    waiting = [d for d in waiting if d.id not in placed]
    if item.source_body_id is not None and not waiting:
        return None  # nothing left to bring: its decisions were resolved or withdrawn
    after = await _after_for(session, waiting, max(now or utcnow(), held.starts_at))
    gathering = item.source_body_id is not None and item.kind == AgendaItemKind.information
    target = await next_fitting(
        session,
        held.body_id,
        after,
        within_plan=item.within_plan,
        joins=item.source_body_id if gathering else None,
    )
    if target is None:
        return None
    if gathering:
        assert item.source_body_id is not None
        existing = await repository.gathering_item(session, target.id, item.source_body_id)
        if existing is not None:
            have = set(existing.source_decision_ids)
            for d in waiting:
                if d.id not in have:
                    existing.source_links.append(AgendaItemSource(decision_id=d.id))
            fields = ["source_decision_ids"]
            if existing.carried_from_id is None:
                existing.carried_from_id = item.id
                fields.append("carried_from_id")
            existing.touch()
            await session.flush()
            await _record(session, actor, AGENDA_ITEM, existing.id, fields, plan_id)
            await refresh(session, actor, existing, plan_id)
            return existing
    carried = AgendaItem(
        id=uuid.uuid4(),
        meeting_id=target.id,
        title=item.title,
        description=item.description,
        kind=item.kind,
        topic=item.topic,
        within_plan=item.within_plan,
        focus_area=item.focus_area,
        presenter_id=item.presenter_id,
        duration_minutes=item.duration_minutes,
        public=item.public,
        source_body_id=item.source_body_id,
        carried_from_id=item.id,
        source_links=[AgendaItemSource(decision_id=d.id) for d in waiting],
    )
    await _add_item(session, actor, target, carried, plan_id)
    await session.flush()
    await changes.record(
        session,
        actor,
        AGENDA_ITEM,
        carried.id,
        "created",
        ["title", "kind", "position", "carried_from_id", "source_body_id", "source_decision_ids"],
        plan_id,
    )
    await refresh(session, actor, carried, plan_id)
    if carried.public:
        await _notice(session, actor, target, plan_id)
    return carried


async def resolve(
    session: AsyncSession,
    actor: Principal,
    origin: Decision,
    resolution: Decision,
    plan_id: uuid.UUID,
) -> None:
    """Step 5: the parent decided the escalated matter; it leaves the items still waiting.

    Resolved under an item its held meeting had postponed (the decision entered after the
    meeting was marked held), the item is no longer postponed and its carried copy goes.
    """
    origin.status = DecisionStatus.resolved
    origin.touch()
    await _record(session, actor, DECISION, origin.id, ["status"], plan_id)
    if resolution.agenda_item_id is not None:
        item = await session.get(AgendaItem, resolution.agenda_item_id)
        if item is not None and item.outcome_status == AgendaOutcome.postponed:
            item.outcome_status = AgendaOutcome.decided
            fields = ["outcome_status"]
            if item.outcome == POSTPONED_TEXT:
                item.outcome = None
                fields.append("outcome")
            item.touch()
            await _record(session, actor, AGENDA_ITEM, item.id, fields, plan_id)
    await session.flush()
    await detach(
        session,
        actor,
        [origin.id],
        plan_id,
        keep_item_id=resolution.agenda_item_id,
        statuses=OPEN_STATUSES,
    )


async def _mark_told(
    session: AsyncSession, actor: Principal, decisions: Iterable[Decision], plan_id: uuid.UUID
) -> None:
    for decision in decisions:
        if (
            decision.impact == DecisionImpact.routine
            and decision.reported is False
            and (decision.status == DecisionStatus.decided)
        ):
            decision.reported = True
            decision.touch()
            await _record(session, actor, DECISION, decision.id, ["reported"], plan_id)
        if waits_down(decision):
            decision.reported_down = True
            decision.touch()
            await _record(session, actor, DECISION, decision.id, ["reported_down"], plan_id)


def _postpone(item: AgendaItem) -> list[str]:
    item.outcome_status = AgendaOutcome.postponed
    fields = ["outcome_status"]
    if not item.outcome:
        item.outcome = POSTPONED_TEXT
        fields.append("outcome")
    item.touch()
    return fields


async def meeting_held(
    session: AsyncSession, actor: Principal, meeting: Meeting, plan_id: uuid.UUID
) -> None:
    """Steps 6 and 7: unresolved escalations are postponed and carried on with every other
    postponed item; what was not postponed is reported (up or down)."""
    items = await repository.agenda(session, meeting.id)
    sources = await repository.decisions_by_id(
        session, [d for i in items for d in i.source_decision_ids]
    )
    for item in items:
        carried = [sources[d] for d in item.source_decision_ids if d in sources]
        unresolved = any(d.status == DecisionStatus.escalated for d in carried)
        if (
            item.source_body_id is not None
            and unresolved
            and item.outcome_status != AgendaOutcome.postponed
        ):
            await _record(session, actor, AGENDA_ITEM, item.id, _postpone(item), plan_id)
    await session.flush()
    for item in items:
        if item.outcome_status == AgendaOutcome.postponed:
            await carry(session, actor, item, meeting, plan_id)
        else:
            await _mark_told(
                session,
                actor,
                [sources[d] for d in item.source_decision_ids if d in sources],
                plan_id,
            )
    await session.flush()


async def outcome_changed(
    session: AsyncSession,
    actor: Principal,
    item: AgendaItem,
    meeting: Meeting,
    plan_id: uuid.UUID,
    was_postponed: bool,
) -> None:
    """An item of a held meeting became postponed (carry it on, its decisions no longer count
    as told by it) or stopped being postponed (its decisions are told; its carried copy
    lets them go)."""
    if meeting.status != MeetingStatus.held:
        return
    postponed = item.outcome_status == AgendaOutcome.postponed
    if postponed == was_postponed:
        return
    decisions = await repository.decisions_by_id(session, item.source_decision_ids)
    if postponed:
        for decision in decisions.values():
            if decision.reported is True and not await _told_elsewhere(session, decision, item.id):
                decision.reported = False
                decision.touch()
                await _record(session, actor, DECISION, decision.id, ["reported"], plan_id)
            if decision.reported_down is True and not await _told_elsewhere(
                session, decision, item.id
            ):
                decision.reported_down = False
                decision.touch()
                await _record(session, actor, DECISION, decision.id, ["reported_down"], plan_id)
        await session.flush()
        await carry(session, actor, item, meeting, plan_id)
    else:
        told = [d for d in decisions.values() if d.status != DecisionStatus.escalated]
        await _mark_told(session, actor, told, plan_id)
        await session.flush()
        await detach(session, actor, [d.id for d in told], plan_id, statuses=OPEN_STATUSES)


async def _told_elsewhere(session: AsyncSession, decision: Decision, item_id: uuid.UUID) -> bool:
    held = await repository.items_carrying(
        session, [decision.id], {MeetingStatus.held, MeetingStatus.minutes_approved}
    )
    return any(i.id != item_id and i.outcome_status != AgendaOutcome.postponed for i, _m in held)


async def _move_on(
    session: AsyncSession,
    actor: Principal,
    item: AgendaItem,
    body_id: uuid.UUID,
    plan_id: uuid.UUID,
    now: datetime,
    exclude: uuid.UUID | None = None,
) -> bool:
    """Move a flow or carried item (same id) to the body's next open meeting that fits it
    and comes after its decisions; False when there is none (or nothing left to bring)."""
    after = now
    if item.source_body_id is not None:
        waiting = await _waiting_sources(session, item)
        if not waiting:
            return False
        after = await _after_for(session, waiting, now)
    gathering = item.source_body_id is not None and item.kind == AgendaItemKind.information
    target = await next_fitting(
        session,
        body_id,
        after,
        within_plan=item.within_plan,
        joins=item.source_body_id if gathering else None,
        exclude=exclude,
    )
    if target is None:
        return False
    await move_item(session, actor, item, target, plan_id)
    return True


async def send_back(
    session: AsyncSession, actor: Principal, meeting: Meeting, plan_id: uuid.UUID
) -> None:
    """Step 8: the flow and carried items of a cancelled or deleted meeting move on (same id).

    Without an open meeting a cancelled meeting keeps them (parked, `place_waiting` moves
    them when one opens); a deleted meeting's items go with it, their decisions wait in the
    inbox and a postponed item they carried is carried again.
    """
    items = await repository.flow_items(session, meeting.id)
    if not items:
        return
    named = await repository.items_named_by_decisions(session, [i.id for i in items])
    now = utcnow()
    for item in items:
        if item.id in named:
            # a decision was recorded under it: the item stays, its sources move on
            waiting = await _waiting_sources(session, item)
            await detach(session, actor, [d.id for d in waiting], plan_id, statuses=NOT_HELD)
            continue
        await _move_on(session, actor, item, meeting.body_id, plan_id, now, exclude=meeting.id)
    await session.flush()


async def meeting_moved(
    session: AsyncSession, actor: Principal, meeting: Meeting, body: Body
) -> None:
    """Step 8: a meeting moved to before a decision it carries was made passes the item on."""
    if meeting.status not in OPEN_STATUSES:
        return
    now = utcnow()
    for item in await repository.flow_items(session, meeting.id):
        if item.source_body_id is None:
            continue  # a carried hand-made item: the secretary placed it, it stays
        waiting = await _waiting_sources(session, item)
        if not waiting or meeting.starts_at > await _after_for(session, waiting, now):
            continue
        await _move_on(session, actor, item, meeting.body_id, body.plan_id, now, meeting.id)
    await session.flush()


async def place_waiting(session: AsyncSession, actor: Principal, body: Body) -> list[Decision]:
    """Steps 4, 6, 8 and 10 when a meeting of `body` opens, moves or is reopened: carry on its
    postponed items, move items parked on its cancelled meetings, then place what still
    waits in its inbox. Returns the decisions placed from the inbox."""
    for item, held in await repository.pending_carries(session, body.id):
        await carry(session, actor, item, held, body.plan_id)
    now = utcnow()
    for item in await repository.parked_items(session, body.id):
        await _move_on(session, actor, item, body.id, body.plan_id, now)
    await session.flush()
    waiting = await repository.inbox(session, body.id)
    if not waiting:
        return []
    origins = await repository.decisions_by_id(
        session, [d.origin_decision_id for d in waiting if d.origin_decision_id]
    )
    sources = await repository.bodies_by_id(session, {d.body_id for d in waiting})
    starts = await repository.meeting_starts(
        session, {d.meeting_id for d in waiting if d.meeting_id}
    )
    placed = []
    for decision in waiting:
        source = sources[decision.body_id]
        meeting_starts = starts.get(decision.meeting_id) if decision.meeting_id else None
        origin = origins.get(decision.origin_decision_id) if decision.origin_decision_id else None
        if origin is not None and origin.body_id == body.id and waits_down(decision):
            where = await route_down(
                session, actor, decision, source, origin, body.plan_id, meeting_starts
            )
        else:
            where = await route(session, actor, decision, source, body.plan_id, meeting_starts)
        if where is not None:
            placed.append(decision)
    return placed
