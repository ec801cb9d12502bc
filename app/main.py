"""The application factory: routers, middleware, error handlers, docs without a CDN."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

from app.changes.router import router as changes_router
from app.core.concurrency import InFlightLimit
from app.core.config import Settings, get_settings
from app.core.contract import finish_contract
from app.core.db import engine_options, make_engine, make_read_sessionmaker, make_sessionmaker
from app.core.errors import Problem, install_error_handlers
from app.core.headers import docs_policy, install_security_headers, redoc_policy
from app.core.idempotency import Idempotency, document_idempotency
from app.core.limits import BodySizeLimit
from app.core.metrics import install_metrics, worker_exit
from app.core.observability import REQUEST_ID_HEADER, configure_logging, install_request_context
from app.core.oidc import OidcVerifier
from app.core.pgread import HeldConnections
from app.core.query import refuse_unknown_query
from app.core.redaction import install_log_redaction
from app.core.security import KeyCache
from app.core.semantics import HeadAsGet, JsonBodiesOnly
from app.core.totals import TotalCache
from app.directory.router_contacts import router as contacts_router
from app.directory.router_organizations import router as organizations_router
from app.governance.router_bodies import router as bodies_router
from app.governance.router_memberships import router as memberships_router
from app.governance.router_plans import router as plans_router
from app.governance.router_vocabularies import router as vocabularies_router
from app.health import Readiness
from app.health import router as health_router
from app.keys.router import router as keys_router
from app.meetings.router_actions import router as actions_router
from app.meetings.router_agenda import router as agenda_router
from app.meetings.router_calendar import router as calendar_router
from app.meetings.router_decisions import router as decisions_router
from app.meetings.router_meetings import router as meetings_router
from app.people.router import mappings_router, me_router, users_router

API_TITLE = "Samstyre"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Governance backend for Danish social-housing partnerships (boligsociale helhedsplaner): "
    "bodies and members, meetings that alternate modes, decisions flowing to the board, "
    "and the partnership's contact directory. Errors are RFC 9457 problem+json."
)

# FastAPI (0.165) tries routers, and each router's routes, in order on every request, so the
# most read come first: the directory, then the meetings (each router lists its most read
# routes first too). Order matters only where paths overlap: none of these do (a meeting's
# id is a UUID by its path converter, so `/meetings/{id}` never captures `{id}.ics`).
ROUTERS = [
    contacts_router,
    meetings_router,
    calendar_router,
    health_router,
    keys_router,
    mappings_router,
    users_router,
    me_router,
    changes_router,
    organizations_router,
    plans_router,
    bodies_router,
    memberships_router,
    vocabularies_router,
    agenda_router,
    decisions_router,
    actions_router,
]


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    document_idempotency(schema)
    finish_contract(schema, [route for router in ROUTERS for route in router.routes])
    app.openapi_schema = schema
    return schema


def oidc_verifier(settings: Settings) -> OidcVerifier | None:
    """The sign-in token verifier of this worker, when an issuer is configured."""
    if settings.oidc_issuer is None or settings.oidc_audience is None:
        return None
    return OidcVerifier(
        settings.oidc_issuer,
        settings.oidc_audience,
        settings.oidc_algorithms,
        leeway=settings.oidc_leeway_seconds,
        timeout=settings.oidc_timeout_seconds,
        cache_seconds=settings.oidc_jwks_cache_seconds,
    )


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> FastAPI:
    """Build the ASGI application."""
    settings = settings or get_settings()
    configure_logging(settings)
    owned_engine = engine is None
    app_engine = engine or make_engine(
        settings.database_url, **engine_options(settings.database_url, settings.db_pool_size)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What start-up made (routes, models, schemas) lives as long as the process: frozen,
        # out of the collector's way, a full collection walks only what requests make; and
        # collections come after 50,000 allocations, not 700 (a request makes thousands).
        # Measured on a page of 50 contacts: p99 at -c4 70 → 19 ms; at -c32 +14 % req/s,
        # one contact +10 %.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        yield
        worker_exit()
        if app.state.held_reads is not None:
            await app.state.held_reads.close()
        if owned_engine:  # an engine passed in (tests) belongs to the caller
            await app_engine.dispose()

    # here, not in `serve`: the filter must hold however uvicorn is started
    install_log_redaction()
    app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Starlette's slash redirect writes `Location` from the Host header, which the
        # client chooses; the API's paths have no trailing slash, so `/x/` is a plain 404.
        redirect_slashes=False,
        dependencies=[Depends(refuse_unknown_query)],
        # Observability is the app's own (Prometheus metrics, JSON access lines with the
        # request id: core/metrics.py, core/observability.py). FastAPI's OpenTelemetry hooks
        # asked on every request whether a provider had been configured since (3 environment
        # lookups a request; nothing here configures one).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.engine = app_engine
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.read_sessionmaker = make_read_sessionmaker(app.state.engine)
    # PostgreSQL writes the hottest reads' JSON itself (core/pgread.py); on connections this
    # worker holds, unless the app was given an engine (tests: their connection instead)
    app.state.json_reads = app_engine.dialect.name == "postgresql"
    app.state.held_reads = (
        HeldConnections(settings.database_url, settings.max_in_flight or settings.db_pool_size)
        if app.state.json_reads and owned_engine
        else None
    )
    app.state.totals = TotalCache()  # list totals, proven current per query (core/totals.py)
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    # signed-in people, by a digest of their token: as long as keys (a token's claims do not
    # change; a role-mapping write clears it on this worker)
    app.state.user_cache = KeyCache(settings.key_cache_seconds)
    app.state.oidc = oidc_verifier(settings)
    app.state.readiness = Readiness()

    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    static = resources.files("fastapi_offline") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    docs_page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{API_TITLE} API",
        swagger_js_url="/static/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui.css",
        swagger_favicon_url="/static/favicon.png",
        # no badge fetched from validator.swagger.io: the page loads only its own assets
        swagger_ui_parameters={"validatorUrl": None},
    ).body
    docs_csp = docs_policy(bytes(docs_page).decode())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(docs_page)

    redoc_page = get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{API_TITLE} API",
        redoc_js_url="/static/redoc.standalone.js",
        redoc_favicon_url="/static/favicon.png",
        with_google_fonts=False,  # the page loads only its own assets
    ).body

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(redoc_page)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    # innermost, next to the router: HEAD runs as GET there, every middleware outside sees HEAD
    app.add_middleware(HeadAsGet)
    # 415 when the chosen route reads its body: inside Idempotency, which reads bodies first
    app.add_middleware(JsonBodiesOnly)
    # inside CORS and the body limit: replays get CORS headers, bodies are read whole here
    app.add_middleware(Idempotency)
    # inside CORS, so that a browser can read a 413
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.max_in_flight:
        # outside the body limit and everything that reads or answers: a request waits here
        # before any work is done for it
        app.add_middleware(InFlightLimit, limit=settings.max_in_flight)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                REQUEST_ID_HEADER,
            ],
            expose_headers=["ETag", "Link", "Location", "Idempotent-Replayed", REQUEST_ID_HEADER],
        )
    # around everything, so 413s, CORS answers and 500s carry the headers too
    install_security_headers(app, policies={"/docs": docs_csp, "/redoc": redoc_policy()})
    # outermost: the request id, the access line and the metrics cover every answer (500s too)
    metrics = install_metrics(app, settings, API_VERSION)
    install_request_context(app, text=settings.log_format == "text", metrics=metrics)
    return app


def __getattr__(name: str) -> Any:
    # `app.main:app` for uvicorn, built on first access so importing this module is free.
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
