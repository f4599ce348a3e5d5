"""Epitaxy of stored and unsaved stacks, and the organization's lattice rows. Flush, not commit."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from filmstack.chemistry import (
    ChemistryError,
    ParsedStack,
    parse_orientation,
    parse_space_group,
    parse_stack,
)
from filmstack.epitaxy import (
    LatticeIndex,
    LatticeRow,
    LayerSpec,
    builtin_rows,
    epitaxy_report,
    make_lattice,
    stack_from_layers,
    stack_from_parsed,
    unit_cell_thickness_nm,
)
from filmstack.epitaxy.lattices import crystal_system
from filmstack.epitaxy.lookup import formula_key
from filmstack.schemas import MaterialCreate
from filmstack.schemas_epitaxy import LatticeRowIn
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.db import utcnow
from filmstack.server.epitaxy.models import OrganizationLattice
from filmstack.server.errors import Conflict, InvalidInput, NotFound, problem
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.materials.serialize import read_layers
from filmstack.server.validation import check_record_text

Loc = list[str | int]
SUBSTRATE_FIELDS = ("substrate_orientation", "substrate_miscut_deg", "substrate_miscut_toward")
LATTICE_FIELDS = ("a", "b", "c", "alpha", "beta", "gamma")
_RIGHT = ("alpha", "beta", "gamma")
# Cell values each crystal system derives from the others: recomputed on PATCH unless sent.
_DERIVED: dict[str, tuple[str, ...]] = {
    "cubic": ("b", "c", *_RIGHT),
    "tetragonal": ("b", *_RIGHT),
    "orthorhombic": _RIGHT,
    "hexagonal": ("b", *_RIGHT),
    "trigonal": (),
    "monoclinic": (),
    "triclinic": (),
}


# ------------------------------------------------------------------------ the substrate


def substrate_columns(
    fields: Mapping[str, Any], metadata: dict[str, Any] | None, loc: Loc
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Checked substrate columns from the fields sent, and the metadata to store.

    A `substrate_orientation` kept in `sample_metadata` (where clients put it before the field
    existed) moves into the field when the field itself is not sent, as the 0004 migration does.
    """
    out = {key: fields[key] for key in SUBSTRATE_FIELDS if key in fields}
    legacy = (metadata or {}).get("substrate_orientation")
    if "substrate_orientation" not in out and isinstance(legacy, str) and legacy.strip():
        try:
            parse_orientation(legacy)
        except ChemistryError:
            pass  # not an orientation: it stays in the metadata, untouched
        else:
            out["substrate_orientation"] = legacy
            metadata = {k: v for k, v in (metadata or {}).items() if k != "substrate_orientation"}
    problems = []
    for key, kinds in (
        ("substrate_orientation", ("plane", "plane_family", "direction")),
        ("substrate_miscut_toward", ("direction", "direction_family", "plane")),
    ):
        value = out.get(key)
        if value is None:
            continue
        try:
            parsed = parse_orientation(value)
        except ChemistryError as err:
            problems.append(problem([*loc, key], str(err), value))
            continue
        if parsed.kind not in kinds:
            problems.append(problem([*loc, key], f"`{value}` is a {parsed.kind}", value))
    if problems:
        raise InvalidInput(problems)
    return out, metadata


# ---------------------------------------------------------------------- lattice rows


def organization_index(session: Session, organization_id: int) -> LatticeIndex | None:
    rows = session.scalars(
        select(OrganizationLattice).where(OrganizationLattice.organization_id == organization_id)
    ).all()
    return LatticeIndex([_row(r) for r in rows]) if rows else None


def _row(r: OrganizationLattice) -> LatticeRow:
    lattice = make_lattice(
        {key: getattr(r, key) for key in LATTICE_FIELDS},
        space_group=r.space_group_number,
        a_pc=r.pseudocubic_a,
        setting=r.orientation_setting,
    )
    return LatticeRow(
        formula=r.formula,
        phase=r.phase,
        space_group=r.space_group,
        lattice=lattice,
        source=r.source,
        labels=tuple(label for label in r.labels.split(";") if label),
        temperature_k=r.temperature_k,
        origin="organization",
        id=str(r.id),
        space_group_number=r.space_group_number,
    )


