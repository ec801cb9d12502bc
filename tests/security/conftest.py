"""The authorisation tests run for both kinds of caller (DESIGN §3, sign-in): an API key,
and a signed-in person whose role mappings give the same role and plans. `make_key` (and so
`admin`, `editor`, `reader`) answers a key's secret or a person's token, as `caller_kind`
says; a calendar key stays a key (a machine's role: no mapping gives it). Where a test
lists keys, the caller is one of them only when it is a key."""

from collections.abc import Callable
from typing import Any

import pytest

from app.core.security import Role

CALLER_KINDS = ["key", "user"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise every test that reaches `make_key` over both kinds of caller."""
    if "caller_kind" in metafunc.fixturenames:
        metafunc.parametrize("caller_kind", CALLER_KINDS)


@pytest.fixture
def make_key(
    make_key: Callable[..., str], sign_in: Callable[..., str], caller_kind: str
) -> Callable[..., str]:
    """A caller's bearer credential: a key's secret, or a person's sign-in token."""
    if caller_kind == "key":
        return make_key

    def person(role: Role = Role.admin, name: str | None = None, plan_ids: Any = None) -> str:
        if role is Role.calendar:
            return make_key(role, name, plan_ids)
        return sign_in(role, name or f"test-{role.value}", plan_ids)

    return person
