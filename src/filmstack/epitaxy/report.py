"""The epitaxy report of a stack: one entry per layer, bottom up, on the layer below it.

Every entry has the same keys. A layer that cannot be judged has ``status`` "unknown" (data
missing: the ``reason`` says what to add) or "unsupported" (an orientation the mesh code does
not handle), and null numbers; nothing here raises for bad data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from filmstack.chemistry import ChemistryError

from .coincidence import coincidence_cells
from .lattices import Lattice, LatticeRow
from .lookup import Found, LatticeIndex, NotFound, find_lattice
from .matching import (
    Match,
    parallel_direction,
    reduce_rotation,
    repeat_along,
    stated_match,
    usual_match,
)
from .meshes import Mesh, Unsupported, format_direction, surface_mesh
from .relations import assume_orientation, parse_relationship
from .stacks import LayerSpec, StackSpec
from .thickness import critical_thickness, unit_cell_height_nm

MATCHED_PERCENT = 0.1
LARGE_MISFIT_PERCENT = 15.0

FIELDS = (
    "layer_id",
    "film",
    "film_orientation",
    "below",
    "below_formula",
    "below_orientation",
    "status",
    "reason",
    "relationship",
    "in_plane_relationship",
    "rotation_deg",
    "supercell",
    "film_spacing_angstrom",
    "below_spacing_angstrom",
    "mismatch_percent",
    "strain",
    "directions",
    "coincidence_cells",
    "thickness_nm",
    "thickness_unit_cells",
    "critical_thickness_nm",
    "coherent_expected",
    "critical_thickness_basis",
    "lattice_sources",
    "notes",
)


@dataclass
class _Side:
    spec: LayerSpec
    found: Found | NotFound
    orientation: str | None
    assumed: str | None = None  # why the orientation was assumed


def epitaxy_report(
    stack: StackSpec, *, organization: Iterable[LatticeRow] | LatticeIndex | None = None
) -> list[dict[str, Any]]:
    """The interface list for ``stack``: most specific lattice first (own, organization, table)."""
    index = _index(organization)
    below = _Side(stack.substrate, _find(stack.substrate, index), stack.substrate.orientation)
    report = []
    for position, layer in enumerate(stack.layers, start=1):
        film = _Side(layer, _find(layer, index), layer.orientation)
        entry = _interface(film, below, position)
        report.append(entry)
        below = film
    return report


def unit_cell_thickness_nm(
    layer: LayerSpec, *, organization: Iterable[LatticeRow] | LatticeIndex | None = None
) -> float | None:
    """``thickness_unit_cells`` in nanometres from the layer's lattice, None when unknown."""
    if layer.thickness_unit_cells is None:
        return None
    found = _find(layer, _index(organization))
    if not isinstance(found, Found):
        return None
    height, _ = unit_cell_height_nm(found.lattice)
    return round(layer.thickness_unit_cells * height, 6)


def _index(organization: Iterable[LatticeRow] | LatticeIndex | None) -> LatticeIndex | None:
    if organization is None or isinstance(organization, LatticeIndex):
        return organization
    return LatticeIndex(organization)


def _find(spec: LayerSpec, index: LatticeIndex | None) -> Found | NotFound:
    return find_lattice(spec.formula, spec.space_group, own=spec.lattice, organization=index)


def _blank(film: _Side, below: _Side, position: int) -> dict[str, Any]:
    entry: dict[str, Any] = dict.fromkeys(FIELDS)
    entry.update(
        layer_id=film.spec.layer_id if film.spec.layer_id is not None else position,
        film=film.spec.formula,
        film_orientation=film.orientation,
        below="substrate" if position == 1 else _below_id(below, position),
        below_formula=below.spec.formula,
        below_orientation=below.orientation,
        thickness_nm=film.spec.thickness_nm,
        thickness_unit_cells=film.spec.thickness_unit_cells,
        lattice_sources=[
            side.found.cite for side in (film, below) if isinstance(side.found, Found)
        ],
        notes=[],
        coincidence_cells=[],
    )
    return entry


def _below_id(below: _Side, position: int) -> int:
    return below.spec.layer_id if below.spec.layer_id is not None else position - 1


def _unknown(entry: dict[str, Any], status: str, reason: str) -> dict[str, Any]:
    entry["status"] = status
    entry["reason"] = reason
    return entry


