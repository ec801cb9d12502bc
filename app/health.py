"""Liveness and readiness probes (open, no key)."""

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.core.errors import RETRY_AFTER_SECONDS, unavailable_response

log = logging.getLogger("samstyre")
router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    """Probe result."""

    status: str


@router.get("/live", operation_id="health_live", response_model=Health)
async def live() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/ready",
    operation_id="health_ready",
    response_model=Health,
    responses={
        503: {
            "description": "The database does not answer.",
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
    """The database answers a query."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("readiness: the database does not answer: %s", exc.__class__.__name__)
        return unavailable_response("The database does not answer.")
    return JSONResponse({"status": "ok"})
