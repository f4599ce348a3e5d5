"""Physical samples: create, read, change and link to a target material."""

import uuid
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from filmstack._version import __version__
from filmstack.schemas import PhysicalSampleCreate, PhysicalSampleUpdate
from filmstack.server.accounts.models import User
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import utcnow
from filmstack.server.errors import NotFound
from filmstack.server.materials.models import DetailNote, TargetMaterial
from filmstack.server.materials.service import get_material, iso, set_detail_note
from filmstack.server.samples.models import PhysicalSample
from filmstack.server.validation import check_json_object


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


def create_sample(
    session: Session, principal: Principal, body: PhysicalSampleCreate, settings: Settings
) -> PhysicalSample:
    now = utcnow()
    sample = PhysicalSample(
        created_datetime=now,
        last_updated=now,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        name=body.name,
        target_material_id=_link(session, principal, body.sample_id),
        physical_sample_metadata=_metadata(body.physical_sample_metadata, settings),
        version=__version__,
    )
    session.add(sample)
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
    if "name" in changes:
        sample.name = changes["name"]
    if "sample_id" in changes:
        sample.target_material_id = _link(session, principal, changes["sample_id"])
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
    sample.target_material_id = _link(session, principal, material_id)
    sample.last_updated = utcnow()
    session.flush()
    return sample


def sample_out(sample: PhysicalSample) -> dict[str, Any]:
    return {
        "id": sample.id,
        "name": sample.name,
        "created_datetime": iso(sample.created_datetime),
        "last_updated": iso(sample.last_updated),
        "version": sample.version,
        "user_id": sample.user_id,
        "sample_id": sample.target_material_id,
        "growth_instrument_id": None,
        "detail_notes_id": sample.detail_note_id,
        "physical_sample_metadata": sample.physical_sample_metadata or {},
    }


_S = cast(Table, PhysicalSample.__table__)
_M = cast(Table, TargetMaterial.__table__)
_N = cast(Table, DetailNote.__table__)
_U = cast(Table, User.__table__)
_LIST = (
    select(
        *_S.c,
        _U.c.name.label("owner_name"),
        _N.c.content.label("note_content"),
        _N.c.last_updated.label("note_updated"),
        *(c.label(f"m_{c.name}") for c in _M.c),
    )
    .join(_U, _U.c.id == _S.c.user_id)
    .outerjoin(_N, _N.c.id == _S.c.detail_note_id)
    .outerjoin(_M, _M.c.id == _S.c.target_material_id)
    .where(_S.c.organization_id == bindparam("org"))
    .order_by(_S.c.created_datetime, _S.c.id)
)


def list_samples(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Rows as the public service lists them, in one Core query (no query per row)."""
    rows = []
    for r in session.execute(_LIST, {"org": principal.organization_id}).mappings():
        material = None
        if r["m_id"] is not None:
            material = {
                "sample_id": r["m_id"],
                "sample_name": r["m_sample_name"],
                "substrate": r["m_substrate"],
                "sample_metadata": r["m_sample_metadata"] or {},
                "detail_notes_id": r["m_detail_note_id"],
                "user_id": r["m_user_id"],
                "version": r["m_version"],
                "last_updated": iso(r["m_last_updated"]),
            }
        rows.append(
            {
                "id": r["id"],
                "name": r["name"],
                "created_datetime": iso(r["created_datetime"]),
                "last_updated": iso(r["last_updated"]),
                "version": r["version"],
                "user_id": r["user_id"],
                "sample_id": r["target_material_id"],
                "growth_instrument_id": None,
                "detail_notes_id": r["detail_note_id"],
                "physical_sample_metadata": r["physical_sample_metadata"] or {},
                "owner_id": r["user_id"],
                "owner_name": r["owner_name"],
                "num_data_items": 0,
                "growth_instrument": None,
                "projects": [],
                "detail_notes": (
                    {"content": r["note_content"], "last_updated": iso(r["note_updated"])}
                    if r["note_content"] is not None
                    else None
                ),
                "target_material": material,
            }
        )
    return rows
