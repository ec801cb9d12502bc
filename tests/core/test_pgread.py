"""The fast read path as a deployment runs it: held connections, remembered totals.

These tests use a migrated PostgreSQL database of their own, with real commits (the app
owns its engine, as `samstyre serve` does): what the rest of the suite cannot show inside
its rolled-back transactions.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text

from app.core.config import Settings
from app.core.errors import RETRY_AFTER_SECONDS, ProblemError
from app.core.pgread import APPLICATION_NAME, HeldConnections, compile_statement
from app.main import create_app
from tests.aio import ApiClient, run
from tests.databases import IN_CI, admin_secret, fresh_database, postgres_available


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    """A migrated PostgreSQL database that commits."""
    if reason := postgres_available():
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with fresh_database("postgresql", tmp_path) as engine:
        yield engine


@pytest.fixture
def served(database: Engine) -> Iterator[tuple[FastAPI, ApiClient]]:
    """The app on that database, as `samstyre serve` makes it, with an admin client."""
    url = database.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, key_cache_seconds=0, max_in_flight=4))
    client = ApiClient(app)
    client.headers["Authorization"] = f"Bearer {admin_secret(database)}"
    try:
        yield app, client
    finally:
        run(app.state.held_reads.close())
        run(app.state.engine.dispose())


def _total(client: ApiClient, query: str = "") -> int:
    response = client.get(f"/api/v1/contacts{query}")
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


def _versions(database: Engine) -> int:
    with database.connect() as conn:
        return int(conn.execute(text("SELECT version FROM data_versions")).scalar_one())


def test_a_read_after_a_committed_write_sees_it(
    served: tuple[FastAPI, ApiClient], database: Engine
) -> None:
    app, client = served
    assert app.state.held_reads is not None  # the deployment's path
    assert _total(client) == 0
    first = client.post("/api/v1/contacts", json={"given_name": "A", "family_name": "B"})
    assert first.status_code == 201
    assert _total(client) == 1
    before = _versions(database)
    assert _total(client) == 1  # remembered: no write since
    assert _versions(database) == before
    second = client.post("/api/v1/contacts", json={"given_name": "C", "family_name": "D"})
    assert _versions(database) > before
    assert _total(client) == 2 and _total(client, "?q=c") == 1
    url = f"/api/v1/contacts/{second.json()['id']}"
    assert client.patch(url, json={"archived": True}).status_code == 200
    assert _total(client) == 1 and _total(client, "?include_archived=true") == 2
    assert client.get(url).json()["archived"] is True
    # a write behind the app's back (another worker, psql) moves the version too
    with database.begin() as conn:
        conn.execute(text("UPDATE contacts SET archived = false"))
    assert _total(client) == 2


def test_a_rolled_back_write_leaves_the_version(database: Engine) -> None:
    before = _versions(database)
    with database.connect() as conn, conn.begin() as trans:
        conn.execute(
            text(
                "INSERT INTO organizations (id, name, name_folded, kind, archived, "
                "created_at, updated_at, search_text, search_name, sort_name) VALUES "
                "(gen_random_uuid(), 'X', 'x', 'other', false, now(), now(), '', '', 'x')"
            )
        )
        trans.rollback()
    assert _versions(database) == before


def test_a_lost_connection_is_a_503_then_replaced(
    served: tuple[FastAPI, ApiClient], database: Engine
) -> None:
    _app, client = served
    created = client.post("/api/v1/contacts", json={"given_name": "A", "family_name": "B"})
    url = f"/api/v1/contacts/{created.json()['id']}"
    assert client.get(url).status_code == 200
    with database.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        )
        conn.commit()
    lost = client.get(url)
    assert lost.status_code == 503, lost.text
    assert lost.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert lost.json()["type"].endswith("unavailable")
    assert lost.headers["content-type"] == "application/problem+json"
    assert client.get(url).status_code == 200  # a new connection, no restart


def test_held_connections_stay_within_their_number(database: Engine) -> None:
    # the app's own URL form, with a libpq option that must reach the driver
    url = database.url.render_as_string(hide_password=False) + "?sslmode=disable"
    held = HeldConnections(url, 2)
    sleep = compile_statement(text("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)"))

    async def one() -> Any:
        async with held.connection() as conn:
            assert held._open <= 2
            return (await conn.fetchrow(sleep.sql))["pid"]

    async def many() -> set[Any]:
        try:
            return set(await asyncio.gather(*(one() for _ in range(8))))
        finally:
            await held.close()

    assert len(run(many())) == 2


def test_an_unreachable_database_is_a_503() -> None:
    held = HeldConnections("postgresql://postgres@127.0.0.1:1/none", 2, connect_timeout=1)

    async def take() -> None:
        async with held.connection():
            pass

    with pytest.raises(ProblemError) as refused:
        run(take())
    assert refused.value.status == 503
    assert held._open == 0  # the failed connect gave its place back


def test_a_reader_cancelled_after_its_turn_passes_it_on(database: Engine) -> None:
    url = database.url.render_as_string(hide_password=False)
    held = HeldConnections(url, 1)

    async def reader() -> str:
        async with held.connection() as conn:
            return str(await conn.fetchval("SELECT 'read'"))

    async def scenario() -> str:
        try:
            taken = held.connection()
            await taken.__aenter__()  # the one connection
            woken, waiting = asyncio.create_task(reader()), asyncio.create_task(reader())
            await asyncio.sleep(0.05)  # both wait, in this order
            await taken.__aexit__(None, None, None)  # back: `woken` has its turn …
            woken.cancel()  # … and is cancelled before it can take it
            return await asyncio.wait_for(waiting, 5)
        finally:
            await held.close()

    assert run(scenario()) == "read"