def list_lattices(session: Session, principal: Principal, formula: str | None = None) -> list[Any]:
    """The table as the organization sees it: its own rows first, then the built-in ones."""
    own = session.scalars(
        select(OrganizationLattice)
        .where(OrganizationLattice.organization_id == principal.organization_id)
        .order_by(OrganizationLattice.id)
    ).all()
    rows = [_row(r) for r in own] + list(builtin_rows())
    if formula is not None:
        try:
            key = formula_key(formula)[0]
        except ChemistryError as err:
            raise InvalidInput.at(["path", "formula"], str(err), formula) from None
        rows = [row for row in rows if formula_key(row.formula)[0] == key]
        if not rows:
            raise NotFound(f"No lattice for {formula}; POST /lattices/ adds one")
    return [row.as_dict() for row in rows]


def _key_text(formula: str) -> str:
    key, _ = formula_key(formula)
    return ",".join(f"{el}:{fraction:g}" for el, fraction in key)


def _checked_row(values: dict[str, Any], loc: Loc) -> dict[str, Any]:
    """Columns of a lattice row; every problem is named by its field."""
    problems: list[dict[str, Any]] = []
    try:
        key = _key_text(values["formula"])
    except ChemistryError as err:
        problems.append(problem([*loc, "formula"], str(err), values["formula"]))
        key = ""
    try:
        group = parse_space_group(values["space_group"])
    except ChemistryError as err:
        raise InvalidInput([*problems, problem([*loc, "space_group"], str(err))]) from None
    cell = {k: values[k] for k in LATTICE_FIELDS if values.get(k) is not None}
    try:
        lattice = make_lattice(
            cell,
            space_group=group.number,
            a_pc=values.get("pseudocubic_a"),
            setting=values.get("orientation_setting") or "cell",
            field_name="body",
        )
    except ChemistryError as err:
        problems.append(problem(loc, str(err), cell))
        lattice = None
    if problems or lattice is None:
        raise InvalidInput(problems)
    return {
        "formula": values["formula"],
        "formula_key": key,
        "phase": values["phase"],
        "labels": "",
        "space_group": group.symbol,
        "space_group_number": group.number,
        **lattice.as_dict(),
        "pseudocubic_a": lattice.a_pc,
        "orientation_setting": lattice.setting,
        "temperature_k": values.get("temperature_k"),
        "source": values["source"],
    }


def create_lattice(session: Session, principal: Principal, body: LatticeRowIn) -> dict[str, Any]:
    values = body.model_dump()
    missing = [k for k in ("formula", "phase", "space_group", "a", "source") if values[k] is None]
    if missing:
        raise InvalidInput(
            [problem(["body", key], "is required for a new lattice row") for key in missing]
        )
    row = OrganizationLattice(
        organization_id=principal.organization_id, **_checked_row(values, ["body"])
    )
    session.add(row)
    session.flush()
    return _row(row).as_dict()


def _own(session: Session, principal: Principal, row_id: str, *, lock: bool) -> OrganizationLattice:
    if row_id.startswith("builtin:"):
        raise Conflict(
            f"Lattice row {row_id} is built in and cannot be changed; POST /lattices/ a row "
            "for the same formula and space group to override it"
        )
    number = int(row_id) if row_id.isdigit() and len(row_id) < 19 else 0
    query = select(OrganizationLattice).where(
        OrganizationLattice.id == number,
        OrganizationLattice.organization_id == principal.organization_id,
    )
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"Lattice row {row_id} not found")
    return row


