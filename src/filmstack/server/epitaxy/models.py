"""An organization's own lattice rows: they add to, or override, the built-in table."""

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from filmstack.server.db import AUTOINCREMENT, Base, BigId, utcnow


class OrganizationLattice(Base):
    __tablename__ = "lattices"
    __table_args__ = (
        Index("ix_lattices_org_formula_key", "organization_id", "formula_key"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("organizations.id", ondelete="CASCADE")
    )
    formula: Mapped[str] = mapped_column(String(200))
    # Reduced composition (atomic fractions), how lookups find the row: "O:0.6,Sr:0.2,Ti:0.2".
    formula_key: Mapped[str] = mapped_column(String(400))
    phase: Mapped[str] = mapped_column(String(100))
    labels: Mapped[str] = mapped_column(String(100), default="")
    space_group: Mapped[str] = mapped_column(String(32))
    space_group_number: Mapped[int] = mapped_column(Integer)
    a: Mapped[float] = mapped_column(Float)
    b: Mapped[float] = mapped_column(Float)
    c: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float)
    beta: Mapped[float] = mapped_column(Float)
    gamma: Mapped[float] = mapped_column(Float)
    pseudocubic_a: Mapped[float | None] = mapped_column(Float)
    orientation_setting: Mapped[str] = mapped_column(String(16), default="cell")
    temperature_k: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_updated: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
