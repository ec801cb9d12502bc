"""Calendar benchmark: the iCalendar feed of a body with 500 meetings, over HTTP.

    .venv/bin/python bench/calendar.py [--meetings 500] [--items 3] [--backends sqlite,postgresql]

Each backend gets a fresh, migrated database with one plan, one alternating board and
`--meetings` meetings a week apart (each with `--items` public agenda items and one internal
one), bulk-inserted. The real app runs under uvicorn with one worker on a loopback port;
the feed asks for a window that holds every meeting. Target: p95 under 200 ms.
Prints a Markdown table.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this module's name would
# shadow the standard library's `calendar`: put the repository there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.core.db import utcnow  # noqa: E402
from app.core.schemas import fold  # noqa: E402
from app.directory.models import Organization  # noqa: E402
from app.governance.models import Body, Plan  # noqa: E402
from app.meetings.models import AgendaItem, Meeting  # noqa: E402
from bench.common import TABLE_HEADER, admin_key, database, measure, seed, server  # noqa: E402

MODES = ["plan_review", "urban_development"]


def _fill(meetings: int, items: int, body_id: uuid.UUID) -> Callable[[Session], None]:
    def fill(session: Session) -> None:
        now = utcnow()
        stamps = {"created_at": now, "updated_at": now}
        town = uuid.uuid4()
        session.execute(
            insert(Organization),
            [
                {
                    "id": town,
                    "name": "Randers Kommune",
                    "name_folded": fold("Randers Kommune"),
                    "kind": "municipality",
                    "municipality_code": "730",
                    "archived": False,
                    **stamps,
                }
            ],
        )
        plan = uuid.uuid4()
        session.execute(
            insert(Plan),
            [
                {
                    "id": plan,
                    "name": "Helhedsplan",
                    "name_folded": "helhedsplan",
                    "municipality_id": town,
                    "areas": [],
                    "focus_areas": [],
                    "status": "active",
                    **stamps,
                }
            ],
        )
        session.execute(
            insert(Body),
            [
                {
                    "id": body_id,
                    "plan_id": plan,
                    "kind": "board",
                    "name": "Bestyrelsen",
                    "name_folded": "bestyrelsen",
                    "meeting_rotation": MODES,
                    "agenda_format": "standard",
                    "active": True,
                    **stamps,
                }
            ],
        )
        first = datetime(2020, 1, 7, 13, tzinfo=UTC)
        rows: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        for i in range(meetings):
            mid = uuid.uuid4()
            start = first + timedelta(weeks=i)
            rows.append(
                {
                    "id": mid,
                    "body_id": body_id,
                    "title": "Bestyrelsesmøde",
                    "mode": MODES[i % 2],
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=2),
                    "location": "Rådhuset, Laksetorvet, 8900 Randers C",
                    "status": "planned",
                    "sequence": i % 5,
                    **stamps,
                }
            )
            for position in range(1, items + 2):
                item_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "meeting_id": mid,
                        "position": position,
                        "title": f"Punkt {position}: status på indsatsen",
                        "kind": "discussion",
                        "within_plan": True,
                        "public": position <= items,
                        **stamps,
                    }
                )
        session.execute(insert(Meeting), rows)
        session.execute(insert(AgendaItem), item_rows)

    return fill


def main() -> None:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(TABLE_HEADER)
    for backend in args.backends.split(","):
        with database(backend) as engine:
            body_id = uuid.uuid4()
            seed(engine, _fill(args.meetings, args.items, body_id))
            key = admin_key(engine)
            with server(engine) as base:
                size = f"{args.meetings} meetings"
                path = f"/api/v1/bodies/{body_id}/meetings.ics?from=2000-01-01&to=2100-01-01"
                for name, concurrency in [
                    ("body feed .ics (1 client)", 1),
                    ("body feed .ics (4 clients)", 4),
                ]:
                    timing = measure(
                        base, key, name, path, requests=args.requests, concurrency=concurrency
                    )
                    print(timing.row(backend, size), flush=True)


if __name__ == "__main__":
    main()