def _interface(film: _Side, below: _Side, position: int) -> dict[str, Any]:
    entry = _blank(film, below, position)
    if isinstance(film.found, Found) and film.spec.thickness_unit_cells is not None:
        height, basis = unit_cell_height_nm(film.found.lattice)
        if film.spec.thickness_nm is None:
            entry["thickness_nm"] = round(film.spec.thickness_unit_cells * height, 6)
            entry["notes"].append(
                f"thickness from {film.spec.thickness_unit_cells:g} u.c. × {height:.4f} nm "
                f"({basis})"
            )
    for side, name in ((film, "the layer"), (below, "the layer below")):
        if isinstance(side.found, NotFound):
            where = "substrate" if side is below and position == 1 else name
            return _unknown(entry, "unknown", f"{where} ({side.spec.formula}): {side.found.reason}")
    assert isinstance(film.found, Found) and isinstance(below.found, Found)
    if below.orientation is None:
        what = "substrate_orientation" if position == 1 else "the orientation of the layer below"
        return _unknown(
            entry, "unknown", f"{below.spec.formula} has no orientation; add {what}, e.g. (001)"
        )
    if film.orientation is None:
        guess = assume_orientation(film.found.lattice, below.found.lattice, below.orientation)
        if guess is None:
            return _unknown(
                entry,
                "unknown",
                f"{film.spec.formula} has no orientation and none follows from the layer below; "
                "add the layer's orientation, e.g. (001)",
            )
        film.orientation, film.assumed = guess
        entry["film_orientation"] = film.orientation
        entry["notes"].append(film.assumed)
    geometry = _geometry(
        film.found.lattice,
        film.orientation,
        below.found.lattice,
        below.orientation,
        film.spec.in_plane_relationship or None,
    )
    notes = entry["notes"]
    entry.update(_clone(geometry))
    entry["notes"] = notes + entry["notes"]
    thickness = entry["thickness_nm"]
    if entry["status"] == "ok" and thickness is not None:
        critical = entry["critical_thickness_nm"]
        entry["coherent_expected"] = critical is None or thickness <= critical
    return entry


@lru_cache(maxsize=4096)
def _geometry(
    film: Lattice,
    film_orientation: str,
    below: Lattice,
    below_orientation: str,
    relationship: str | None,
) -> dict[str, Any]:
    """Everything about an interface that does not depend on the layer's thickness (cached)."""
    entry: dict[str, Any] = {"notes": [], "coincidence_cells": []}
    try:
        film_mesh = surface_mesh(film, film_orientation)
        below_mesh = surface_mesh(below, below_orientation)
    except Unsupported as err:
        return _unknown(entry, "unsupported", str(err))
    if relationship:
        result = _stated(entry, relationship, film, film_mesh, below_mesh)
        if result is not None:
            return result
    else:
        match = usual_match(film_mesh, below_mesh)
        if match is None:
            return _unknown(
                entry,
                "unsupported",
                "no low-index epitaxial relationship: no small cells of the two surface meshes "
                "agree in angle within 2°; give the layer's in_plane_relationship",
            )
        _headline(entry, match, film_mesh, below_mesh, "usual")
    entry["coincidence_cells"] = coincidence_cells(film_mesh, below_mesh)
    _strain_and_thickness(entry, film)
    return entry


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def _stated(
    entry: dict[str, Any], text: str, film: Lattice, film_mesh: Mesh, below_mesh: Mesh
) -> dict[str, Any] | None:
    try:
        film_dir, below_dir = parse_relationship(text, film_mesh, below_mesh)
    except (ChemistryError, Unsupported) as err:
        return _unknown(entry, "unknown", f"in_plane_relationship `{text}`: {err}")
    match = stated_match(film_mesh, below_mesh, film_dir, below_dir)
    if match is not None:
        _headline(entry, match, film_mesh, below_mesh, "stated")
        entry["in_plane_relationship"] = text
        return None
    film_repeat = repeat_along(film_mesh, film_dir)
    below_repeat = repeat_along(below_mesh, below_dir)
    if film_repeat is None or below_repeat is None:
        return _unknown(entry, "unsupported", f"in_plane_relationship `{text}`: no lattice repeat")
    misfit = 100.0 * (below_repeat[0] - film_repeat[0]) / film_repeat[0]
    fx, fy = film_mesh.direction_2d(film_dir)
    bx, by = below_mesh.direction_2d(below_dir)
    turn = math.degrees(math.atan2(by, bx) - math.atan2(fy, fx))
    entry.update(
        relationship="stated",
        in_plane_relationship=text,
        rotation_deg=_rotation(film_mesh, below_mesh, turn),
        film_spacing_angstrom=round(film_repeat[0], 4),
        below_spacing_angstrom=round(below_repeat[0], 4),
        mismatch_percent=round(misfit, 3),
        directions=[_direction(film_repeat, below_repeat, misfit)],
    )
    entry["notes"].append(
        "no small supercell fits the stated rotation in both directions; the misfit is given "
        "along the stated directions only"
    )
    entry["coincidence_cells"] = coincidence_cells(film_mesh, below_mesh)
    _strain_and_thickness(entry, film)
    return entry


