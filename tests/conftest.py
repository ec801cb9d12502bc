"""Fixtures: every API test runs once on SQLite and once on PostgreSQL, each in a rollback."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import make_engine
from app.core.security import Role
from app.keys import service as keys
from app.main import create_app
from app.people.dev_issuer import DevIssuer, SigningKey, generate_key
from app.people.models import RoleMapping
from tests.aio import ApiClient, DbSession, run
from tests.databases import IN_CI, fresh_database, postgres_available

BACKENDS = ["sqlite", "postgresql"]
# The `aud` of the tests' sign-in tokens: what SAMSTYRE_OIDC_AUDIENCE is set to.
AUDIENCE = "samstyre-test"


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AsyncEngine]:
    """A migrated database per backend, shared by the tests of one worker."""
    backend: str = request.param
    if backend == "postgresql":
        reason = postgres_available()
        if reason is not None:
            if IN_CI:
                pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
            pytest.skip(reason)
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as sync_engine:
        eng = make_engine(sync_engine.url.render_as_string(hide_password=False))
        yield eng
        run(eng.dispose())


@pytest.fixture
def connection(engine: AsyncEngine) -> Iterator[AsyncConnection]:
    """One connection whose outer transaction is rolled back after the test."""
    conn = engine.connect()
    run(conn.start())
    trans = conn.begin()
    run(trans.start())
    if engine.dialect.name == "postgresql":
        # The data version triggers run at commit (core/totals.py), and a test commits
        # nothing: its reads share the writer's transaction, so versions move at once.
        run(conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE"))
    try:
        yield conn
    finally:
        run(trans.rollback())
        run(conn.close())


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def db(session_factory: async_sessionmaker[AsyncSession]) -> Iterator[DbSession]:
    """A session for arranging and asserting on the database directly."""
    session = session_factory()
    try:
        yield DbSession(session)
    finally:
        run(session.close())


@pytest.fixture(scope="session")
def signing_keys() -> dict[str, SigningKey]:
    """Real key pairs, made once per test process: an RSA (RS256) and an EC (ES256) one."""
    return {"rsa": generate_key("RS256", "rsa-1"), "ec": generate_key("ES256", "ec-1")}


@pytest.fixture(scope="session")
def running_issuer(signing_keys: dict[str, SigningKey]) -> Iterator[DevIssuer]:
    """A local OpenID Connect issuer (discovery + JWKS over HTTP on a loopback port)."""
    issuer = DevIssuer(keys=list(signing_keys.values())).start()
    yield issuer
    issuer.stop()


@pytest.fixture
def issuer(running_issuer: DevIssuer, signing_keys: dict[str, SigningKey]) -> DevIssuer:
    """The issuer as every test starts with it: both keys published, no request served."""
    running_issuer.keys = {key.kid: key for key in signing_keys.values()}
    running_issuer.published = list(running_issuer.keys)
    running_issuer.requests.clear()
    return running_issuer


def settings_for(engine: AsyncEngine, issuer_url: str | None, **extra: Any) -> Settings:
    """Settings of an app under test; sign-in on when `issuer_url` is given."""
    url = engine.url.render_as_string(hide_password=False)
    # No key cache: a test sees every query a request makes (tests/core/test_key_cache.py
    # turns it on), and a key changed in the database behind the app's back counts at once.
    options: dict[str, Any] = {"database_url": url, "key_cache_seconds": 0, **extra}
    if issuer_url:
        options |= {"oidc_issuer": issuer_url, "oidc_audience": AUDIENCE}
    return Settings(**options)


@pytest.fixture
def app(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], issuer: DevIssuer
) -> FastAPI:
    """The application, its sessions bound to the test's connection; sign-in tokens of
    the local issuer are accepted."""
    application = create_app(settings_for(engine, issuer.url), engine=engine)
    application.state.sessionmaker = session_factory
    application.state.read_sessionmaker = session_factory
    return application


@pytest.fixture
def make_key(session_factory: async_sessionmaker[AsyncSession]) -> Callable[..., str]:
    """Create an API key; return its secret."""

    async def create(role: Role, name: str, plan_ids: Any) -> str:
        async with session_factory() as session:
            _key, secret = await keys.create_key(session, name, role, plan_ids)
            await session.commit()
        return secret

    def factory(role: Role = Role.admin, name: str | None = None, plan_ids: Any = None) -> str:
        return run(create(role, name or f"test-{role.value}", plan_ids))

    return factory


def _client(app: FastAPI, secret: str | None) -> ApiClient:
    client = ApiClient(app)
    if secret:
        client.headers["Authorization"] = f"Bearer {secret}"
    return client


@pytest.fixture
def anon(app: FastAPI) -> ApiClient:
    """A client without a key."""
    return _client(app, None)


@pytest.fixture
def admin(app: FastAPI, make_key: Callable[..., str]) -> ApiClient:
    """A client with an admin key."""
    return _client(app, make_key(Role.admin, "admin"))


@pytest.fixture
def editor(app: FastAPI, make_key: Callable[..., str]) -> ApiClient:
    """A client with an editor key."""
    return _client(app, make_key(Role.editor, "editor"))


@pytest.fixture
def reader(app: FastAPI, make_key: Callable[..., str]) -> ApiClient:
    """A client with a reader key."""
    return _client(app, make_key(Role.reader, "reader"))


@pytest.fixture
def client_for(app: FastAPI) -> Callable[[str | None], ApiClient]:
    """A client for a given secret."""
    return lambda secret: _client(app, secret)


class QueryCounter:
    """Counts SQL statements sent on the test's connection."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        statement = args[2]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.count += 1
            self.statements.append(statement)


@pytest.fixture
def count_queries(connection: AsyncConnection) -> Iterator[QueryCounter]:
    """Count the statements the app sends (savepoint bookkeeping excluded)."""
    counter = QueryCounter()
    event.listen(connection.sync_connection, "before_cursor_execute", counter)
    yield counter
    event.remove(connection.sync_connection, "before_cursor_execute", counter)


@pytest.fixture
def sign_in(
    session_factory: async_sessionmaker[AsyncSession], issuer: DevIssuer
) -> Callable[..., str]:
    """Map a group to a role (and plans) and return a token of a person in that group."""

    async def map_group(group: str, role: Role, plan_ids: Any) -> None:
        async with session_factory() as session:
            plans = None if plan_ids is None else [str(p) for p in plan_ids]
            session.add(RoleMapping(claim="groups", value=group, role=role.value, plan_ids=plans))
            await session.commit()

    def factory(
        role: Role = Role.admin,
        name: str | None = None,
        plan_ids: Any = None,
        *,
        kid: str | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        name = name or f"person-{role.value}"
        group = f"group-{name}"
        run(map_group(group, role, plan_ids))
        person = {"name": name, "groups": [group], **(claims or {})}
        return issuer.token(f"sub-{name}", AUDIENCE, kid=kid, claims=person)

    return factory


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    """A temporary folder."""
    return tmp_path
