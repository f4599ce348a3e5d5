"""name search: folded names, indexed by FTS5 trigrams (SQLite) or pg_trgm (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:45:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from filmstack.server.materials.names import FTS_TABLE, FTS_TRIGGERS, TRGM_INDEX, fold_name

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("filmstack")

# The FTS5 table holds no copy of the names (external content): triggers keep it in step.
SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(name_folded, content='target_materials', "
    "content_rowid='id', tokenize='trigram')",
    *FTS_TRIGGERS,
]


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, sample_name FROM target_materials")).all()
    update = sa.text("UPDATE target_materials SET name_folded = :folded WHERE id = :id")
    for start in range(0, len(rows), 5000):
        batch = rows[start : start + 5000]
        bind.execute(update, [{"id": i, "folded": fold_name(name)} for i, name in batch])


def _pg_trgm_schema() -> str | None:
    """The schema pg_trgm lives in, installing it in public when it is missing (and allowed)."""
    bind = op.get_bind()
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    schema = bind.execute(find).scalar()
    if schema is None:
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        except sa.exc.DBAPIError as err:
            log.warning("pg_trgm is not available (%s): name search will scan", err.orig)
            return None
        schema = bind.execute(find).scalar()
    return str(schema) if schema else None


def upgrade() -> None:
    with op.batch_alter_table("target_materials") as batch:
        batch.add_column(
            sa.Column("name_folded", sa.String(length=255), server_default="", nullable=False)
        )
    _backfill()
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        return
    schema = _pg_trgm_schema()
    if schema is not None:
        opclass = f'"{schema}".gin_trgm_ops'
        op.execute(
            f"CREATE INDEX {TRGM_INDEX} ON target_materials USING gin (name_folded {opclass})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("_ai", "_ad", "_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    with op.batch_alter_table("target_materials") as batch:
        batch.drop_column("name_folded")
