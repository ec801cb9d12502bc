"""Drafts a secretary would send (issue 11 points 4–6).

A draft orders the agenda the way a Danish board's agenda reads:

1. "Godkendelse af dagsorden" (topic `agenda_approval`),
2. "Godkendelse af referat" (`minutes_approval`), pointing to the body's previous meeting that
   was not cancelled (`refers_to_meeting_id`); none before a body's first meeting,
3. the mode's and format's standard items (`agenda.standard_items`) and items added by hand,
4. flow items: information items ("Orientering fra …") before escalations,
5. "Opfølgning" (`follow_up`): the body's open follow-ups, kept current as they change,
6. "Eventuelt" (`any_other_business`) last.

Standing items are known by their `topic`, so a renamed item is still recognised. The flow
places its items through `flow_position`/`make_room`, so they never land after "Eventuelt".
"""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.clock import LOCAL_TZ
from app.core.security import Principal
from app.governance.models import Body
from app.meetings import agenda, minutes, repository
from app.meetings.enums import AgendaItemKind
from app.meetings.models import Action, AgendaItem, Meeting

AGENDA_APPROVAL = "agenda_approval"
MINUTES_APPROVAL = "minutes_approval"
FOLLOW_UP = "follow_up"
ANY_OTHER_BUSINESS = "any_other_business"
STANDING_TOPICS = frozenset({AGENDA_APPROVAL, MINUTES_APPROVAL, FOLLOW_UP, ANY_OTHER_BUSINESS})
# the same as agenda.CLOSING_TOPICS (agenda → flow → drafts import each other: no shared name)
TRAILING_TOPICS = frozenset({FOLLOW_UP, ANY_OTHER_BUSINESS})

TITLES = {
    AGENDA_APPROVAL: "Godkendelse af dagsorden",
    MINUTES_APPROVAL: "Godkendelse af referat",
    FOLLOW_UP: "Opfølgning",
    ANY_OTHER_BUSINESS: "Eventuelt",
}
KINDS = {
    AGENDA_APPROVAL: AgendaItemKind.decision,
    MINUTES_APPROVAL: AgendaItemKind.decision,
    FOLLOW_UP: AgendaItemKind.information,
    ANY_OTHER_BUSINESS: AgendaItemKind.discussion,
}
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
CREATED_FIELDS = (
    "title",
    "kind",
    "topic",
    "position",
    "within_plan",
    "focus_area",
    "description",
    "refers_to_meeting_id",
)

RESOURCE = "agenda_item"
NO_MINUTES = "Intet referat at godkende."


