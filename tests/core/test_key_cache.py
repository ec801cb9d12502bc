"""The per-worker key cache: a key is looked up once per few seconds, a revocation takes
effect at once on the worker that served it and within `key_cache_seconds` on every other."""

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.security import KeyCache, Principal, Role
from tests.aio import ApiClient
from tests.databases import admin_secret, fresh_database
from tests.helpers import assert_problem
from tests.live import live_server


def _key_lookups(counter: Any) -> int:
    return sum("api_keys" in s for s in counter.statements)


def test_a_key_is_looked_up_once_per_ttl(
    reader: ApiClient, count_queries: Any, app: FastAPI
) -> None:
    app.state.key_cache = KeyCache(ttl=5)
    assert reader.get("/api/v1/organizations").status_code == 200  # warm
    count_queries.statements.clear()
    for _ in range(5):
        assert reader.get("/api/v1/organizations").status_code == 200
    assert _key_lookups(count_queries) == 0
    app.state.key_cache = KeyCache(ttl=0)
    for _ in range(3):
        assert reader.get("/api/v1/organizations").status_code == 200
    assert _key_lookups(count_queries) == 3


def test_a_revocation_takes_effect_at_once_on_this_worker(
    admin: ApiClient, client_for: Callable[[str], ApiClient], app: FastAPI
) -> None:
    app.state.key_cache = KeyCache(ttl=5)
    created = admin.post("/api/v1/api-keys", json={"name": "kort", "role": "reader"}).json()
    user = client_for(created["secret"])
    assert user.get("/api/v1/organizations").status_code == 200  # cached now
    assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert_problem(user.get("/api/v1/organizations"), 401)


def test_a_revoked_key_is_not_cached_again_while_it_commits() -> None:
    cache = KeyCache(ttl=5)
    key_id = uuid.uuid4()
    principal = Principal(key_id=key_id, name="k", role=Role.reader, plan_ids=None)
    cache.put("d", principal)
    cache.forget(key_id)
    assert cache.get("d") is None
    cache.put("d", principal)  # a lookup that raced the revocation's commit
    assert cache.get("d") is None


def test_misses_are_not_cached(
    anon: ApiClient, admin: ApiClient, client_for: Callable[[str], ApiClient]
) -> None:
    created = admin.post("/api/v1/api-keys", json={"name": "ny", "role": "reader"}).json()
    assert client_for(created["secret"]).get("/api/v1/organizations").status_code == 200
    assert_problem(client_for("sam_" + "x" * 43).get("/api/v1/organizations"), 401)


def test_other_workers_follow_a_revocation_within_the_cache_delay(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as engine:
        secret = admin_secret(engine)
        url = engine.url.render_as_string(hide_password=False)
        with live_server(url) as a, live_server(url) as b:
            admin = httpx.Client(base_url=a, headers={"Authorization": f"Bearer {secret}"})
            created = admin.post("/api/v1/api-keys", json={"name": "k", "role": "reader"}).json()
            user = {"Authorization": f"Bearer {created['secret']}"}
            assert httpx.get(f"{b}/api/v1/organizations", headers=user).status_code == 200
            assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
            revoked_at = time.monotonic()
            assert httpx.get(f"{a}/api/v1/organizations", headers=user).status_code == 401
            while httpx.get(f"{b}/api/v1/organizations", headers=user).status_code == 200:
                assert time.monotonic() - revoked_at < 5.5, "worker B still trusts the key"
                time.sleep(0.1)
            admin.close()
