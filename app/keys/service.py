"""Creating, listing and revoking API keys, within what the calling key may manage.

A plan-limited key manages only keys inside its own plans, with no higher role; an
unlimited admin manages every key (DESIGN §3). A key the caller may not manage is treated
as any record of another plan: it does not exist for the caller (404).
"""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Unprocessable
from app.core.pagination import PageParams
from app.core.security import Principal, Role, generate_key, hash_key
from app.governance.models import Plan
from app.keys.models import ApiKey


def _plan_set(plan_ids: list[Any] | None) -> frozenset[uuid.UUID] | None:
    return None if plan_ids is None else frozenset(uuid.UUID(str(p)) for p in plan_ids)


def may_manage(caller: Principal, key: ApiKey) -> bool:
    """Whether `caller` may see and revoke `key`: unlimited, or `key` inside its plans."""
    if caller.plan_ids is None:
        return True
    plans = _plan_set(key.plan_ids)
    return plans is not None and bool(plans) and plans <= caller.plan_ids


def authorise_new_key(caller: Principal, role: Role, plan_ids: list[uuid.UUID] | None) -> None:
    """Refuse (403) a key above the caller's role or outside the caller's plans."""
    if not caller.at_least(role):
        raise Forbidden(f"A {caller.role.value} key cannot create a key with the role {role}.")
    if caller.plan_ids is None:
        return
    if not plan_ids:
        raise Forbidden(
            "A key limited to plans can only create keys limited to some of those plans: "
            "send plan_ids (a non-empty subset of its own)."
        )
    if outside := set(plan_ids) - caller.plan_ids:
        raise Forbidden(
            f"plan_ids goes beyond the plans of the calling key: {sorted(map(str, outside))}"
        )


async def _ensure_name_free(session: AsyncSession, name: str) -> None:
    if await session.scalar(select(ApiKey.id).where(ApiKey.name == name).limit(1)) is not None:
        raise Conflict(f"A key named {name!r} exists already (revoked keys keep their names).")


async def create_key(
    session: AsyncSession, name: str, role: Role, plan_ids: list[uuid.UUID] | None = None
) -> tuple[ApiKey, str]:
    """Store a new key; return it with its secret, which is not kept. Names are unique (409)."""
    await _ensure_name_free(session, name)
    if plan_ids:
        wanted = set(plan_ids)
        found = set(await session.scalars(select(Plan.id).where(Plan.id.in_(wanted))))
        if missing := wanted - found:
            raise Unprocessable(
                ["body", "plan_ids"], f"plan_ids refers to no plan: {sorted(map(str, missing))}"
            )
    secret = generate_key()
    key = ApiKey(
        name=name,
        role=role.value,
        prefix=secret[:12],
        key_hash=hash_key(secret),
        plan_ids=[str(p) for p in dict.fromkeys(plan_ids)] if plan_ids is not None else None,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def create_key_for(
    session: AsyncSession,
    caller: Principal,
    name: str,
    role: Role,
    plan_ids: list[uuid.UUID] | None,
) -> tuple[ApiKey, str]:
    """Create a key on behalf of `caller`, within what it may grant."""
    authorise_new_key(caller, role, plan_ids)
    return await create_key(session, name, role, plan_ids)


async def get_active_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    """A key that has not been revoked."""
    key = await session.get(ApiKey, key_id)
    return key if key is not None and key.revoked_at is None else None


async def get_manageable_key(
    session: AsyncSession, caller: Principal, key_id: uuid.UUID
) -> ApiKey | None:
    """An active key that `caller` may manage, else None."""
    key = await get_active_key(session, key_id)
    return key if key is not None and may_manage(caller, key) else None


async def keys_query(
    session: AsyncSession, params: PageParams, include_revoked: bool, caller: Principal
) -> Select[Any]:
    """The keys `caller` may manage, by creation time."""
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    if caller.plan_ids is not None:
        # plan_ids is a JSON list, and a subset test on it is not portable SQL. The limited
        # keys are few (a deployment has dozens), so one query reads their plans and the
        # page is filtered by the ids that pass: a fixed number of queries still.
        limited = await session.execute(
            select(ApiKey.id, ApiKey.plan_ids).where(ApiKey.plan_ids.is_not(None))
        )
        allowed = [
            key_id
            for key_id, plan_ids in limited
            if (plans := _plan_set(plan_ids)) and plans <= caller.plan_ids
        ]
        stmt = stmt.where(ApiKey.id.in_(allowed))
    if params.modified_since is not None:
        stmt = stmt.where(ApiKey.updated_at >= params.modified_since)
    return stmt.order_by(ApiKey.created_at, ApiKey.id)


def revoke(key: ApiKey) -> None:
    """Revoke a key: it stops working at once."""
    key.revoked_at = utcnow()
    key.touch()


async def has_active_admin_key(session: AsyncSession) -> bool:
    """Whether any key exists that has not been revoked (first start creates one if not)."""
    return (
        await session.scalar(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1))
        is not None
    )


async def free_name(session: AsyncSession, base: str) -> str:
    """`base`, or `base (2)`, `base (3)` … : the first name no key has."""
    taken = set(await session.scalars(select(ApiKey.name).where(ApiKey.name.startswith(base))))
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name
