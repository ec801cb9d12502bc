"""Issue 13: search that knows Danish spelling, relevance first, Danish order, and the
migration that backfills the new columns (its frozen folding agrees with the app)."""

import importlib.util
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from app.directory import text as derived
from app.migrate import alembic_config
from tests.aio import ApiClient
from tests.conftest import QueryCounter
from tests.databases import IN_CI, fresh_database, postgres_available
from tests.directory.contacts_support import contact
from tests.helpers import assert_problem, municipality, organization


def _names(client: ApiClient, path: str = "/api/v1/contacts", **params: str) -> list[str]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    key = "display_name" if path == "/api/v1/contacts" else "name"
    return [c[key] for c in response.json()["items"]]


def test_the_searches_that_found_nothing(editor: ApiClient, reader: ApiClient) -> None:
    """The failing searches listed in issue 13, one by one."""
    gudenaa = organization(editor, name="Boligforeningen Gudenå", kind="housing_organization")
    municipality(editor, name="Aarhus Kommune", code="751")
    contact(editor, given="Søren", family="Østergaard")
    contact(editor, given="Mette", family="Kjærgaard")
    contact(editor, given="Lis", family="Åberg", organization_id=gudenaa["id"])
    contact(editor, given="Søren", family="Aagaard")
    contact(
        editor,
        given="Bo",
        family="Holm",
        department="Børn og Unge",
        emails=[{"address": "bho@randers.example.org"}],
        phones=[{"number": "+45 12 34 56 01"}],
    )
    # (Aagaard sorts as Ågaard: after Østergaard)
    assert _names(reader, q="soren") == ["Søren Østergaard", "Søren Aagaard"]
    assert _names(reader, q="soeren") == ["Søren Østergaard", "Søren Aagaard"]
    assert _names(reader, q="kjaergaard") == ["Mette Kjærgaard"]
    assert _names(reader, q="aaberg") == ["Lis Åberg"]
    assert _names(reader, q="gudenaa") == ["Lis Åberg"]
    assert _names(reader, "/api/v1/organizations", q="Århus") == ["Aarhus Kommune"]
    assert _names(reader, "/api/v1/organizations", q="Aarhus") == ["Aarhus Kommune"]
    assert _names(reader, "/api/v1/organizations", q="gudenaa") == ["Boligforeningen Gudenå"]
    assert _names(reader, q="Aagaard Søren") == ["Søren Aagaard"]
    assert _names(reader, q="bho@randers.example.org") == ["Bo Holm"]
    assert _names(reader, q="12345601") == ["Bo Holm"]
    assert _names(reader, q="børn og unge") == ["Bo Holm"]


def test_equivalences_hold_both_ways(editor: ApiClient, reader: ApiClient) -> None:
    contact(editor, given="Soeren", family="Aaberg")
    contact(editor, given="Jose", family="Kaergaard")
    contact(editor, given="Rene", family="Ørsted")
    contact(editor, given="Olé", family="Müller")
    assert _names(reader, q="søren åberg") == ["Soeren Aaberg"]
    assert _names(reader, q="SÖREN") == ["Soeren Aaberg"]
    assert _names(reader, q="josé kærgaard") == ["Jose Kaergaard"]
    assert _names(reader, q="kägaard") == []  # ä is æ, not a
    assert _names(reader, q="rené oersted") == ["Rene Ørsted"]
    assert _names(reader, q="orsted") == ["Rene Ørsted"]
    assert _names(reader, q="ole muller") == ["Olé Müller"]
    # a part of a word that starts inside "oe" is still found
    assert _names(reader, q="eren") == ["Soeren Aaberg"]
    assert _names(reader, q="nobody") == []


def test_words_in_any_order_each_must_match(editor: ApiClient, reader: ApiClient) -> None:
    org = municipality(editor)
    contact(editor, given="Anna", family="Berg", job_title="Skolechef", organization_id=org["id"])
    contact(editor, given="Anna", family="Dahl", job_title="Socialchef")
    assert _names(reader, q="randers anna") == ["Anna Berg"]
    assert _names(reader, q="chef anna") == ["Anna Berg", "Anna Dahl"]
    assert _names(reader, q="anna skole randers") == ["Anna Berg"]
    assert _names(reader, q="anna politi") == []
    assert _names(reader, q="  anna   ") == ["Anna Berg", "Anna Dahl"]
    too_many = reader.get("/api/v1/contacts", params={"q": " ".join("abcdefghijk")})
    body = assert_problem(too_many, 422)
    assert body["errors"][0]["loc"] == ["query", "q"]
    assert_problem(reader.get("/api/v1/organizations", params={"q": "a " * 11}), 422)


