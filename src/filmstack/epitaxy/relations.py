"""Epitaxial relationships as growers write them, and the orientation a film is assumed to take."""

from __future__ import annotations

import math
import re

from filmstack.chemistry import ChemistryError, parse_orientation

from .lattices import Lattice
from .meshes import Mesh, Unsupported, surface_mesh, working_cell

_RELATION_SPLIT = re.compile(r"\s*(?:\|\||∥|//)\s*")


def parse_relationship(
    text: str, film: Mesh, below: Mesh
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Film and below directions of ``"[100] || [110]"``, in each mesh's three indices."""
    parts = _RELATION_SPLIT.split(text.strip())
    if len(parts) != 2:
        raise ChemistryError("write it as film direction || direction below, e.g. `[100] || [110]`")
    return _in_plane(parts[0], film, "film"), _in_plane(parts[1], below, "layer below")


def _in_plane(text: str, mesh: Mesh, whose: str) -> tuple[int, int, int]:
    parsed = parse_orientation(text)
    if parsed.kind not in ("direction", "direction_family"):
        raise ChemistryError(f"`{text}` is not a direction; write it in square brackets")
    indices = parsed.indices
    if len(indices) == 4:
        if not mesh.hexagonal:
            raise ChemistryError(f"`{text}` has four indices, but the {whose} is not hexagonal")
        big_u, big_v, _, big_w = indices
        u, v, w = 2 * big_u + big_v, 2 * big_v + big_u, big_w
        g = math.gcd(u, v, w)
        indices = (u // g, v // g, w // g)
    h, k, l = mesh.plane  # noqa: E741
    u, v, w = indices
    if h * u + k * v + l * w != 0:
        raise ChemistryError(f"`{text}` does not lie in the {whose}'s plane {mesh.plane}")
    return (u, v, w)


def assume_orientation(
    film: Lattice, below: Lattice, below_orientation: str
) -> tuple[str, str] | None:
    """The orientation a film without one is taken to grow in, and the note saying so."""
    try:
        below_mesh = surface_mesh(below, below_orientation)
    except Unsupported:
        return None
    film_cell, film_pc = working_cell(film)
    film_hex = abs(film_cell.gamma - 120) < 0.05
    cubic_film = film_pc or film_cell.system in ("cubic", "tetragonal")
    plane = _cubic_plane(below, below_mesh)
    choice: str | None = None
    if below_mesh.hexagonal and below_mesh.plane[:2] == (0, 0):
        choice = "(0001)" if film_hex else ("(111)" if cubic_film else None)
    elif plane == (1, 1, 1) and film_hex:
        choice = "(0001)"
    elif plane is not None and cubic_film:
        tetragonal = film_cell.system == "tetragonal" and not film_pc
        if not tetragonal or plane == (0, 0, 1):
            choice = "(" + "".join(str(x) for x in plane) + ")"
    elif plane == (0, 0, 1) and film_cell.system == "orthorhombic":
        choice = "(001)"  # c-axis growth, as for YBa2Cu3O7 on (001) perovskites
    if choice is None:
        return None
    return choice, (
        f"the layer's orientation is not given; {choice} assumed, the usual epitaxy on "
        f"{below_orientation}"
    )


def _cubic_plane(below: Lattice, mesh: Mesh) -> tuple[int, int, int] | None:
    """The below plane as a cubic family representative, (001), (011) or (111), if it is one."""
    cell, pc = working_cell(below)
    if cell.system == "cubic" or pc:
        h, k, l = sorted(abs(x) for x in mesh.plane)  # noqa: E741
        return (h, k, l) if (h, k, l) in ((0, 0, 1), (0, 1, 1), (1, 1, 1)) else None
    if below.a_pc is not None and cell.system in ("orthorhombic", "tetragonal"):
        if cell.system == "tetragonal":
            return (0, 0, 1) if mesh.plane == (0, 0, 1) else None
        # Pbnm: pseudocubic axes along [110], [1-10] and [001] of the orthorhombic cell.
        h, k, l = mesh.plane  # noqa: E741
        n = (h / cell.a, k / cell.b, l / cell.c)  # plane normal in the orthogonal cell
        axes = ((cell.a, cell.b, 0.0), (cell.a, -cell.b, 0.0), (0.0, 0.0, 1.0))
        comps = []
        for axis in axes:
            size = math.sqrt(sum(x * x for x in axis))
            comps.append(abs(sum(p * q for p, q in zip(n, axis, strict=True))) / size)
        top = max(comps)
        ratios = sorted(round(x / top, 2) for x in comps)
        for candidate in ((0, 0, 1), (0, 1, 1), (1, 1, 1)):
            if all(abs(r - c) < 0.05 for r, c in zip(ratios, candidate, strict=True)):
                return candidate
    return None


def check_relationship(text: str) -> str:
    """``text`` stripped if it reads as two directions, film first; ChemistryError otherwise."""
    parts = _RELATION_SPLIT.split(text.strip())
    if len(parts) != 2 or not all(parts):
        raise ChemistryError(
            f"`{text}`: write the film direction || the direction below, e.g. `[100] || [110]`"
        )
    for part in parts:
        if parse_orientation(part).kind not in ("direction", "direction_family"):
            raise ChemistryError(f"`{part}` is not a direction; write it in square brackets")
    return text.strip()
