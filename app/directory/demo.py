"""Directory demo data: the organizations and people of Randers' and Varde's plans."""

# ruff: noqa: E501 (the table of people reads best one person a line)

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import Principal
from app.directory import contacts, organizations
from app.directory.models import Contact, Organization
from app.directory.schemas import (
    ContactCreate,
    EmailIn,
    OrganizationCreate,
    PhoneIn,
    PhoneLabel,
    Visibility,
)

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


async def seed_organizations(session: AsyncSession, actor: Principal) -> dict[str, Organization]:
    """Create the demo organizations; return them by key."""
    created: dict[str, Organization] = {}
    for spec in DEMO_ORGANIZATIONS:
        fields: dict[str, object] = {k: v for k, v in spec.items() if k not in ("key", "parent")}
        if "parent" in spec:
            fields["parent_id"] = created[spec["parent"]].id
        data = OrganizationCreate.model_validate(fields)
        created[spec["key"]] = await organizations.create(session, actor, data)
    return created


# Invented people. E-mail at example.org (reserved), phones in the unallocated +45 12 range.
# Other domains' demo data looks people up by these keys.
# key | given name | family name | organization key | job title | department | responsibilities
_PEOPLE_TABLE = """
randers_tm_director | Mette | Kjærgaard | randers | Direktør for Teknik og Miljø | Teknik og Miljø | byudvikling, ledelse
randers_social_director | Henrik | Brøndum | randers | Direktør for Social og Sundhed | Social og Sundhed | social, ledelse
randers_school_chief | Lone | Thygesen | randers | Skolechef | Børn og Skole | skole
randers_labour_chief | Jesper | Vinther | randers | Jobcenterchef | Jobcenter Randers | beskæftigelse
randers_social_chief | Birgitte | Kastrup | randers | Socialchef | Social og Sundhed | social
randers_planning_chief | Anders | Østergaard | randers | Planchef | Teknik og Miljø | byudvikling, kriminalpræventiv ombygning
randers_ssp | Camilla | Lund | randers | SSP-konsulent | Børn og Skole | SSP, kriminalitetsforebyggelse
randers_project_lead | Sara | Holmgaard | gudenaa | Projektleder, helhedsplanen | Boligsocial indsats | boligsocial, sekretariat
randers_secretary | Peter | Dalsgaard | randers | Sekretariatsmedarbejder | Teknik og Miljø | sekretariat
randers_social_worker | Nadia | Hussein | gudenaa | Boligsocial medarbejder | Boligsocial indsats | boligsocial, beskæftigelse
randers_youth_worker | Emil | Bak | gudenaa | Ungekoordinator | Boligsocial indsats | boligsocial, fritid
gudenaa_director | Torben | Skovgaard | gudenaa | Direktør | | boligorganisation, ledelse
gudenaa_operations | Hanne | Mørch | gudenaa | Driftschef | Drift | drift
nordbyen_manager | Kim | Lykke | afd_randers | Ejendomsleder | | drift
nordbyen_chair | Fatima | Ali | afd_randers | Formand for afdelingsbestyrelsen | | beboerdemokrati
kronjylland_director | Lars | Bjerregaard | kronjylland | Direktør | | boligorganisation, ledelse
kronjylland_operations | Dorthe | Nygaard | kronjylland | Driftschef | Drift | drift
politi_oj_leader | Michael | Krogh | politi_oj | Politiinspektør | Forebyggelse | kriminalitetsforebyggelse
politi_oj_local | Rasmus | Ebbesen | politi_oj | Nærpolitibetjent | Nærpoliti Randers | kriminalitetsforebyggelse, SSP
varde_municipal_director | Karen | Fuglsang | varde | Kommunaldirektør | Direktionen | ledelse
varde_social_health_director | Jens | Ravn | varde | Direktør for Social og Sundhed | Direktionen | social, ledelse
varde_school_chief | Pia | Hedegaard | varde | Skolechef | Børn og Læring | skole
varde_social_chief | Ole | Winther | varde | Socialchef | Social og Sundhed | social
varde_labour_chief | Susanne | Ahmadi | varde | Arbejdsmarkedschef | Arbejdsmarked | beskæftigelse
varde_institution_leader_school | Thomas | Egholm | skole_varde | Skoleleder | | skole, institution
varde_institution_leader_club | Maja | Iversen | fritid_varde | Klubleder | | fritid, institution
varde_project_lead | Line | Abildgaard | vestkyst | Projektleder, helhedsplanen | Boligsocial indsats | boligsocial, sekretariat
varde_secretary | Mads | Toft | varde | Sekretariatsmedarbejder | Social og Sundhed | sekretariat
varde_job_consultant | Amira | Jensen | varde | Virksomhedskonsulent | Jobcenter Varde | beskæftigelse
varde_ssp | Kasper | Bundgaard | varde | SSP-koordinator | Børn og Læring | SSP, kriminalitetsforebyggelse
varde_family_consultant | Eva | Pedersen | varde | Familiekonsulent | Social og Sundhed | social, familie
varde_social_worker | Yusuf | Demir | vardeaa | Boligsocial medarbejder | Boligsocial indsats | boligsocial, fritid
vestkyst_director | Niels | Sønderby | vestkyst | Direktør | | boligorganisation, ledelse
vestkyst_operations | Gitte | Krag | vestkyst | Driftschef | Drift | drift
vardeaa_director | Bent | Åberg | vardeaa | Direktør | | boligorganisation, ledelse
vardeaa_operations | Tina | Ærenlund | vardeaa | Ejendomsinspektør | Drift | drift
politi_sj_leader | Helle | Damgaard | politi_sj | Politiinspektør | Forebyggelse | kriminalitetsforebyggelse
politi_sj_local | Jonas | Frost | politi_sj | Nærpolitibetjent | Nærpoliti Varde | kriminalitetsforebyggelse, SSP
campus_teacher | Ida | Rasmussen | skole_varde | Lærer og trivselsvejleder | | skole
club_worker | Ali | Hassan | fritid_varde | Fritidsmedarbejder | | fritid
"""


