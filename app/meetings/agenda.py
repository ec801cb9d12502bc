"""Agenda rules: positions 1..n, scope by mode (rule 5), agenda format (rule 6), drafts.

Locks, one order for every agenda write: the meeting's row (`minutes.ensure_unlocked`), then
the body's (`lock_body`: the flow writes a body's agendas under it too), then item rows.

A meeting holds at most `MAX_AGENDA_ITEMS` items: adding more by hand or by a draft is
refused (409, rule `agenda-limit`); the flow passes a full meeting by for the next open
one with room, or the inbox (`app/meetings/flow.py`).

An item moves to another meeting of the same body by PATCH `meeting_id`, keeping its id
(rule 9, `flow.move_item`): the target's rules apply (scope, format, room); a cancelled
meeting takes none, an item of a held meeting stays in its record (postpone it to carry it
on), and an item a decision was recorded under stays where it was decided.
Setting `outcome_status: postponed` on an item of a held meeting carries it on
(`flow.outcome_changed`).
"""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.errors import Conflict, RuleViolation, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes
from app.governance.models import Body, Plan
from app.meetings import flow, minutes, repository
from app.meetings.enums import AgendaItemKind, AgendaOutcome, MeetingMode, MeetingStatus
from app.meetings.models import AgendaItem, Meeting
from app.meetings.schemas import AgendaItemCreate, AgendaItemUpdate

RESOURCE = "agenda_item"
TROUBLE_AND_SUCCESS = "trouble_and_success"
FORMAT_KINDS = frozenset({AgendaItemKind.trouble, AgendaItemKind.success})

# urban_development's standing items (DESIGN §1: Randers' strategic board)
URBAN_DEVELOPMENT_ITEMS: list[tuple[str, str]] = [
    ("physical_development", "Fysisk udvikling"),
    ("crime_preventive_renovation", "Kriminalpræventiv ombygning"),
    ("letting_rules", "Udlejningsregler"),
    ("city_as_a_whole", "Byen som helhed"),
]
TROUBLE_TITLE = "Bøvl"
MAX_AGENDA_ITEMS = 300
SUCCESS_TITLE = "Blær"


def focus_areas(plan: Plan | None) -> list[tuple[str, str]]:
    """A plan's focus areas as (key, name)."""
    out: list[tuple[str, str]] = []
    for entry in (plan.focus_areas if plan is not None else None) or []:
        if isinstance(entry, dict) and entry.get("key"):
            out.append((str(entry["key"]), str(entry.get("name") or entry["key"])))
        elif isinstance(entry, str):
            out.append((entry, entry))
    return out


def check_focus_area(plan: Plan | None, value: str | None, loc: str = "focus_area") -> None:
    """A focus area must be one of the plan's keys (422)."""
    if value is None:
        return
    keys = [key for key, _name in focus_areas(plan)]
    if value not in keys:
        raise Unprocessable(
            ["body", loc],
            f"focus_area must be one of the plan's focus areas: {', '.join(keys) or 'none'}.",
        )


def check_scope(meeting: Meeting, within_plan: bool) -> None:
    """Rule 5: a plan_review meeting refuses items outside the plan."""
    if not within_plan and meeting.mode == MeetingMode.plan_review:
        raise RuleViolation(
            "scope",
            "Items outside the plan (within_plan false) belong in urban_development meetings; "
            "this is a plan_review meeting.",
        )


def check_format(body: Body, kind: str) -> None:
    """Rule 6: trouble and success items need a trouble_and_success body."""
    if kind in FORMAT_KINDS and body.agenda_format != TROUBLE_AND_SUCCESS:
        raise RuleViolation(
            "agenda-format",
            f"Items of kind {kind} belong to bodies with agenda_format trouble_and_success; "
            f"this body's format is {body.agenda_format}.",
        )


def check_room(meeting: Meeting, current: int, adding: int) -> None:
    """A meeting holds at most MAX_AGENDA_ITEMS items (409, rule `agenda-limit`)."""
    if current + adding > MAX_AGENDA_ITEMS:
        raise RuleViolation(
            "agenda-limit",
            f"A meeting holds at most {MAX_AGENDA_ITEMS} agenda items; meeting {meeting.id} "
            f"has {current}.",
            max_items=MAX_AGENDA_ITEMS,
        )


async def _check_presenter(session: AsyncSession, presenter_id: uuid.UUID | None) -> None:
    if presenter_id is not None and not await repository.contact_ids_existing(
        session, {presenter_id}
    ):
        raise Unprocessable(["body", "presenter_id"], "presenter_id refers to no contact.")


async def _renumber(
    session: AsyncSession, actor: Principal, items: list[AgendaItem], plan_id: uuid.UUID, skip: Any
) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item.touch()
            if item is not skip:
                await changes.record(
                    session, actor, RESOURCE, item.id, "updated", ["position"], plan_id
                )


async def _notice(
    session: AsyncSession, actor: Principal, meeting: Meeting, body: Body, public: bool
) -> None:
    # the calendar's DESCRIPTION lists the public items: a change there is a new SEQUENCE
    if public:
        meeting.bump()
        await changes.record(
            session, actor, "meeting", meeting.id, "updated", ["sequence"], body.plan_id
        )


