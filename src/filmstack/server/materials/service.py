"""Target materials and their stacks. Services flush, never commit: the request owns that."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from filmstack._version import __version__
from filmstack.schemas import (
    MAX_INT64,
    LayerCreate,
    LayerIn,
    LayerUpdate,
    MaterialCreate,
    MaterialUpdate,
)
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import utcnow
from filmstack.server.errors import Conflict, InvalidInput, NotFound, problem
from filmstack.server.materials.layers import CHANGEABLE, layer_columns
from filmstack.server.materials.models import DetailNote, Layer, MaterialElement, TargetMaterial
from filmstack.server.validation import check_json_object


def iso(ts: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the public API writes timestamps."""
    return ts.isoformat(timespec="microseconds") + "Z"


# ------------------------------------------------------------------------------- loading


def get_material(
    session: Session, principal: Principal, material_id: int, *, for_update: bool = False
) -> TargetMaterial:
    """The caller's material, or 404: another organization's id looks exactly like a missing one."""
    if not 1 <= material_id <= MAX_INT64:
        raise NotFound(f"Target material {material_id} not found")
    query = select(TargetMaterial).where(
        TargetMaterial.id == material_id,
        TargetMaterial.organization_id == principal.organization_id,
    )
    if for_update:
        query = query.with_for_update()
    material = session.scalar(query)
    if material is None:
        raise NotFound(f"Target material {material_id} not found")
    return material


def load_layers(session: Session, material_id: int) -> list[Layer]:
    return list(
        session.scalars(
            select(Layer).where(Layer.target_material_id == material_id).order_by(Layer.position)
        )
    )


# ------------------------------------------------------------------------------- writing


def _metadata(
    value: dict[str, Any] | None, loc: list[str | int], settings: Settings
) -> dict[str, Any]:
    if value is None:
        return {}
    return check_json_object(
        value, loc, max_bytes=settings.max_metadata_bytes, max_depth=settings.max_metadata_depth
    )


def _stack_rows(
    layers: list[LayerIn], loc: list[str | int], settings: Settings
) -> list[dict[str, Any]]:
    """Validate a whole stack; any bad layer raises before anything is written."""
    if len(layers) > settings.max_layers:
        raise InvalidInput.at(
            loc, f"a stack holds at most {settings.max_layers} layers ({len(layers)} sent)"
        )
    problems: list[dict[str, Any]] = []
    rows = []
    seen: set[int] = set()
    for index, layer in enumerate(layers):
        if layer.layer_id in seen:
            problems.append(
                problem(
                    [*loc, index, "layer_id"],
                    f"position {layer.layer_id} appears twice",
                    layer.layer_id,
                )
            )
        seen.add(layer.layer_id)
        columns = layer_columns(layer, [*loc, index], problems)
        rows.append({"position": layer.layer_id, **columns})
    if problems:
        raise InvalidInput(problems)
    return rows


# Core tables for bulk writes: the ORM's per-row bookkeeping is not needed for them.
LAYERS = cast(Table, Layer.__table__)
ELEMENTS = cast(Table, MaterialElement.__table__)
_STACK_COLUMNS = tuple(c.name for c in LAYERS.c if c.name not in ("id", "target_material_id"))


def _write_stack(
    session: Session, material: TargetMaterial, rows: list[dict[str, Any]], *, replace: bool
) -> None:
    """Store a validated stack and its element index; `replace` clears the old one first."""
    if replace:
        session.execute(delete(LAYERS).where(LAYERS.c.target_material_id == material.id))
    if rows:
        session.execute(
            insert(LAYERS),
            [
                {"target_material_id": material.id, **{c: row.get(c) for c in _STACK_COLUMNS}}
                for row in rows
            ],
        )
    elements = {symbol for row in rows for symbol in row.get("element_dict") or ()}
    _write_elements(session, material, elements, replace=replace)


def refresh_elements(session: Session, material: TargetMaterial) -> None:
    """Rebuild the element index of one material from its stored layers' element_dicts."""
    dicts = session.scalars(
        select(Layer.element_dict).where(
            Layer.target_material_id == material.id, Layer.element_dict.is_not(None)
        )
    )
    elements = {symbol for d in dicts if d for symbol in d}
    _write_elements(session, material, elements, replace=True)


def _write_elements(
    session: Session, material: TargetMaterial, elements: set[str], *, replace: bool
) -> None:
    if replace:
        session.execute(delete(ELEMENTS).where(ELEMENTS.c.target_material_id == material.id))
    if elements:
        session.execute(
            insert(ELEMENTS),
            [
                {
                    "target_material_id": material.id,
                    "element": symbol,
                    "organization_id": material.organization_id,
                }
                for symbol in sorted(elements)
            ],
        )


