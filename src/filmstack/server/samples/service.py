"""Physical samples: create, read, change and link to a target material."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filmstack import __version__
from filmstack.schemas import PhysicalSampleCreate, PhysicalSampleUpdate
from filmstack.server.accounts.models import User
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import utcnow
from filmstack.server.errors import NotFound
from filmstack.server.materials.models import DetailNote, TargetMaterial
from filmstack.server.materials.serialize import iso, material_out
from filmstack.server.materials.service import get_material, record_link, set_detail_note
from filmstack.server.samples.models import PhysicalSample
from filmstack.server.validation import check_json_object, check_record_text


def get_sample(
    session: Session, principal: Principal, sample_id: str, *, for_update: bool = False
) -> PhysicalSample:
    try:
        key = str(uuid.UUID(sample_id))
    except ValueError:
        raise NotFound(f"Physical sample {sample_id} not found") from None
    query = select(PhysicalSample).where(
        PhysicalSample.id == key, PhysicalSample.organization_id == principal.organization_id
    )
    if for_update:
        query = query.with_for_update()
    sample = session.scalar(query)
    if sample is None:
        raise NotFound(f"Physical sample {sample_id} not found")
    return sample


def _metadata(value: dict[str, Any] | None, settings: Settings) -> dict[str, Any]:
    if value is None:
        return {}
    return check_json_object(
        value,
        ["body", "physical_sample_metadata"],
        max_bytes=settings.max_metadata_bytes,
        max_depth=settings.max_metadata_depth,
    )


def _link(session: Session, principal: Principal, material_id: int | None) -> int | None:
    """A link may only point at a material of the caller's organization (else 404)."""
    if material_id is None:
        return None
    return get_material(session, principal, material_id).id


def _relink(
    session: Session, principal: Principal, sample: PhysicalSample, material_id: int | None
) -> None:
    """Point the sample at `material_id`; each material whose link changed gets a `link` entry."""
    old = sample.target_material_id
    new = _link(session, principal, material_id)
    if old == new:
        return
    sample.target_material_id = new
    if old is not None:
        record_link(session, principal, old, sample.id, linked=False)
    if new is not None:
        record_link(session, principal, new, sample.id, linked=True)


def create_sample(
    session: Session, principal: Principal, body: PhysicalSampleCreate, settings: Settings
) -> PhysicalSample:
    check_record_text(dict(body), ["body"], settings)
    now = utcnow()
    sample = PhysicalSample(
        created_datetime=now,
        last_updated=now,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        name=body.name,
        physical_sample_metadata=_metadata(body.physical_sample_metadata, settings),
        version=__version__,
    )
    session.add(sample)
    session.flush()
    _relink(session, principal, sample, body.sample_id)
    session.flush()
    return sample


def update_sample(
    session: Session,
    principal: Principal,
    sample: PhysicalSample,
    body: PhysicalSampleUpdate,
    settings: Settings,
) -> PhysicalSample:
    changes = body.model_dump(exclude_unset=True)
    check_record_text(changes, ["body"], settings)
    if "name" in changes:
        sample.name = changes["name"]
    if "sample_id" in changes:
        _relink(session, principal, sample, changes["sample_id"])
    if "physical_sample_metadata" in changes:
        sample.physical_sample_metadata = _metadata(changes["physical_sample_metadata"], settings)
    if "detail_note_content" in changes:
        sample.detail_note_id = set_detail_note(
            session, sample.organization_id, sample.detail_note_id, changes["detail_note_content"]
        )
    sample.last_updated = utcnow()
    session.flush()
    return sample


def link_sample(
    session: Session, principal: Principal, sample: PhysicalSample, material_id: int | None
) -> PhysicalSample:
    _relink(session, principal, sample, material_id)
    sample.last_updated = utcnow()
    session.flush()
    return sample


def visible_link(session: Session, sample: PhysicalSample) -> int | None:
    """The linked material's id, or None while that material is in the trash."""
    if sample.target_material_id is None:
        return None
    deleted = session.scalar(
        select(TargetMaterial.deleted_at).where(TargetMaterial.id == sample.target_material_id)
    )
    return None if deleted is not None else sample.target_material_id


def sample_out(sample: PhysicalSample, linked_id: int | None) -> dict[str, Any]:
    """The physical sample; `linked_id` is its link as shown (null while trashed)."""
    return {
        "id": sample.id,
        "name": sample.name,
        "created_datetime": iso(sample.created_datetime),
        "last_updated": iso(sample.last_updated),
        "version": sample.version,
        "user_id": sample.user_id,
        "sample_id": linked_id,
        "growth_instrument_id": None,
        "detail_notes_id": sample.detail_note_id,
        "physical_sample_metadata": sample.physical_sample_metadata or {},
    }


def shown(session: Session, sample: PhysicalSample) -> dict[str, Any]:
    """The physical sample as the API answers it."""
    return sample_out(sample, visible_link(session, sample))


def list_samples(
    session: Session, principal: Principal, *, target_material_id: int | None = None
) -> list[dict[str, Any]]:
    """Rows as the public service lists them, in one query (no query per row).

    With `target_material_id`, only the samples linked to that material.
    """
    query = (
        select(PhysicalSample, User.name, DetailNote, TargetMaterial)
        .join(User, User.id == PhysicalSample.user_id)
        .outerjoin(DetailNote, DetailNote.id == PhysicalSample.detail_note_id)
        .outerjoin(
            TargetMaterial,
            (TargetMaterial.id == PhysicalSample.target_material_id)
            & TargetMaterial.deleted_at.is_(None),
        )
        .where(PhysicalSample.organization_id == principal.organization_id)
        .order_by(PhysicalSample.created_datetime, PhysicalSample.id)
    )
    if target_material_id is not None:
        # A trashed material's samples show no link, so they are not its samples either.
        query = query.where(TargetMaterial.id == target_material_id)
    rows = []
    for sample, owner_name, note, material in session.execute(query):
        rows.append(
            {
                **sample_out(sample, material.id if material else None),
                "owner_id": sample.user_id,
                "owner_name": owner_name,
                "num_data_items": 0,
                "growth_instrument": None,
                "projects": [],
                "detail_notes": (
                    {"content": note.content, "last_updated": iso(note.last_updated)}
                    if note
                    else None
                ),
                "target_material": material_out(material) if material else None,
            }
        )
    return rows
