"""Target materials, their layers, the element index, detail notes and the history of changes."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filmstack.server.accounts.models import User
from filmstack.server.db import AUTOINCREMENT, Base, BigId, utcnow
from filmstack.server.materials.names import fold_default, fold_name


class DetailNote(Base):
    __tablename__ = "detail_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[str] = mapped_column(Text)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class TargetMaterial(Base):
    __tablename__ = "target_materials"
    __table_args__ = (
        # Keyset paging walks (organization_id, id); the substrate filter has its own path.
        Index("ix_target_materials_org_id", "organization_id", "id"),
        Index("ix_target_materials_org_substrate_id", "organization_id", "substrate", "id"),
        # The trash lists newest deletion first.
        Index("ix_target_materials_org_deleted", "organization_id", "deleted_at", "id"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    sample_name: Mapped[str] = mapped_column(String(255))
    # sample_name with case and accents folded (names.fold_name): what name search matches.
    name_folded: Mapped[str] = mapped_column(String(255), default=fold_default, server_default="")
    substrate: Mapped[str] = mapped_column(String(255))
    sample_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Extension: the structured substrate (epitaxy needs its orientation).
    substrate_orientation: Mapped[str | None] = mapped_column(String(100))
    substrate_miscut_deg: Mapped[float | None] = mapped_column(Float)
    substrate_miscut_toward: Mapped[str | None] = mapped_column(String(100))
    detail_note_id: Mapped[str | None] = mapped_column(
        ForeignKey("detail_notes.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # 1 at create, +1 on every change to the fields, the stack, a layer or the note.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set while the material is in the trash; every read of live materials filters on it.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    detail_note: Mapped[DetailNote | None] = relationship(lazy="raise")
    layers: Mapped[list["Layer"]] = relationship(
        lazy="raise",
        order_by="Layer.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


@event.listens_for(TargetMaterial.sample_name, "set")
def _fold_name(target: TargetMaterial, value: str, _old: object, _initiator: object) -> None:
    target.name_folded = fold_name(value)


class Layer(Base):
    __tablename__ = "layers"
    __table_args__ = (UniqueConstraint("target_material_id", "position"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_material_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("target_materials.id", ondelete="CASCADE")
    )
    # The public API calls the position layer_id: 1 sits on the substrate.
    position: Mapped[int] = mapped_column(Integer)
    composition_string: Mapped[str | None] = mapped_column(String(200))
    element_dict: Mapped[dict[str, float] | None] = mapped_column(JSON)
    orientation: Mapped[str | None] = mapped_column(String(100))
    orientation_indices: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    space_group: Mapped[str | None] = mapped_column(String(32))
    space_group_number: Mapped[int | None] = mapped_column(Integer)
    space_group_input: Mapped[str | None] = mapped_column(String(64))
    mp_id: Mapped[str | None] = mapped_column(String(32))
    thickness_nm: Mapped[float | None] = mapped_column(Float)
    # Extension fields for epitaxy: the layer's own cell, its stated relationship, a thickness
    # counted in unit cells, and its place in a superlattice.
    lattice: Mapped[dict[str, float] | None] = mapped_column(JSON)
    in_plane_relationship: Mapped[str | None] = mapped_column(String(100))
    thickness_unit_cells: Mapped[float | None] = mapped_column(Float)
    repeat: Mapped[dict[str, int] | None] = mapped_column(JSON)


class MaterialElement(Base):
    """Which elements a material's stack contains: element search reads this index, not layers."""

    __tablename__ = "material_elements"
    __table_args__ = (
        Index(
            "ix_material_elements_org_element_material",
            "organization_id",
            "element",
            "target_material_id",
        ),
    )

    target_material_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("target_materials.id", ondelete="CASCADE"), primary_key=True
    )
    element: Mapped[str] = mapped_column(String(3), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE")
    )


class MaterialHistory(Base):
    """One entry per change of a material, written in the transaction of the change.

    `revision` is the material's revision after the change. Entries that change the content
    (fields, stack, note) carry `snapshot`: the material exactly as GET one showed it then.
    delete, restore and link leave the content, and so the revision, as it was: their
    snapshot is null and the content entry of the same revision holds it.
    """

    __tablename__ = "material_history"
    __table_args__ = (
        # History pages walk one material's entries newest first.
        Index("ix_material_history_material_id", "target_material_id", "id"),
        Index("ix_material_history_material_revision", "target_material_id", "revision"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_material_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("target_materials.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class IdempotencyKey(Base):
    """An Idempotency-Key seen on a creating POST, and the answer it got (kept 24 hours)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "key"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(255))
    # "POST /target-materials/": the same key on another endpoint is another request.
    request: Mapped[str] = mapped_column(String(300))
    body_hash: Mapped[str] = mapped_column(String(64))
    # "running" while the first request works, "done" once its answer is stored.
    state: Mapped[str] = mapped_column(String(8))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
