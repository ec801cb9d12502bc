"""Membership rules: references that exist, a sane period, no overlapping seat twice."""

import uuid

from sqlalchemy.orm import Session

from app.changes import service as changes
from app.core.errors import Conflict, Unprocessable
from app.core.security import Principal
from app.core.writes import apply_changes, delete_or_conflict
from app.directory import repository as directory
from app.governance import repository
from app.governance.enums import MemberRole
from app.governance.models import Body, Membership
from app.governance.schemas import MembershipCreate, MembershipUpdate

RESOURCE = "membership"

# roles that do not vote unless told otherwise
NON_VOTING_ROLES = {MemberRole.secretary, MemberRole.observer, MemberRole.substitute}


def _check_contact(session: Session, field: str, contact_id: uuid.UUID | None) -> None:
    if contact_id is not None and not repository.contact_ids_existing(session, {contact_id}):
        raise Unprocessable(["body", field], f"{field} refers to no contact.")


def _check_organization(session: Session, org_id: uuid.UUID | None) -> None:
    if org_id is not None and directory.get_organization(session, org_id) is None:
        raise Unprocessable(
            ["body", "on_behalf_of_id"], "on_behalf_of_id refers to no organization."
        )


def _check_seat(session: Session, membership: Membership) -> None:
    if membership.substitute_for_id == membership.contact_id:
        raise Unprocessable(
            ["body", "substitute_for_id"], "A member cannot substitute for themself."
        )
    start, end = membership.start_date, membership.end_date
    if start is not None and end is not None and end < start:
        raise Unprocessable(["body", "end_date"], "end_date must not be before start_date.")
    repository.lock_body(session, membership.body_id)
    if repository.overlapping_membership_exists(
        session,
        body_id=membership.body_id,
        contact_id=membership.contact_id,
        role=membership.role,
        start=start,
        end=end,
        exclude_id=membership.id,
    ):
        raise Conflict(
            "The contact already holds this role in this body for overlapping dates; "
            "end that membership first."
        )


def create(session: Session, actor: Principal, body: Body, data: MembershipCreate) -> Membership:
    """Give a contact a seat in a body."""
    _check_contact(session, "contact_id", data.contact_id)
    _check_organization(session, data.on_behalf_of_id)
    _check_contact(session, "substitute_for_id", data.substitute_for_id)
    voting = data.voting_right
    if voting is None:
        voting = data.role not in NON_VOTING_ROLES
    membership = Membership(
        id=uuid.uuid4(),
        body_id=body.id,
        contact_id=data.contact_id,
        role=data.role.value,
        on_behalf_of_id=data.on_behalf_of_id,
        voting_right=voting,
        substitute_for_id=data.substitute_for_id,
        start_date=data.start_date,
        end_date=data.end_date,
        note=data.note,
    )
    _check_seat(session, membership)
    session.add(membership)
    session.flush()
    fields = MembershipCreate.model_fields.keys() | {"body_id"}
    changes.record(session, actor, RESOURCE, membership.id, "created", fields, body.plan_id)
    return membership


def update(
    session: Session, actor: Principal, membership: Membership, data: MembershipUpdate
) -> Membership:
    """Apply a partial update."""
    sent = data.model_fields_set
    if "contact_id" in sent:
        _check_contact(session, "contact_id", data.contact_id)
    if "on_behalf_of_id" in sent:
        _check_organization(session, data.on_behalf_of_id)
    if "substitute_for_id" in sent:
        _check_contact(session, "substitute_for_id", data.substitute_for_id)
    changed = apply_changes(membership, data)
    _check_seat(session, membership)
    membership.touch()
    session.flush()
    changes.record(
        session, actor, RESOURCE, membership.id, "updated", changed, membership.body.plan_id
    )
    return membership


def delete(session: Session, actor: Principal, membership: Membership) -> None:
    """Remove a seat (to keep its history, set end_date instead)."""
    plan_id = membership.body.plan_id
    delete_or_conflict(session, membership, "The membership is referenced and cannot be deleted.")
    changes.record(session, actor, RESOURCE, membership.id, "deleted", plan_id=plan_id)
