"""Plan rules: the municipality, partners, the period and the default focus areas."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service as changes
from app.core.errors import Forbidden, Unprocessable
from app.core.schemas import fold
from app.core.security import Principal
from app.core.writes import apply_changes, delete_or_conflict
from app.directory import repository as directory
from app.directory.schemas import OrganizationKind
from app.governance.models import Plan, PlanPartner
from app.governance.schemas import PlanCreate, PlanUpdate
from app.governance.vocabularies import default_focus_areas

RESOURCE = "plan"


async def _check_municipality(session: AsyncSession, municipality_id: uuid.UUID) -> None:
    org = await directory.get_organization(session, municipality_id)
    if org is None:
        raise Unprocessable(
            ["body", "municipality_id"], "municipality_id refers to no organization."
        )
    if org.kind != OrganizationKind.municipality:
        raise Unprocessable(
            ["body", "municipality_id"],
            f"municipality_id must be an organization of kind municipality, not {org.kind}.",
        )


async def _check_partners(session: AsyncSession, partner_ids: set[uuid.UUID]) -> None:
    if missing := partner_ids - await directory.organization_ids_existing(session, partner_ids):
        raise Unprocessable(
            ["body", "partner_ids"],
            f"partner_ids refers to no organization: {sorted(map(str, missing))}",
        )


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start >= end:
        raise Unprocessable(["body", "period_end"], "period_end must be after period_start.")


def _set_partners(plan: Plan, partner_ids: set[uuid.UUID]) -> None:
    # keep the links that stay (re-adding a deleted primary key in one flush would clash)
    kept = [link for link in plan.partner_links if link.organization_id in partner_ids]
    have = {link.organization_id for link in kept}
    added = [PlanPartner(organization_id=org_id) for org_id in sorted(partner_ids - have)]
    plan.partner_links = kept + added


async def create(session: AsyncSession, actor: Principal, data: PlanCreate) -> Plan:
    """Create a plan."""
    if actor.plan_ids is not None:
        raise Forbidden("A key limited to some plans cannot create plans.")
    await _check_municipality(session, data.municipality_id)
    partners = set(data.partner_ids)
    await _check_partners(session, partners)
    _check_period(data.period_start, data.period_end)
    if data.focus_areas is None:
        focus_areas = default_focus_areas(data.funding_round)
    else:
        focus_areas = [area.model_dump() for area in data.focus_areas]
    plan = Plan(
        id=uuid.uuid4(),
        name=data.name,
        name_folded=fold(data.name),
        municipality_id=data.municipality_id,
        areas=list(data.areas),
        funding_round=data.funding_round,
        period_start=data.period_start,
        period_end=data.period_end,
        status=data.status.value,
        focus_areas=focus_areas,
        partner_links=[],
    )
    _set_partners(plan, partners)
    session.add(plan)
    await session.flush()
    await changes.record(
        session, actor, RESOURCE, plan.id, "created", PlanCreate.model_fields, plan.id
    )
    return plan


async def update(session: AsyncSession, actor: Principal, plan: Plan, data: PlanUpdate) -> Plan:
    """Apply a partial update."""
    sent = data.model_fields_set
    if "municipality_id" in sent:
        await _check_municipality(session, data.municipality_id)
    changed = []
    if "partner_ids" in sent:
        partners = set(data.partner_ids)
        await _check_partners(session, partners)
        if partners != set(plan.partner_ids):
            _set_partners(plan, partners)
            changed.append("partner_ids")
    start = data.period_start if "period_start" in sent else plan.period_start
    end = data.period_end if "period_end" in sent else plan.period_end
    _check_period(start, end)
    if "focus_areas" in sent:
        focus_areas = [area.model_dump() for area in data.focus_areas]
        if focus_areas != plan.focus_areas:
            plan.focus_areas = focus_areas
            changed.append("focus_areas")
    changed += apply_changes(plan, data, skip={"partner_ids", "focus_areas"})
    if "name" in changed:
        plan.name_folded = fold(plan.name)
    plan.touch()
    await session.flush()
    await changes.record(session, actor, RESOURCE, plan.id, "updated", changed, plan.id)
    return plan


async def delete(session: AsyncSession, actor: Principal, plan: Plan) -> None:
    """Delete a plan that has no bodies; otherwise 409."""
    await delete_or_conflict(
        session,
        plan,
        "The plan has bodies and cannot be deleted; delete them first, or set status: ended.",
    )
    await changes.record(session, actor, RESOURCE, plan.id, "deleted", plan_id=plan.id)
