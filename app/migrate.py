"""Running Alembic from code (CLI, start-up, tests)."""

import os
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

# The project folder (alembic.ini, migrations/): the source tree, or SAMSTYRE_HOME when the
# package is installed elsewhere (the Docker image).
ROOT = Path(os.environ.get("SAMSTYRE_HOME") or Path(__file__).resolve().parent.parent)


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at `migrations/`, for a URL or an open connection."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if url is not None:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    """Migrate to head."""
    command.upgrade(alembic_config(url, connection), "head")


def downgrade_to_base(url: str | None = None, connection: Connection | None = None) -> None:
    """Undo every migration."""
    command.downgrade(alembic_config(url, connection), "base")


@cache
def head_revisions() -> frozenset[str]:
    """This release's newest migration(s), read once from `migrations/` (cached)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
