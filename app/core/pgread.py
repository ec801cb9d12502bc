"""The fast read path on PostgreSQL: statements compiled once, run on held connections.

What a hot read costs in Python was mostly layers, not work (measured per request on this
code: a SQLAlchemy session, its pooled connection and the greenlet bridge ≈ 0.25 ms; a
statement built as an expression ≈ 0.3 ms; the query itself on asyncpg ≈ 0.06 ms). So the
hottest reads (`directory/reads.py`, `meetings/reads.py`):

1. build their statement once per *shape* (which filters are present, what the caller may
   see) with named bind parameters, and compile it once to PostgreSQL's SQL (`Compiled`,
   kept in a `StatementCache`);
2. run it on a connection this worker holds (`HeldConnections`: asyncpg, autocommit — a
   read sends no BEGIN/COMMIT — prepared statements cached by asyncpg per connection);
3. get rows that are already the response's JSON (`core/jsonsql.py`).

Reads stay fresh: a write commits before its response is sent, and an autocommit read
sees every committed row, whichever worker wrote it. A connection that fails is closed
and replaced; the request answers 503 with Retry-After, as any database outage does.

Under test the app is given an engine and sessions bound to the test's connection
(`HeldConnections` is not made): the same statements run on the session's own connection
(`run`), inside the test's transaction, and they fire SQLAlchemy's `before_cursor_execute`
so the query-count tests count them.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement

from app.core.errors import RETRY_AFTER_SECONDS, ProblemError

APPLICATION_NAME = "samstyre-reads"
_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Compiled:
    """A statement as PostgreSQL SQL with `$n` parameters, their names in that order, and
    the values of the parameters the statement fixed itself (`limit(5001)`)."""

    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for `values`: every parameter the statement did not
        fix must be given (a KeyError is a bug in the caller, not a client's error)."""
        fixed = self.fixed
        return [values[name] if name not in fixed else fixed[name] for name in self.names]


def compile_statement(stmt: ClauseElement) -> Compiled:
    """Compile once for asyncpg (SQLAlchemy's PostgreSQL dialect for it: `$1` style)."""
    compiled = stmt.compile(dialect=_DIALECT)
    names: list[str] | None = getattr(compiled, "positiontup", None)  # SQLCompiler's
    binds = getattr(compiled, "binds", {})
    fixed = {name: bind.value for name, bind in binds.items() if not bind.required}
    return Compiled(str(compiled), tuple(names or ()), fixed)


class StatementCache:
    """Compiled statements by shape, built on first use. Shapes are few and fixed by the
    code (flags and counts, never values); `max_entries` bounds what odd requests (many
    `?fields=` combinations) can add."""

    def __init__(self, build: Callable[..., ClauseElement], max_entries: int = 512) -> None:
        self.build = build
        self.max_entries = max_entries
        self._compiled: dict[Hashable, Compiled] = {}

    def get(self, shape: tuple[Any, ...]) -> Compiled:
        """The compiled statement of `shape` (`build(*shape)`, compiled once)."""
        compiled = self._compiled.get(shape)
        if compiled is None:
            if len(self._compiled) >= self.max_entries:
                self._compiled.clear()
            compiled = self._compiled[shape] = compile_statement(self.build(*shape))
        return compiled


def _unavailable() -> ProblemError:
    # the same answer as every other database outage (core/errors.py unavailable_response)
    return ProblemError(
        "The database is not available.",
        status=503,
        slug="unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, OSError | asyncpg.InterfaceError | asyncpg.PostgresConnectionError):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(("08", "57"))


class HeldConnections:
    """Up to `size` asyncpg connections this worker keeps open for reads, in autocommit.

    Taking one is a deque pop (SQLAlchemy's pool costs ≈ 0.1 ms per checkout through its
    greenlet bridge); when all are busy a reader waits in arrival order. A connection that
    fails is dropped and the next reader opens a new one."""

    def __init__(self, url: str, size: int, *, connect_timeout: float = 5.0) -> None:
        # a libpq-style URL (query options such as sslmode pass through to asyncpg)
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._connect_args: dict[str, Any] = {
            "timeout": connect_timeout,
            # told apart in pg_stat_activity from the pool of the writes
            "server_settings": {"application_name": APPLICATION_NAME},
        }
        self.size = size
        self._idle: deque[asyncpg.Connection] = deque()
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def _connect(self) -> asyncpg.Connection:
        self._open += 1
        try:
            return await asyncpg.connect(self._dsn, **self._connect_args)
        except BaseException:
            self._open -= 1
            self._wake()
            raise

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A held connection for one read; 503 when the database cannot be reached."""
        while not self._idle and self._open >= self.size:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: the turn passes to the next reader
                raise
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise _unavailable() from exc
        healthy = True
        try:
            yield conn
        except BaseException as exc:
            healthy = not _connection_lost(exc) and not conn.is_closed()
            if not healthy:
                raise _unavailable() from exc
            raise
        finally:
            if healthy and not self._closed:
                self._idle.append(conn)
            else:
                self._open -= 1
                conn.terminate()
            self._wake()

    async def close(self) -> None:
        """Close every idle connection (at shutdown)."""
        self._closed = True
        while self._idle:
            await self._idle.pop().close()


async def run(
    session: AsyncSession | None,
    held: HeldConnections | None,
    compiled: Compiled,
    values: Mapping[str, Any],
) -> list[asyncpg.Record]:
    """Run a compiled read: on a held connection, or (tests, and an app given an engine)
    on the session's own connection, announced to SQLAlchemy's event listeners."""
    args = compiled.args(values)
    if held is not None:
        async with held.connection() as conn:
            rows: list[asyncpg.Record] = await conn.fetch(compiled.sql, *args)
            return rows
    assert session is not None, "no held connections: the session's own connection"
    connection = await session.connection()
    sync = connection.sync_connection
    assert sync is not None
    sync.dispatch.before_cursor_execute(sync, None, compiled.sql, args, None, False)
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    rows = await driver.fetch(compiled.sql, *args)
    return rows
