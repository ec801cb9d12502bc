"""Models and migrations agree, and every migration can be undone."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.migrate import downgrade_to_base, upgrade
from app.models import Base
from tests.databases import IN_CI, fresh_database, postgres_available


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_models_match_migrations_and_downgrade_works(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql" and (reason := postgres_available()):
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with fresh_database(backend, tmp_path, migrate=False) as engine:
        with engine.begin() as conn:
            upgrade(connection=conn)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            assert diff == [], diff
        with engine.begin() as conn:
            downgrade_to_base(connection=conn)
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        with engine.begin() as conn:
            upgrade(connection=conn)
        assert "organizations" in inspect(engine).get_table_names()