# the standing items that close an agenda ("Opfølgning", "Eventuelt"; app/meetings/drafts.py)
CLOSING_TOPICS = frozenset({"follow_up", "any_other_business"})


def closing_position(items: list[AgendaItem], topic: str | None = None) -> int:
    """Where an item added without `position` goes: before the closing standing items
    (so nothing lands after "Eventuelt"), else last; a closing item itself goes last."""
    if topic not in CLOSING_TOPICS:
        for item in items:
            if item.topic in CLOSING_TOPICS:
                return item.position
    return len(items) + 1


async def create(
    session: AsyncSession,
    actor: Principal,
    meeting: Meeting,
    body: Body,
    data: AgendaItemCreate,
) -> AgendaItem:
    """Add an item, at `position` (the rest move down) or before the closing standing items
    ("Opfølgning", "Eventuelt"), else last."""
    await minutes.ensure_unlocked(session, meeting, "The agenda")
    await repository.lock_body(session, body.id)
    check_format(body, data.kind)
    check_scope(meeting, data.within_plan)
    if data.focus_area is not None:
        check_focus_area(await repository.get_plan(session, body.plan_id), data.focus_area)
    await _check_presenter(session, data.presenter_id)
    await repository.lock_meeting(session, meeting.id)
    items = await repository.agenda(session, meeting.id)
    check_room(meeting, len(items), 1)
    position = data.position or closing_position(items, data.topic)
    if position > len(items) + 1:
        raise Unprocessable(
            ["body", "position"], f"position must lie between 1 and {len(items) + 1}."
        )
    item = AgendaItem(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        position=position,
        source_links=[],
        **data.model_dump(exclude={"position"}),
    )
    items.insert(position - 1, item)
    await _renumber(session, actor, items, body.plan_id, item)
    session.add(item)
    await session.flush()
    await changes.record(
        session,
        actor,
        RESOURCE,
        item.id,
        "created",
        data.model_fields_set | {"position"},
        body.plan_id,
    )
    await _notice(session, actor, meeting, body, item.public)
    await flow.outcome_changed(session, actor, item, meeting, body.plan_id, was_postponed=False)
    return item


async def _move_target(
    session: AsyncSession, item: AgendaItem, meeting: Meeting, body: Body, target_id: uuid.UUID
) -> Meeting:
    found = await repository.get_meeting(session, target_id)
    if found is None or found[0].body_id != body.id:
        raise Unprocessable(
            ["body", "meeting_id"], "meeting_id refers to no meeting of the item's body."
        )
    target = found[0]
    # a plain check: the body's lock (held) serialises this with the target's approval
    minutes.check_unlocked(target, "The target meeting")
    if meeting.status == MeetingStatus.held:
        raise Conflict(
            "The item belongs to the record of a held meeting; to carry it on, set "
            "outcome_status to postponed."
        )
    if target.status == MeetingStatus.cancelled:
        raise Conflict("A cancelled meeting takes no agenda items; reopen it first.")
    if await repository.items_named_by_decisions(session, [item.id]):
        raise Conflict(
            "A decision was recorded under this agenda item; it stays at the meeting where "
            "it was decided."
        )
    return target


async def update(
    session: AsyncSession,
    actor: Principal,
    item: AgendaItem,
    meeting: Meeting,
    body: Body,
    data: AgendaItemUpdate,
) -> AgendaItem:
    """Change an item; a new position moves it and closes the gap it leaves; a new
    `meeting_id` moves it to that meeting (same id)."""
    await minutes.ensure_unlocked(session, meeting, "The agenda item")
    await repository.lock_body(session, body.id)
    sent = data.model_fields_set
    if "kind" in sent:
        check_format(body, data.kind)
    if "within_plan" in sent:
        check_scope(meeting, data.within_plan)
    if "focus_area" in sent and data.focus_area is not None:
        check_focus_area(await repository.get_plan(session, body.plan_id), data.focus_area)
    if "presenter_id" in sent:
        await _check_presenter(session, data.presenter_id)
    target: Meeting | None = None
    if "meeting_id" in sent and data.meeting_id != meeting.id:
        target = await _move_target(session, item, meeting, body, data.meeting_id)
        check_scope(target, data.within_plan if "within_plan" in sent else item.within_plan)
        check_format(body, data.kind if "kind" in sent else item.kind)
        await repository.lock_meeting(session, meeting.id)
        check_room(target, await repository.max_position(session, target.id), 1)
    was_public = item.public
    was_postponed = item.outcome_status == AgendaOutcome.postponed
    changed = apply_changes(item, data, skip={"position", "meeting_id"})
    if target is not None:
        item.touch()
        await session.flush()
        if changed:
            await changes.record(
                session, actor, RESOURCE, item.id, "updated", changed, body.plan_id
            )
        await flow.move_item(
            session,
            actor,
            item,
            target,
            body.plan_id,
            data.position if "position" in sent else None,
        )
        if was_public and not item.public:
            await _notice(session, actor, meeting, body, True)
            await _notice(session, actor, target, body, True)
        return item
    if "position" in sent and data.position != item.position:
        await repository.lock_meeting(session, meeting.id)
        items = await repository.agenda(session, meeting.id)
        if data.position > len(items):
            raise Unprocessable(
                ["body", "position"], f"position must lie between 1 and {len(items)}."
            )
        items = [i for i in items if i.id != item.id]
        items.insert(data.position - 1, item)
        await _renumber(session, actor, items, body.plan_id, item)
        changed.append("position")
    item.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, item.id, "updated", changed, body.plan_id)
    if changed:
        await _notice(session, actor, meeting, body, was_public or item.public)
    if "outcome_status" in changed:
        await flow.outcome_changed(session, actor, item, meeting, body.plan_id, was_postponed)
    return item


