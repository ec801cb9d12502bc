"""From a verified token's claims to a principal: the person recorded, their rights mapped.

A person is recorded (issuer + `sub`) on their first request and kept up to date (name,
e-mail, claims) in a short transaction of its own, so a GET records them too; `last_seen_at`
moves at most once per `SEEN_STEP`, so a signed-in person's requests do not each write.
On the first sign-in the person is linked to the contact holding their e-mail address, when
exactly one contact does and the token does not say the address is unverified.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.core.db import utcnow, write_intent
from app.core.errors import Forbidden
from app.core.security import Principal
from app.people import repository
from app.people.mappings import claim_values, kept_claims, resolve
from app.people.models import User

SEEN_STEP = timedelta(minutes=5)


class NoRoleMapping(Forbidden):
    """A signed-in person whom no role mapping gives a role (403)."""

    slug = "no-role-mapping"


def person_name(claims: dict[str, Any], name_claim: str) -> str:
    """The person's name: the configured claim, else preferred_username, email, sub."""
    for claim in (name_claim, "preferred_username", "email", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:200]
    return str(claims["sub"])[:200]


def person_email(claims: dict[str, Any], email_claim: str) -> str | None:
    """The person's e-mail address, if the token carries one."""
    value = claims.get(email_claim)
    return value.strip()[:320] if isinstance(value, str) and "@" in value else None


async def _record(state: Any, claims: dict[str, Any], name: str, email: str | None) -> User:
    now = utcnow()
    kept = kept_claims(claims)
    with write_intent():
        async with state.sessionmaker() as session:
            user = await repository.user_by_subject(session, claims["iss"], claims["sub"])
            if user is None:
                contact_id = None
                if email is not None and claims.get("email_verified") is not False:
                    found = await repository.contacts_with_email(session, email)
                    contact_id = found[0].id if len(found) == 1 else None
                user = User(
                    issuer=claims["iss"],
                    subject=claims["sub"],
                    name=name,
                    email=email,
                    contact_id=contact_id,
                    claims=kept,
                    first_seen_at=now,
                    last_seen_at=now,
                )
                session.add(user)
            else:
                if (user.name, user.email, user.claims) != (name, email, kept):
                    user.name, user.email, user.claims = name, email, kept
                    user.touch()
                user.last_seen_at = now
            try:
                await session.commit()
            except IntegrityError:
                # the same person's first two requests at once: the other one recorded them
                await session.rollback()
                found_user = await repository.user_by_subject(session, claims["iss"], claims["sub"])
                if found_user is None:
                    raise
                return found_user
            return user


async def principal_for(state: Any, claims: dict[str, Any]) -> Principal:
    """The principal of a verified token: the person, with the role their mappings give."""
    settings = state.settings
    name = person_name(claims, settings.oidc_name_claim)
    email = person_email(claims, settings.oidc_email_claim)
    async with state.read_sessionmaker() as session:
        user = await repository.user_by_subject(session, claims["iss"], claims["sub"])
        mappings = await repository.all_mappings(session)
    if (
        user is None
        or (user.name, user.email, user.claims) != (name, email, kept_claims(claims))
        or utcnow() - user.last_seen_at >= SEEN_STEP
    ):
        user = await _record(state, claims, name, email)
    grant = resolve(mappings, claims)
    if grant is None:
        groups = sorted(claim_values(claims, "groups") | claim_values(claims, "roles"))[:20]
        raise NoRoleMapping(
            f"You are signed in as {name}, but no role mapping gives you a role: an "
            "administrator maps a claim of your token (such as a group) to a role with "
            "POST /api/v1/role-mappings."
            + (f" Your token's groups and roles: {', '.join(groups)}." if groups else "")
        )
    return Principal(
        key_id=None, name=name, role=grant.role, plan_ids=grant.plan_ids, user_id=user.id
    )
