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
# GET /target-materials/ writes one flattened row per layer (one row of layer nulls for an empty
# stack): the material's id, the layer's fields (its row id as layer_row_id), then the material's
# fields, its owner's name and its note, as the public API lists them. A row is written in two
# parts, so that a material's part is written once, not once per layer: the layer's part ends
# with a comma and the material's part closes the object. Stored JSON passes through as text.


def _listed(table: Table, f: Field) -> ColumnElement[Any]:
    # The table's own column, not the ORM attribute: a select of ORM attributes is loaded row
    # by row through the ORM, which cost more than writing the row out.
    column: ColumnElement[Any] = table.c[f.column.key]
    return cast(column, Text) if f.json else column


# A material's columns (sample_id first), then its owner's name and its note.
LISTED_MATERIAL: tuple[ColumnElement[Any], ...] = (
    *(_listed(_MATERIALS, f).label("m_" + f.wire) for f in MATERIAL),
    _USERS.c.name.label("user_name"),
    _NOTES.c.content.label("detail_note_content"),
)
# A layer's columns, in LAYER's order.
LISTED_LAYER: tuple[ColumnElement[Any], ...] = tuple(
    _listed(_LAYERS, f).label("l_" + f.wire) for f in LAYER
)
LAYER_MATERIAL_ID = [f.wire for f in LAYER].index("sample_id")  # in a row of LISTED_LAYER


def _raw(text: str | None) -> orjson.Fragment | None:
    return None if text is None else orjson.Fragment(text)


def _raw_object(text: str | None) -> orjson.Fragment | dict[str, Any]:
    return {} if text is None else orjson.Fragment(text)


def _cell(field: Field) -> Callable[[Any], Any] | None:
    """How a stored value of `field` is written: None when as it is."""
    if field.json:
        return _raw_object if field.to_wire is _object else _raw
    return None if field.to_wire is _same else field.to_wire


class _Part:
    """An object of some cells of a row, in order, converting the few that need it (stored
    JSON, timestamps): the cells taken in one itemgetter call, then those few replaced."""

    def __init__(self, plan: Sequence[tuple[str, int, Callable[[Any], Any] | None]]) -> None:
        self.names = tuple(name for name, _, _ in plan)
        self.values = itemgetter(*(index for _, index, _ in plan))
        self.fixes = tuple((name, write) for name, _, write in plan if write)

    def json(self, row: Sequence[Any]) -> bytes:
        obj = dict(zip(self.names, self.values(row), strict=False))  # equal lengths, built so
        for name, write in self.fixes:
            obj[name] = write(obj[name])
        return orjson.dumps(obj)


# The layer's part, from a row of LISTED_LAYER: its ids (its sample_id is also the row's `id`),
# then what it holds, which many layers share (one film recipe grown on many substrates): that
# part is written once per distinct content and kept, by its values, for the next rows.
_IDS = ("id", "layer_row_id", "layer_id", "sample_id")
_LAYER_IDS = b'{"id":%d,"layer_row_id":%d,"layer_id":%d,"sample_id":%d,'
_ID_CELLS = itemgetter(
    LAYER_MATERIAL_ID, *([f.wire for f in LAYER].index(w) for w in ("id", "layer_id", "sample_id"))
)
_CONTENT = _Part([(f.wire, n, _cell(f)) for n, f in enumerate(LAYER) if f.wire not in _IDS])
_CONTENT_CELLS = itemgetter(*(n for n, f in enumerate(LAYER) if f.wire not in _IDS))
# Values equal as Python values write alike here: the floats are thicknesses, never 0 or -0.0.
_CONTENTS: dict[tuple[Any, ...], bytes] = {}
_CONTENTS_KEPT = 4096
# The material's part, from a row of LISTED_MATERIAL, without its sample_id.
_MATERIAL_PART = _Part(
    [(f.wire, n, _cell(f)) for n, f in enumerate(MATERIAL) if f.wire != "sample_id"]
    + [("user_name", len(MATERIAL), None), ("detail_note_content", len(MATERIAL) + 1, None)]
)
_NO_LAYER = _CONTENT.json([None] * len(LAYER))[1:]  # an empty stack's row: every field null
_EMPTY_STACK = b'{"id":%d,"layer_row_id":null,"layer_id":null,"sample_id":%d,' + _NO_LAYER[:-1]


def _layer_part(layer: Sequence[Any]) -> bytes:
    """`{"id": ..., "repeat": ...,` for a row of LISTED_LAYER."""
    key = _CONTENT_CELLS(layer)
    content = _CONTENTS.get(key)
    if content is None:
        if len(_CONTENTS) >= _CONTENTS_KEPT:
            _CONTENTS.clear()
        content = _CONTENTS[key] = _CONTENT.json(layer)[1:-1] + b","
    ids: bytes = _LAYER_IDS % _ID_CELLS(layer)
    return ids + content


def listed_rows(material: Sequence[Any], layers: Sequence[Sequence[Any]]) -> list[bytes]:
    """A material's flattened rows, from a row of LISTED_MATERIAL and its layers' rows of
    LISTED_LAYER in position order; one row of layer nulls for an empty stack. Each row is the
    layer's part, then the material's part, its opening brace gone."""
    tail = _MATERIAL_PART.json(material)[1:]
    if not layers:
        return [_EMPTY_STACK % (material[0], material[0]) + b"," + tail]
    return [_layer_part(layer) + tail for layer in layers]
