"""Role mappings, the rule: which role and plans a person's token claims give them.

A mapping matches when the claim it names holds its value: the claim's value itself, or one
element of a list (Entra's `groups` and `roles`, Keycloak's `realm_access.roles`). A claim
name is looked up as it is first (Entra's v1 claims are URIs with dots), then as a dotted
path into nested objects. A principal has one role and one plan scope, so the matching
mappings combine as: the highest role among them, and the union of the plans of the mappings
that grant that role (one of them without plans: every plan). Lower mappings add nothing:
never more than some mapping grants, so a narrow admin mapping and a wide reader mapping
never make a wide admin.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.security import Role, role_rank

# Claims that describe the token rather than the person: not kept with the user (they differ
# in every token, and a changed claim set is a write). `uti`, `rh`, `aio`: Entra's per-token ids.
TOKEN_CLAIMS = frozenset(
    {"exp", "nbf", "iat", "jti", "auth_time", "nonce", "at_hash", "c_hash", "uti", "rh", "aio"}
)
# Keeping the claims of a person's last token bounds the row: at most this many characters
# of a JSON value, and lists of at most this many strings.
MAX_CLAIM_LIST = 500


class MappingLike(Protocol):
    """What the rule reads of a role mapping (a row or a model)."""

    @property
    def claim(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def plan_ids(self) -> list[Any] | None: ...


@dataclass(frozen=True)
class Grant:
    """What a person may do: a role and the plans it is limited to (None: every plan)."""

    role: Role
    plan_ids: frozenset[uuid.UUID] | None


def claim_values(claims: Mapping[str, Any], name: str) -> set[str]:
    """The string values a claim holds: itself, or the strings of its list."""
    if name in claims:
        found: Any = claims[name]
    else:
        found = claims
        for part in name.split("."):
            if not isinstance(found, Mapping) or part not in found:
                return set()
            found = found[part]
    if isinstance(found, str):
        return {found}
    if isinstance(found, list):
        return {v for v in found if isinstance(v, str)}
    return set()


def resolve(mappings: Iterable[MappingLike], claims: Mapping[str, Any]) -> Grant | None:
    """The grant of the mappings matching `claims`, or None when no mapping matches."""
    values: dict[str, set[str]] = {}
    matching = []
    for mapping in mappings:
        if mapping.claim not in values:
            values[mapping.claim] = claim_values(claims, mapping.claim)
        if mapping.value in values[mapping.claim]:
            matching.append(mapping)
    if not matching:
        return None
    top = max((Role(m.role) for m in matching), key=role_rank)
    plans: set[uuid.UUID] = set()
    for mapping in matching:
        if Role(mapping.role) is not top:
            continue
        if mapping.plan_ids is None:
            return Grant(top, None)
        plans.update(uuid.UUID(str(p)) for p in mapping.plan_ids)
    return Grant(top, frozenset(plans))


def kept_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The claims kept with a user: the person's, not the token's timing; lists bounded."""
    kept: dict[str, Any] = {}
    for name, value in claims.items():
        if name in TOKEN_CLAIMS:
            continue
        kept[name] = value[:MAX_CLAIM_LIST] if isinstance(value, list) else value
    return kept
