"""Target materials and their stacks. Services flush, never commit: the request owns that.

Every change goes through `_changed()`, which bumps the revision and writes the history entry
in the same transaction; a write that changes nothing leaves both as they were.
"""

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from filmstack._version import __version__
from filmstack.schemas import (
    MAX_INT32,
    MAX_INT64,
    LayerCreate,
    LayerUpdate,
    MaterialCreate,
    MaterialUpdate,
)
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import DriverWrite, utcnow
from filmstack.server.epitaxy.service import fill_unit_cells, substrate_columns
from filmstack.server.errors import Conflict, InvalidInput, NotFound
from filmstack.server.materials import history
from filmstack.server.materials.layers import (
    CHANGEABLE,
    STACK_COLUMNS,
    layer_columns,
    refresh_elements,
    stack_rows,
    write_stack,
)
from filmstack.server.materials.models import DetailNote, Layer, TargetMaterial
from filmstack.server.materials.names import fold_name
from filmstack.server.materials.serialize import (
    detail_dict,
    iso,
    layer_out,
    material_out,
    read_detail,
    read_layers,
    written_layers,
)
from filmstack.server.validation import check_json_object, check_record_text

__all__ = [
    "get_material",
    "iso",
    "layer_out",
    "material_out",
    "read_detail",
    "read_layers",
    "read_material",
]


# ------------------------------------------------------------------------------- loading


def _material_query(*, trashed: bool, for_update: bool) -> Select[TargetMaterial]:
    m = TargetMaterial
    query = select(m).where(
        m.id == bindparam("material_id"),
        m.organization_id == bindparam("organization_id"),
        m.deleted_at.is_not(None) if trashed else m.deleted_at.is_(None),
    )
    return query.with_for_update() if for_update else query


# Built once: a lookup binds its two ids and finds its compiled form in SQLAlchemy's cache.
_MATERIAL_QUERIES = {
    (trashed, for_update): _material_query(trashed=trashed, for_update=for_update)
    for trashed in (False, True)
    for for_update in (False, True)
}


def get_material(
    session: Session,
    principal: Principal,
    material_id: int,
    *,
    for_update: bool = False,
    trashed: bool = False,
) -> TargetMaterial:
    """The caller's material, or 404: another organization's id looks exactly like a missing one.

    Live materials by default; `trashed=True` finds only those in the trash.
    """
    if not 1 <= material_id <= MAX_INT64:
        raise NotFound(f"Target material {material_id} not found")
    material = session.scalar(
        _MATERIAL_QUERIES[trashed, for_update],
        {"material_id": material_id, "organization_id": principal.organization_id},
    )
    if material is None:
        where = " in the trash" if trashed else ""
        raise NotFound(f"Target material {material_id} not found{where}")
    return material


_MATERIALS = cast(Table, TargetMaterial.__table__)
# Table columns throughout: an ORM attribute in the WHERE clause would send the statement
# through the ORM's execution path after all.
_READ_MATERIAL = select(_MATERIALS).where(
    _MATERIALS.c.id == bindparam("material_id"),
    _MATERIALS.c.organization_id == bindparam("organization_id"),
    _MATERIALS.c.deleted_at.is_(None),
)


def read_material(session: Session, principal: Principal, material_id: int) -> TargetMaterial:
    """get_material for a read: the row through Core, without the ORM's identity bookkeeping.

    A Core row reads like the ORM object, every column under its attribute name and type, and
    that is all a read uses of it (no relationships, no changes). GET one itself reads the
    material with its layers in one statement (serialize.read_one).
    """
    if not 1 <= material_id <= MAX_INT64:
        raise NotFound(f"Target material {material_id} not found")
    row = session.execute(
        _READ_MATERIAL, {"material_id": material_id, "organization_id": principal.organization_id}
    ).first()
    if row is None:
        raise NotFound(f"Target material {material_id} not found")
    return cast(TargetMaterial, row)


