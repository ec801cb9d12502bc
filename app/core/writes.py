"""Helpers shared by services that write."""

from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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


def delete_or_conflict(session: Session, obj: Any, detail: str) -> None:
    """Delete `obj`, or raise 409 when the database refuses because something refers to it."""
    try:
        with session.begin_nested():
            session.delete(obj)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(detail) from exc
