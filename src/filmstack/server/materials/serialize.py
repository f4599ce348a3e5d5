"""The wire shape of a target material, in one place.

GET one, list rows, history snapshots, the trash, export, physical samples and create/update
answers are all built from the field tables below: a field added here shows everywhere.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple
from typing import cast as typed

import orjson
from sqlalchemy import Column, Table, Text, bindparam, cast, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from filmstack.server.accounts.models import User
from filmstack.server.db import DriverQuery
from filmstack.server.materials.models import DetailNote, Layer, TargetMaterial


def iso(ts: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the public API writes timestamps."""
    return ts.isoformat(timespec="microseconds") + "Z"


def _same(value: Any) -> Any:
    return value


def _object(value: Any) -> Any:
    return {} if value is None else value


class Field(NamedTuple):
    """One wire field: its name, the ORM attribute it comes from, how a value is written."""

    wire: str
    column: InstrumentedAttribute[Any]
    to_wire: Callable[[Any], Any] = _same
    # Stored JSON: list rows pass the stored text through instead of decoding it.
    json: bool = False


# The material object of create and update, in the public API's order, then extensions.
MATERIAL: tuple[Field, ...] = (
    Field("sample_id", TargetMaterial.id),
    Field("sample_name", TargetMaterial.sample_name),
    Field("substrate", TargetMaterial.substrate),
    Field("sample_metadata", TargetMaterial.sample_metadata, _object, json=True),
    Field("detail_notes_id", TargetMaterial.detail_note_id),
    Field("user_id", TargetMaterial.user_id),
    Field("version", TargetMaterial.version),
    Field("last_updated", TargetMaterial.last_updated, iso),
    Field("revision", TargetMaterial.revision),
    Field("substrate_orientation", TargetMaterial.substrate_orientation),
    Field("substrate_miscut_deg", TargetMaterial.substrate_miscut_deg),
    Field("substrate_miscut_toward", TargetMaterial.substrate_miscut_toward),
)

# The layer object, in the public API's order, then extensions.
LAYER: tuple[Field, ...] = (
    Field("id", Layer.id),
    Field("layer_id", Layer.position),
    Field("sample_id", Layer.target_material_id),
    Field("composition_string", Layer.composition_string),
    Field("element_dict", Layer.element_dict, json=True),
    Field("orientation", Layer.orientation),
    Field("space_group", Layer.space_group),
    Field("mp_id", Layer.mp_id),
    Field("thickness_nm", Layer.thickness_nm),
    Field("space_group_number", Layer.space_group_number),
    Field("space_group_input", Layer.space_group_input),
    Field("orientation_indices", Layer.orientation_indices, json=True),
    Field("lattice", Layer.lattice, json=True),
    Field("in_plane_relationship", Layer.in_plane_relationship),
    Field("thickness_unit_cells", Layer.thickness_unit_cells),
    Field("repeat", Layer.repeat, json=True),
)

# Layer fields a user sets (the rest are derived from them, or are ids): history diffs these.
LAYER_CHANGEABLE = (
    "composition_string",
    "element_dict",
    "orientation",
    "space_group",
    "mp_id",
    "thickness_nm",
    "thickness_unit_cells",
    "lattice",
    "in_plane_relationship",
    "repeat",
)
# Material fields a user sets; detail_note_content comes from the note.
MATERIAL_CHANGEABLE = (
    "sample_name",
    "substrate",
    "sample_metadata",
    "detail_note_content",
    "substrate_orientation",
    "substrate_miscut_deg",
    "substrate_miscut_toward",
)


def _fields_out(fields: Sequence[Field], obj: Any) -> dict[str, Any]:
    return {f.wire: f.to_wire(getattr(obj, f.column.key)) for f in fields}


def material_out(material: TargetMaterial) -> dict[str, Any]:
    """The material object that create and update return (no layers)."""
    return _fields_out(MATERIAL, material)


def layer_out(layer: Layer) -> dict[str, Any]:
    return _fields_out(LAYER, layer)


def detail_dict(
    material: TargetMaterial,
    layers: list[dict[str, Any]],
    user_name: str | None,
    note_content: str | None,
) -> dict[str, Any]:
    """GET one: the material with its layers nested; history snapshots are exactly this."""
    return {
        **material_out(material),
        "created_at": iso(material.created_at),
        "user_name": user_name,
        "detail_note_content": note_content,
        "layers": layers,
    }


# ------------------------------------------------------------------------ Core reads
# Read requests need values, not ORM instances to track: these statements are built once, so
# each request only binds its ids (SQLAlchemy's compiled cache hits), and their rows are written
# out with the same field tables. They read what the database holds: a write path uses them
# before it changes anything, or after a flush (the material's own columns always come from the
# ORM object, so its unflushed changes show).

_MATERIALS = typed(Table, TargetMaterial.__table__)
_LAYERS = typed(Table, Layer.__table__)
_USERS = typed(Table, User.__table__)
_NOTES = typed(Table, DetailNote.__table__)