# ------------------------------------------------------------------------------ revisions


_KEEP: Any = object()


def _changed(
    session: Session,
    principal: Principal,
    material: TargetMaterial,
    action: str,
    before: history.Snapshot,
    *,
    layers: bool,
    note: str | None = _KEEP,
) -> bool:
    """After a change: a new revision and its history entry, unless nothing GET one shows moved.

    The new snapshot is the old one with what the change touched read again: the material's
    columns, the note when `note` is given, the layers when `layers` is true.
    """
    session.flush()
    after = {**before, **material_out(material)}
    if note is not _KEEP:
        after["detail_note_content"] = note
    if layers:
        after["layers"] = read_layers(session, material.id)  # flushed above: as stored
    if history.same_content(before, after):
        return False
    material.revision += 1
    material.last_updated = utcnow()
    after.update(revision=material.revision, last_updated=iso(material.last_updated))
    history.record(
        session,
        material,
        principal.user_id,
        action,
        history.diff(before, after),
        after,
        at=material.last_updated,
    )
    session.flush()
    return True


# ------------------------------------------------------------------------------- writing


def _metadata(
    value: dict[str, Any] | None, loc: list[str | int], settings: Settings
) -> dict[str, Any]:
    if value is None:
        return {}
    return check_json_object(
        value, loc, max_bytes=settings.max_metadata_bytes, max_depth=settings.max_metadata_depth
    )


_INSERT_MATERIAL = DriverWrite(insert(_MATERIALS).returning(_MATERIALS.c.id))


def create_material(
    session: Session, principal: Principal, body: MaterialCreate, settings: Settings
) -> TargetMaterial:
    check_record_text(dict(body.sample), ["body", "sample"], settings)
    metadata = _metadata(
        body.sample.sample_metadata, ["body", "sample", "sample_metadata"], settings
    )
    rows = stack_rows(body.layers, ["body", "layers"], settings)
    substrate, moved = substrate_columns(
        body.sample.model_dump(exclude_unset=True), metadata, ["body", "sample"]
    )
    metadata = moved or {}
    fill_unit_cells(session, principal, rows)  # the first statement, if a layer counts cells
    note = body.sample.detail_note_content
    now = utcnow()
    columns: dict[str, Any] = {
        "created_at": now,
        "last_updated": now,
        "organization_id": principal.organization_id,
        "user_id": principal.user_id,
        "sample_name": body.sample.sample_name,
        "name_folded": fold_name(body.sample.sample_name),
        "substrate": body.sample.substrate,
        "sample_metadata": metadata,
        "substrate_orientation": None,
        "substrate_miscut_deg": None,
        "substrate_miscut_toward": None,
        **substrate,
        "version": __version__,
        "revision": 1,
        "detail_note_id": set_detail_note(session, principal.organization_id, None, note),
        "deleted_at": None,
        "deleted_by": None,
    }
    # A Core insert: the ORM's unit of work cost a sixth of a create to write this one row.
    # What the request reads of the new material is exactly these columns and its id.
    columns["id"] = _INSERT_MATERIAL.run(session, columns)[0]
    material = cast(TargetMaterial, SimpleNamespace(**columns))
    layers = written_layers(material.id, rows, write_stack(session, material, rows, replace=False))
    snapshot = detail_dict(material, layers, principal.user_name, note)
    history.record(
        session,
        material,
        principal.user_id,
        "create",
        history.diff(None, snapshot),
        snapshot,
        at=now,
    )
    session.flush()
    return material


def set_detail_note(
    session: Session, organization_id: int, note_id: str | None, content: str | None
) -> str | None:
    """Create, change or (with None) remove a detail note; return the id to link."""
    note = session.get(DetailNote, note_id) if note_id else None
    if content is None:
        if note is not None:
            session.delete(note)
        return None
    if note is None:
        note = DetailNote(organization_id=organization_id, content=content)
        session.add(note)
        session.flush()
    elif note.content != content:
        note.content = content
        note.last_updated = utcnow()
    return note.id


