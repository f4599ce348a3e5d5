"""The nominal epitaxial relationship of a film mesh on the mesh below it.

Small supercells of both meshes (vectors with coefficients up to 2, areas 1–3 cells) are
paired when their angles agree; the usual relationship is the pair with the smallest misfit,
each extra cell of area costing one percentage point so that cube-on-cube wins ties, a 45°
rotation (√2) or a 30° one (√3) wins when the lattices call for it. A stated relationship
(``[100] || [110]``) fixes the rotation instead. The search is a fixed, small enumeration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .meshes import Mesh, format_direction

MAX_COEFFICIENT = 2
MAX_MULTIPLE = 3
ANGLE_TOLERANCE_DEG = 2.0
AREA_PENALTY = 1.0  # percentage points per extra mesh cell in a supercell
ROTATION_TOLERANCE_DEG = 0.5


@dataclass(frozen=True)
class Pair:
    """A supercell of a mesh: vectors ``a`` and ``b`` in mesh coordinates."""

    a: tuple[int, int]
    b: tuple[int, int]
    multiple: int
    len_a: float
    len_b: float
    angle: float  # between a and b, degrees, in (0, 180)
    direction: float  # of a in the mesh frame, degrees


@dataclass(frozen=True)
class Match:
    """Film supercell on below supercell, with the film's rotation and the misfits."""

    film: Pair
    below: Pair
    turn: float  # rotate the film frame by this to align film.a with below.a, degrees
    rotation: float  # of the film's reference direction from the below's, reduced, degrees
    misfit_a: float  # percent, (d_below - d_film) / d_film
    misfit_b: float
    angle_misfit: float  # degrees
    score: float


@lru_cache(maxsize=2048)
def pairs(mesh: Mesh) -> tuple[Pair, ...]:
    """All small supercells of ``mesh`` with positive orientation."""
    span = range(-MAX_COEFFICIENT, MAX_COEFFICIENT + 1)
    vectors = [(i, j) for i in span for j in span if (i, j) != (0, 0)]
    half = [v for v in vectors if v[0] > 0 or (v[0] == 0 and v[1] > 0)]
    found = []
    for a in half:
        pa = mesh.point(*a)
        la = math.hypot(*pa)
        da = math.degrees(math.atan2(pa[1], pa[0]))
        for b in vectors:
            det = a[0] * b[1] - a[1] * b[0]
            if not 1 <= det <= MAX_MULTIPLE:
                continue
            pb = mesh.point(*b)
            lb = math.hypot(*pb)
            dot = pa[0] * pb[0] + pa[1] * pb[1]
            # Only reduced bases (|a| <= |b|, |a.b| <= |a|^2/2): one description per supercell.
            if la > lb * (1 + 1e-9) or abs(dot) > la * la / 2 * (1 + 1e-9):
                continue
            cos = dot / (la * lb)
            angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
            found.append(Pair(a, b, det, la, lb, angle, da))
    return tuple(found)


def _bins(mesh: Mesh) -> dict[int, list[Pair]]:
    return _binned(mesh)


@lru_cache(maxsize=2048)
def _binned(mesh: Mesh) -> dict[int, list[Pair]]:
    bins: dict[int, list[Pair]] = {}
    for pair in pairs(mesh):
        bins.setdefault(round(pair.angle), []).append(pair)
    return bins


def reduce_rotation(angle: float, period: int) -> float:
    """``angle`` folded into [0, period/2] (mirror-equivalent rotations are the same)."""
    folded = math.fmod(angle, period)
    if folded < 0:
        folded += period
    if folded > period / 2:
        folded = period - folded
    return round(folded, 2) + 0.0


def _match(film: Mesh, below: Mesh, f: Pair, b: Pair) -> Match:
    turn = b.direction - f.direction
    period = math.gcd(film.symmetry_deg, below.symmetry_deg)
    rotation = reduce_rotation(film.reference_angle + turn - below.reference_angle, period)
    misfit_a = 100.0 * (b.len_a - f.len_a) / f.len_a
    misfit_b = 100.0 * (b.len_b - f.len_b) / f.len_b
    angle_misfit = b.angle - f.angle
    score = (
        max(abs(misfit_a), abs(misfit_b))
        + AREA_PENALTY * (f.multiple - 1 + b.multiple - 1)
        + 0.5 * abs(angle_misfit)
    )
    return Match(f, b, turn, rotation, misfit_a, misfit_b, angle_misfit, score)


def _key(match: Match) -> tuple[float, float, int, int]:
    size = sum(abs(x) for x in (*match.film.a, *match.film.b, *match.below.a, *match.below.b))
    return (
        round(match.score, 6),
        match.rotation,
        match.film.multiple + match.below.multiple,
        size,
    )


def usual_match(film: Mesh, below: Mesh) -> Match | None:
    """The best small-supercell match: the usual relationship for the pair.

    None when no small supercells of the two meshes agree in angle (within 2°).
    """
    return _usual(film, below)


