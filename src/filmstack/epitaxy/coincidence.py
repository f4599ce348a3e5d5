"""Coincidence (domain-matching) supercells, Zur–McGill style: beside the headline, never it.

Zur & McGill, J. Appl. Phys. 55, 378 (1984): enumerate the sublattices of both surface meshes
(Hermite normal forms, index up to ``max_multiple``), reduce each, and keep the pairs whose
areas, vector lengths and angle agree within tolerances. The tolerances are pymatgen's
``ZSLGenerator`` defaults (area 9 %, length 3 %, angle 0.01 rad, 400 Å²); the search is
bounded by ``max_multiple`` and the area, so its cost is fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .matching import reduce_rotation
from .meshes import Mesh

MAX_MULTIPLE = 8
MAX_AREA = 400.0  # Å²
AREA_TOLERANCE = 0.09
LENGTH_TOLERANCE = 0.03
ANGLE_TOLERANCE_DEG = math.degrees(0.01)
EPSILON = 1e-9


@dataclass(frozen=True)
class Sublattice:
    multiple: int
    a: tuple[int, int]
    b: tuple[int, int]
    len_a: float
    len_b: float
    angle: float
    direction: float


@lru_cache(maxsize=1024)
def sublattices(mesh: Mesh, max_multiple: int = MAX_MULTIPLE) -> tuple[Sublattice, ...]:
    """Every sublattice of index ≤ ``max_multiple``, as its reduced basis."""
    found = []
    for n in range(1, max_multiple + 1):
        for first in range(1, n + 1):
            if n % first:
                continue
            last = n // first
            for shear in range(last):
                a, b = _reduce((first, 0), (shear, last), mesh)
                pa, pb = mesh.point(*a), mesh.point(*b)
                la, lb = math.hypot(*pa), math.hypot(*pb)
                cos = (pa[0] * pb[0] + pa[1] * pb[1]) / (la * lb)
                angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
                direction = math.degrees(math.atan2(pa[1], pa[0]))
                found.append(Sublattice(n, a, b, la, lb, angle, direction))
    return tuple(found)


def _reduce(a: tuple[int, int], b: tuple[int, int], mesh: Mesh) -> tuple[tuple[int, int], ...]:
    (x1, y1), (x2, y2) = mesh.v1, mesh.v2
    g11, g12, g22 = x1 * x1 + y1 * y1, x1 * x2 + y1 * y2, x2 * x2 + y2 * y2

    def dot(u: tuple[int, int], v: tuple[int, int]) -> float:
        return u[0] * v[0] * g11 + (u[0] * v[1] + u[1] * v[0]) * g12 + u[1] * v[1] * g22

    def length2(v: tuple[int, int]) -> float:
        return dot(v, v)

    for _ in range(64):  # Lagrange–Gauss reduction; the cap keeps it bounded
        if length2(b) < length2(a) - EPSILON:
            a, b = b, a
            continue
        mu = round(dot(a, b) / length2(a))
        if mu == 0:
            break
        b = (b[0] - mu * a[0], b[1] - mu * a[1])
    if a[0] * b[1] - a[1] * b[0] < 0:
        b = (-b[0], -b[1])
    return a, b


def coincidence_cells(
    film: Mesh,
    below: Mesh,
    *,
    max_multiple: int = MAX_MULTIPLE,
    max_area: float = MAX_AREA,
    limit: int = 3,
) -> list[dict[str, object]]:
    """Up to ``limit`` coincidence cells, smallest area first (one per pair of multiples)."""
    cells = _cells(film, below, max_multiple, max_area, limit)
    return [{k: list(v) if isinstance(v, list) else v for k, v in c.items()} for c in cells]


@lru_cache(maxsize=2048)
def _cells(
    film: Mesh, below: Mesh, max_multiple: int, max_area: float, limit: int
) -> tuple[dict[str, object], ...]:
    by_multiple: dict[int, list[Sublattice]] = {}
    for sub in sublattices(below, max_multiple):
        by_multiple.setdefault(sub.multiple, []).append(sub)
    best: dict[tuple[int, int], tuple[float, Sublattice, Sublattice]] = {}
    period = math.gcd(film.symmetry_deg, below.symmetry_deg)
    film_area, below_area = film.area, below.area
    for f in sublattices(film, max_multiple):
        area_f = f.multiple * film_area
        if area_f > max_area:
            continue
        for nb, subs in by_multiple.items():
            area_b = nb * below_area
            if abs(area_b / area_f - 1) > AREA_TOLERANCE:
                continue
            for b in subs:
                strain_a = (b.len_a - f.len_a) / f.len_a
                strain_b = (b.len_b - f.len_b) / f.len_b
                if abs(strain_a) > LENGTH_TOLERANCE or abs(strain_b) > LENGTH_TOLERANCE:
                    continue
                if abs(b.angle - f.angle) > ANGLE_TOLERANCE_DEG:
                    continue
                worst = max(abs(strain_a), abs(strain_b))
                key = (f.multiple, nb)
                if key not in best or worst < best[key][0]:
                    best[key] = (worst, f, b)
    ranked = sorted(best.values(), key=lambda item: (item[1].multiple * film.area, item[0]))
    return tuple(_describe(film, below, f, b, period) for _, f, b in ranked[:limit])


def _describe(
    film: Mesh, below: Mesh, f: Sublattice, b: Sublattice, period: int
) -> dict[str, object]:
    turn = b.direction - f.direction
    return {
        "film_multiple": f.multiple,
        "below_multiple": b.multiple,
        "area_angstrom2": round(f.multiple * film.area, 2),
        "film_vectors": [film.label(*f.a), film.label(*f.b)],
        "below_vectors": [below.label(*b.a), below.label(*b.b)],
        "strain_percent": [
            round(100 * (b.len_a - f.len_a) / f.len_a, 3),
            round(100 * (b.len_b - f.len_b) / f.len_b, 3),
        ],
        "angle_mismatch_deg": round(b.angle - f.angle, 3),
        "rotation_deg": reduce_rotation(
            film.reference_angle + turn - below.reference_angle, period
        ),
    }
