"""Demo data: the article's world (Randers and Varde), with invented people."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import Principal, Role
from app.directory.demo import seed_directory
from app.directory.models import Organization
from app.governance.demo import seed_governance
from app.meetings.demo import seed_meetings

DEMO_ACTOR = Principal(
    key_id=None,
    name="seed-demo",
    role=Role.admin,
    plan_ids=None,
)


async def database_is_empty(session: AsyncSession) -> bool:
    """Whether there is no domain data yet (keys do not count)."""
    return await session.scalar(select(Organization.id).limit(1)) is None


async def seed(session: AsyncSession) -> str:
    """Load every domain's demo data; return a one-line summary."""
    directory = await seed_directory(session, DEMO_ACTOR)
    governance = await seed_governance(session, DEMO_ACTOR, directory)
    meetings = await seed_meetings(session, DEMO_ACTOR, governance)
    counts = directory.counts() | governance.counts() | meetings.counts()
    return ", ".join(f"{n} {what}" for what, n in counts.items())
