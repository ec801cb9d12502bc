"""`samstyre serve | migrate | seed-demo | keys create | openapi | dev-issuer`."""

import asyncio
import json
import logging
import logging.config
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from app.core.config import get_settings
from app.core.security import Role

cli = typer.Typer(help="Samstyre: governance backend for social-housing partnerships.")
keys_cli = typer.Typer(help="Manage API keys.")
cli.add_typer(keys_cli, name="keys")

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@cli.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database migrated")


async def _first_admin_key() -> str | None:
    from app.core.db import make_engine, make_sessionmaker
    from app.keys import service

    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            if await service.has_active_admin_key(session):
                return None
            name = await service.free_name(session, "admin (first start)")
            _key, secret = await service.create_key(session, name, Role.admin)
            await session.commit()
            return secret
    finally:
        await engine.dispose()


def _ensure_admin_key() -> None:
    secret = asyncio.run(_first_admin_key())
    if secret is None:
        return
    if get_settings().log_format == "json":
        # every line is JSON; this one is printed, not logged: the log handlers redact keys
        line = {
            "time": datetime.now(UTC).isoformat(),
            "level": "WARNING",
            "logger": "samstyre",
            "message": "No API key existed, so an admin key was created. It is shown only once.",
            "admin_key": secret,
        }
        typer.echo(json.dumps(line))
    else:
        typer.echo("No API key existed, so an admin key was created. It is shown only once:")
        typer.echo(secret)
    # uvicorn runs on after this: flush, or a piped stdout would hold the key back
    sys.stdout.flush()


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Migrate, create a first admin key if there is none, then serve.

    `SAMSTYRE_LOG_FORMAT=json`: every line written is JSON, uvicorn's own included. With
    several workers, metrics are shared through `PROMETHEUS_MULTIPROC_DIR` (a fresh temporary
    folder, removed at exit, unless one is given).
    """
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from app.core.observability import json_logging_config

    settings = get_settings()
    as_json = settings.log_format == "json"
    log_config = json_logging_config(settings.log_level) if as_json else LOGGING_CONFIG
    if as_json:
        from app.migrate import upgrade

        logging.config.dictConfig(log_config)
        upgrade(settings.database_url)
        logging.getLogger("samstyre").info("database migrated")
    else:
        migrate()
    _ensure_admin_key()
    metrics_dir = None
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # before any worker starts (and imports prometheus-client): they inherit it
        metrics_dir = tempfile.mkdtemp(prefix="samstyre-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
    try:
        uvicorn.run(
            "app.main:app",
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
            log_config=log_config,
            # X-Forwarded-For/-Proto only from the configured proxies; the app never builds a
            # URL from Host or forwarded headers (SAMSTYRE_PUBLIC_URL or relative URLs)
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            # JSON mode turns uvicorn's access log off (its logger gets no handler): the app's
            # own line (`samstyre.access`: route template, never the raw path) replaces it. In
            # text mode both are written; app.core.redaction keeps keys out of uvicorn's.
            access_log=True,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@cli.command("seed-demo")
def seed_demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when data already exists.")
    ] = False,
) -> None:
    """Fill an empty database with the article's two stories (invented people)."""
    from app.core.db import make_engine, make_sessionmaker
    from app.demo import database_is_empty, seed

    async def load() -> str | None:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                if not await database_is_empty(session):
                    return None
                summary = await seed(session)
                await session.commit()
                return summary
        finally:
            await engine.dispose()

    summary = asyncio.run(load())
    if summary is None:
        if if_empty:
            typer.echo("demo data skipped: the database is not empty")
            return
        typer.echo("the database is not empty; demo data goes only into an empty one", err=True)
        raise typer.Exit(1)
    typer.echo(f"demo data loaded: {summary}")


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who uses the key.")],
    role: Annotated[Role, typer.Option(help="reader, editor, admin or calendar.")],
) -> None:
    """Create a key; its secret is the last line of output."""
    from app.core.db import make_engine, make_sessionmaker
    from app.core.errors import ProblemError
    from app.keys import service

    async def create() -> tuple[str, str]:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                key, secret = await service.create_key(session, name, role)
                await session.commit()
                return str(key.id), secret
        finally:
            await engine.dispose()

    try:
        key_id, secret = asyncio.run(create())
    except ProblemError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {role.value} key {key_id} ({name}); the secret is shown only once:")
    typer.echo(secret)


DEV_ENV = "SAMSTYRE_DEV"


