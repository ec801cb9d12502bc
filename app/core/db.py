"""Engine, sessions, the declarative base and portable column types."""

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Dialect, MetaData, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite keeps no offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model; constraint names follow `NAMING_CONVENTION`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Entity(Base):
    """A domain resource: UUID id and timestamps (the ETag comes from its representation)."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def touch(self) -> None:
        """Mark a write, so `updated_at` and the ETag change."""
        self.updated_at = utcnow()


async def lock_for_write(session: AsyncSession, entity: Entity) -> None:
    """Lock `entity`'s row for this transaction and re-read its columns.

    PostgreSQL: `SELECT … FOR UPDATE` waits for a concurrent writer to commit and returns
    the row as it committed it. SQLite: writers already hold the database's write lock from
    `BEGIN IMMEDIATE` (see `_sqlite_on_begin`), so the re-read is all that is needed. Every
    write touches `updated_at`, so the fresh columns alone tell whether the resource changed.
    """
    columns = [attr.key for attr in sa_inspect(entity).mapper.column_attrs]
    await session.refresh(entity, attribute_names=columns, with_for_update=True)


# How long a SQLite writer waits for the write lock before the request answers 503.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Set per request by `get_session`: whether this request may write. SQLite's deferred BEGIN
# takes the write lock only at the first write, and two transactions that both read first
# cannot both upgrade: one fails at once (SQLITE_BUSY, the busy timeout does not apply), which
# answered 503 to 60 of 80 concurrent PATCHes. A writer that says so at BEGIN IMMEDIATE waits
# for the lock instead (up to busy_timeout), and reads inside it are then fresh, so the
# If-Match comparison and the write are one step. Reads stay deferred: with WAL they never wait.
_writes: ContextVar[bool] = ContextVar("samstyre_writes", default=False)


@contextmanager
def write_intent() -> Iterator[None]:
    """Sessions begun inside write (SQLite: BEGIN IMMEDIATE), even during a read request:
    the sign-in bookkeeping of a person's first GET, in its own short transaction."""
    token = _writes.set(True)
    try:
        yield
    finally:
        _writes.reset(token)


@contextmanager
def read_intent() -> Iterator[None]:
    """Sessions begun inside only read (SQLite: a plain BEGIN), even during a write request:
    a key lookup in a session of its own must never wait for the request's own write lock."""
    token = _writes.set(False)
    try:
        yield
    finally:
        _writes.reset(token)


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _writes.get() else "BEGIN")


def sync_url(url: str) -> str:
    """The URL with a synchronous driver (migrations, test set-up): sqlite3 or psycopg."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL with an asyncio driver (the app): aiosqlite or asyncpg."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def compact_json(value: Any) -> str:
    """How JSON columns are written: compact and UTF-8, as pydantic writes JSON, so that
    PostgreSQL can send a stored list as it is (`directory/reads.py`)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_sync_engine(url: str, **kwargs: Any) -> Engine:
    """A synchronous engine (Alembic, test set-up), SQLite made to behave (FKs, savepoints)."""
    url = sync_url(url)
    kwargs.setdefault("json_serializer", compact_json)
    if _is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The app's engine: aiosqlite or asyncpg, whichever driver the configured URL names.

    SQLite's hooks are registered on `sync_engine`, which is where the pool's events fire.
    """
    url = async_url(url)
    kwargs.setdefault("json_serializer", compact_json)
    if _is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    # No pre-ping: it costs a round trip per request; a connection found dead in use is a
    # 503 and invalidates the pool, so the next request reconnects.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    # A database host that stops answering must not hang requests for the OS's TCP timeout.
    kwargs.setdefault("pool_timeout", 10)
    kwargs.setdefault("connect_args", {"timeout": 5})
    return create_async_engine(url, **kwargs)


def engine_options(url: str, pool_size: int) -> dict[str, Any]:
    """The app's pool options for `url` (SQLite keeps SQLAlchemy's defaults)."""
    return {} if _is_sqlite(url) else {"pool_size": pool_size}


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (responses are built after)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads: on PostgreSQL in autocommit, so a read sends no BEGIN and COMMIT.

    A read request's statements (a page and its count) then see each its own snapshot,
    which READ COMMITTED gave them already. SQLite's BEGIN costs no round trip: unchanged.
    """
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return make_sessionmaker(engine)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; a write commits before the response is sent."""
    writes = request.method not in SAFE_METHODS
    # Each request runs in its own context (a task per request), so this does not leak; the
    # dependencies after this one and the route see the value.
    _writes.set(writes)
    state = request.app.state
    factory: async_sessionmaker[AsyncSession] = (
        state.sessionmaker if writes else state.read_sessionmaker
    )
    async with factory() as session:
        yield session
        if writes:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


@asynccontextmanager
async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for a read, opened by the route itself (not a dependency): the hottest GETs
    take this instead of `SessionDep`, whose dependency costs ≈ 10 % of such a request, and
    open it only when they need it (`session_unless_held`)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    async with factory() as session:
        yield session


@asynccontextmanager
async def session_unless_held(request: Request, held: object) -> AsyncIterator[AsyncSession | None]:
    """No session when `held` (the fast path's own connections, `core/pgread.py`) answers
    the read; else (tests, an app given an engine) a read session for it to run on."""
    if held is not None:
        yield None
        return
    async with read_session(request) as session:
        yield session
