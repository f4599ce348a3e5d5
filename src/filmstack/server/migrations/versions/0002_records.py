"""records a lab can trust: 64-bit ids never reused, revisions, history, trash, idempotency keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:15:00

SQLite gets AUTOINCREMENT by rebuilding the tables with an integer id (batch mode keeps their
rows, foreign keys, indexes and constraint names); its INTEGER is 64-bit already. PostgreSQL
gets BIGINT ids, foreign keys and sequences in place. Every existing material starts at
revision 1 with a `create` history entry holding its snapshot.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose integer id becomes AUTOINCREMENT on SQLite and a bigint sequence on PostgreSQL.
ID_TABLES = ("organizations", "api_keys", "target_materials", "layers")

# Every column that holds one of those ids, on PostgreSQL widened to BIGINT.
BIGINT_COLUMNS = {
    "organizations": ("id",),
    "api_keys": ("id",),
    "detail_notes": ("organization_id",),
    "users": ("organization_id",),
    "target_materials": ("id", "organization_id"),
    "layers": ("id", "target_material_id"),
    "material_elements": ("target_material_id", "organization_id"),
    "physical_samples": ("organization_id", "target_material_id"),
}

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table in ID_TABLES:
            if table == "target_materials":
                continue  # rebuilt below, with its new columns
            # recreate="always": AUTOINCREMENT is a property of the table, set only by CREATE.
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
    else:
        for table, columns in BIGINT_COLUMNS.items():
            clauses = ", ".join(f"ALTER COLUMN {c} TYPE BIGINT" for c in columns)
            op.execute(f"ALTER TABLE {table} {clauses}")
        for table in ID_TABLES:
            op.execute(f"ALTER SEQUENCE {table}_id_seq AS BIGINT MAXVALUE 9223372036854775807")

    with op.batch_alter_table(
        "target_materials", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("deleted_by", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_target_materials_deleted_by_users"),
            "users",
            ["deleted_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_target_materials_org_deleted", ["organization_id", "deleted_at", "id"], unique=False
        )

    op.create_table(
        "material_history",
        sa.Column("id", BigId, nullable=False),
        sa.Column("target_material_id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_material_history_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_material_id"],
            ["target_materials.id"],
            name=op.f("fk_material_history_target_material_id_target_materials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_material_history_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_history")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("material_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_material_history_material_id", ["target_material_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_material_history_material_revision",
            ["target_material_id", "revision"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_material_history_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_material_history_user_id"), ["user_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("id", BigId, nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request", sa.String(length=300), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_idempotency_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "organization_id", "key", name=op.f("uq_idempotency_keys_organization_id_key")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_created_at"), ["created_at"], unique=False
        )

    _record_existing_materials()


# ------------------------------------------------------------------------- data migration
# The snapshot shape of GET one as this revision defines it, written out here rather than
# imported: a migration must do tomorrow what it did today, whatever the code becomes.

_materials = sa.table(
    "target_materials",
    sa.column("id", sa.BigInteger),
    sa.column("organization_id", sa.BigInteger),
    sa.column("user_id", sa.String),
    sa.column("sample_name", sa.String),
    sa.column("substrate", sa.String),
    sa.column("sample_metadata", sa.JSON),
    sa.column("detail_note_id", sa.String),
    sa.column("version", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("last_updated", sa.DateTime),
)
_layers = sa.table(
    "layers",
    sa.column("id", sa.BigInteger),
    sa.column("target_material_id", sa.BigInteger),
    sa.column("position", sa.Integer),
    sa.column("composition_string", sa.String),
    sa.column("element_dict", sa.JSON),
    sa.column("orientation", sa.String),
    sa.column("orientation_indices", sa.JSON),
    sa.column("space_group", sa.String),
    sa.column("space_group_number", sa.Integer),
    sa.column("space_group_input", sa.String),
    sa.column("mp_id", sa.String),
    sa.column("thickness_nm", sa.Float),
)
_users = sa.table("users", sa.column("id", sa.String), sa.column("name", sa.String))
_notes = sa.table("detail_notes", sa.column("id", sa.String), sa.column("content", sa.Text))
_history = sa.table(
    "material_history",
    sa.column("target_material_id", sa.BigInteger),
    sa.column("organization_id", sa.BigInteger),
    sa.column("revision", sa.Integer),
    sa.column("action", sa.String),
    sa.column("changed_at", sa.DateTime),
    sa.column("user_id", sa.String),
    sa.column("changes", sa.JSON),
    sa.column("snapshot", sa.JSON),
)

_LAYER_FIELDS = (
    "composition_string",
    "element_dict",
    "orientation",
    "space_group",
    "mp_id",
    "thickness_nm",
)


def _iso(ts: datetime) -> str:
    return ts.isoformat(timespec="microseconds") + "Z"


def _layer(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "layer_id": row.position,
        "sample_id": row.target_material_id,
        "composition_string": row.composition_string,
        "element_dict": row.element_dict,
        "orientation": row.orientation,
        "space_group": row.space_group,
        "mp_id": row.mp_id,
        "thickness_nm": row.thickness_nm,
        "space_group_number": row.space_group_number,
        "space_group_input": row.space_group_input,
        "orientation_indices": row.orientation_indices,
    }


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _record_existing_materials() -> None:
    bind = op.get_bind()
    ids = list(bind.execute(sa.select(_materials.c.id).order_by(_materials.c.id)).scalars())
    for chunk in _chunks(ids):
        layers: dict[int, list[dict[str, Any]]] = {i: [] for i in chunk}
        layer_rows = bind.execute(
            sa.select(_layers)
            .where(_layers.c.target_material_id.in_(chunk))
            .order_by(_layers.c.target_material_id, _layers.c.position)
        )
        for row in layer_rows:
            layers[row.target_material_id].append(_layer(row))
        rows = bind.execute(
            sa.select(_materials, _users.c.name.label("user_name"), _notes.c.content)
            .join(_users, _users.c.id == _materials.c.user_id)
            .outerjoin(_notes, _notes.c.id == _materials.c.detail_note_id)
            .where(_materials.c.id.in_(chunk))
            .order_by(_materials.c.id)
        )
        entries = []
        for m in rows:
            snapshot = {
                "sample_id": m.id,
                "sample_name": m.sample_name,
                "substrate": m.substrate,
                "sample_metadata": m.sample_metadata or {},
                "detail_notes_id": m.detail_note_id,
                "user_id": m.user_id,
                "version": m.version,
                "last_updated": _iso(m.last_updated),
                "revision": 1,
                "created_at": _iso(m.created_at),
                "user_name": m.user_name,
                "detail_note_content": m.content,
                "layers": layers[m.id],
            }
            changes: list[dict[str, Any]] = [
                {"field": f, "before": None, "after": snapshot[f]}
                for f in ("sample_name", "substrate", "sample_metadata")
            ]
            if m.content is not None:
                changes.append({"field": "detail_note_content", "before": None, "after": m.content})
            changes.extend(
                {"field": f"layers[{layer['layer_id']}]", "before": None, "after": layer}
                for layer in layers[m.id]
            )
            entries.append(
                {
                    "target_material_id": m.id,
                    "organization_id": m.organization_id,
                    "revision": 1,
                    "action": "create",
                    "changed_at": m.created_at,
                    "user_id": m.user_id,
                    "changes": changes,
                    "snapshot": snapshot,
                }
            )
        if entries:
            bind.execute(sa.insert(_history), entries)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_created_at"))
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("material_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_history_user_id"))
        batch_op.drop_index(batch_op.f("ix_material_history_organization_id"))
        batch_op.drop_index("ix_material_history_material_revision")
        batch_op.drop_index("ix_material_history_material_id")
    op.drop_table("material_history")
    # Trashed materials would come back as live ones: purge them, as the trash would.
    op.execute("DELETE FROM target_materials WHERE deleted_at IS NOT NULL")
    with op.batch_alter_table("target_materials", schema=None) as batch_op:
        batch_op.drop_index("ix_target_materials_org_deleted")
        batch_op.drop_constraint(
            batch_op.f("fk_target_materials_deleted_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("deleted_by")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("revision")
    # Ids stay 64-bit and AUTOINCREMENT: narrowing them could not hold the ids already given.
