"""The directory's demo data: the people other domains' demo data looks up, safely invented."""

from app.demo import DEMO_ACTOR
from app.directory.demo import seed_directory
from tests.aio import ApiClient, DbSession, run

KEYS = {
    "randers_tm_director": ("Randers Kommune", "Direktør for Teknik og Miljø"),
    "randers_social_director": ("Randers Kommune", None),
    "gudenaa_director": ("Boligforeningen Gudenå", None),
    "kronjylland_director": ("Boligselskabet Kronjylland", None),
    "politi_oj_leader": ("Østjyllands Politi", "Politiinspektør"),
    "randers_project_lead": (None, None),
    "varde_municipal_director": ("Varde Kommune", "Kommunaldirektør"),
    "varde_social_health_director": ("Varde Kommune", "Direktør for Social og Sundhed"),
    "varde_school_chief": ("Varde Kommune", "Skolechef"),
    "varde_social_chief": ("Varde Kommune", "Socialchef"),
    "varde_labour_chief": ("Varde Kommune", "Arbejdsmarkedschef"),
    "varde_institution_leader_school": ("Campus Varde Skole", None),
    "varde_institution_leader_club": ("Klubhuset Vestervold", None),
    "vestkyst_director": ("Vestkystens Boligselskab", None),
    "vardeaa_director": ("Boligforeningen Varde Å", None),
    "varde_project_lead": (None, None),
    "politi_sj_leader": ("Syd- og Sønderjyllands Politi", None),
}


def test_demo_contacts(db: DbSession, reader: ApiClient, editor: ApiClient) -> None:
    demo = run(seed_directory(db.session, DEMO_ACTOR))
    db.commit()
    assert 35 <= len(demo.contacts) <= 45
    orgs_by_id = {o.id: o.name for o in demo.organizations.values()}
    for key, (org_name, title) in KEYS.items():
        person = demo.contacts[key]
        if org_name is not None:
            assert orgs_by_id[person.organization_id] == org_name, key  # type: ignore[index]
        if title is not None:
            assert person.job_title == title, key
    visibilities = set()
    for person in demo.contacts.values():
        assert person.organization_id is not None
        for email in person.emails:
            assert email["address"].endswith("example.org")
            visibilities.add(email["visibility"])
        for phone in person.phones:
            assert phone["number"].startswith("+4512")
            visibilities.add(phone["visibility"])
    assert visibilities == {"public", "partnership", "restricted"}
    listed = reader.get("/api/v1/contacts", params={"limit": 200}).json()
    assert listed["total"] == len(demo.contacts)
    as_reader = reader.get("/api/v1/contacts.csv").text
    as_editor = editor.get("/api/v1/contacts.csv").text
    assert len(as_editor) > len(as_reader)
    found = reader.get("/api/v1/contacts", params={"q": "skolechef"}).json()["items"]
    assert {c["organization"]["name"] for c in found} == {"Randers Kommune", "Varde Kommune"}