def update_lattice(
    session: Session, principal: Principal, row_id: str, body: LatticeRowIn
) -> dict[str, Any]:
    row = _own(session, principal, row_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    nulls = [
        k
        for k in ("formula", "phase", "space_group", "a", "source")
        if k in changes and changes[k] is None
    ]
    if nulls:
        raise InvalidInput([problem(["body", k], "may be left out but not null") for k in nulls])
    values = {
        **{k: getattr(row, k) for k in ("formula", "phase", "space_group", "source")},
        **{k: getattr(row, k) for k in LATTICE_FIELDS},
        "pseudocubic_a": row.pseudocubic_a,
        "orientation_setting": row.orientation_setting,
        "temperature_k": row.temperature_k,
        **changes,
    }
    try:
        system = crystal_system(parse_space_group(values["space_group"]).number)
    except ChemistryError:
        system = "triclinic"  # _checked_row names the bad space group
    for key in _DERIVED[system]:
        # What the crystal system implies follows the values sent (a tetragonal row's b is a).
        if key not in changes:
            values[key] = None
    for column, value in _checked_row(values, ["body"]).items():
        setattr(row, column, value)
    row.last_updated = utcnow()
    session.flush()
    return _row(row).as_dict()


def delete_lattice(session: Session, principal: Principal, row_id: str) -> None:
    session.delete(_own(session, principal, row_id, lock=True))
    session.flush()


# ----------------------------------------------------------------------------- reports


def read_prompt(prompt: str, settings: Settings) -> ParsedStack:
    """Stack text read within the configured limits; a 422 at body.prompt names the problem."""
    try:
        return parse_stack(
            prompt, max_length=settings.max_prompt_length, max_layers=settings.max_layers
        )
    except ChemistryError as err:
        raise InvalidInput.at(["body", "prompt"], str(err), prompt) from None


def parsed_stack(prompt: str, settings: Settings) -> dict[str, Any]:
    """`POST /target-materials/parse`: the stack read, `5 u.c.` in nm from the built-in table."""
    body = read_prompt(prompt, settings).as_dict()
    layers: list[dict[str, Any]] = body["layers"]  # type: ignore[assignment]
    for layer in layers:
        if layer.get("thickness_unit_cells") and layer["thickness_nm"] is None:
            spec = LayerSpec(layer["formula"], thickness_unit_cells=layer["thickness_unit_cells"])
            layer["thickness_nm"] = unit_cell_thickness_nm(spec)
    return body


def fill_unit_cells(session: Session, principal: Principal, rows: Sequence[dict[str, Any]]) -> None:
    """Layers given in unit cells get thickness_nm from their lattice, where it is known.

    Only these read the organization's lattices: for any other stack the request's
    transaction (and a write's lock) has not begun here, nor its key check."""
    pending = [r for r in rows if r.get("thickness_unit_cells") and r.get("thickness_nm") is None]
    if not pending:
        return
    index = organization_index(session, principal.organization_id)
    for r in pending:
        spec = LayerSpec(
            formula=r.get("composition_string") or "",
            space_group=r.get("space_group_number"),
            lattice=r.get("lattice"),
            thickness_unit_cells=r["thickness_unit_cells"],
        )
        r["thickness_nm"] = unit_cell_thickness_nm(spec, organization=index)


def material_report(
    session: Session, principal: Principal, material: TargetMaterial
) -> dict[str, Any]:
    layers = read_layers(session, material.id)
    index = organization_index(session, principal.organization_id)
    interfaces = stored_interfaces(
        material.substrate, material.substrate_orientation, layers, index
    )
    return {"sample_id": material.id, "interfaces": interfaces}


def stored_interfaces(
    substrate: str,
    substrate_orientation: str | None,
    layers: list[dict[str, Any]],
    index: LatticeIndex | None,
) -> list[dict[str, Any]]:
    """The report's interfaces for a stored stack (layers as the API writes them): what
    GET .../epitaxy answers, and what stack.svg marks."""
    stack = stack_from_layers(substrate, substrate_orientation, layers)
    return epitaxy_report(stack, organization=index)


def unsaved_report(
    session: Session, principal: Principal, body: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """The report of a stack sent as a create body or `{"prompt": "stack text"}`."""
    index = organization_index(session, principal.organization_id)
    if body.get("prompt") is not None:
        parsed = read_prompt(body["prompt"], settings)
        report = epitaxy_report(stack_from_parsed(parsed), organization=index)
        return {"sample_id": None, "interfaces": report}
    try:
        create = MaterialCreate.model_validate(body)
    except ValidationError as err:
        raise InvalidInput(
            [problem(["body", *e["loc"]], e["msg"], e.get("input")) for e in err.errors()]
        ) from None
    from filmstack.server.materials.layers import stack_rows

    check_record_text(dict(create.sample), ["body", "sample"], settings)

    rows = stack_rows(create.layers, ["body", "layers"], settings)
    fill_unit_cells(session, principal, rows)
    columns, _ = substrate_columns(
        create.sample.model_dump(exclude_unset=True),
        create.sample.sample_metadata,
        ["body", "sample"],
    )
    layers = [{"layer_id": r["position"], **r} for r in rows]
    stack = stack_from_layers(create.sample.substrate, columns.get("substrate_orientation"), layers)
    return {"sample_id": None, "interfaces": epitaxy_report(stack, organization=index)}
