"""Fuzz the committed contract against a live server with schemathesis (part of `make test`).

Starts uvicorn on a fresh database (SQLite by default; `--database postgresql` for a
throwaway PostgreSQL database) with demo data and an admin key, then runs every phase,
the stateful one included, with the checks the project requires.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.databases import IN_CI, fresh_database, postgres_available  # noqa: E402
from tests.live import live_server  # noqa: E402

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "ignored_auth",
        "use_after_free",
        "unsupported_method",
    ]
)


def _run(database: str, max_examples: int, seed: int) -> int:
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp, fresh_database(database, Path(tmp)) as engine:
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        env = {**os.environ, "SAMSTYRE_DATABASE_URL": url, "SAMSTYRE_LOG_LEVEL": "warning"}
        subprocess.run([bin_dir / "samstyre", "seed-demo"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(
            [bin_dir / "samstyre", "keys", "create", "--name", "schemathesis", "--role", "admin"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        key = out.strip().splitlines()[-1]
        with live_server(url) as base:
            cmd = [
                str(bin_dir / "schemathesis"),
                "run",
                str(ROOT / "openapi" / "openapi.json"),
                "--url",
                base,
                "-H",
                f"Authorization: Bearer {key}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                "--workers",
                "1",
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "20",
            ]
            print(f"schemathesis on {database}: {' '.join(cmd[2:4])} …", flush=True)
            return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def main() -> int:
    """Run schemathesis; exit non-zero on any failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    if args.database == "postgresql" and (reason := postgres_available()):
        if IN_CI:
            print(f"{reason} (CI=true: PostgreSQL is required)", file=sys.stderr)
            return 1
        print(f"schemathesis on postgresql skipped: {reason}")
        return 0
    return _run(args.database, args.max_examples, args.seed)


if __name__ == "__main__":
    sys.exit(main())
