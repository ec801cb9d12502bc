"""HTTP routes for agenda items."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import SessionDep
from app.core.errors import ITEM_READ_ERRORS, READ_ERRORS, WRITE_ERRORS, NotFound, responses
from app.core.fields import Fields, page_model, read_model, select_fields
from app.core.http import check_if_match, resource_response
from app.core.pagination import PageDep, fetch_page, page_response
from app.core.planned import PlannedRoute
from app.core.security import EditorKey, Principal, PublicKey
from app.meetings import agenda, drafts, minutes, repository
from app.meetings.dependencies import ItemDep, MeetingDep
from app.meetings.models import AgendaItem
from app.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItems,
    AgendaItemUpdate,
    AgendaOrder,
)

router = APIRouter(prefix="/api/v1", tags=["agenda"], route_class=PlannedRoute)


def _location(item: AgendaItem) -> str:
    return f"/api/v1/agenda-items/{item.id}"


def _items(rows: list[AgendaItem]) -> AgendaItems:
    return AgendaItems(items=[AgendaItemRead.model_validate(i) for i in rows])


@router.get(
    "/meetings/{meeting_id}/agenda-items",
    operation_id="list_agenda_items",
    response_model=page_model(AgendaItemRead),
    responses=responses(*READ_ERRORS, 404),
)
async def list_agenda_items(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    ctx: MeetingDep,
    page: PageDep,
    fields: Annotated[Fields, Depends(select_fields(AgendaItemRead))],
) -> Response:
    """The meeting's agenda by position (a fixed number of queries, whatever its length); a
    public key gets the public items only."""
    stmt = repository.agenda_query(ctx.meeting.id, page, public_only=key.is_public)
    rows, total = await fetch_page(session, stmt, page)
    return page_response(request, await _present(session, key, rows), total, page, fields)


async def _present(
    session: AsyncSession, key: Principal, items: Sequence[AgendaItem]
) -> list[AgendaItemRead]:
    """Items as a key may see them: a public key sees only the source decisions that are
    public themselves (made on a public item), not even the ids of the others (one query
    for the page)."""
    reads = [AgendaItemRead.model_validate(i) for i in items]
    if not key.is_public:
        return reads
    shown = await repository.public_decision_ids(
        session, (d for r in reads for d in r.source_decision_ids)
    )
    return [
        r.model_copy(
            update={"source_decision_ids": [d for d in r.source_decision_ids if d in shown]}
        )
        for r in reads
    ]


@router.post(
    "/meetings/{meeting_id}/agenda-items",
    operation_id="create_agenda_item",
    status_code=201,
    response_model=AgendaItemRead,
    responses=responses(*WRITE_ERRORS),
)
async def create_agenda_item(
    request: Request, session: SessionDep, key: EditorKey, ctx: MeetingDep, body: AgendaItemCreate
) -> Response:
    """Add an item (at `position`, the rest moving down; else last). Refused with 409: items
    outside the plan on a plan_review meeting (rule `scope`), trouble/success items in a body
    without the trouble_and_success format (rule `agenda-format`)."""
    item = await agenda.create(session, key, ctx.meeting, ctx.body, body)
    return resource_response(
        request, AgendaItemRead.model_validate(item), status_code=201, location=_location(item)
    )


@router.put(
    "/meetings/{meeting_id}/agenda-order",
    operation_id="reorder_agenda",
    response_model=AgendaItems,
    responses=responses(*WRITE_ERRORS),
)
async def reorder_agenda(
    session: SessionDep, key: EditorKey, ctx: MeetingDep, body: AgendaOrder
) -> AgendaItems:
    """Put the agenda in a new order: `item_ids` lists every item once."""
    return _items(await agenda.reorder(session, key, ctx.meeting, ctx.body, body.item_ids))


@router.post(
    "/meetings/{meeting_id}/agenda-draft",
    operation_id="draft_agenda",
    status_code=201,
    response_model=AgendaItems,
    responses=responses(*WRITE_ERRORS),
)
async def draft_agenda(session: SessionDep, key: EditorKey, ctx: MeetingDep) -> AgendaItems:
    """Draft the agenda: add the standing and standard items that are not there yet and put it
    in order — Godkendelse af dagsorden, Godkendelse af referat (pointing to the previous
    meeting), the mode's items (plan_review: progress per focus area; urban_development:
    physical development, crime-preventive renovation, letting rules, the city as a whole;
    trouble_and_success: a Bøvl and a Blær round) and items added by hand, flow items
    (orientering, escalations), Opfølgning (the body's open follow-ups), Eventuelt last.
    Answers with the items added; 409 `minutes-locked` on approved minutes."""
    return _items(await drafts.draft(session, key, ctx.meeting, ctx.body))


@router.get(
    "/agenda-items/{item_id}",
    operation_id="get_agenda_item",
    response_model=read_model(AgendaItemRead),
    responses=responses(*ITEM_READ_ERRORS),
)
async def get_agenda_item(
    request: Request,
    session: SessionDep,
    key: PublicKey,
    ctx: ItemDep,
    fields: Annotated[Fields, Depends(select_fields(AgendaItemRead))],
) -> Response:
    """One agenda item (a public key: a public one only, else 404)."""
    if key.is_public and not ctx.item.public:
        raise NotFound(f"No agenda item with id {ctx.item.id}.")
    [item] = await _present(session, key, [ctx.item])
    return resource_response(request, item, fields=fields)


@router.patch(
    "/agenda-items/{item_id}",
    operation_id="update_agenda_item",
    response_model=AgendaItemRead,
    responses=responses(*WRITE_ERRORS),
)
async def update_agenda_item(
    request: Request, session: SessionDep, key: EditorKey, ctx: ItemDep, body: AgendaItemUpdate
) -> Response:
    """Change an item; a new `position` moves it (the others close up). A new `meeting_id`
    moves it, same id, to another meeting of the body (422 for another body's meeting; 409
    when the target is cancelled, refuses it by rule `scope` or `agenda-limit`, or the item
    belongs to a held meeting's record or has a decision recorded under it).
    `outcome_status: postponed` on a held meeting's item carries it on to the next open
    meeting (`carried_from_id`); 409 `minutes-locked` once the minutes are approved."""
    # the lock order of agenda writes (agenda.py): meeting, body, then the item's row
    await minutes.ensure_unlocked(session, ctx.meeting, "The agenda item")
    await repository.lock_body(session, ctx.body.id)
    await check_if_match(
        request, session, ctx.item, lambda: AgendaItemRead.model_validate(ctx.item)
    )
    await agenda.update(session, key, ctx.item, ctx.meeting, ctx.body, body)
    return resource_response(request, AgendaItemRead.model_validate(ctx.item))


@router.delete(
    "/agenda-items/{item_id}",
    operation_id="delete_agenda_item",
    status_code=204,
    responses=responses(*WRITE_ERRORS),
)
async def delete_agenda_item(
    request: Request, session: SessionDep, key: EditorKey, ctx: ItemDep
) -> Response:
    """Remove an item; the items after it move up."""
    # the lock order of agenda writes (agenda.py): meeting, body, then the item's row
    await minutes.ensure_unlocked(session, ctx.meeting, "The agenda item")
    await repository.lock_body(session, ctx.body.id)
    await check_if_match(
        request, session, ctx.item, lambda: AgendaItemRead.model_validate(ctx.item)
    )
    await agenda.delete(session, key, ctx.item, ctx.meeting, ctx.body)
    return Response(status_code=204)