@dataclass(frozen=True)
class _Person:
    key: str
    given: str
    family: str
    org_key: str
    title: str
    department: str | None
    tags: list[str]


def _people() -> list[_Person]:
    people = []
    for line in _PEOPLE_TABLE.strip().splitlines():
        key, given, family, org_key, title, department, tags = (p.strip() for p in line.split("|"))
        people.append(
            _Person(key, given, family, org_key, title, department or None, tags.split(", "))
        )
    return people


# e-mail domains of the demo organizations (all under example.org)
_DOMAINS = {
    "randers": "randers.example.org",
    "varde": "varde.example.org",
    "gudenaa": "gudenaa.example.org",
    "kronjylland": "kronjylland.example.org",
    "vestkyst": "vestkyst.example.org",
    "vardeaa": "vardeaa.example.org",
    "politi_oj": "politi-oj.example.org",
    "politi_sj": "politi-sj.example.org",
    "skole_varde": "campus-varde.example.org",
    "fritid_varde": "vestervold.example.org",
    "afd_randers": "gudenaa.example.org",
}
_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e"})


def _address(given: str, family: str, org_key: str) -> str:
    local = f"{given}.{family}".lower().translate(_ASCII)
    return f"{local}@{_DOMAINS[org_key]}"


def _contact_data(index: int, person: _Person, org: Organization) -> ContactCreate:
    work = PhoneIn(number=f"+45 12 34 56 {index:02d}")
    phones = [work]
    emails = [EmailIn(address=_address(person.given, person.family, person.org_key))]
    if person.key.endswith(("director", "leader")):
        # leaders: the switchboard is public, the mobile number only for editors and admins
        switchboard = PhoneIn(
            number=f"+45 12 34 57 {index:02d}",
            label=PhoneLabel.switchboard,
            visibility=Visibility.public,
        )
        mobile = PhoneIn(
            number=f"+45 12 34 58 {index:02d}",
            label=PhoneLabel.mobile,
            visibility=Visibility.restricted,
        )
        phones = [switchboard, work, mobile]
    elif index % 3 == 0:
        phones.append(PhoneIn(number=f"+45 12 34 58 {index:02d}", label=PhoneLabel.mobile))
    if person.key.endswith(("project_lead", "secretary")):
        shared = f"helhedsplan@{_DOMAINS[person.org_key]}"
        emails.append(EmailIn(address=shared, visibility=Visibility.public))
    return ContactCreate(
        given_name=person.given,
        family_name=person.family,
        job_title=person.title,
        department=person.department,
        organization_id=org.id,
        emails=emails,
        phones=phones,
        responsibilities=person.tags,
        notes="Træffes bedst om formiddagen." if index % 7 == 0 else None,
    )


async def seed_contacts(
    session: AsyncSession, actor: Principal, orgs: dict[str, Organization]
) -> dict[str, Contact]:
    """Create the demo contacts; return them by key."""
    created: dict[str, Contact] = {}
    for index, person in enumerate(_people(), start=1):
        data = _contact_data(index, person, orgs[person.org_key])
        created[person.key] = await contacts.create(session, actor, data)
    return created


@dataclass
class DirectoryDemo:
    """What the directory demo made, by key, for the other domains' demo data."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Records made, by kind."""
        return {"organizations": len(self.organizations), "contacts": len(self.contacts)}


async def seed_directory(session: AsyncSession, actor: Principal) -> DirectoryDemo:
    """The directory's demo data."""
    orgs = await seed_organizations(session, actor)
    return DirectoryDemo(organizations=orgs, contacts=await seed_contacts(session, actor, orgs))