def test_phones_by_digits_with_or_without_45(editor: ApiClient, reader: ApiClient) -> None:
    contact(
        editor,
        given="Bo",
        family="Holm",
        phones=[
            {"number": "12 34 56 01"},
            {"number": "+46 8 123 456 78", "label": "mobile"},
            {"number": "12 34 56 99", "label": "home", "visibility": "restricted"},
        ],
    )
    contact(editor, given="Eva", family="Lund", phones=[{"number": "12 34 56 02"}])
    for query in ("12345601", "12 34 56 01", "+45 12 34 56 01", "0045 1234 5601", "4512345601"):
        assert _names(reader, q=query) == ["Bo Holm"], query
    assert _names(reader, q="+46 8 123 456 78") == ["Bo Holm"]
    assert _names(reader, q="123456") == ["Bo Holm", "Eva Lund"]
    # a restricted number is never searched: the search must not reveal what the list hides
    assert _names(reader, q="12345699") == []


def test_relevance_first_then_the_usual_order(editor: ApiClient, reader: ApiClient) -> None:
    org = organization(editor, name="Bergs Boliger")
    contact(editor, given="Carl", family="Lindberg")
    contact(editor, given="Ib", family="Aabo", organization_id=org["id"])
    contact(editor, given="Anna", family="Bergstrøm")
    contact(editor, given="Ole", family="Berg")
    contact(editor, given="Bent", family="Berg")
    # whole name word, then the start of one, then anywhere else — each in Danish order
    expected = ["Bent Berg", "Ole Berg", "Anna Bergstrøm", "Carl Lindberg", "Ib Aabo"]
    assert _names(reader, q="berg") == expected
    assert _names(reader, q="BERG", limit="2", offset="2") == expected[2:4]
    assert _names(reader, q="berg ole") == ["Ole Berg"]
    contact(editor, given="Søren", family="Holm", job_title="Sørensens afløser")
    contact(editor, given="Anne", family="Sørensen")
    assert _names(reader, q="soren") == ["Søren Holm", "Anne Sørensen"]
    # organizations rank the same way
    organization(editor, name="Nordberg Boligselskab")
    organization(editor, name="Berg")
    assert _names(reader, "/api/v1/organizations", q="berg") == [
        "Berg",
        "Bergs Boliger",
        "Nordberg Boligselskab",
    ]


def test_relevance_on_the_counting_path_and_in_exports(
    editor: ApiClient,
    reader: ApiClient,
    monkeypatch: pytest.MonkeyPatch,
    count_queries: QueryCounter,
) -> None:
    from app.directory import contacts

    org = organization(editor, name="Bergs Boliger")
    for given, family in (
        ("Carl", "Lindberg"),
        ("Anna", "Bergstrøm"),
        ("Ole", "Berg"),
        ("Bent", "Berg"),
        ("Åse", "Aaberg"),
        ("Berg", "Hansen"),
    ):
        contact(editor, given=given, family=family)
    contact(editor, given="Ib", family="Aabo", organization_id=org["id"])
    narrow = _names(reader, q="berg")
    assert narrow == [
        "Bent Berg",
        "Ole Berg",
        "Berg Hansen",
        "Anna Bergstrøm",
        "Carl Lindberg",
        "Åse Aaberg",
        "Ib Aabo",
    ]
    # more matches than the one-query path sorts: the same order, every window of it
    monkeypatch.setattr(contacts, "SEARCH_SORT_MAX", 1)
    assert _names(reader, q="berg") == narrow
    for limit in (1, 2, 3, 5):
        for offset in range(9):
            page = reader.get(
                "/api/v1/contacts", params={"q": "berg", "limit": limit, "offset": offset}
            ).json()
            assert page["total"] == 7
            assert [c["display_name"] for c in page["items"]] == narrow[offset : offset + limit]
    assert _names(reader, q="berg ole") == ["Ole Berg"]
    assert _names(reader, q="nobody") == []
    queries = []
    for size in ("2", "7"):
        count_queries.count = 0
        assert len(_names(reader, q="berg", limit=size)) == int(size)
        queries.append(count_queries.count)
    assert queries[0] == queries[1] <= 4
    card_names = [
        line.removeprefix("FN:")
        for line in reader.get("/api/v1/contacts.vcf", params={"q": "berg"}).text.split("\r\n")
        if line.startswith("FN:")
    ]
    assert card_names == narrow


def test_search_runs_a_fixed_number_of_queries(
    editor: ApiClient, reader: ApiClient, count_queries: QueryCounter
) -> None:
    for i in range(30):
        contact(editor, given=f"Søren {i:02d}", family="Østergaard")

    def queries(limit: str) -> int:
        count_queries.count = 0
        response = reader.get("/api/v1/contacts", params={"q": "oestergaard soren", "limit": limit})
        assert response.status_code == 200 and response.json()["total"] == 30
        return count_queries.count

    assert queries("3") == queries("30") <= 3


