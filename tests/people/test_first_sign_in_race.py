"""A person's first requests, at once, on two server processes: every one answers, and the
person is recorded once (the unique issuer + sub decides; the loser reads the winner's row)."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.people.dev_issuer import DevIssuer
from tests.conftest import AUDIENCE
from tests.databases import IN_CI, admin_secret, fresh_database, postgres_available
from tests.live import live_server

REQUESTS = 16


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_first_requests_record_the_person_once(
    backend: str, tmp_path: Path, issuer: DevIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "postgresql" and (reason := postgres_available()) is not None:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    monkeypatch.setenv("SAMSTYRE_OIDC_ISSUER", issuer.url)
    monkeypatch.setenv("SAMSTYRE_OIDC_AUDIENCE", AUDIENCE)
    with fresh_database(backend, tmp_path) as engine, ExitStack() as stack:
        secret = admin_secret(engine, "race")
        url = engine.url.render_as_string(hide_password=False)
        bases = [stack.enter_context(live_server(url)) for _ in range(2)]
        mapping = {"claim": "groups", "value": "g-race", "role": "reader"}
        made = httpx.post(
            f"{bases[0]}/api/v1/role-mappings",
            json=mapping,
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert made.status_code == 201, made.text
        token = issuer.token("sub-race", AUDIENCE, claims={"name": "Ras", "groups": ["g-race"]})

        def me(i: int) -> tuple[int, str]:
            answer = httpx.get(
                f"{bases[i % 2]}/api/v1/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            return answer.status_code, answer.json().get("id", answer.text)

        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = list(pool.map(me, range(REQUESTS)))
        assert {status for status, _ in answers} == {200}, answers
        assert len({user_id for _, user_id in answers}) == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