def _rotation(film: Mesh, below: Mesh, turn: float) -> float:
    period = math.gcd(film.symmetry_deg, below.symmetry_deg)
    return reduce_rotation(film.reference_angle + turn - below.reference_angle, period)


def _direction(film: tuple[float, str], below: tuple[float, str], misfit: float) -> dict[str, Any]:
    return {
        "film_direction": film[1],
        "below_direction": below[1],
        "film_spacing_angstrom": round(film[0], 4),
        "below_spacing_angstrom": round(below[0], 4),
        "mismatch_percent": round(misfit, 3),
    }


def _headline(entry: dict[str, Any], match: Match, film: Mesh, below: Mesh, kind: str) -> None:
    first = _direction(
        (match.film.len_a, film.label(*match.film.a)),
        (match.below.len_a, below.label(*match.below.a)),
        match.misfit_a,
    )
    second = _direction(
        (match.film.len_b, film.label(*match.film.b)),
        (match.below.len_b, below.label(*match.below.b)),
        match.misfit_b,
    )
    directions = [first, second]
    if kind == "usual" and abs(match.misfit_b) > abs(match.misfit_a) + 1e-9:
        directions.reverse()  # the headline is the larger misfit
    head = directions[0]
    relation = entry.get("in_plane_relationship")
    if not relation:
        below_ref = parallel_direction(below, film.reference_angle + match.turn)
        film_ref = _format_ref(film)
        relation = f"{film_ref} || {below_ref}" if below_ref else None
    entry.update(
        relationship=kind,
        in_plane_relationship=relation,
        rotation_deg=match.rotation,
        supercell={
            "film_multiple": match.film.multiple,
            "below_multiple": match.below.multiple,
            "film_vectors": [first["film_direction"], second["film_direction"]],
            "below_vectors": [first["below_direction"], second["below_direction"]],
        },
        film_spacing_angstrom=head["film_spacing_angstrom"],
        below_spacing_angstrom=head["below_spacing_angstrom"],
        mismatch_percent=head["mismatch_percent"],
        directions=directions,
    )
    if abs(match.angle_misfit) > 0.05:
        entry["notes"].append(f"the meshes' angles differ by {match.angle_misfit:.2f}°")
    if film.pseudocubic or below.pseudocubic:
        entry["notes"].append("perovskite cells are matched on their pseudocubic subcell")


def _format_ref(mesh: Mesh) -> str:
    text = format_direction(mesh.reference, hexagonal=mesh.hexagonal)
    return text[text.index("[") :]


def _strain_and_thickness(entry: dict[str, Any], film: Lattice) -> None:
    misfit = entry["mismatch_percent"]
    if misfit is None:
        return
    entry["status"] = "ok"
    entry["strain"] = (
        "matched"
        if abs(misfit) <= MATCHED_PERCENT
        else ("compressive" if misfit < 0 else "tensile")
    )
    worst = max(abs(d["mismatch_percent"]) for d in entry["directions"])
    if worst > LARGE_MISFIT_PERCENT:
        entry["notes"].append(
            f"misfit over {LARGE_MISFIT_PERCENT:g} %: growth is not expected to be coherent; see "
            "coincidence_cells for domain matching"
        )
    estimate = critical_thickness(worst, film)
    entry["critical_thickness_nm"] = estimate.nm
    entry["critical_thickness_basis"] = estimate.basis
