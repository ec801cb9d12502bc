"""The database may go away and come back (OWASP API8: fail safe, recover by itself).

A PostgreSQL cluster of the test's own (initdb into a temporary directory, its own port)
is stopped with `pg_ctl stop -m fast` in the middle of a small concurrent load against a
real uvicorn, then started again. While it is away every answer is 200 or a 503
problem+json with `Retry-After` (never a 500, never a dropped connection) and
`/health/ready` says 503; once it is back the same server process answers 200 again.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import (
    TimeoutError as PoolTimeout,
)

from app.core.config import Settings
from app.core.db import make_sync_engine
from app.core.security import Role
from app.main import create_app
from app.migrate import upgrade
from tests.aio import ApiClient
from tests.databases import IN_CI, key_secret
from tests.live import free_port, live_server

PROBLEM = "application/problem+json"


def _postgres_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster; `start()` and `stop()` bring it up and down."""

    bin: Path
    data: Path
    port: int
    as_user: list[str]  # `runuser -u postgres --` when the tests run as root (initdb refuses)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A cluster of this test's own, so that stopping it disturbs no other test."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: they are required)")
        pytest.skip(reason)
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="samstyre-outage-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    subprocess.run(
        [*as_user, *initdb, "--encoding=UTF8", "--no-sync", "--no-instructions"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pg = Cluster(bin_dir, data, free_port(), as_user)
    pg.start()
    try:
        yield pg
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Answer:
    """One request of the load: when, what, and what came back."""

    at: float  # sent
    what: str
    done: float = 0.0  # answered
    status: int | None = None
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""
    error: str | None = None


LOAD: dict[str, Callable[[httpx.Client], httpx.Response]] = {
    "list organizations": lambda c: c.get("/api/v1/organizations"),
    "list contacts": lambda c: c.get("/api/v1/contacts", params={"q": "an"}),
    "create organization": lambda c: c.post(
        "/api/v1/organizations", json={"name": "Outage", "kind": "other"}
    ),
    "list meetings": lambda c: c.get("/api/v1/meetings"),
}
"""The requests of the load, reads and a write, sent in turn by each thread."""


def _load(base: str, secret: str, stop: threading.Event, answers: list[Answer]) -> None:
    """Reads and writes in a loop until told to stop, recording every answer."""
    requests = list(LOAD.items())
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
        i = 0
        while not stop.is_set():
            what, send = requests[i % len(requests)]
            i += 1
            answer = Answer(time.monotonic(), what)
            try:
                response = send(client)
            except httpx.HTTPError as exc:  # a reset, a timeout: the server failed us
                answer.error = f"{exc.__class__.__name__}: {exc}"
            else:
                answer.status = response.status_code
                answer.content_type = response.headers.get("content-type", "")
                answer.retry_after = response.headers.get("retry-after")
                answer.body = response.text[:300]
            answer.done = time.monotonic()
            answers.append(answer)
            time.sleep(0.01)


def _every_kind_answered(answers: list[Answer], since: float, seconds: float = 30) -> None:
    """Wait (a second at least) until each kind of request was sent and answered since then."""
    time.sleep(1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len({a.what for a in list(answers) if a.at >= since}) == len(LOAD):
            return
        time.sleep(0.1)


def _ready(base: str) -> httpx.Response:
    return httpx.get(f"{base}/health/ready", timeout=15)


def _is_unavailable(answer: Answer | httpx.Response) -> bool:
    """A 503 problem+json with a positive `Retry-After` in seconds."""
    status: int | None
    if isinstance(answer, httpx.Response):
        status, content_type = answer.status_code, answer.headers.get("content-type", "")
        retry_after = answer.headers.get("retry-after")
    else:
        status, content_type, retry_after = answer.status, answer.content_type, answer.retry_after
    return (
        status == 503
        and content_type.startswith(PROBLEM)
        and retry_after is not None
        and retry_after.isdigit()
        and int(retry_after) > 0
    )


def test_requests_get_503_with_retry_after_while_the_database_is_away(cluster: Cluster) -> None:
    upgrade(cluster.url)
    engine = make_sync_engine(cluster.url)
    secret = key_secret(engine, "outage", Role.editor)
    engine.dispose()

    answers: list[Answer] = []
    stop = threading.Event()
    with live_server(cluster.url) as base:
        threads = [
            threading.Thread(target=_load, args=(base, secret, stop, answers)) for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        try:
            _every_kind_answered(answers, since=time.monotonic())
            stopping = time.monotonic()
            cluster.stop()  # fast: the server's open connections are cut mid-load
            stopped = time.monotonic()
            _every_kind_answered(answers, since=stopped)
            ready_down = _ready(base)
            starting = time.monotonic()
            cluster.start()
            # the same server process recovers by itself: no restart, no new engine
            deadline = time.monotonic() + 30
            while _ready(base).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.1)
            recovered = time.monotonic()
            _every_kind_answered(answers, since=recovered)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        ready_back = _ready(base)

    assert answers, "the load sent nothing"
    failed = [a for a in answers if a.error is not None]
    assert not failed, f"{len(failed)} requests had no answer, e.g. {failed[:3]}"
    ok = {200, 201}
    wrong = [a for a in answers if a.status not in ok and not _is_unavailable(a)]
    assert not wrong, f"{len(wrong)} answers neither 200 nor 503 problem+json: {wrong[:3]}"

    before = [a for a in answers if a.done < stopping]
    down = [a for a in answers if stopped <= a.at and a.done < starting]
    after = [a for a in answers if a.at >= recovered]
    assert before and all(a.status in ok for a in before), "the load did not work at first"
    assert down and all(_is_unavailable(a) for a in down), (
        f"while the database was away: {sorted({a.status for a in down if a.status})}"
    )
    assert {a.what for a in down} == set(LOAD)

    assert _is_unavailable(ready_down), (ready_down.status_code, ready_down.headers)
    assert ready_down.json()["status"] == 503

    assert ready_back.status_code == 200
    still_down = [(a.what, a.status, a.body) for a in after if a.status not in ok]
    assert after and not still_down, f"after the database came back: {still_down[:3]}"
    assert {a.what for a in after} == set(LOAD)


# Each way a lost database shows itself to the code, raised by a route: the outage test
# above meets OperationalError (refused connections, cut sessions); these are the others.
class _DriverError(Exception):
    """A driver's error carrying a SQLSTATE, as asyncpg's and psycopg's do."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


GONE: dict[str, Exception] = {
    "refused": ConnectionRefusedError(111, "Connection refused"),
    "shutting-down": DBAPIError(
        "SELECT 1", None, _DriverError("the database system is shutting down", "57P01")
    ),
    "starting-up": DBAPIError(
        "SELECT 1", None, _DriverError("the database system is starting up", "57P03")
    ),
    # a release newer than its database: readiness says "not migrated", and so does the API
    "table-missing": ProgrammingError(
        "SELECT 1", None, _DriverError('relation "idempotency_keys" does not exist', "42P01")
    ),
    "operational": OperationalError("SELECT 1", None, Exception("server closed the connection")),
    "interface": InterfaceError("SELECT 1", None, Exception("the connection is closed")),
    "invalidated": DBAPIError("SELECT 1", None, Exception("EOF"), connection_invalidated=True),
    "pool-timeout": PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
}


@pytest.fixture(scope="module")
def raising_client() -> ApiClient:
    """The app with routes raising each database error (none of them touches a database)."""
    app = create_app(Settings(database_url="sqlite://"))

    def raiser(exc: Exception) -> Callable[[], None]:
        def route() -> None:
            raise exc

        return route

    for name, exc in GONE.items():
        app.add_api_route(f"/raise/{name}", raiser(exc))
    bug = ProgrammingError("SELEC 1", None, Exception("syntax error"))
    app.add_api_route("/raise/bug", raiser(bug))
    return ApiClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("name", list(GONE))
def test_every_kind_of_lost_database_is_a_503_with_retry_after(
    raising_client: ApiClient, name: str
) -> None:
    response = raising_client.get(f"/raise/{name}")
    assert _is_unavailable(response), (response.status_code, response.headers, response.text)
    assert response.json()["type"] == "urn:samstyre:problem:unavailable"


def test_other_driver_errors_stay_500(raising_client: ApiClient) -> None:
    # a bug is not an outage: no 503 telling clients to retry what will never work
    response = raising_client.get("/raise/bug")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "retry-after" not in response.headers
    assert "SELEC" not in response.text
