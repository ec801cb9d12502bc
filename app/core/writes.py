"""Helpers shared by services that write."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict


def apply_changes(target: Any, changes: BaseModel, skip: set[str] | None = None) -> list[str]:
    """Copy the fields the client sent onto `target`; return the names that changed value."""
    changed = []
    for name in sorted(changes.model_fields_set - (skip or set())):
        value = getattr(changes, name)
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed


async def delete_or_conflict(session: AsyncSession, obj: Any, detail: str) -> None:
    """Delete `obj`, or raise 409 when the database refuses because something refers to it."""
    try:
        async with session.begin_nested():
            await session.delete(obj)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(detail) from exc
