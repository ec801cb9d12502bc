"""Plan-scoped keys (DESIGN §3): what a key limited to some plans may see."""

import uuid
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Uuid, any_, bindparam, true

from app.core.errors import NotFound
from app.core.security import Principal


def plan_filter(principal: Principal, plan_column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting `plan_column` to the key's plans (always true for unlimited keys)."""
    if principal.plan_ids is None:
        return true()
    return plan_column.in_(principal.plan_ids)  # type: ignore[no-any-return]


def in_plans(column: Any, *, array: bool) -> ColumnElement[bool]:
    """`column` among the bind parameter `plans` (the key's plan ids, a list): `= ANY($n)`
    when `array` (a statement compiled once for PostgreSQL, `core/pgread.py`), else an
    expanding IN (both databases)."""
    if array:
        return column == any_(bindparam("plans", type_=ARRAY(Uuid())))  # type: ignore[no-any-return]
    return column.in_(bindparam("plans", expanding=True))  # type: ignore[no-any-return]


def ensure_plan_visible(principal: Principal, plan_id: uuid.UUID, what: str, ident: object) -> None:
    """404 (not 403: another plan's records are not even confirmed to exist)."""
    if not principal.sees_plan(plan_id):
        raise NotFound(f"No {what} with id {ident}.")
