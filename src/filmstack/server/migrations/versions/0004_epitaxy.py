"""epitaxy: structured substrate, layer lattices and relationships, the organization's lattices

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 11:00:00

The material gets substrate_orientation (moved out of sample_metadata, where the parser and the
client kept it until now; moved back on downgrade), substrate_miscut_deg and
substrate_miscut_toward. Layers get lattice, in_plane_relationship, thickness_unit_cells and
repeat. The new table `lattices` holds an organization's own lattice rows.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from filmstack.server.materials.names import FTS_TRIGGERS

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_materials = sa.table(
    "target_materials",
    sa.column("id", BigId),
    sa.column("sample_metadata", sa.JSON),
    sa.column("substrate_orientation", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("target_materials") as batch_op:
        batch_op.add_column(sa.Column("substrate_orientation", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("substrate_miscut_deg", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("substrate_miscut_toward", sa.String(100), nullable=True))
    with op.batch_alter_table("layers") as batch_op:
        batch_op.add_column(sa.Column("lattice", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("in_plane_relationship", sa.String(100), nullable=True))
        batch_op.add_column(sa.Column("thickness_unit_cells", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("repeat", sa.JSON(), nullable=True))
    op.create_table(
        "lattices",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("formula", sa.String(200), nullable=False),
        sa.Column("formula_key", sa.String(400), nullable=False),
        sa.Column("phase", sa.String(100), nullable=False),
        sa.Column("labels", sa.String(100), nullable=False),
        sa.Column("space_group", sa.String(32), nullable=False),
        sa.Column("space_group_number", sa.Integer(), nullable=False),
        sa.Column("a", sa.Float(), nullable=False),
        sa.Column("b", sa.Float(), nullable=False),
        sa.Column("c", sa.Float(), nullable=False),
        sa.Column("alpha", sa.Float(), nullable=False),
        sa.Column("beta", sa.Float(), nullable=False),
        sa.Column("gamma", sa.Float(), nullable=False),
        sa.Column("pseudocubic_a", sa.Float(), nullable=True),
        sa.Column("orientation_setting", sa.String(16), nullable=False),
        sa.Column("temperature_k", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_lattices_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lattices")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_lattices_org_formula_key", "lattices", ["organization_id", "formula_key"], unique=False
    )
    _move_orientations(into_column=True)


def _move_orientations(*, into_column: bool) -> None:
    """sample_metadata.substrate_orientation <-> the column, in both directions."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_materials.c.id, _materials.c.sample_metadata, _materials.c.substrate_orientation)
    ).fetchall()
    for material_id, metadata, column in rows:
        metadata = dict(metadata or {})
        values: dict[str, Any]
        if into_column:
            typed = metadata.get("substrate_orientation")
            if not isinstance(typed, str) or not typed.strip() or len(typed) > 100:
                continue  # not an orientation: it stays in the metadata, untouched
            del metadata["substrate_orientation"]
            values = {"sample_metadata": metadata, "substrate_orientation": typed}
        else:
            if column is None:
                continue
            metadata["substrate_orientation"] = column
            values = {"sample_metadata": metadata}
        conn.execute(_materials.update().where(_materials.c.id == material_id).values(**values))


def downgrade() -> None:
    _move_orientations(into_column=False)
    op.drop_index("ix_lattices_org_formula_key", table_name="lattices")
    op.drop_table("lattices")
    with op.batch_alter_table("layers") as batch_op:
        for column in ("repeat", "thickness_unit_cells", "in_plane_relationship", "lattice"):
            batch_op.drop_column(column)
    with op.batch_alter_table("target_materials") as batch_op:
        for column in ("substrate_miscut_toward", "substrate_miscut_deg", "substrate_orientation"):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table, and the name-search triggers (0003) went with it.
        for statement in FTS_TRIGGERS:
            op.execute(statement)