AnyRow = Row[*tuple[Any, ...]]
RowPlan = tuple[tuple[str, int, Callable[[Any], Any] | None], ...]


def core_columns(table: Table, fields: Sequence[Field]) -> list[Column[Any]]:
    """The table's columns behind `fields`, in their order."""
    return [table.c[f.column.key] for f in fields]


def row_plan(fields: Sequence[Field], start: int) -> RowPlan:
    """How `fields` are written from a row whose columns `core_columns` gave, from `start`."""
    return tuple(
        (f.wire, start + i, None if f.to_wire is _same else f.to_wire) for i, f in enumerate(fields)
    )


def plan_out(plan: RowPlan, row: Sequence[Any]) -> dict[str, Any]:
    return {wire: row[i] if to_wire is None else to_wire(row[i]) for wire, i, to_wire in plan}


MATERIAL_COLUMNS = core_columns(_MATERIALS, MATERIAL)
LAYER_COLUMNS = core_columns(_LAYERS, LAYER)
_LAYER_PLAN = row_plan(LAYER, 0)
_LAYER_POSITION = [f.column.key for f in LAYER].index("position")

_READ_LAYERS = DriverQuery(
    select(*LAYER_COLUMNS)
    .where(_LAYERS.c.target_material_id == bindparam("material_id"))
    .order_by(_LAYERS.c.position)
)

# GET one in one statement: the owner's name and the note, then one row per layer (a single row
# of nulls for an empty stack), from a one-row table the layers are outer-joined to.
_ONE_ROW = select(literal(1).label("one")).subquery("one_row")
_READ_DETAIL = (
    select(
        select(_USERS.c.name)
        .where(_USERS.c.id == bindparam("user_id"))
        .scalar_subquery()
        .label("user_name"),
        select(_NOTES.c.content)
        .where(_NOTES.c.id == bindparam("note_id"))
        .scalar_subquery()
        .label("detail_note_content"),
        *LAYER_COLUMNS,
    )
    .select_from(
        _ONE_ROW.outerjoin(_LAYERS, _LAYERS.c.target_material_id == bindparam("material_id"))
    )
    .order_by(_LAYERS.c.position)
)
_DETAIL_LAYER_PLAN = row_plan(LAYER, 2)
_DETAIL_LAYER_ID = 2  # the layer's row id: null in the one row of an empty stack


def read_layers(session: Session, material_id: int) -> list[dict[str, Any]]:
    """The stored layers of a material as the API writes them, ordered by position."""
    rows = _READ_LAYERS.all(session, {"material_id": material_id})
    return [plan_out(_LAYER_PLAN, row) for row in rows]


