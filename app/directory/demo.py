"""Directory demo data: the organizations of Randers' and Varde's plans."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.core.security import Principal
from app.directory import organizations
from app.directory.models import Contact, Organization
from app.directory.schemas import OrganizationCreate

# Municipalities are real (with their kommunekoder); housing organisations and everything
# else are invented, with CVR numbers that pass the modulus-11 check.
DEMO_ORGANIZATIONS: list[dict[str, str]] = [
    {
        "key": "randers",
        "name": "Randers Kommune",
        "kind": "municipality",
        "municipality_code": "730",
        "website": "https://www.randers.dk",
    },
    {
        "key": "varde",
        "name": "Varde Kommune",
        "kind": "municipality",
        "municipality_code": "573",
        "website": "https://www.vardekommune.dk",
    },
    {
        "key": "gudenaa",
        "name": "Boligforeningen Gudenå",
        "kind": "housing_organization",
        "cvr": "29100888",
        "email": "kontakt@gudenaa.example.org",
    },
    {
        "key": "kronjylland",
        "name": "Boligselskabet Kronjylland",
        "kind": "housing_organization",
        "cvr": "29101221",
        "email": "post@kronjylland.example.org",
    },
    {
        "key": "vestkyst",
        "name": "Vestkystens Boligselskab",
        "kind": "housing_organization",
        "cvr": "29102368",
        "email": "info@vestkyst.example.org",
    },
    {
        "key": "vardeaa",
        "name": "Boligforeningen Varde Å",
        "kind": "housing_organization",
        "cvr": "29102627",
        "email": "info@vardeaa.example.org",
    },
    {"key": "politi_oj", "name": "Østjyllands Politi", "kind": "police"},
    {"key": "politi_sj", "name": "Syd- og Sønderjyllands Politi", "kind": "police"},
    {
        "key": "skole_varde",
        "name": "Campus Varde Skole",
        "kind": "institution",
        "cvr": "29102775",
        "parent": "varde",
    },
    {
        "key": "fritid_varde",
        "name": "Klubhuset Vestervold",
        "kind": "institution",
        "cvr": "29104107",
        "parent": "varde",
    },
    {
        "key": "afd_randers",
        "name": "Afdeling Nordbyen",
        "kind": "housing_department",
        "parent": "gudenaa",
    },
]


def seed_organizations(session: Session, actor: Principal) -> dict[str, Organization]:
    """Create the demo organizations; return them by key."""
    created: dict[str, Organization] = {}
    for spec in DEMO_ORGANIZATIONS:
        fields: dict[str, object] = {k: v for k, v in spec.items() if k not in ("key", "parent")}
        if "parent" in spec:
            fields["parent_id"] = created[spec["parent"]].id
        data = OrganizationCreate.model_validate(fields)
        created[spec["key"]] = organizations.create(session, actor, data)
    return created


@dataclass
class DirectoryDemo:
    """What the directory demo made, by key, for the other domains' demo data."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Records made, by kind."""
        return {"organizations": len(self.organizations), "contacts": len(self.contacts)}


def seed_directory(session: Session, actor: Principal) -> DirectoryDemo:
    """The directory's demo data."""
    return DirectoryDemo(organizations=seed_organizations(session, actor))
