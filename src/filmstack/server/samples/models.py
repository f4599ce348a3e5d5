"""Physical samples: real growth runs that may point at a target material."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filmstack.server.accounts.models import User
from filmstack.server.db import Base, BigId, utcnow
from filmstack.server.materials.models import DetailNote


class PhysicalSample(Base):
    __tablename__ = "physical_samples"
    __table_args__ = (
        Index("ix_physical_samples_org_created", "organization_id", "created_datetime"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    target_material_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("target_materials.id", ondelete="SET NULL"), index=True
    )
    physical_sample_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detail_note_id: Mapped[str | None] = mapped_column(
        ForeignKey("detail_notes.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[str] = mapped_column(String(32))
    created_datetime: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
    detail_note: Mapped[DetailNote | None] = relationship(lazy="raise")