def written_layers(
    material_id: int, rows: Sequence[dict[str, Any]], ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The layers write_stack has just stored (`rows`, with the `ids` it gave them) as
    read_layers reads them back: what a create needs for its history entry, without reading
    them back. Every value of a row is already what its column holds and answers (floats as
    floats, JSON values that JSON writes back the same)."""
    given = {"id": 0, "target_material_id": material_id}
    stored = []
    for row, layer_id in zip(rows, ids, strict=True):
        given["id"] = layer_id
        stored.append([given[c.key] if c.key in given else row.get(c.key) for c in LAYER_COLUMNS])
    stored.sort(key=itemgetter(_LAYER_POSITION))
    return [plan_out(_LAYER_PLAN, row) for row in stored]


def read_detail(session: Session, material: TargetMaterial) -> dict[str, Any]:
    """GET one, from the stored user name, note and layers, in one statement."""
    rows = session.execute(
        _READ_DETAIL,
        {
            "user_id": material.user_id,
            "note_id": material.detail_note_id or None,
            "material_id": material.id,
        },
    ).all()
    layers = [plan_out(_DETAIL_LAYER_PLAN, r) for r in rows if r[_DETAIL_LAYER_ID] is not None]
    return detail_dict(material, layers, rows[0][0], rows[0][1])


# GET one by id in one statement: the material, its owner's name and its note, then its layers
# (one row of layer nulls for an empty stack). Only a live material of the organization.
_READ_ONE = DriverQuery(
    select(*MATERIAL_COLUMNS, _MATERIALS.c.created_at, _USERS.c.name, _NOTES.c.content)
    .add_columns(*LAYER_COLUMNS)
    .select_from(
        _MATERIALS.outerjoin(_USERS, _USERS.c.id == _MATERIALS.c.user_id)
        .outerjoin(_NOTES, _NOTES.c.id == _MATERIALS.c.detail_note_id)
        .outerjoin(_LAYERS, _LAYERS.c.target_material_id == _MATERIALS.c.id)
    )
    .where(
        _MATERIALS.c.id == bindparam("material_id"),
        _MATERIALS.c.organization_id == bindparam("organization_id"),
        _MATERIALS.c.deleted_at.is_(None),
    )
    .order_by(_LAYERS.c.position)
)
_ONE_MATERIAL_PLAN = row_plan(MATERIAL, 0)
_ONE_EXTRA = len(MATERIAL)  # created_at, then the user's name, then the note
_ONE_LAYER_PLAN = row_plan(LAYER, _ONE_EXTRA + 3)
_ONE_LAYER_ID = _ONE_EXTRA + 3


def read_one(session: Session, organization_id: int, material_id: int) -> dict[str, Any] | None:
    """GET one by id: what read_detail answers, in one statement; None when not found."""
    rows = _READ_ONE.all(session, {"material_id": material_id, "organization_id": organization_id})
    if not rows:
        return None
    first = rows[0]
    return {
        **plan_out(_ONE_MATERIAL_PLAN, first),
        "created_at": iso(first[_ONE_EXTRA]),
        "user_name": first[_ONE_EXTRA + 1],
        "detail_note_content": first[_ONE_EXTRA + 2],
        "layers": [plan_out(_ONE_LAYER_PLAN, r) for r in rows if r[_ONE_LAYER_ID] is not None],
    }


def trash_out(
    material: TargetMaterial, detail: dict[str, Any], deleted_by_name: str | None
) -> dict[str, Any]:
    assert material.deleted_at is not None
    return {
        **detail,
        "deleted_at": iso(material.deleted_at),
        "deleted_by": material.deleted_by,
        "deleted_by_name": deleted_by_name,
    }


# ------------------------------------------------------------------------ list rows
# GET /target-materials/ selects these labelled columns and writes rows straight to JSON.

_M = "m_"
_L = "l_"


def _labelled(table: Table, f: Field, label: str) -> ColumnElement[Any]:
    # The table's own column, not the ORM attribute: a select of ORM attributes is loaded row
    # by row through the ORM, which cost more than writing the row out.
    column: ColumnElement[Any] = table.c[f.column.key]
    return (cast(column, Text) if f.json else column).label(label)


ROW_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *(_labelled(_MATERIALS, f, _M + f.wire) for f in MATERIAL),
    *(_labelled(_LAYERS, f, _L + f.wire) for f in LAYER),
    _USERS.c.name.label("user_name"),
    _NOTES.c.content.label("detail_note_content"),
)
_MATERIAL_INDEX = {f.wire: i for i, f in enumerate(MATERIAL)}
_LAYER_OFFSET = len(MATERIAL)
_USER_NAME = len(MATERIAL) + len(LAYER)


def _raw(text: str | None) -> orjson.Fragment | None:
    return None if text is None else orjson.Fragment(text)


def _raw_object(text: str | None) -> orjson.Fragment | dict[str, Any]:
    return {} if text is None else orjson.Fragment(text)


def _cell(field: Field) -> Callable[[Any], Any] | None:
    """How a stored value of `field` is written: None when as it is."""
    if field.json:
        return _raw_object if field.to_wire is _object else _raw
    return None if field.to_wire is _same else field.to_wire


def _row_plan() -> list[tuple[str, int, Callable[[Any], Any] | None]]:
    """A flattened row: `id` (= sample_id), the layer's fields (its row id as layer_row_id),
    then the material's, then user_name and detail_note_content, as the public API lists them."""
    plan: list[tuple[str, int, Callable[[Any], Any] | None]] = [("id", 0, _cell(MATERIAL[0]))]
    for offset, field in enumerate(LAYER):
        index = _LAYER_OFFSET + offset
        if field.wire == "id":
            plan.append(("layer_row_id", index, _cell(field)))
        elif field.wire == "sample_id":
            plan.append(("sample_id", 0, _cell(MATERIAL[0])))  # set even without layers
        else:
            plan.append((field.wire, index, _cell(field)))
    for field in MATERIAL:
        if field.wire != "sample_id":
            plan.append((field.wire, _MATERIAL_INDEX[field.wire], _cell(field)))
    plan.append(("user_name", _USER_NAME, None))
    plan.append(("detail_note_content", _USER_NAME + 1, None))
    return plan


_ROW_PLAN = _row_plan()
# A row is written in C but for its few converted cells (stored JSON, timestamps): the values
# in one itemgetter call, those cells fixed, then zipped with the names.
_ROW_NAMES = tuple(name for name, _, _ in _ROW_PLAN)
_ROW_VALUES = itemgetter(*(index for _, index, _ in _ROW_PLAN))
_ROW_FIXES = tuple((n, write) for n, (_, _, write) in enumerate(_ROW_PLAN) if write is not None)


def row_json(r: Sequence[Any]) -> bytes:
    """One list row, from a result row of ROW_COLUMNS."""
    values = list(_ROW_VALUES(r))
    for n, write in _ROW_FIXES:
        values[n] = write(values[n])
    return orjson.dumps(dict(zip(_ROW_NAMES, values, strict=True)))