def create_material(
    session: Session, principal: Principal, body: MaterialCreate, settings: Settings
) -> TargetMaterial:
    metadata = _metadata(
        body.sample.sample_metadata, ["body", "sample", "sample_metadata"], settings
    )
    rows = _stack_rows(body.layers, ["body", "layers"], settings)
    now = utcnow()
    material = TargetMaterial(
        created_at=now,
        last_updated=now,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        sample_name=body.sample.sample_name,
        substrate=body.sample.substrate,
        sample_metadata=metadata,
        version=__version__,
    )
    session.add(material)
    session.flush()
    _write_stack(session, material, rows, replace=False)
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
    else:
        note.content = content
        note.last_updated = utcnow()
    return note.id


def update_material(
    session: Session, material: TargetMaterial, body: MaterialUpdate, settings: Settings
) -> TargetMaterial:
    changes = body.model_dump(exclude_unset=True)
    if "sample_id" in changes and changes.pop("sample_id") not in (None, material.id):
        raise InvalidInput.at(
            ["body", "sample_id"], f"must equal the target material id in the path ({material.id})"
        )
    if "sample_metadata" in changes:
        changes["sample_metadata"] = _metadata(
            changes["sample_metadata"], ["body", "sample_metadata"], settings
        )
    if "detail_note_content" in changes:
        material.detail_note_id = set_detail_note(
            session,
            material.organization_id,
            material.detail_note_id,
            changes.pop("detail_note_content"),
        )
    for field, value in changes.items():
        setattr(material, field, value)
    material.last_updated = utcnow()
    session.flush()
    return material


def replace_stack(
    session: Session, material: TargetMaterial, layers: list[LayerIn], settings: Settings
) -> None:
    rows = _stack_rows(layers, ["body"], settings)
    _write_stack(session, material, rows, replace=True)
    material.last_updated = utcnow()
    session.flush()


def _layer_at(session: Session, material_id: int, position: int) -> Layer | None:
    return session.scalar(
        select(Layer).where(Layer.target_material_id == material_id, Layer.position == position)
    )


def add_layer(
    session: Session, principal: Principal, body: LayerCreate, settings: Settings
) -> Layer:
    material = get_material(session, principal, body.sample_id, for_update=True)
    problems: list[dict[str, Any]] = []
    columns = layer_columns(body, ["body"], problems)
    if problems:
        raise InvalidInput(problems)
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
    layer = Layer(target_material_id=material.id, position=body.layer_id, **columns)
    session.add(layer)
    session.flush()
    refresh_elements(session, material)
    material.last_updated = utcnow()
    session.flush()
    return layer


def update_layer(session: Session, principal: Principal, body: LayerUpdate) -> Layer:
    material = get_material(session, principal, body.sample_id, for_update=True)
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
        current={"composition_string": layer.composition_string},
    )
    if problems:
        raise InvalidInput(problems)
    for column, value in columns.items():
        setattr(layer, column, value)
    session.flush()
    refresh_elements(session, material)
    material.last_updated = utcnow()
    session.flush()
    return layer


def delete_layer(session: Session, material: TargetMaterial, position: int) -> None:
    layer = _layer_at(session, material.id, position)
    if layer is None:
        raise NotFound(f"Target material {material.id} has no layer at position {position}")
    session.delete(layer)
    session.flush()
    refresh_elements(session, material)
    material.last_updated = utcnow()


def delete_material(session: Session, material: TargetMaterial) -> None:
    note_id = material.detail_note_id
    session.delete(material)
    session.flush()
    if note_id:
        session.execute(delete(DetailNote).where(DetailNote.id == note_id))


# ---------------------------------------------------------------------------- wire shapes


def material_out(material: TargetMaterial) -> dict[str, Any]:
    return {
        "sample_id": material.id,
        "sample_name": material.sample_name,
        "substrate": material.substrate,
        "sample_metadata": material.sample_metadata or {},
        "detail_notes_id": material.detail_note_id,
        "user_id": material.user_id,
        "version": material.version,
        "last_updated": iso(material.last_updated),
    }


def layer_out(layer: Layer) -> dict[str, Any]:
    return {
        "id": layer.id,
        "layer_id": layer.position,
        "sample_id": layer.target_material_id,
        "composition_string": layer.composition_string,
        "element_dict": layer.element_dict,
        "orientation": layer.orientation,
        "space_group": layer.space_group,
        "mp_id": layer.mp_id,
        "thickness_nm": layer.thickness_nm,
        "space_group_number": layer.space_group_number,
        "space_group_input": layer.space_group_input,
        "orientation_indices": layer.orientation_indices,
    }
