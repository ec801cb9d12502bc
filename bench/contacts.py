"""Contact directory benchmark: search and list pages over HTTP, 1k to 100k contacts.

    .venv/bin/python bench/contacts.py [--sizes 1000,10000,100000] [--backends sqlite,postgresql]

Each size gets a fresh, migrated database (a SQLite file; a PostgreSQL database created
and dropped), filled by bulk insert with the same derived columns the API writes
(search text, responsibility tags, sort keys), then analysed (VACUUM ANALYZE on PostgreSQL,
as autovacuum would). The real app runs under uvicorn with one worker on a free loopback
port. Latency (p50/p95) comes from sequential httpx requests (a bounded count); the
throughput with 4 concurrent clients from bench/common.py's `measure` (bounded too).
Prints a Markdown table (and, with --explain, PostgreSQL's plan of the search).
"""

# ruff: noqa: E402 (sys.path is set up before the other imports)

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.schemas import fold
from app.directory import text as derived
from app.directory.models import Contact, Organization
from bench.common import admin_key, database, measure, seed, server


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


GIVEN = _words(
    "Anna Anders Birgitte Bo Camilla Christian Dorte Emil Eva Frederik Gitte Hans Hanne Henrik "
    "Ida Jakob Jens Jesper Karen Kasper Kirsten Lars Line Lone Mads Maja Mette Michael Mikkel "
    "Morten Niels Nina Ole Peter Pia Rasmus Sara Signe Søren Sofie Susanne Thomas Tina Torben "
    "Ulla Åse Æbbe Yusuf Fatima Amira Ali"
)
FAMILY = _words(
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Knudsen Jakobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Schmidt Eriksen "
    "Holm Kristiansen Clausen Simonsen Svendsen Andreasen Iversen Jeppesen Mogensen Jacobsen "
    "Vestergaard Nissen Lauridsen Kjær Jespersen Mohamed Bertelsen Thygesen Skov Nørgaard "
    "Dahl Bech Lassen Bak Kjærgaard Damgaard Østergaard Brøndum Åberg Ærenlund Krog Toft Bang "
    "Juhl Bjerre Bruun Friis Dam Winther Lykke Holst Nygaard Skovgaard Kastrup Dalsgaard "
    "Ravn Egholm Frost Krag Ebbesen Fuglsang Hedegaard Abildgaard Bundgaard Sønderby Hussein "
    "Ahmadi Demir Hassan Rahman Yilmaz Berg Bøgh Ladefoged Munk Bisgaard Lindberg Gram Riis"
)
TITLES = _words(
    "Skolechef;Socialchef;Arbejdsmarkedschef;Direktør;Driftschef;Ejendomsleder;Projektleder;"
    "Boligsocial medarbejder;SSP-konsulent;Skoleleder;Klubleder;Sagsbehandler;Konsulent",
    ";",
)
TAGS = ["skole", "social", "beskæftigelse", "boligsocial", "SSP", "drift", "fritid", "ledelse"]
ORG_KINDS = ["municipality", "housing_organization", "housing_department", "institution", "police"]
SEARCH_SURNAME = "Østergaard"
# the searches measured: upper case (folded), Danish spelled out in two words in the "wrong"
# order (each word found on its own: Søren ≈ soeren, Østergaard ≈ oestergaard), and a phone
# number as people type it (its digits: one contact)
SEARCHES = ("ØSTERGAARD", "oestergaard soeren", "+45 12 00 12 34")


