"""Every ORM model, imported once so the metadata is complete (Alembic and tests use it)."""

from filmstack.server.accounts.models import ApiKey, Organization, User
from filmstack.server.db import Base
from filmstack.server.epitaxy.models import OrganizationLattice
from filmstack.server.materials.models import (
    DetailNote,
    IdempotencyKey,
    Layer,
    MaterialElement,
    MaterialHistory,
    TargetMaterial,
)
from filmstack.server.samples.models import PhysicalSample

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "DetailNote",
    "IdempotencyKey",
    "Layer",
    "MaterialElement",
    "MaterialHistory",
    "Organization",
    "OrganizationLattice",
    "PhysicalSample",
    "TargetMaterial",
    "User",
    "metadata",
]