def material_changes(material_id: int, body: MaterialUpdate, settings: Settings) -> dict[str, Any]:
    """The checked column changes a PATCH asks for: run before the row is locked."""
    changes = body.model_dump(exclude_unset=True)
    check_record_text(changes, ["body"], settings)
    if "sample_id" in changes and changes.pop("sample_id") not in (None, material_id):
        raise InvalidInput.at(
            ["body", "sample_id"], f"must equal the target material id in the path ({material_id})"
        )
    if "sample_metadata" in changes:
        changes["sample_metadata"] = _metadata(
            changes["sample_metadata"], ["body", "sample_metadata"], settings
        )
    substrate, metadata = substrate_columns(changes, changes.get("sample_metadata"), ["body"])
    changes.update(substrate)
    if "sample_metadata" in changes:
        changes["sample_metadata"] = metadata
    return changes


def update_material(
    session: Session, principal: Principal, material: TargetMaterial, changes: dict[str, Any]
) -> TargetMaterial:
    """Apply `material_changes()` to the locked material."""
    changes = dict(changes)
    before = read_detail(session, material)
    note = _KEEP
    if "detail_note_content" in changes:
        note = changes.pop("detail_note_content")
        material.detail_note_id = set_detail_note(
            session, material.organization_id, material.detail_note_id, note
        )
    for field, value in changes.items():
        setattr(material, field, value)
    _changed(session, principal, material, "update", before, layers=False, note=note)
    return material


def replace_stack(
    session: Session,
    principal: Principal,
    material: TargetMaterial,
    rows: list[dict[str, Any]],
) -> TargetMaterial:
    """Store the rows of `stack_rows()` (validated before the lock) as the whole stack."""
    fill_unit_cells(session, principal, rows)
    before = read_detail(session, material)
    write_stack(session, material, rows, replace=True)
    _changed(session, principal, material, "replace_layers", before, layers=True)
    return material


def _layer_at(session: Session, material_id: int, position: int) -> Layer | None:
    if not 1 <= position <= MAX_INT32:
        return None  # never a position; and PostgreSQL refuses to compare it with one
    return session.scalar(
        select(Layer).where(Layer.target_material_id == material_id, Layer.position == position)
    )


def new_layer_columns(body: LayerCreate, settings: Settings) -> dict[str, Any]:
    """The checked columns of a layer to add: run before the material is locked."""
    problems: list[dict[str, Any]] = []
    columns = layer_columns(
        body, ["body"], problems, max_composition_length=settings.max_composition_length
    )
    if problems:
        raise InvalidInput(problems)
    return columns


def add_layer(
    session: Session,
    principal: Principal,
    material: TargetMaterial,
    body: LayerCreate,
    columns: dict[str, Any],
    settings: Settings,
) -> Layer:
    columns = dict(columns)
    fill_unit_cells(session, principal, [columns])
    if _layer_at(session, material.id, body.layer_id) is not None:
        raise Conflict(
            f"Position {body.layer_id} of target material {material.id} is already taken; "
            "PATCH /target-materials/layers/ changes it."
        )
    count = session.scalar(
        select(func.count()).select_from(Layer).where(Layer.target_material_id == material.id)
    )
    if (count or 0) >= settings.max_layers:
        raise InvalidInput.at(
            ["body", "layer_id"], f"a stack holds at most {settings.max_layers} layers"
        )
    before = read_detail(session, material)
    layer = Layer(target_material_id=material.id, position=body.layer_id, **columns)
    session.add(layer)
    session.flush()
    refresh_elements(session, material)
    _changed(session, principal, material, "add_layer", before, layers=True)
    return layer