def test_danish_order_aa_is_aa(editor: ApiClient, reader: ApiClient) -> None:
    for given, family in [
        ("Søren", "Aagaard"),
        ("Bo", "Ærø"),
        ("Carl", "Zacho"),
        ("Anna", "Åberg"),
        ("Åse", "Østergaard"),
        ("Dorte", "Andersen"),
        ("Eva", "Aaberg"),
        ("Ida", "Haagensen"),
        ("Jens", "Hansen"),
    ]:
        contact(editor, given=given, family=family)
    assert _names(reader) == [
        "Dorte Andersen",
        "Jens Hansen",
        "Ida Haagensen",  # Haa = Hå, after Han
        "Carl Zacho",
        "Bo Ærø",
        "Åse Østergaard",
        "Anna Åberg",
        "Eva Aaberg",  # Aaberg = Åberg (given name decides)
        "Søren Aagaard",
    ]
    for name in ("Aalborg Kommune", "Odense Kommune", "Ærø Kommune", "Århus Boligselskab"):
        organization(editor, name=name)
    assert _names(reader, "/api/v1/organizations") == [
        "Odense Kommune",
        "Ærø Kommune",
        "Aalborg Kommune",
        "Århus Boligselskab",
    ]


def test_public_keys_search_public_values_only(
    editor: ApiClient, client_for: Any, make_key: Any
) -> None:
    from app.core.security import Role

    public = client_for(make_key(Role.public, "web"))
    contact(
        editor,
        given="Bo",
        family="Holm",
        emails=[
            {"address": "bo.holm@example.org", "visibility": "public"},
            {"address": "bo.intern@example.org"},
        ],
        phones=[{"number": "12 34 56 01"}, {"number": "12 34 56 02", "visibility": "public"}],
    )
    assert _names(public, q="bo.holm") == ["Bo Holm"]
    assert _names(public, q="12345602") == ["Bo Holm"]
    assert _names(public, q="bo.intern") == []
    assert _names(public, q="12345601") == []
    assert _names(public, q="holm") == ["Bo Holm"]


# ---- the migration ---------------------------------------------------------------------


def _migration() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "migrations/versions/0007_directory_danish.py"
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SAMPLES = [
    "Søren Østergaard",
    "SOEREN AAGAARD",
    "Kjærgaard-Nielsen",
    "José Müller Ångström",
    "Ærø Boesen",
    "Straße Œuvre",
    "Haagensen",
    "",
]


