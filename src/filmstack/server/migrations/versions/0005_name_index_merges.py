"""name index merges eagerly: SQLite's FTS5 table keeps few segments

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:00:00

Every write to the FTS5 table adds a segment, and a search looks each trigram of its term up in
every segment. With FTS5's own setting (merge a level once it holds 16 segments), names written
one by one left 20-30 segments at 333,334 names, and a rare name's lookup cost 3-4 times what it
cost at 1,000. The table now merges a level as soon as it holds two (names.FTS_CRISISMERGE), and
the upgrade merges what is there into one segment. Nothing changes on PostgreSQL.
"""

from collections.abc import Sequence

from alembic import op

from filmstack.server.materials.names import FTS_CRISISMERGE, FTS_TABLE

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS5_DEFAULT_CRISISMERGE = 16


def _crisismerge(value: int) -> None:
    op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('crisismerge', {value})")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _crisismerge(FTS_CRISISMERGE)
    op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _crisismerge(_FTS5_DEFAULT_CRISISMERGE)
