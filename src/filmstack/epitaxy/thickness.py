"""Critical thickness (Matthews–Blakeslee) and unit cells counted in nanometres."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .lattices import Lattice
from .meshes import shortest_translation

POISSON_RATIO = 0.3
DISLOCATION_ANGLE_DEG = 60.0  # between line and Burgers vector, and Burgers vector and the glide
MAX_ITERATIONS = 200
UNLIMITED_NM = 1e5  # past 100 µm the estimate means "does not relax"


@dataclass(frozen=True)
class CriticalThickness:
    """A Matthews–Blakeslee estimate: ``nm`` is None when the misfit is too small to relax."""

    nm: float | None
    burgers_angstrom: float
    basis: str


def critical_thickness(misfit_percent: float, film: Lattice) -> CriticalThickness:
    """h_c from h = b (1 − ν cos²α) / (8π |f| (1 + ν) cos λ) · (ln(h/b) + 1), solved by iteration.

    Single strained layer on a thick substrate, 60° mixed dislocations (α = λ = 60°),
    b = the film's shortest lattice translation (a/√2 for fcc-based cells, a_pc for
    perovskites), ν = 0.3. An estimate: real films often stay strained beyond it (kinetics).
    """
    b = shortest_translation(film)
    basis = (
        f"Matthews–Blakeslee estimate: 60° mixed dislocations, Burgers vector b = {b:.3f} Å "
        f"(shortest lattice translation of the film), Poisson ratio {POISSON_RATIO}, misfit "
        f"{abs(misfit_percent):.2f} %; an estimate, not a prediction: films often stay "
        "strained past it"
    )
    f = abs(misfit_percent) / 100.0
    cos_a = math.cos(math.radians(DISLOCATION_ANGLE_DEG))
    prefactor = (1 - POISSON_RATIO * cos_a**2) / (8 * math.pi * max(f, 1e-12) * (1 + POISSON_RATIO))
    k = prefactor / cos_a  # h/b = k (ln(h/b) + 1)
    if k * (math.log(UNLIMITED_NM * 10 / b) + 1) >= UNLIMITED_NM * 10 / b:
        return CriticalThickness(None, b, basis)
    if k <= 1:
        # No solution above one Burgers vector: the film relaxes from the first monolayer.
        return CriticalThickness(round(b / 10, 4), b, basis)
    x = max(k * 10, math.e)
    for _ in range(MAX_ITERATIONS):
        nxt = k * (math.log(x) + 1)
        if abs(nxt - x) <= 1e-10 * x:
            x = nxt
            break
        x = nxt
    return CriticalThickness(round(x * b / 10, 4), b, basis)


def unit_cell_height_nm(lattice: Lattice) -> tuple[float, str]:
    """The out-of-plane repeat counted by "u.c.", and what it is.

    Perovskite-derived cells count pseudocubic cells (5 u.c. LaAlO3 ≈ 5 × 0.379 nm) unless the
    conventional cell is itself one pseudocubic cell (tetragonal BaTiO3: c); other materials
    count their conventional cell's c.
    """
    if lattice.a_pc is not None and (lattice.pseudocubic_cells or 1) > 1:
        return lattice.a_pc / 10, f"pseudocubic cell, a_pc = {lattice.a_pc:g} Å"
    return lattice.c / 10, f"conventional cell, c = {lattice.c:g} Å"
