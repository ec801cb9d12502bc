"""Blocking views of the async app for tests: one event loop per test process.

The app is async end to end; the tests stay plain functions. Every fixture and test drives
the same loop (`run`), so the engine's connections are only ever used from the loop that
made them, and a request goes through the whole ASGI app (`httpx.ASGITransport`).
"""

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

_loop = asyncio.new_event_loop()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on the tests' event loop."""
    return _loop.run_until_complete(coro)


class ApiClient:
    """A blocking HTTP client for the ASGI app, in the shape of Starlette's TestClient."""

    def __init__(
        self,
        app: FastAPI,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = False,
    ) -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_server_exceptions)
        self._client = httpx.AsyncClient(
            transport=transport, base_url=base_url, follow_redirects=True
        )

    @property
    def headers(self) -> httpx.Headers:
        """Headers sent with every request."""
        return self._client.headers

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request; return the whole response."""
        return run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        """HEAD."""
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        """OPTIONS."""
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """PUT."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """PATCH."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """DELETE."""
        return self.request("DELETE", url, **kwargs)


class DbSession:
    """A blocking view of an `AsyncSession`, for arranging and asserting in tests."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def execute(self, stmt: Any, params: Any = None) -> Any:
        """Execute a statement."""
        return run(self.session.execute(stmt, params))

    def scalar(self, stmt: Any, params: Any = None) -> Any:
        """The first column of the first row."""
        return run(self.session.scalar(stmt, params))

    def scalars(self, stmt: Any, params: Any = None) -> Any:
        """The first column of every row."""
        return run(self.session.scalars(stmt, params))

    def get(self, entity: type[T], ident: Any) -> T | None:
        """A row by primary key."""
        return run(self.session.get(entity, ident))

    def add(self, obj: Any) -> None:
        """Add an object."""
        self.session.add(obj)

    def add_all(self, objs: Sequence[Any]) -> None:
        """Add objects."""
        self.session.add_all(objs)

    def flush(self) -> None:
        """Flush pending changes."""
        run(self.session.flush())

    def commit(self) -> None:
        """Commit (a savepoint release inside the test's transaction)."""
        run(self.session.commit())

    def rollback(self) -> None:
        """Roll back."""
        run(self.session.rollback())

    def refresh(self, obj: Any, attribute_names: Sequence[str] | None = None) -> None:
        """Re-read an object."""
        run(self.session.refresh(obj, attribute_names))

    def delete(self, obj: Any) -> None:
        """Delete an object."""
        run(self.session.delete(obj))

    def expire_all(self) -> None:
        """Forget every loaded state."""
        self.session.expire_all()

    def expunge_all(self) -> None:
        """Detach every object."""
        self.session.expunge_all()

    def close(self) -> None:
        """Close."""
        run(self.session.close())
