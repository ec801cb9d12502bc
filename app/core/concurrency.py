"""A limit on the requests one worker works on at once (`SAMSTYRE_MAX_IN_FLIGHT`).

Beyond a few requests at once a worker gets slower, not faster: every request in flight
holds a database connection and its objects while it waits for the one CPU the worker has,
so the database serves more sessions at once and the garbage collector walks more live
objects. Requests over the limit wait here, in arrival order, before any work is done for
them. Health probes pass by: a liveness check must answer while the worker is busy.
"""

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlightLimit:
    """Work on at most `limit` HTTP requests at once; the rest queue (FIFO)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/health/"):
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
