"""Physical samples: create, read, change and link to a target material."""

import uuid
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.orm import Session

from filmstack import __version__
from filmstack.schemas import PhysicalSampleCreate, PhysicalSampleUpdate
from filmstack.server.accounts.models import User
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import DriverQuery, utcnow
from filmstack.server.errors import NotFound
from filmstack.server.materials.models import DetailNote, TargetMaterial
from filmstack.server.materials.serialize import (
    MATERIAL,
    MATERIAL_COLUMNS,
    AnyRow,
    iso,
    plan_out,
    row_plan,
)
from filmstack.server.materials.service import get_material, record_link, set_detail_note
from filmstack.server.samples.models import PhysicalSample
from filmstack.server.validation import check_json_object, check_record_text


def _sample_query(*, for_update: bool) -> Select[PhysicalSample]:
    query = select(PhysicalSample).where(
        PhysicalSample.id == bindparam("sample_id"),
        PhysicalSample.organization_id == bindparam("organization_id"),
    )
    return query.with_for_update() if for_update else query


# Built once: a lookup binds its two ids and finds its compiled form in SQLAlchemy's cache.
_SAMPLE_QUERIES = {for_update: _sample_query(for_update=for_update) for for_update in (False, True)}


def _sample_key(sample_id: str) -> str:
    """The id as stored, or 404: a path that is no UUID names no sample."""
    try:
        return str(uuid.UUID(sample_id))
    except ValueError:
        raise NotFound(f"Physical sample {sample_id} not found") from None


def get_sample(
    session: Session, principal: Principal, sample_id: str, *, for_update: bool = False
) -> PhysicalSample:
    sample = session.scalar(
        _SAMPLE_QUERIES[for_update],
        {"sample_id": _sample_key(sample_id), "organization_id": principal.organization_id},
    )
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


def sample_out(sample: PhysicalSample | AnyRow, linked_id: int | None) -> dict[str, Any]:
    """The physical sample; `linked_id` is its link as shown (null while trashed).

    `sample` is the ORM instance, or a row of SAMPLE_COLUMNS (which bear its attribute names).
    """
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


# ----------------------------------------------------------------------------- reads
# GET one and the list read rows, not ORM instances: nothing in them is changed or tracked, and
# their statements are built once, so each request only binds its ids.

_SAMPLES = cast(Table, PhysicalSample.__table__)
_MATERIALS = cast(Table, TargetMaterial.__table__)
_USERS = cast(Table, User.__table__)
_NOTES = cast(Table, DetailNote.__table__)
SAMPLE_COLUMNS = tuple(_SAMPLES.c)

_READ_SAMPLE = (
    select(*SAMPLE_COLUMNS, _MATERIALS.c.deleted_at.label("material_deleted_at"))
    .select_from(_SAMPLES.outerjoin(_MATERIALS, _MATERIALS.c.id == _SAMPLES.c.target_material_id))
    .where(
        _SAMPLES.c.id == bindparam("sample_id"),
        _SAMPLES.c.organization_id == bindparam("organization_id"),
    )
)


def read_sample(session: Session, principal: Principal, sample_id: str) -> dict[str, Any]:
    """GET one: what `shown` answers for the sample, in one statement."""
    row = session.execute(
        _READ_SAMPLE,
        {"sample_id": _sample_key(sample_id), "organization_id": principal.organization_id},
    ).first()
    if row is None:
        raise NotFound(f"Physical sample {sample_id} not found")
    # As visible_link: no link shown while the linked material is in the trash.
    return sample_out(row, None if row.material_deleted_at is not None else row.target_material_id)


_M = "m_"
_LIST_COLUMNS = (
    *SAMPLE_COLUMNS,
    _USERS.c.name.label("owner_name"),
    _NOTES.c.id.label("note_id"),
    _NOTES.c.content.label("note_content"),
    _NOTES.c.last_updated.label("note_last_updated"),
    *(c.label(_M + c.name) for c in MATERIAL_COLUMNS),
)
_MATERIAL_START = len(_LIST_COLUMNS) - len(MATERIAL_COLUMNS)  # MATERIAL begins with the id
_MATERIAL_PLAN = row_plan(MATERIAL, _MATERIAL_START)
_LIST_ALL = (
    select(*_LIST_COLUMNS)
    .select_from(
        _SAMPLES.join(_USERS, _USERS.c.id == _SAMPLES.c.user_id)
        .outerjoin(_NOTES, _NOTES.c.id == _SAMPLES.c.detail_note_id)
        .outerjoin(
            _MATERIALS,
            (_MATERIALS.c.id == _SAMPLES.c.target_material_id) & _MATERIALS.c.deleted_at.is_(None),
        )
    )
    .where(_SAMPLES.c.organization_id == bindparam("organization_id"))
    .order_by(_SAMPLES.c.created_datetime, _SAMPLES.c.id)
)
# A trashed material's samples show no link, so they are not its samples either.
_LIST_LINKED = DriverQuery(_LIST_ALL.where(_MATERIALS.c.id == bindparam("material_id")), named=True)
_LIST = DriverQuery(_LIST_ALL, named=True)


def list_samples(
    session: Session, principal: Principal, *, target_material_id: int | None = None
) -> list[dict[str, Any]]:
    """Rows as the public service lists them, in one query (no query per row).

    With `target_material_id`, only the samples linked to that material.
    """
    params: dict[str, Any] = {"organization_id": principal.organization_id}
    if target_material_id is None:
        query = _LIST
    else:
        query, params["material_id"] = _LIST_LINKED, target_material_id
    rows = []
    for row in query.all(session, params):
        material_id = row[_MATERIAL_START]
        rows.append(
            {
                **sample_out(row, material_id),
                "owner_id": row.user_id,
                "owner_name": row.owner_name,
                "num_data_items": 0,
                "growth_instrument": None,
                "projects": [],
                "detail_notes": (
                    {"content": row.note_content, "last_updated": iso(row.note_last_updated)}
                    if row.note_id is not None
                    else None
                ),
                "target_material": (
                    plan_out(_MATERIAL_PLAN, row) if material_id is not None else None
                ),
            }
        )
    return rows