def update_layer(
    session: Session,
    principal: Principal,
    material: TargetMaterial,
    body: LayerUpdate,
    settings: Settings,
) -> Layer:
    layer = _layer_at(session, material.id, body.layer_id)
    if layer is None:
        raise NotFound(f"Target material {material.id} has no layer at position {body.layer_id}")
    problems: list[dict[str, Any]] = []
    sent = body.model_fields_set & set(CHANGEABLE)
    columns = layer_columns(
        body,
        ["body"],
        problems,
        sent=sent,
        max_composition_length=settings.max_composition_length,
        current={
            "composition_string": layer.composition_string,
            "space_group_number": layer.space_group_number,
        },
    )
    if problems:
        raise InvalidInput(problems)
    if "thickness_unit_cells" in columns and "thickness_nm" not in columns:
        # A new count in unit cells means a new thickness in nanometres.
        counted = {
            "composition_string": columns.get("composition_string", layer.composition_string),
            "space_group_number": columns.get("space_group_number", layer.space_group_number),
            "lattice": columns.get("lattice", layer.lattice),
            "thickness_unit_cells": columns["thickness_unit_cells"],
            "thickness_nm": None,
        }
        fill_unit_cells(session, principal, [counted])
        columns["thickness_nm"] = counted["thickness_nm"]
    before = read_detail(session, material)
    for column, value in columns.items():
        setattr(layer, column, value)
    session.flush()
    refresh_elements(session, material)
    _changed(session, principal, material, "update_layer", before, layers=True)
    return layer


def delete_layer(
    session: Session, principal: Principal, material: TargetMaterial, position: int
) -> None:
    layer = _layer_at(session, material.id, position)
    if layer is None:
        raise NotFound(f"Target material {material.id} has no layer at position {position}")
    before = read_detail(session, material)
    session.delete(layer)
    session.flush()
    refresh_elements(session, material)
    _changed(session, principal, material, "delete_layer", before, layers=True)


def revert_material(
    session: Session,
    principal: Principal,
    material: TargetMaterial,
    revision: int,
    settings: Settings,
) -> TargetMaterial:
    """A new revision whose fields, stack and note equal those of `revision`."""
    target = history.snapshot_at(session, material, revision)
    if target is None:
        raise InvalidInput.at(
            ["body", "revision"],
            f"target material {material.id} has no revision {revision} "
            f"(it is at revision {material.revision})",
            revision,
        )
    before = read_detail(session, material)
    material.sample_name = target["sample_name"]
    material.substrate = target["substrate"]
    material.sample_metadata = target["sample_metadata"]
    for field in ("substrate_orientation", "substrate_miscut_deg", "substrate_miscut_toward"):
        setattr(material, field, target.get(field))
    material.detail_note_id = set_detail_note(
        session, material.organization_id, material.detail_note_id, target["detail_note_content"]
    )
    # The stored layer values are canonical already: they go back as they were.
    rows = [
        {"position": la["layer_id"], **{c: la.get(c) for c in STACK_COLUMNS if c != "position"}}
        for la in target["layers"]
    ]
    write_stack(session, material, rows, replace=True)
    _changed(
        session,
        principal,
        material,
        "revert",
        before,
        layers=True,
        note=target["detail_note_content"],
    )
    return material


def record_link(
    session: Session,
    principal: Principal,
    material_id: int,
    physical_sample_id: str,
    *,
    linked: bool,
) -> None:
    """A physical sample now points at (or no longer at) this material: a `link` entry.

    Links are not part of the material's content, so its revision stays as it is.
    """
    material = session.scalar(
        select(TargetMaterial)
        .where(
            TargetMaterial.id == material_id,
            TargetMaterial.organization_id == principal.organization_id,
        )
        .with_for_update()  # the entry's revision is the one current when it commits
    )
    if material is None:
        return
    before, after = (None, physical_sample_id) if linked else (physical_sample_id, None)
    history.record(
        session,
        material,
        principal.user_id,
        "link",
        [{"field": "physical_sample", "before": before, "after": after}],
        None,
    )
