"""Prometheus metrics at `/metrics`: off (404) unless `SAMSTYRE_METRICS_TOKEN` is set.

Per request (`HttpMetrics`, called by `observability.RequestContext`): a counter by method,
route template and status, a latency histogram by method and route template, and the
requests in flight. At scrape time: the database connections in use, the change log's
newest `seq` (one query) and the build.

Several workers: with `PROMETHEUS_MULTIPROC_DIR` set (before the process starts; `samstyre
serve --workers N` makes a fresh one), prometheus-client keeps every worker's values in
files there and a scrape, whichever worker answers it, adds them up. The pool gauge is then
kept by pool events in each worker (a scrape-time read would see one worker's pool only).
"""

import hmac
import logging
import os
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.errors import Unauthorized

log = logging.getLogger("samstyre")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client decides at import whether values live in files; so does this module
MULTIPROCESS = bool(os.environ.get(MULTIPROC_ENV))

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Not in prometheus-client's global registry: a scrape assembles its own (see `_Scrape`).
REQUESTS = Counter(
    "samstyre_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
    registry=None,
)
DURATION = Histogram(
    "samstyre_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ("method", "route"),
    buckets=_BUCKETS,
    registry=None,
)
IN_FLIGHT = Gauge(
    "samstyre_http_requests_in_flight",
    "HTTP requests being answered.",
    registry=None,
    multiprocess_mode="livesum",
)
POOL_IN_USE_HELP = "Database connections checked out of the pool."
POOL_IN_USE = Gauge(
    "samstyre_db_pool_in_use",
    POOL_IN_USE_HELP,
    registry=None,
    multiprocess_mode="livesum",
)


class HttpMetrics:
    """Records one request; label children are cached (their number is bounded: methods
    outside the standard ones count as `other`, routes are templates)."""

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}

    def started(self) -> None:
        IN_FLIGHT.inc()

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        IN_FLIGHT.dec()
        if method not in _METHODS:
            method = "other"
        key = (method, route, status)
        counter = self._requests.get(key)
        if counter is None:
            counter = self._requests[key] = REQUESTS.labels(method, route, str(status))
        counter.inc()
        histogram = self._durations.get(key[:2])
        if histogram is None:
            histogram = self._durations[key[:2]] = DURATION.labels(method, route)
        histogram.observe(seconds)


def _package_version() -> str:
    try:
        return version("samstyre")
    except PackageNotFoundError:
        return "unknown"


class _Scrape:
    """A collector of one scrape: the request metrics plus the values read for it."""

    def __init__(self, extra: list[Metric]) -> None:
        self.extra = extra

    def collect(self) -> Iterable[Metric]:
        if MULTIPROCESS:
            yield from MultiProcessCollector(None).collect()  # type: ignore[no-untyped-call]
        else:
            for metric in (REQUESTS, DURATION, IN_FLIGHT):
                yield from metric.collect()
        yield from self.extra


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    # compared in constant time whatever was sent
    matches = hmac.compare_digest(given.strip().encode(), token.encode())
    return scheme.lower() == "bearer" and matches


async def _last_seq(request: Request) -> int | None:
    try:
        async with request.app.state.read_sessionmaker() as session:
            seq = await session.scalar(text("SELECT max(seq) FROM changes"))
    except Exception as exc:  # the scrape still answers; the series is left out
        log.warning("metrics: the change log could not be read: %s", exc.__class__.__name__)
        return None
    return int(seq or 0)


def install_metrics(app: FastAPI, settings: Settings, api_version: str) -> HttpMetrics | None:
    """Add `/metrics` when a token is configured; the request recorder, or None when off."""
    if settings.metrics_token is None:
        return None
    token = settings.metrics_token.get_secret_value()
    engine: AsyncEngine = app.state.engine
    if MULTIPROCESS:
        _count_pool_checkouts(engine)
    build = GaugeMetricFamily(
        "samstyre_build_info",
        "The running release: package and API versions.",
        labels=["version", "api_version"],
    )
    build.add_metric([_package_version(), api_version], 1)

    async def metrics(request: Request) -> Response:
        if not _bearer_matches(request.headers.get("authorization"), token):
            raise Unauthorized("The metrics token is required.")
        extra: list[Metric] = [build]
        if not MULTIPROCESS:
            checked_out = getattr(engine.sync_engine.pool, "checkedout", None)
            if checked_out is not None:
                extra.append(_gauge("samstyre_db_pool_in_use", POOL_IN_USE_HELP, checked_out()))
        seq = await _last_seq(request)
        if seq is not None:
            extra.append(_gauge("samstyre_changes_last_seq", "The change log's newest seq.", seq))
        body = generate_latest(_Scrape(extra))
        return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    return HttpMetrics()


def _count_pool_checkouts(engine: AsyncEngine) -> None:
    pool = engine.sync_engine
    if not event.contains(pool, "checkout", _checked_out):
        event.listen(pool, "checkout", _checked_out)
        event.listen(pool, "checkin", _checked_in)


def _checked_out(*_args: object) -> None:
    POOL_IN_USE.inc()


def _checked_in(*_args: object) -> None:
    POOL_IN_USE.dec()


def worker_exit() -> None:
    """In multiprocess mode, drop this worker's live gauges (in flight, pool) from scrapes."""
    if MULTIPROCESS:
        mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