async def _ensure_dev_mapping(claim: str, value: str, role: str) -> str:
    from app.core.db import make_engine, make_sessionmaker
    from app.core.security import Principal
    from app.people import repository, service
    from app.people.schemas import MappedRole, RoleMappingCreate

    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            if await repository.mapping_exists(session, claim, value):
                return "exists already"
            actor = Principal(
                key_id=None, name="samstyre dev-issuer", role=Role.admin, plan_ids=None
            )
            data = RoleMappingCreate(claim=claim, value=value, role=MappedRole(role))
            await service.create_mapping(session, actor, data)
            await session.commit()
            return "created"
    finally:
        await engine.dispose()


@cli.command("dev-issuer")
def dev_issuer(
    role: Annotated[
        str, typer.Option(help="The token's role: reader, editor or admin.")
    ] = "editor",
    port: Annotated[int, typer.Option(help="Loopback port to serve the issuer on.")] = 8900,
    audience: Annotated[str, typer.Option(help="The tokens' `aud`.")] = "samstyre-dev",
    subject: Annotated[str, typer.Option(help="The person's `sub`.")] = "dev-user",
    name: Annotated[str, typer.Option(help="The person's name.")] = "Dev User",
    email: Annotated[str | None, typer.Option(help="The person's e-mail address.")] = None,
    minutes: Annotated[int, typer.Option(help="How long the token is valid.")] = 60,
    map_role: Annotated[
        bool,
        typer.Option(
            "--map/--no-map",
            help="Create the role mapping (roles = samstyre-<role>) in the configured database.",
        ),
    ] = True,
) -> None:
    """A local OpenID Connect issuer for development; prints a token for a role, then serves
    discovery and keys until interrupted. Refused unless SAMSTYRE_DEV=1: it mints tokens for
    any role, with keys that live in memory only."""
    from app.people.dev_issuer import DevIssuer, generate_key

    if os.environ.get(DEV_ENV) != "1":
        typer.echo(
            f"refused: dev-issuer mints tokens for any role; set {DEV_ENV}=1 to run it on a "
            "development machine (never in production)",
            err=True,
        )
        raise typer.Exit(2)
    if role not in ("reader", "editor", "admin"):
        typer.echo("error: --role is reader, editor or admin", err=True)
        raise typer.Exit(2)
    value = f"samstyre-{role}"
    mapping = "not created (--no-map)"
    if map_role:
        try:
            mapping = asyncio.run(_ensure_dev_mapping("roles", value, role))
        except Exception as exc:  # a database not migrated, unreachable, …: say so, serve on
            mapping = f"not created ({exc.__class__.__name__}: run `samstyre migrate` first?)"
    issuer = DevIssuer(port=port, keys=[generate_key("RS256"), generate_key("ES256")]).start()
    claims: dict[str, object] = {"name": name, "roles": [value]}
    if email:
        claims["email"] = email
    token = issuer.token(subject, audience, lifetime=minutes * 60, claims=claims)
    typer.echo(f"dev issuer: {issuer.url} (discovery at /.well-known/openid-configuration)")
    typer.echo("serve the API against it with:")
    typer.echo(
        f"  SAMSTYRE_OIDC_ISSUER={issuer.url} SAMSTYRE_OIDC_AUDIENCE={audience} samstyre serve"
    )
    typer.echo(f'role mapping: claim "roles" = "{value}" -> {role}: {mapping}')
    typer.echo(f"a {role} token for {name} (sub {subject}), valid {minutes} minutes:")
    typer.echo(token)
    sys.stdout.flush()
    issuer.serve_forever()


def render_openapi() -> str:
    """The app's OpenAPI document as committed: indented JSON with a final newline."""
    from app.main import create_app

    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


@cli.command()
def openapi(
    check: Annotated[bool, typer.Option("--check", help="Fail if the file differs.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Update openapi/openapi.json.")] = False,
) -> None:
    """Print, check or write the OpenAPI contract."""
    current = render_openapi()
    if write:
        OPENAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
        OPENAPI_PATH.write_text(current, encoding="utf-8")
        typer.echo(f"wrote {OPENAPI_PATH}")
    elif check:
        committed = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
        if committed != current:
            typer.echo(
                "openapi/openapi.json differs from the app; run `samstyre openapi --write`",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo("openapi/openapi.json matches the app")
    else:
        sys.stdout.write(current)


def main() -> None:
    """Console entry point."""
    cli()
