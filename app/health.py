"""Liveness and readiness probes (open, no key): ready is the database answering at this
release's schema."""

import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.errors import RETRY_AFTER_SECONDS, unavailable_response
from app.core.planned import PlannedRoute
from app.migrate import head_revisions

log = logging.getLogger("samstyre")
router = APIRouter(prefix="/health", tags=["health"], route_class=PlannedRoute)


class Health(BaseModel):
    """Probe result."""

    status: str


@router.get("/live", operation_id="health_live", response_model=Health)
async def live() -> Health:
    """The process is up."""
    return Health(status="ok")


READY_CACHE_SECONDS = 2.0
"""How long a positive readiness answer is trusted: a probe then costs no query."""


class Readiness:
    """What ready means for this release: its newest migration, read once at start-up."""

    def __init__(self) -> None:
        try:
            self.heads: frozenset[str] | None = head_revisions()
        except Exception as exc:  # no migrations folder: never ready, and said so
            log.error("readiness: the migrations cannot be read: %s", exc.__class__.__name__)
            self.heads = None
        self.ready_until = 0.0

    async def check(self, engine: AsyncEngine) -> str | None:
        """None when ready, else why not."""
        if time.monotonic() < self.ready_until:
            return None
        if self.heads is None:
            return "This release's migrations cannot be read (SAMSTYRE_HOME)."
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                try:
                    rows = (await conn.execute(_SCHEMA_VERSION)).scalars().all()
                except DBAPIError:  # the database answered: no alembic_version table
                    rows = []
        except Exception as exc:
            log.warning("readiness: the database does not answer: %s", exc.__class__.__name__)
            return NOT_ANSWERING
        if frozenset(rows) != self.heads:
            log.warning("readiness: the database schema is at %s, not %s", rows, sorted(self.heads))
            return NOT_MIGRATED
        self.ready_until = time.monotonic() + READY_CACHE_SECONDS
        return None


NOT_ANSWERING = "The database does not answer."
NOT_MIGRATED = (
    "The database schema is not migrated to this release's newest migration "
    "(run `samstyre migrate`)."
)
_SCHEMA_VERSION = text("SELECT version_num FROM alembic_version")


@router.get(
    "/ready",
    operation_id="health_ready",
    response_model=Health,
    responses={
        503: {
            "description": "The database does not answer, or its schema is not at this "
            "release's newest migration.",
            "headers": {
                "Retry-After": {
                    "description": f"Seconds to wait before asking again ({RETRY_AFTER_SECONDS}).",
                    "schema": {"type": "integer"},
                }
            },
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    },
)
async def ready(request: Request) -> JSONResponse:
    """The database answers and its schema is at this release's newest migration.

    Readiness and the API agree: on a database that is not migrated, neither answers.
    """
    readiness: Readiness = request.app.state.readiness
    problem = await readiness.check(request.app.state.engine)
    if problem is not None:
        return unavailable_response(problem)
    return JSONResponse({"status": "ok"})
