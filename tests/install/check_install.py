"""The production install starts: `python -m tests.install.check_install`.

What the Dockerfile does, in a temporary directory: copy the files it copies, build the
wheel, install it *without extras* into a fresh virtualenv, then with that virtualenv's
`samstyre` migrate, load the demo data, create a key, serve with its own uvicorn
(`SAMSTYRE_HOME` pointing at the copy, the working directory elsewhere, so nothing comes
from the source tree) and fetch a list, a contact and a calendar feed over HTTP.

Before that, a static check: every top-level import under `app/` (and every
`resources.files("pkg")`) is the standard library, `app` itself, or a distribution named
in `[project] dependencies` — never only an extra.

pip's cache is reused between runs; `--database` picks SQLite, PostgreSQL or both (the
default; with CI=true an unreachable PostgreSQL is a failure, otherwise it is left out).
"""

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import packages_distributions
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python tests/install/check_install.py`
    sys.path.insert(0, str(ROOT))

from tests.databases import IN_CI, POSTGRES_URL, postgres_available  # noqa: E402
from tests.live import free_port, wait_ready  # noqa: E402

# What the Dockerfile copies into the image (and SAMSTYRE_HOME points at).
IMAGE_FILES = ["pyproject.toml", "README.md", "alembic.ini", "app", "migrations", "openapi"]

# Imported directly but installed by the declared dependency that is built on it.
PROVIDED_BY = {"starlette": "fastapi", "pydantic_core": "pydantic"}


class CheckFailed(Exception):
    """The install check found a problem."""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> set[str]:
    """The distribution names in `[project] dependencies` (extras of them ignored)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {
        _normalise(re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]) for req in project["dependencies"]
    }


def imported_modules(package: Path) -> dict[str, set[str]]:
    """Top-level modules imported under `package` → the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("files", "import_module")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]  # resources.files("pkg"), import_module("pkg")
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(rel)
    return found


def check_imports() -> list[str]:
    """Problems: imports under app/ that no runtime dependency provides."""
    runtime = runtime_requirements()
    owners = packages_distributions()
    problems = []
    for module, files in sorted(imported_modules(ROOT / "app").items()):
        if module == "app" or module in sys.stdlib_module_names:
            continue
        dists = {_normalise(d) for d in owners.get(module, [])}
        via = PROVIDED_BY.get(module)
        if dists & runtime or (via is not None and via in runtime):
            continue
        where = ", ".join(sorted(files)[:3])
        names = ", ".join(sorted(dists)) or "no installed distribution"
        problems.append(
            f"`{module}` ({names}) is imported by {where} but is not in [project] dependencies"
        )
    return problems


def run(cmd: list[str | Path], env: dict[str, str], cwd: Path, what: str) -> str:
    """Run a command; its stdout, or CheckFailed with its output."""
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CheckFailed(f"{what} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def build_and_install(work: Path) -> tuple[Path, Path]:
    """Copy the image's files, build the wheel, install it without extras; (home, venv)."""
    home = work / "home"
    home.mkdir()
    for name in IMAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, home / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, home / name)
    venv = work / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # A bare virtualenv, filled by this interpreter's pip (`--python`): seconds faster than
    # installing a pip of its own into it.
    run([sys.executable, "-m", "venv", "--without-pip", venv], env, work, "python -m venv")
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--quiet", "--no-input"]
    run([*pip, "wheel", "--no-deps", "--wheel-dir", work / "dist", home], env, work, "pip wheel")
    wheels = sorted((work / "dist").glob("samstyre-*.whl"))
    if len(wheels) != 1:
        raise CheckFailed(f"expected one samstyre wheel, found {wheels}")
    install: list[str | Path] = ["--python", venv / "bin" / "python", "install", wheels[0]]
    run([*pip, *install], env, work, "pip install <wheel> (no extras)")
    shutil.rmtree(home / "app")  # the server must run from the wheel, never from a copy
    return home, venv


def check_installed_modules(venv: Path, env: dict[str, str], cwd: Path) -> None:
    """Every module of the installed package imports (CLI, demo, feeds: all of them)."""
    script = (
        "import importlib, pkgutil, app, sys\n"
        "assert 'site-packages' in app.__file__, app.__file__\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    run([venv / "bin" / "python", "-c", script], env, cwd, "importing every installed module")


@contextmanager
def serve(venv: Path, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """The installed uvicorn serving the installed app; yields the base URL."""
    port = free_port()
    log = cwd / f"uvicorn-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [venv / "bin" / "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_ready(base, proc=proc)
        except RuntimeError:
            raise CheckFailed(f"the installed server did not start:\n{log.read_text()}") from None
        yield base
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


def expect(response: httpx.Response, status: int = 200) -> httpx.Response:
    """The response, if it has the status; else CheckFailed."""
    if response.status_code != status:
        raise CheckFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, not {status}: {response.text[:500]}"
        )
    return response


def exercise(venv: Path, home: Path, database_url: str, cwd: Path) -> None:
    """Migrate, seed, create a key, serve; fetch a list, a contact, a feed, the docs."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env |= {"SAMSTYRE_HOME": str(home), "SAMSTYRE_DATABASE_URL": database_url}
    samstyre = venv / "bin" / "samstyre"
    run([samstyre, "migrate"], env, cwd, "samstyre migrate")
    run([samstyre, "seed-demo"], env, cwd, "samstyre seed-demo")
    out = run(
        [samstyre, "keys", "create", "--name", "install-check", "--role", "reader"],
        env,
        cwd,
        "samstyre keys create",
    )
    secret = out.strip().splitlines()[-1]
    with serve(venv, env, cwd) as base, httpx.Client(base_url=base, timeout=10) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        orgs = expect(client.get("/api/v1/organizations")).json()
        if not orgs["items"]:
            raise CheckFailed("the demo organizations are missing")
        contacts = expect(client.get("/api/v1/contacts", params={"limit": 5})).json()
        if not contacts["items"]:
            raise CheckFailed("the demo contacts are missing")
        contact_id = contacts["items"][0]["id"]
        contact = expect(client.get(f"/api/v1/contacts/{contact_id}"))
        if contact.json()["id"] != contact_id or "etag" not in contact.headers:
            raise CheckFailed(f"unexpected contact: {contact.text[:300]}")
        feed = expect(client.get("/api/v1/calendar.ics"))
        if not feed.headers["content-type"].startswith("text/calendar"):
            raise CheckFailed(f"the feed is {feed.headers['content-type']}")
        if not feed.text.startswith("BEGIN:VCALENDAR") or "BEGIN:VEVENT" not in feed.text:
            raise CheckFailed(f"the feed has no events: {feed.text[:300]}")
        expect(client.get("/docs"))
        expect(client.get("/static/swagger-ui-bundle.js"))
    check_installed_modules(venv, env, cwd)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the test PostgreSQL server, dropped afterwards; yields its URL."""
    url = make_url(POSTGRES_URL)
    name = f"samstyre_install_{uuid.uuid4().hex[:12]}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    """Run the check; 0 when the installed server works."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    args = parser.parse_args()
    started = time.monotonic()
    failures = [f"static: {problem}" for problem in check_imports()]

    backends = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in backends and (reason := postgres_available()) is not None:
        if IN_CI or args.database == "postgresql":
            failures.append(f"postgresql: {reason}")
        else:
            print(f"install check: PostgreSQL left out ({reason})", file=sys.stderr)
        backends.remove("postgresql")

    work = Path(tempfile.mkdtemp(prefix="samstyre-install-"))
    try:
        try:
            home, venv = build_and_install(work)
        except CheckFailed as exc:
            failures.append(f"install: {exc}")
            backends = []
        installed = time.monotonic()
        for backend in backends:
            run_dir = work / f"run-{backend}"
            run_dir.mkdir()
            try:
                if backend == "sqlite":
                    exercise(venv, home, f"sqlite:///{run_dir / 'samstyre.db'}", run_dir)
                else:
                    with postgres_database() as url:
                        exercise(venv, home, url, run_dir)
            except CheckFailed as exc:
                failures.append(f"{backend}: {exc}")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    done = time.monotonic()
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        print(f"install check FAILED ({done - started:.1f} s)", file=sys.stderr)
        return 1
    print(
        f"install check passed on {', '.join(backends)}: wheel installed without extras in "
        f"{installed - started:.1f} s, served and fetched in {done - installed:.1f} s "
        f"({done - started:.1f} s in all)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