def test_the_migrations_frozen_folding_agrees_with_the_app() -> None:
    frozen = _migration()
    emails = [
        {"address": "a@example.org", "visibility": "public"},
        {"address": "b@example.org"},
        {"address": "c@example.org", "visibility": "restricted"},
    ]
    phones = [
        {"number": "+4512345601", "visibility": "public"},
        {"number": "+46812345678"},
        {"number": "+4512345699", "visibility": "restricted"},
    ]
    for value in SAMPLES:
        assert frozen.sort_key(value) == derived.sort_key(value), value
        assert frozen.search_name(value, "Bø") == derived.search_name(value, "Bø"), value
        tags = ["skole", value] if value else []
        row: dict[str, Any] = {
            "given_name": value,
            "family_name": "Åberg",
            "job_title": value or None,
            "department": "Børn og Unge",
            "org_name": "Boligforeningen Gudenå",
            "responsibilities": tags,
            "emails": emails,
            "phones": phones,
        }
        for levels in (derived.PARTNERSHIP, derived.PUBLIC):
            assert frozen.search_text(row, levels) == derived.search_text(
                value,
                "Åberg",
                value or None,
                "Boligforeningen Gudenå",
                tags,
                department="Børn og Unge",
                emails=emails,
                phones=phones,
                levels=levels,
            ), value
        org = {
            "name": value or "X",
            "email": "post@gudenaa.dk",
            "phone": "+4586420000",
            "cvr": None,
        }
        assert frozen.organization_search_text(org) == derived.organization_search_text(
            value or "X", "post@gudenaa.dk", "+4586420000"
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_backfills_existing_rows(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql" and (reason := postgres_available()):
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with fresh_database(backend, tmp_path, migrate=False) as engine:
        with engine.begin() as conn:
            command.upgrade(alembic_config(connection=conn), "0006")
        org_id, person, erased = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        orgs = sa.table(
            "organizations",
            *(sa.column(c, sa.String()) for c in ("name", "name_folded", "kind", "phone")),
            sa.column("id", sa.Uuid()),
            sa.column("archived", sa.Boolean()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        people = sa.table(
            "contacts",
            *(
                sa.column(c, sa.String())
                for c in (
                    "given_name",
                    "family_name",
                    "department",
                    "search_text",
                    "responsibility_tags",
                    "sort_family",
                    "sort_given",
                )
            ),
            *(sa.column(c, sa.JSON()) for c in ("emails", "phones", "responsibilities")),
            sa.column("id", sa.Uuid()),
            sa.column("organization_id", sa.Uuid()),
            sa.column("archived", sa.Boolean()),
            sa.column("erased", sa.Boolean()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        now = datetime.now(UTC)
        stamps = {"created_at": now, "updated_at": now, "archived": False}
        with engine.begin() as conn:
            conn.execute(
                orgs.insert().values(
                    id=org_id,
                    name="Boligforeningen Gudenå",
                    name_folded="boligforeningen gudenå",
                    kind="other",
                    phone="+45 86 42 00 00",
                    **stamps,
                )
            )
            for row_id, given, family, is_erased in (
                (person, "Søren", "Aagaard", False),
                (erased, "", "", True),
            ):
                conn.execute(
                    people.insert().values(
                        id=row_id,
                        given_name=given,
                        family_name=family,
                        department="Børn og Unge",
                        organization_id=org_id,
                        emails=[
                            {
                                "address": "sa@example.org",
                                "label": "work",
                                "visibility": "partnership",
                            }
                        ],
                        phones=[{"number": "+4512345601", "label": "work", "visibility": "public"}],
                        responsibilities=[],
                        erased=is_erased,
                        search_text="",
                        responsibility_tags="",
                        sort_family=family,
                        sort_given=given,
                        **stamps,
                    )
                )
        with engine.begin() as conn:
            command.upgrade(alembic_config(connection=conn), "head")
        with engine.connect() as conn:
            got = conn.execute(
                text(
                    "SELECT id, search_text, search_public, search_name, sort_family, "
                    "sort_given FROM contacts"
                )
            ).all()
            org = conn.execute(
                text("SELECT search_text, search_name, sort_name FROM organizations")
            ).one()
        rows = {uuid.UUID(str(r.id)) if not isinstance(r.id, uuid.UUID) else r.id: r for r in got}
        fields: dict[str, Any] = {
            "job_title": None,
            "organization_name": "Boligforeningen Gudenå",
            "responsibilities": [],
            "department": "Børn og Unge",
            "emails": [{"address": "sa@example.org", "visibility": "partnership"}],
            "phones": [{"number": "+4512345601", "visibility": "public"}],
        }
        soren = rows[person]
        assert soren.search_text == derived.search_text("Søren", "Aagaard", **fields)
        assert "sa@example.org" in soren.search_text and "12345601" in soren.search_text
        assert soren.search_public == derived.search_text(
            "Søren", "Aagaard", **fields, levels=derived.PUBLIC
        )
        assert "sa@example.org" not in soren.search_public
        assert soren.search_name == " soren aagaard "
        assert (soren.sort_family, soren.sort_given) == (
            derived.sort_key("Aagaard"),
            derived.sort_key("Søren"),
        )
        assert rows[erased].search_text == "" and rows[erased].search_name == ""
        assert org.search_text == derived.organization_search_text(
            "Boligforeningen Gudenå", None, "+45 86 42 00 00"
        )
        assert org.sort_name == derived.sort_key("Boligforeningen Gudenå")
        # and back: 0006's derived text and sort keys again
        with engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "0006")
        with engine.connect() as conn:
            back = conn.execute(
                text("SELECT search_text, sort_family FROM contacts WHERE given_name = 'Søren'")
            ).one()
        assert back.search_text == "søren aagaard\n\nboligforeningen gudenå"
        assert back.sort_family == "aagaard"


def test_organizations_search_the_same_way(editor: ApiClient, reader: ApiClient) -> None:
    organization(
        editor,
        name="Boligforeningen Gudenå",
        kind="housing_organization",
        cvr="29100888",
        email="kontakt@gudenaa.example.org",
        phone="86 42 00 00",
    )
    organization(editor, name="Østjyllands Politi", kind="police", phone="+45 87 31 14 48")
    organization(editor, name="Gammel Forening", archived=True)

    def orgs(q: str, **params: str) -> list[str]:
        return _names(reader, "/api/v1/organizations", q=q, **params)

    for query in ("gudenaa boligforeningen", "GUDENÅ", "kontakt@gudenaa", "29100888"):
        assert orgs(query) == ["Boligforeningen Gudenå"], query
    for query in ("+45 86 42 00 00", "86420000", "0045 8642 0000"):
        assert orgs(query) == ["Boligforeningen Gudenå"], query
    assert orgs("87311448") == ["Østjyllands Politi"]
    assert orgs("oestjyllands") == ["Østjyllands Politi"]
    assert orgs("politi gudenå") == []
    assert orgs("gammel") == []
    assert orgs("gammel", include_archived="true") == ["Gammel Forening"]
    assert orgs("%") == []
