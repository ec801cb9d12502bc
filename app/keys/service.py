"""Creating, listing and revoking API keys."""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.errors import Unprocessable
from app.core.pagination import PageParams
from app.core.security import Role, generate_key, hash_key
from app.governance.models import Plan
from app.keys.models import ApiKey


def create_key(
    session: Session, name: str, role: Role, plan_ids: list[uuid.UUID] | None = None
) -> tuple[ApiKey, str]:
    """Store a new key; return it with its secret, which is not kept."""
    if plan_ids:
        wanted = set(plan_ids)
        found = set(session.scalars(select(Plan.id).where(Plan.id.in_(wanted))))
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
    session.flush()
    return key, secret


def get_active_key(session: Session, key_id: uuid.UUID) -> ApiKey | None:
    """A key that has not been revoked."""
    key = session.get(ApiKey, key_id)
    return key if key is not None and key.revoked_at is None else None


def keys_query(params: PageParams, include_revoked: bool) -> Select[Any]:
    """Keys by creation time."""
    stmt = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    if params.modified_since is not None:
        stmt = stmt.where(ApiKey.updated_at >= params.modified_since)
    return stmt.order_by(ApiKey.created_at, ApiKey.id)


def revoke(key: ApiKey) -> None:
    """Revoke a key: it stops working at once."""
    key.revoked_at = utcnow()
    key.touch()


def has_active_admin_key(session: Session) -> bool:
    """Whether any key exists that has not been revoked (first start creates one if not)."""
    return session.scalar(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1)) is not None
