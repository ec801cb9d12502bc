"""`SAMSTYRE_MAX_IN_FLIGHT`: a worker works on at most that many requests at once."""

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send

from app.core.concurrency import InFlightLimit
from app.core.config import Settings
from app.main import create_app


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "headers": []}


async def _nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _drop(_message: Any) -> None:
    return None


def test_requests_over_the_limit_wait_in_arrival_order() -> None:
    running, most, started = 0, 0, []
    release = asyncio.Event()

    async def slow_app(scope: Scope, _receive: Receive, _send: Send) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.append(scope["path"])
        if scope["path"].startswith("/api/"):
            await release.wait()
        running -= 1

    async def scenario() -> None:
        limited = InFlightLimit(slow_app, limit=2)
        tasks = [
            asyncio.create_task(limited(_scope(f"/api/{i}"), _nothing, _drop)) for i in range(5)
        ]
        await asyncio.sleep(0.05)
        assert started == ["/api/0", "/api/1"]  # the other three wait
        # a health probe passes by a full worker
        await asyncio.wait_for(limited(_scope("/health/live"), _nothing, _drop), 1)
        release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 5)

    asyncio.run(scenario())
    assert started == ["/api/0", "/api/1", "/health/live", "/api/2", "/api/3", "/api/4"]
    assert most == 3  # two requests and the probe


def test_the_app_installs_it_unless_turned_off() -> None:
    def layers(settings: Settings) -> list[str]:
        app = create_app(settings)
        names: list[str] = []
        layer: Any = app.build_middleware_stack()
        while layer is not None:
            names.append(type(layer).__name__)
            layer = getattr(layer, "app", None)
        return names

    url = "sqlite+aiosqlite:///:memory:"
    assert "InFlightLimit" in layers(Settings(database_url=url))
    assert Settings(database_url=url).max_in_flight == 8
    assert "InFlightLimit" not in layers(Settings(database_url=url, max_in_flight=0))