def _fill(size: int) -> Callable[[Session], None]:
    def fill(session: Session) -> None:
        rng = random.Random(size)
        now = utcnow()
        orgs: list[dict[str, Any]] = []
        for i in range(max(20, size // 500)):
            kind = ORG_KINDS[i % len(ORG_KINDS)]
            name = f"{['Nord', 'Syd', 'Øst', 'Vest'][i % 4]}byens {kind.replace('_', ' ')} {i}"
            orgs.append(
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
        session.execute(insert(Organization), orgs)
        batch: list[dict[str, Any]] = []
        for i in range(size):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            org = rng.choice(orgs)
            title = rng.choice(TITLES)
            tags = rng.sample(TAGS, rng.randint(0, 2))
            stamp = now - timedelta(seconds=size - i)
            emails = [
                {"address": f"person{i}@example.org", "label": "work", "visibility": "partnership"}
            ]
            phones = [
                {
                    "number": f"+4512{i % 1_000_000:06d}",
                    "label": "work",
                    "visibility": "restricted" if i % 5 == 0 else "partnership",
                }
            ]
            fields: dict[str, Any] = {
                "job_title": title,
                "organization_name": org["name"],
                "responsibilities": tags,
                "emails": emails,
                "phones": phones,
            }
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "given_name": given,
                    "family_name": family,
                    "job_title": title,
                    "department": None,
                    "organization_id": org["id"],
                    "emails": emails,
                    "phones": phones,
                    "responsibilities": tags,
                    "notes": None,
                    "archived": i % 50 == 0,
                    "erased": False,
                    "search_text": derived.search_text(given, family, **fields),
                    "search_public": derived.search_text(
                        given, family, **fields, levels=derived.PUBLIC
                    ),
                    "search_name": derived.search_name(given, family),
                    "responsibility_tags": derived.responsibility_tags(tags),
                    "sort_family": derived.sort_key(family),
                    "sort_given": derived.sort_key(given),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            if len(batch) == 5000:
                session.execute(insert(Contact), batch)
                batch = []
        if batch:
            session.execute(insert(Contact), batch)

    return fill


def _analyze(engine: Engine) -> None:
    """Statistics and (PostgreSQL) the visibility map, as autovacuum keeps them in production."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _explain(engine: Engine) -> None:
    """PostgreSQL's plan for the search's page query (to check the trigram index is used)."""
    pattern = f"%{derived.like_escape(derived.search_fold(SEARCH_SURNAME))}%"
    with engine.connect() as conn:
        for label, sql in (
            (
                "page",
                "SELECT id FROM contacts WHERE NOT archived AND search_text LIKE :p "
                "ESCAPE '\\' ORDER BY sort_family, sort_given, id LIMIT 50",
            ),
            (
                "count",
                "SELECT count(*) FROM contacts WHERE NOT archived AND search_text LIKE :p "
                "ESCAPE '\\'",
            ),
        ):
            plan = conn.execute(text(f"EXPLAIN ANALYZE {sql}"), {"p": pattern}).scalars()
            print(f"-- {label}:\n" + "\n".join(plan), file=sys.stderr)


TABLE_HEADER = (
    "| database | size | request | p50 ms | p95 ms | req/s, 1 client | req/s, 4 clients |\n"
    "|---|---|---|---|---|---|---|"
)


def latency(base: str, key: str, path: str, requests: int) -> tuple[float, float, float]:
    """p50 and p95 (ms) of `requests` sequential GETs with httpx, and their rate (req/s)."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(20):
            client.get(path).raise_for_status()
        times = []
        started = time.perf_counter()
        for _ in range(requests):
            start = time.perf_counter()
            client.get(path).raise_for_status()
            times.append(time.perf_counter() - start)
        wall = time.perf_counter() - started
    times.sort()
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    return statistics.median(times) * 1000, p95 * 1000, requests / wall


def main() -> None:
    """Run the benchmark for each backend and size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    print(TABLE_HEADER, flush=True)
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            with database(backend) as engine:
                seed(engine, _fill(size))
                _analyze(engine)
                if args.explain and backend == "postgresql":
                    _explain(engine)
                key = admin_key(engine)
                label = f"{size // 1000}k contacts" + (
                    f", {args.workers} workers" if args.workers > 1 else ""
                )
                with server(engine, args.workers) as base:
                    for name, path in (
                        *(
                            (f"search q={q} (limit=50)", f"/api/v1/contacts?q={quote(q)}&limit=50")
                            for q in SEARCHES
                        ),
                        (
                            "plain page (limit=50, offset=100)",
                            "/api/v1/contacts?limit=50&offset=100",
                        ),
                    ):
                        p50, p95, rps = latency(base, key, path, args.requests)
                        loaded = measure(
                            base,
                            key,
                            name,
                            path,
                            requests=args.requests,
                            seconds=args.seconds,
                            concurrency=4 * args.workers,
                        )
                        print(
                            f"| {backend} | {label} | {name} | {p50:.1f} | {p95:.1f} | {rps:.0f} "
                            f"| {loaded.rps:.0f} |",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