def danish_date(day: date) -> str:
    """7. januar 2030."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def group(item: AgendaItem) -> int:
    """The item's place in the draft's order (see the module's docstring)."""
    order = {AGENDA_APPROVAL: 0, MINUTES_APPROVAL: 1, FOLLOW_UP: 5, ANY_OTHER_BUSINESS: 6}
    if item.topic in order:
        return order[item.topic]
    if item.source_body_id is not None:
        return 3 if item.kind == AgendaItemKind.information else 4
    return 2


def minutes_description(previous: Meeting) -> str:
    """What the "Godkendelse af referat" item says."""
    day = previous.starts_at.astimezone(LOCAL_TZ).date()
    return f"Referatet af mødet {danish_date(day)} ({previous.title}) godkendes."


def follow_up_description(actions: list[Action], owners: dict[uuid.UUID, str]) -> str:
    """What the "Opfølgning" item says: the body's open follow-ups, one a line."""
    if not actions:
        return "Ingen åbne opfølgningspunkter."
    lines = []
    for action in actions:
        details = []
        if action.owner_id is not None and action.owner_id in owners:
            details.append(f"ansvarlig: {owners[action.owner_id]}")
        if action.due_date is not None:
            details.append(f"frist: {danish_date(action.due_date)}")
        suffix = f" ({', '.join(details)})" if details else ""
        lines.append(f"- {action.title}{suffix}")
    return "\n".join(lines)[:20_000]


async def _follow_up_text(session: AsyncSession, body_id: uuid.UUID) -> str:
    actions = await repository.open_actions(session, [body_id])
    owners = await repository.contact_names(session, [a.owner_id for a in actions])
    return follow_up_description(actions, owners)


async def refresh_follow_up(
    session: AsyncSession, actor: Principal, body_id: uuid.UUID, plan_id: uuid.UUID
) -> None:
    """Keep the "Opfølgning" item of the body's open meetings listing its open follow-ups."""
    meetings = await repository.open_meetings_of(session, body_id)
    items = await repository.items_with_topic(session, [m.id for m in meetings], FOLLOW_UP)
    if not items:
        return
    text = await _follow_up_text(session, body_id)
    for item in items:
        if item.description != text:
            item.description = text
            item.touch()
            await changes.record(
                session, actor, RESOURCE, item.id, "updated", ["description"], plan_id
            )
    await session.flush()


async def repoint_minutes(
    session: AsyncSession, actor: Principal, body_id: uuid.UUID, plan_id: uuid.UUID
) -> None:
    """After a meeting of the body was cancelled, reopened, moved or deleted: each open
    meeting's "Godkendelse af referat" points again to its previous meeting that was not
    cancelled (a first meeting keeps its item, pointing nowhere)."""
    meetings = {m.id: m for m in await repository.open_meetings_of(session, body_id)}
    items = await repository.items_with_topic(session, list(meetings), MINUTES_APPROVAL)
    for item in items:
        previous = await repository.previous_meeting(session, meetings[item.meeting_id])
        target = previous.id if previous is not None else None
        text = minutes_description(previous) if previous is not None else NO_MINUTES
        # (a deleted previous meeting already set the pointer to null: the text still changes)
        if item.refers_to_meeting_id == target and item.description == text:
            continue
        item.refers_to_meeting_id = target
        item.description = text
        item.touch()
        await changes.record(
            session,
            actor,
            RESOURCE,
            item.id,
            "updated",
            ["refers_to_meeting_id", "description"],
            plan_id,
        )
    await session.flush()


async def flow_position(
    session: AsyncSession, meeting_id: uuid.UUID, kind: str | None = None
) -> int:
    """The position a new flow item takes: before "Opfølgning" and "Eventuelt" (and an
    information item before the escalations), else last."""
    items = await repository.agenda(session, meeting_id)
    for item in items:
        if item.topic in TRAILING_TOPICS:
            return item.position
        if (
            kind == AgendaItemKind.information
            and item.source_body_id is not None
            and item.kind != AgendaItemKind.information
        ):
            return item.position
    return len(items) + 1


async def make_room(
    session: AsyncSession,
    actor: Principal,
    meeting_id: uuid.UUID,
    position: int,
    plan_id: uuid.UUID,
) -> None:
    """Move the items at `position` and after down by one (each move in the change log)."""
    for item in await repository.agenda(session, meeting_id):
        if item.position >= position:
            item.position += 1
            item.touch()
            await changes.record(
                session, actor, RESOURCE, item.id, "updated", ["position"], plan_id
            )
    await session.flush()


def _standing(topic: str, **fields: object) -> AgendaItem:
    return AgendaItem(
        id=uuid.uuid4(),
        title=TITLES[topic],
        kind=KINDS[topic],
        topic=topic,
        within_plan=True,
        public=False,
        source_links=[],
        **fields,
    )


async def draft(
    session: AsyncSession, actor: Principal, meeting: Meeting, body: Body
) -> list[AgendaItem]:
    """Add the standing items and the mode's and format's standard items that are missing,
    and put the agenda in the draft's order. Answers with the items added."""
    await minutes.ensure_unlocked(session, meeting, "The agenda")
    await repository.lock_body(session, body.id)  # the flow writes agendas under it too
    plan = await repository.get_plan(session, body.plan_id)
    await repository.lock_meeting(session, meeting.id)
    items = await repository.agenda(session, meeting.id)
    topics = {i.topic: i for i in items if i.topic in STANDING_TOPICS}
    titles = {i.title.casefold() for i in items}
    kinds = {i.kind for i in items}
    created: list[AgendaItem] = []
    updated: list[AgendaItem] = []
    if AGENDA_APPROVAL not in topics:
        created.append(_standing(AGENDA_APPROVAL))
    previous = await repository.previous_meeting(session, meeting)
    if previous is not None:
        text = minutes_description(previous)
        existing = topics.get(MINUTES_APPROVAL)
        if existing is None:
            created.append(
                _standing(MINUTES_APPROVAL, refers_to_meeting_id=previous.id, description=text)
            )
        elif existing.refers_to_meeting_id != previous.id:
            existing.refers_to_meeting_id = previous.id
            existing.description = text
            updated.append(existing)
    for spec in agenda.standard_items(meeting, body, plan):
        if spec["title"].casefold() in titles:
            continue
        if spec["kind"] in agenda.FORMAT_KINDS and spec["kind"] in kinds:
            continue
        created.append(
            AgendaItem(
                id=uuid.uuid4(),
                within_plan=spec.pop("within_plan", True),
                public=False,
                source_links=[],
                **spec,
            )
        )
    if FOLLOW_UP not in topics:
        created.append(_standing(FOLLOW_UP, description=await _follow_up_text(session, body.id)))
    if ANY_OTHER_BUSINESS not in topics:
        created.append(_standing(ANY_OTHER_BUSINESS))
    agenda.check_room(meeting, len(items), len(created))
    # existing items keep their relative order within a group; new ones follow them
    ranked = [(group(i), index, i) for index, i in enumerate(items + created)]
    ordered = [i for _g, _n, i in sorted(ranked, key=lambda r: (r[0], r[1]))]
    new_ids = {i.id for i in created}
    for position, item in enumerate(ordered, start=1):
        item.meeting_id = meeting.id
        if item.id in new_ids:
            item.position = position
        elif item.position != position:
            item.position = position
            item.touch()
            if item not in updated:
                updated.append(item)
    for item in created:
        session.add(item)
    await session.flush()
    for item in created:
        await changes.record(
            session,
            actor,
            RESOURCE,
            item.id,
            "created",
            [f for f in CREATED_FIELDS if getattr(item, f) is not None],
            body.plan_id,
        )
    for item in updated:
        item.touch()
        await changes.record(
            session,
            actor,
            RESOURCE,
            item.id,
            "updated",
            ["position", "refers_to_meeting_id", "description"]
            if item.topic == MINUTES_APPROVAL
            else ["position"],
            body.plan_id,
        )
    return created
