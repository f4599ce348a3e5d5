"""Turn layer inputs into stored columns, through the chemistry package, and store stacks with
their element index."""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from filmstack.chemistry import (
    ChemistryError,
    check_element_dict,
    normalize_mp_id,
    parse_formula,
    parse_orientation,
    parse_space_group,
)
from filmstack.epitaxy import check_relationship, make_lattice
from filmstack.schemas import LayerFields, LayerIn
from filmstack.server.config import Settings
from filmstack.server.db import DriverWrite
from filmstack.server.errors import InvalidInput, problem
from filmstack.server.materials.models import Layer, MaterialElement, TargetMaterial
from filmstack.server.materials.serialize import LAYER_CHANGEABLE

Loc = Sequence[str | int]

# Columns a layer input may set (the same fields history diffs); each one's canonical form
# fills its derived columns.
CHANGEABLE = LAYER_CHANGEABLE


def layer_columns(
    fields: LayerFields,
    loc: Loc,
    problems: list[dict[str, Any]],
    *,
    max_composition_length: int,
    sent: set[str] | None = None,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Column values for the fields that were sent; problems are appended, not raised.

    `current` holds the stored composition when patching, so that an element_dict sent alone
    is checked against the formula already stored.
    """
    sent = fields.model_fields_set & set(CHANGEABLE) if sent is None else sent
    out: dict[str, Any] = {}

    def fail(field: str, err: ChemistryError) -> None:
        problems.append(problem([*loc, field], str(err), getattr(fields, field)))

    if "composition_string" in sent:
        text = fields.composition_string
        if text is not None and len(text) > max_composition_length:
            problems.append(
                problem(
                    [*loc, "composition_string"],
                    f"may have at most {max_composition_length} characters ({len(text)} sent)",
                    text,
                )
            )
        elif text is None:
            out.update(composition_string=None)
            if "element_dict" not in sent:
                out["element_dict"] = None
        else:
            try:
                formula = parse_formula(text)
                out.update(composition_string=formula.text, element_dict=formula.element_dict)
            except ChemistryError as err:
                fail("composition_string", err)
    if "element_dict" in sent:
        if fields.element_dict is None:
            out["element_dict"] = None
        else:
            composition = out.get("composition_string", (current or {}).get("composition_string"))
            try:
                out["element_dict"] = check_element_dict(fields.element_dict, composition)
            except ChemistryError as err:
                fail("element_dict", err)
    if "orientation" in sent:
        if fields.orientation is None:
            out.update(orientation=None, orientation_indices=None)
        else:
            try:
                orientation = parse_orientation(fields.orientation)
                out.update(orientation=orientation.text, orientation_indices=orientation.as_dict())
            except ChemistryError as err:
                fail("orientation", err)
    if "space_group" in sent:
        if fields.space_group is None:
            out.update(space_group=None, space_group_number=None, space_group_input=None)
        else:
            try:
                group = parse_space_group(fields.space_group)
                out.update(
                    space_group=group.symbol,
                    space_group_number=group.number,
                    space_group_input=group.input,
                )
            except ChemistryError as err:
                fail("space_group", err)
    if "mp_id" in sent:
        try:
            out["mp_id"] = None if fields.mp_id is None else normalize_mp_id(fields.mp_id)
        except ChemistryError as err:
            fail("mp_id", err)
    if "thickness_nm" in sent:
        out["thickness_nm"] = fields.thickness_nm
    if "thickness_unit_cells" in sent:
        out["thickness_unit_cells"] = fields.thickness_unit_cells
    if "repeat" in sent:
        out["repeat"] = None if fields.repeat is None else fields.repeat.model_dump()
    if "lattice" in sent:
        if fields.lattice is None:
            out["lattice"] = None
        else:
            values = fields.lattice.model_dump(exclude_none=True)
            number = out.get("space_group_number", (current or {}).get("space_group_number"))
            try:
                make_lattice(values, space_group=number, field_name="lattice")
                out["lattice"] = values
            except ChemistryError as err:
                problems.append(problem([*loc, "lattice"], str(err), values))
    if "in_plane_relationship" in sent:
        text = fields.in_plane_relationship
        try:
            out["in_plane_relationship"] = None if text is None else check_relationship(text)
        except ChemistryError as err:
            fail("in_plane_relationship", err)
    return out


def stack_rows(
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
        columns = layer_columns(
            layer, [*loc, index], problems, max_composition_length=settings.max_composition_length
        )
        rows.append({"position": layer.layer_id, **columns})
    if problems:
        raise InvalidInput(problems)
    return rows


# Core tables for bulk writes: the ORM's per-row bookkeeping is not needed for them.
LAYERS = cast(Table, Layer.__table__)
ELEMENTS = cast(Table, MaterialElement.__table__)
STACK_COLUMNS = tuple(c.name for c in LAYERS.c if c.name not in ("id", "target_material_id"))
_INSERT_LAYERS = DriverWrite(insert(LAYERS))
_INSERT_ELEMENTS = DriverWrite(insert(ELEMENTS))


def write_stack(
    session: Session, material: TargetMaterial, rows: list[dict[str, Any]], *, replace: bool
) -> list[int]:
    """Store a validated stack and its element index; `replace` clears the old one first.
    The layers' row ids, in the order of `rows`."""
    if replace:
        session.execute(delete(LAYERS).where(LAYERS.c.target_material_id == material.id))
    ids = _INSERT_LAYERS.ids(
        session,
        [
            {"target_material_id": material.id, **{c: row.get(c) for c in STACK_COLUMNS}}
            for row in rows
        ],
        LAYERS.c.id,
    )
    elements = {symbol for row in rows for symbol in row.get("element_dict") or ()}
    _write_elements(session, material, elements, replace=replace)
    return ids


def refresh_elements(session: Session, material: TargetMaterial) -> None:
    """Rebuild the element index of one material from its stored layers' element_dicts."""
    dicts = session.scalars(
        select(Layer.element_dict).where(
            Layer.target_material_id == material.id, Layer.element_dict.is_not(None)
        )
    )
    elements = {symbol for d in dicts if d for symbol in d}
    _write_elements(session, material, elements, replace=True)


def clear_elements(session: Session, material: TargetMaterial) -> None:
    """Drop a material from element search (it went to the trash)."""
    _write_elements(session, material, set(), replace=True)


def _write_elements(
    session: Session, material: TargetMaterial, elements: set[str], *, replace: bool
) -> None:
    if replace:
        session.execute(delete(ELEMENTS).where(ELEMENTS.c.target_material_id == material.id))
    if elements:
        _INSERT_ELEMENTS.run(
            session,
            [
                {
                    "target_material_id": material.id,
                    "element": symbol,
                    "organization_id": material.organization_id,
                }
                for symbol in sorted(elements)
            ],
        )
