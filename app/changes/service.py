"""Recording writes in the change log, in the writer's transaction."""

import uuid
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.models import Change
from app.core.security import Principal

Action = Literal["created", "updated", "deleted", "erased"]

# Any constant works; it names the lock that orders change-log writers on PostgreSQL.
_CHANGE_LOCK = 7_263_001


async def record(
    session: AsyncSession,
    actor: Principal,
    resource: str,
    resource_id: uuid.UUID,
    action: Action,
    changed_fields: Iterable[str] = (),
    plan_id: uuid.UUID | None = None,
) -> Change:
    """Log one write; the caller's commit makes it durable together with the write."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Sequence values are handed out at insert, not at commit. Holding this lock until
        # commit makes seq order equal commit order, so a reader paging by `after` never
        # skips an entry that commits late. (SQLite already has a single writer.)
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHANGE_LOCK})
    entry = Change(
        actor=actor.name,
        actor_kind=actor.kind,
        actor_id=actor.actor_id,
        resource=resource,
        resource_id=resource_id,
        action=action,
        changed_fields=sorted(set(changed_fields)),
        plan_id=plan_id,
    )
    session.add(entry)
    return entry
