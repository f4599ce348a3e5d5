"""Target materials, their layers, the element index and detail notes."""

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
from filmstack.server.db import Base, utcnow
from filmstack.server.materials.names import fold_default, fold_name


class DetailNote(Base):
    __tablename__ = "detail_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[str] = mapped_column(Text)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class TargetMaterial(Base):
    __tablename__ = "target_materials"
    __table_args__ = (
        # Keyset paging walks (organization_id, id); the substrate filter has its own path.
        Index("ix_target_materials_org_id", "organization_id", "id"),
        Index("ix_target_materials_org_substrate_id", "organization_id", "substrate", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    sample_name: Mapped[str] = mapped_column(String(255))
    # sample_name with case and accents folded (names.fold_name): what name search matches.
    name_folded: Mapped[str] = mapped_column(String(255), default=fold_default, server_default="")
    substrate: Mapped[str] = mapped_column(String(255))
    sample_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detail_note_id: Mapped[str | None] = mapped_column(
        ForeignKey("detail_notes.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
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
    __table_args__ = (UniqueConstraint("target_material_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_material_id: Mapped[int] = mapped_column(
        ForeignKey("target_materials.id", ondelete="CASCADE")
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
        ForeignKey("target_materials.id", ondelete="CASCADE"), primary_key=True
    )
    element: Mapped[str] = mapped_column(String(3), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
