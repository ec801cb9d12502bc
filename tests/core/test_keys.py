"""API keys: random, hashed, shown once, revocable, with roles."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from app.core.security import Role, hash_key
from app.keys.models import ApiKey
from tests.aio import ApiClient, DbSession
from tests.helpers import assert_problem


def test_create_key_shows_secret_once(
    admin: ApiClient, client_for: Callable[[str], ApiClient], db: DbSession
) -> None:
    response = admin.post("/api/v1/api-keys", json={"name": "intranet", "role": "reader"})
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("sam_") and len(secret) >= 4 + 43
    assert response.headers["location"] == f"/api/v1/api-keys/{created['id']}"

    stored = db.scalar(select(ApiKey).where(ApiKey.name == "intranet"))
    assert stored is not None
    assert stored.key_hash == hash_key(secret) and secret not in stored.key_hash

    listed = admin.get("/api/v1/api-keys").json()
    assert "secret" not in str(listed) and secret not in str(listed)
    assert "intranet" in [k["name"] for k in listed["items"]]
    got = admin.get(f"/api/v1/api-keys/{created['id']}")
    assert got.status_code == 200 and "secret" not in got.json()

    assert client_for(secret).get("/api/v1/organizations").status_code == 200


def test_keys_differ(admin: ApiClient) -> None:
    secrets = {
        admin.post("/api/v1/api-keys", json={"name": f"k{i}", "role": "reader"}).json()["secret"]
        for i in range(5)
    }
    assert len(secrets) == 5


def test_revoked_key_stops_working(
    admin: ApiClient, client_for: Callable[[str], ApiClient]
) -> None:
    created = admin.post("/api/v1/api-keys", json={"name": "old", "role": "editor"}).json()
    user = client_for(created["secret"])
    assert user.get("/api/v1/organizations").status_code == 200
    assert admin.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert_problem(user.get("/api/v1/organizations"), 401)
    assert_problem(admin.get(f"/api/v1/api-keys/{created['id']}"), 404)
    listed = admin.get("/api/v1/api-keys", params={"include_revoked": "true"}).json()["items"]
    revoked = next(k for k in listed if k["id"] == created["id"])
    assert revoked["revoked_at"] is not None
    assert created["id"] not in [k["id"] for k in admin.get("/api/v1/api-keys").json()["items"]]


def test_only_admins_manage_keys(editor: ApiClient, reader: ApiClient) -> None:
    for client in (editor, reader):
        assert_problem(client.get("/api/v1/api-keys"), 403)
        assert_problem(client.post("/api/v1/api-keys", json={"name": "x", "role": "admin"}), 403)


def test_roles_are_enforced(
    make_key: Callable[..., str], client_for: Callable[[str], ApiClient]
) -> None:
    payload = {"name": "Org", "kind": "other"}
    reader = client_for(make_key(Role.reader))
    editor = client_for(make_key(Role.editor))
    calendar = client_for(make_key(Role.calendar))
    assert_problem(reader.post("/api/v1/organizations", json=payload), 403)
    assert editor.post("/api/v1/organizations", json=payload).status_code == 201
    assert_problem(calendar.get("/api/v1/organizations"), 403)
    assert reader.get("/api/v1/changes").status_code == 200


def test_plan_ids_must_exist(admin: ApiClient) -> None:
    response = admin.post(
        "/api/v1/api-keys",
        json={"name": "x", "role": "reader", "plan_ids": ["00000000-0000-4000-8000-000000000001"]},
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "plan_ids"]


def test_invalid_role_is_422(admin: ApiClient) -> None:
    assert_problem(admin.post("/api/v1/api-keys", json={"name": "x", "role": "root"}), 422)


def test_cli_prints_the_key_last(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "SAMSTYRE_DATABASE_URL": url}
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "samstyre", "migrate"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [bin_dir / "samstyre", "keys", "create", "--name", "cron", "--role", "editor"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("sam_") and len(secret) > 40
    again = subprocess.run(
        [bin_dir / "samstyre", "keys", "create", "--name", "cron", "--role", "reader"],
        env=env,
        capture_output=True,
        text=True,
    )
    # a second key of the same name is refused with a clear message, not a traceback
    assert again.returncode == 1
    assert "cron" in again.stderr and "exists already" in again.stderr
    assert "Traceback" not in again.stderr and "sam_" not in again.stdout
