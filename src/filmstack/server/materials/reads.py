"""Hot reads in SQLAlchemy Core: no ORM identity map or unit of work for answers built once."""

from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from filmstack.schemas import MAX_INT64
from filmstack.server.accounts.models import User
from filmstack.server.accounts.service import Principal
from filmstack.server.errors import NotFound
from filmstack.server.materials.models import DetailNote, Layer, TargetMaterial
from filmstack.server.materials.service import iso

_M = cast(Table, TargetMaterial.__table__)
_L = cast(Table, Layer.__table__)
_U = cast(Table, User.__table__)
_N = cast(Table, DetailNote.__table__)

_MATERIAL = (
    select(
        _M.c.id,
        _M.c.sample_name,
        _M.c.substrate,
        _M.c.sample_metadata,
        _M.c.detail_note_id,
        _M.c.user_id,
        _M.c.version,
        _M.c.last_updated,
        _M.c.created_at,
        _U.c.name,
        _N.c.content,
    )
    .join(_U, _U.c.id == _M.c.user_id)
    .outerjoin(_N, _N.c.id == _M.c.detail_note_id)
    .where(_M.c.id == bindparam("id"), _M.c.organization_id == bindparam("org"))
)
_LAYERS = (
    select(
        _L.c.id,
        _L.c.position,
        _L.c.target_material_id,
        _L.c.composition_string,
        _L.c.element_dict,
        _L.c.orientation,
        _L.c.space_group,
        _L.c.mp_id,
        _L.c.thickness_nm,
        _L.c.space_group_number,
        _L.c.space_group_input,
        _L.c.orientation_indices,
    )
    .where(_L.c.target_material_id == bindparam("id"))
    .order_by(_L.c.position)
)
_LAYER_KEYS = (
    "id",
    "layer_id",
    "sample_id",
    "composition_string",
    "element_dict",
    "orientation",
    "space_group",
    "mp_id",
    "thickness_nm",
    "space_group_number",
    "space_group_input",
    "orientation_indices",
)


def material_detail(session: Session, principal: Principal, material_id: int) -> dict[str, Any]:
    """GET /target-materials/{id}: two indexed queries; 404 for another organization's id."""
    if not 1 <= material_id <= MAX_INT64:
        raise NotFound(f"Target material {material_id} not found")
    params = {"id": material_id, "org": principal.organization_id}
    row = session.execute(_MATERIAL, params).first()
    if row is None:
        raise NotFound(f"Target material {material_id} not found")
    layers = session.execute(_LAYERS, {"id": material_id})
    return {
        "sample_id": row[0],
        "sample_name": row[1],
        "substrate": row[2],
        "sample_metadata": row[3] or {},
        "detail_notes_id": row[4],
        "user_id": row[5],
        "version": row[6],
        "last_updated": iso(row[7]),
        "created_at": iso(row[8]),
        "user_name": row[9],
        "detail_note_content": row[10],
        "layers": [dict(zip(_LAYER_KEYS, layer, strict=True)) for layer in layers],
    }
