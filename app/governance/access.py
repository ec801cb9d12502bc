"""Plan-scoped keys (DESIGN §3): what a key limited to some plans may see."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, true

from app.core.errors import NotFound
from app.core.security import Principal


def plan_filter(principal: Principal, plan_column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting `plan_column` to the key's plans (always true for unlimited keys)."""
    if principal.plan_ids is None:
        return true()
    return plan_column.in_(principal.plan_ids)  # type: ignore[no-any-return]


def ensure_plan_visible(principal: Principal, plan_id: uuid.UUID, what: str, ident: object) -> None:
    """404 (not 403: another plan's records are not even confirmed to exist)."""
    if not principal.sees_plan(plan_id):
        raise NotFound(f"No {what} with id {ident}.")
