"""Foundation benchmark: organization list pages and searches over HTTP, both databases.

    .venv/bin/python bench/run.py [--organizations 2000] [--requests 400]

One uvicorn worker, 4 concurrent clients on loopback. Prints a Markdown table.
"""

import argparse
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.schemas import fold
from app.directory import text as derived
from app.directory.models import Organization
from bench.common import TABLE_HEADER, admin_key, database, measure, seed, server

KINDS = ["municipality", "housing_organization", "housing_department", "institution", "other"]


def _fill(count: int) -> Callable[[Session], None]:
    def fill(session: Session) -> None:
        now = utcnow()
        rows = []
        for i in range(count):
            name = f"Organisation {i:05d} {['Nord', 'Syd', 'Øst', 'Vest'][i % 4]}"
            kind = KINDS[i % len(KINDS)]
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "name": name,
                    "name_folded": fold(name),
                    "search_text": derived.organization_search_text(name),
                    "search_name": derived.search_name(name),
                    "sort_name": derived.sort_key(name),
                    "kind": kind,
                    "municipality_code": "730" if kind == "municipality" else None,
                    "archived": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Organization), rows)

    return fill


def main() -> None:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    print(TABLE_HEADER)
    for backend in args.backends.split(","):
        with database(backend) as engine:
            seed(engine, _fill(args.organizations))
            key = admin_key(engine)
            with server(engine, args.workers) as base:
                size = f"{args.organizations} orgs, {args.workers} worker(s)"
                for name, path in [
                    ("list page (limit=50)", "/api/v1/organizations?limit=50&offset=500"),
                    ("search q=øst (limit=50)", "/api/v1/organizations?q=%C3%B8st&limit=50"),
                    ("get one", None),
                ]:
                    if path is None:
                        first = httpx.get(
                            f"{base}/api/v1/organizations?limit=1",
                            headers={"Authorization": f"Bearer {key}"},
                        ).json()["items"][0]["id"]
                        path = f"/api/v1/organizations/{first}"
                    timing = measure(
                        base, key, name, path, requests=args.requests, concurrency=4 * args.workers
                    )
                    print(timing.row(backend, size), flush=True)


if __name__ == "__main__":
    main()
