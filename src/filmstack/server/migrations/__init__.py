"""Alembic migrations: the only way the schema changes."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from filmstack.server.materials.names import FTS_TABLE, TRGM_INDEX

HERE = Path(__file__).parent


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """What schema comparison looks at: not the engine-specific name-search index (migration
    0003 makes it in SQL), which no model describes."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == TRGM_INDEX)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
