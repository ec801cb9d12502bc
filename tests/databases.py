"""Throwaway test databases on SQLite and PostgreSQL, migrated from `migrations/`."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.core.db import make_sync_engine
from app.core.security import Role
from app.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "SAMSTYRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def admin_secret(engine: Engine, name: str = "admin") -> str:
    """Create an admin key in `engine`'s database; return its secret."""
    return key_secret(engine, name, Role.admin)


def key_secret(engine: Engine, name: str, role: Role) -> str:
    """Create a key in `engine`'s database (through the app's async engine)."""
    from app.core.db import make_engine, make_sessionmaker
    from app.keys.service import create_key

    async def create() -> str:
        app_engine = make_engine(engine.url.render_as_string(hide_password=False))
        try:
            async with make_sessionmaker(app_engine)() as session:
                _key, secret = await create_key(session, name, role)
                await session.commit()
                return secret
        finally:
            await app_engine.dispose()

    return asyncio.run(create())


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = make_sync_engine(POSTGRES_URL, pool_pre_ping=False)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}"
    return None


@contextmanager
def fresh_database(backend: str, tmp_dir: Path, migrate: bool = True) -> Iterator[Engine]:
    """A new, empty database (migrated to head unless told not to), dropped afterwards."""
    if backend == "sqlite":
        path = tmp_dir / f"samstyre-{uuid.uuid4().hex[:8]}.db"
        engine = make_sync_engine(f"sqlite:///{path}")
        try:
            if migrate:
                with engine.begin() as conn:
                    upgrade(connection=conn)
            yield engine
        finally:
            engine.dispose()
        return
    admin_url = make_url(POSTGRES_URL)
    name = f"samstyre_test_{uuid.uuid4().hex[:12]}"
    admin = make_sync_engine(
        admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_sync_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        if migrate:
            with engine.begin() as conn:
                upgrade(connection=conn)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