async def delete(
    session: AsyncSession, actor: Principal, item: AgendaItem, meeting: Meeting, body: Body
) -> None:
    """Remove an item and close the gap; an item a decision was made under cannot go (409).

    Decisions the flow put on it go back to the body's inbox. Deleting the carried copy of
    a postponed hand-made item drops the matter: it is not carried again.
    """
    await minutes.ensure_unlocked(session, meeting, "The agenda item")
    await repository.lock_body(session, body.id)
    if item.carried_from_id is not None and item.source_body_id is None:
        predecessor = await session.get(AgendaItem, item.carried_from_id)
        if predecessor is not None:
            predecessor.carry_dropped = True
    try:
        async with session.begin_nested():
            await session.delete(item)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "A decision was recorded under this agenda item, or a later meeting carries it "
            "on (carried_from_id); it cannot be deleted."
        ) from exc
    await changes.record(session, actor, RESOURCE, item.id, "deleted", (), body.plan_id)
    await _renumber(
        session, actor, await repository.agenda(session, meeting.id), body.plan_id, None
    )
    await _notice(session, actor, meeting, body, item.public)
    await session.flush()


async def reorder(
    session: AsyncSession,
    actor: Principal,
    meeting: Meeting,
    body: Body,
    item_ids: list[uuid.UUID],
) -> list[AgendaItem]:
    """Put every item of the meeting in the given order."""
    await minutes.ensure_unlocked(session, meeting, "The agenda")
    await repository.lock_body(session, body.id)
    await repository.lock_meeting(session, meeting.id)
    items = await repository.agenda(session, meeting.id)
    by_id = {i.id: i for i in items}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(by_id):
        raise Unprocessable(
            ["body", "item_ids"], "item_ids must list every item of the meeting exactly once."
        )
    ordered = [by_id[i] for i in item_ids]
    await _renumber(session, actor, ordered, body.plan_id, None)
    await _notice(session, actor, meeting, body, any(i.public for i in items))
    await session.flush()
    return ordered


def standard_items(meeting: Meeting, body: Body, plan: Plan | None) -> list[dict[str, Any]]:
    """The items a meeting of this mode and format has as standard."""
    out: list[dict[str, Any]] = []
    if meeting.mode == MeetingMode.plan_review:
        for key, name in focus_areas(plan):
            out.append(
                {
                    "title": f"Fremdrift: {name}"[:300],
                    "kind": AgendaItemKind.discussion,
                    "focus_area": key,
                    "topic": "plan_progress",
                    "within_plan": True,
                }
            )
    elif meeting.mode == MeetingMode.urban_development:
        for topic, title in URBAN_DEVELOPMENT_ITEMS:
            out.append(
                {
                    "title": title,
                    "kind": AgendaItemKind.discussion,
                    "topic": topic,
                    "within_plan": False,
                }
            )
    if body.agenda_format == TROUBLE_AND_SUCCESS:
        out.append({"title": TROUBLE_TITLE, "kind": AgendaItemKind.trouble, "topic": "trouble"})
        out.append({"title": SUCCESS_TITLE, "kind": AgendaItemKind.success, "topic": "success"})
    return out


async def draft(
    session: AsyncSession, actor: Principal, meeting: Meeting, body: Body
) -> list[AgendaItem]:
    """Add the mode's and format's standard items that are not on the agenda yet."""
    plan = await repository.get_plan(session, body.plan_id)
    await repository.lock_meeting(session, meeting.id)
    items = await repository.agenda(session, meeting.id)
    titles = {i.title.casefold() for i in items}
    kinds = {i.kind for i in items}
    created: list[AgendaItem] = []
    for spec in standard_items(meeting, body, plan):
        if spec["title"].casefold() in titles:
            continue
        if spec["kind"] in FORMAT_KINDS and spec["kind"] in kinds:
            continue
        check_room(meeting, len(items) + len(created), 1)
        item = AgendaItem(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            position=len(items) + len(created) + 1,
            within_plan=spec.pop("within_plan", True),
            public=False,
            source_links=[],
            **spec,
        )
        session.add(item)
        created.append(item)
    await session.flush()
    for item in created:
        await changes.record(
            session,
            actor,
            RESOURCE,
            item.id,
            "created",
            ["title", "kind", "topic", "position", "within_plan", "focus_area"],
            body.plan_id,
        )
    return created