@lru_cache(maxsize=4096)
def _usual(film: Mesh, below: Mesh) -> Match | None:
    bins = _bins(below)
    best: Match | None = None
    seen: set[tuple[int, float, float, float]] = set()
    for f in pairs(film):
        metric = (f.multiple, round(f.len_a, 4), round(f.len_b, 4), round(f.angle, 2))
        if metric in seen:  # symmetry-equivalent supercells give the same misfits
            continue
        seen.add(metric)
        for offset in (-2, -1, 0, 1, 2):
            for b in bins.get(round(f.angle) + offset, ()):
                if abs(b.angle - f.angle) > ANGLE_TOLERANCE_DEG:
                    continue
                candidate = _match(film, below, f, b)
                if best is None or _key(candidate) < _key(best):
                    best = candidate
    return best


def stated_match(
    film: Mesh,
    below: Mesh,
    film_direction: tuple[int, int, int],
    below_direction: tuple[int, int, int],
) -> Match | None:
    """The best small-supercell match with ``film_direction`` parallel to ``below_direction``.

    ``None`` when no small supercell pair fits that rotation; the caller then reports the
    misfit along the stated directions alone.
    """
    fx, fy = film.direction_2d(film_direction)
    bx, by = below.direction_2d(below_direction)
    turn = math.degrees(math.atan2(by, bx)) - math.degrees(math.atan2(fy, fx))
    bins = _bins(below)
    best: Match | None = None
    for f in pairs(film):
        for offset in (-2, -1, 0, 1, 2):
            for b in bins.get(round(f.angle) + offset, ()):
                if abs(b.angle - f.angle) > ANGLE_TOLERANCE_DEG:
                    continue
                if not _same_turn(b.direction - f.direction, turn):
                    continue
                candidate = _match(film, below, f, b)
                if best is None or _key(candidate) < _key(best):
                    best = candidate
    return best


def _same_turn(x: float, y: float) -> bool:
    difference = math.fmod(x - y, 180.0)
    return min(abs(difference), 180.0 - abs(difference)) <= ROTATION_TOLERANCE_DEG


def repeat_along(mesh: Mesh, direction: tuple[int, int, int]) -> tuple[float, str] | None:
    """The shortest mesh translation along an in-plane ``direction``: length (Å) and label."""
    x, y = mesh.direction_2d(direction)
    det = mesh.v1[0] * mesh.v2[1] - mesh.v1[1] * mesh.v2[0]
    i = (x * mesh.v2[1] - y * mesh.v2[0]) / det
    j = (mesh.v1[0] * y - mesh.v1[1] * x) / det
    fi, fj = Fraction(i).limit_denominator(12), Fraction(j).limit_denominator(12)
    if abs(float(fi) - i) > 1e-6 or abs(float(fj) - j) > 1e-6:
        return None
    scale = math.lcm(fi.denominator, fj.denominator)
    p, q = int(fi * scale), int(fj * scale)
    g = math.gcd(p, q) or 1
    p, q = p // g, q // g
    px, py = mesh.point(p, q)
    return math.hypot(px, py), mesh.label(p, q)


def parallel_direction(mesh: Mesh, angle: float) -> str | None:
    """A low-index in-plane direction of ``mesh`` at ``angle`` (degrees) in its frame.

    Symmetry-equivalent angles (the mesh's rotation period) count too, so the simplest,
    most positive spelling is chosen: ``[110]`` rather than ``[-1-10]``.
    """
    turns = range(0, 360, mesh.symmetry_deg)
    for _, n, direction in _directions(mesh):
        if any(abs(_wrap(direction - angle - t)) <= ROTATION_TOLERANCE_DEG for t in turns):
            text = format_direction(n, hexagonal=mesh.hexagonal)
            return text[text.index("[") :]  # a direction, not a vector: no length prefix
    return None


@lru_cache(maxsize=2048)
def _directions(mesh: Mesh) -> tuple[tuple[object, tuple[int, int, int], float], ...]:
    """In-plane directions with indices up to 3, simplest and most positive first."""
    span = range(-3, 4)
    h, k, l = mesh.plane  # noqa: E741
    found = {}
    for n in ((u, v, w) for u in span for v in span for w in span):
        if not any(n) or h * n[0] + k * n[1] + l * n[2] != 0:
            continue
        g = math.gcd(*n)
        n = (n[0] // g, n[1] // g, n[2] // g)
        x, y = mesh.direction_2d(n)
        shown = _four(n) if mesh.hexagonal else n
        weight = (sum(abs(c) for c in shown), sum(1 for c in shown if c < 0), tuple(-c for c in n))
        found[n] = (weight, n, math.degrees(math.atan2(y, x)))
    return tuple(sorted(found.values()))


def _four(n: tuple[int, int, int]) -> tuple[int, ...]:
    u, v, w = n
    return (2 * u - v, 2 * v - u, -(u + v), 3 * w)


def _wrap(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0
