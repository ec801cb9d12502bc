"""Fixtures of the meeting tests."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.databases import IN_CI, admin_secret, fresh_database, postgres_available
from tests.live import live_server
from tests.meetings.two_processes import Bases


@pytest.fixture(params=["sqlite", "postgresql"])
def bases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bases]:
    """Two app processes on a fresh database of each backend, and an admin secret."""
    if request.param == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    with fresh_database(request.param, tmp_path) as engine, ExitStack() as stack:
        secret = admin_secret(engine, "concurrency")
        url = engine.url.render_as_string(hide_password=False)
        yield [stack.enter_context(live_server(url)) for _ in range(2)], secret
