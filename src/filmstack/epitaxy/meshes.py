"""Surface meshes: the 2D lattice of translations a crystal offers in the plane it grows on.

The mesh is the intersection of the full lattice (centring included: fcc (001) has the a/√2
square mesh) with the plane, reduced to its two shortest vectors. Perovskite-derived cells
are read in pseudocubic indices when their row says so, and an orthorhombic (Pbnm) cell's
mesh is reduced to the pseudocubic subcell (DyScO3 (110) gives ≈ 3.95 × 3.95 Å).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from filmstack.chemistry import ChemistryError, parse_orientation

from .lattices import Lattice

Vec3 = tuple[float, float, float]
Index3 = tuple[Fraction, Fraction, Fraction]

MAX_PLANE_INDEX = 3  # (hkl) with larger indices are not "low-index": no mesh is offered
PC_TOLERANCE = 0.04  # how close an orthorhombic mesh vector must be to n × a_pc·{1, √2}

_CENTRING: dict[str, tuple[tuple[Fraction, ...], ...]] = {
    "P": (),
    "I": ((Fraction(1, 2),) * 3,),
    "F": (
        (Fraction(0), Fraction(1, 2), Fraction(1, 2)),
        (Fraction(1, 2), Fraction(0), Fraction(1, 2)),
        (Fraction(1, 2), Fraction(1, 2), Fraction(0)),
    ),
    "C": ((Fraction(1, 2), Fraction(1, 2), Fraction(0)),),
    "A": ((Fraction(0), Fraction(1, 2), Fraction(1, 2)),),
    "B": ((Fraction(1, 2), Fraction(0), Fraction(1, 2)),),
    "R": (
        (Fraction(2, 3), Fraction(1, 3), Fraction(1, 3)),
        (Fraction(1, 3), Fraction(2, 3), Fraction(2, 3)),
    ),
}


_SIXTHS = {
    name: tuple(tuple(int(x * 6) for x in shift) for shift in shifts)
    for name, shifts in _CENTRING.items()
}


class Unsupported(Exception):
    """An orientation the mesh code does not handle; the message says why."""


@dataclass(frozen=True)
class Mesh:
    """Two in-plane translation vectors in a 2D frame (v1 along x) and their crystal indices."""

    plane: tuple[int, int, int]
    v1: tuple[float, float]
    v2: tuple[float, float]
    d1: Index3
    d2: Index3
    reference: tuple[int, int, int]  # a low-index in-plane direction that names the frame
    reference_angle: float  # its angle in the 2D frame, degrees
    hexagonal: bool  # label directions with four indices
    pseudocubic: bool  # indices are pseudocubic (the row's setting or a reduced Pbnm mesh)
    symmetry_deg: int  # rotation period of the mesh: 90 square, 60 hexagonal, 180 otherwise
    basis: tuple[Vec3, Vec3]  # 3D unit vectors of the 2D frame
    cell: tuple[Vec3, Vec3, Vec3]

    @property
    def area(self) -> float:
        return abs(self.v1[0] * self.v2[1] - self.v1[1] * self.v2[0])

    def point(self, i: float, j: float) -> tuple[float, float]:
        return (i * self.v1[0] + j * self.v2[0], i * self.v1[1] + j * self.v2[1])

    def index(self, i: int, j: int) -> Index3:
        return tuple(i * x + j * y for x, y in zip(self.d1, self.d2, strict=True))  # type: ignore[return-value]

    def label(self, i: int, j: int) -> str:
        return format_direction(self.index(i, j), hexagonal=self.hexagonal)

    def direction_2d(self, direction: tuple[int, int, int]) -> tuple[float, float]:
        """A direction given in this mesh's indices, projected into the 2D frame."""
        v = _combine(self.cell, direction)
        ex, ey = self.basis
        return (_dot(v, ex), _dot(v, ey))


def working_cell(lattice: Lattice) -> tuple[Lattice, bool]:
    """The cell orientations are read in: the pseudocubic one when the row says so."""
    if lattice.setting == "pseudocubic" and lattice.a_pc is not None:
        a = lattice.a_pc
        return Lattice(a, a, a, system="cubic", centering="P", a_pc=a), True
    return lattice, False


def plane_of(lattice: Lattice, orientation: str) -> tuple[int, int, int]:
    """Three-index plane of an orientation text, or :class:`Unsupported` saying why not."""
    try:
        parsed = parse_orientation(orientation)
    except ChemistryError as err:
        raise Unsupported(str(err)) from err
    cell, pseudocubic = working_cell(lattice)
    system = "cubic" if pseudocubic else cell.system
    indices = parsed.indices
    hexagonal_axes = _hexagonal_axes(cell)
    if len(indices) == 4:
        if not hexagonal_axes:
            raise Unsupported(
                f"{orientation} has four (Miller–Bravais) indices, but this material has no "
                "hexagonal axes; give three"
            )
        indices = (indices[0], indices[1], indices[3])
    if parsed.kind in ("direction", "direction_family") and system != "cubic":
        raise Unsupported(
            f"{orientation} is a direction; for a {system} cell give the plane, e.g. (001)"
        )
    g = math.gcd(*indices)
    plane = (indices[0] // g, indices[1] // g, indices[2] // g)
    if system in ("cubic", "tetragonal", "orthorhombic"):
        if max(abs(x) for x in plane) > MAX_PLANE_INDEX:
            raise Unsupported(
                f"{orientation} is not a low-index plane (indices up to {MAX_PLANE_INDEX} "
                "are handled)"
            )
        return plane
    if hexagonal_axes:
        h, k, l = plane  # noqa: E741
        basal = h == 0 and k == 0
        a_plane = l == 0 and {h, k, -(h + k)} in ({1, -2}, {-1, 2})
        m_plane = l == 0 and sorted((h, k, -(h + k))) == [-1, 0, 1]
        if basal or a_plane or m_plane:
            return plane
        raise Unsupported(
            f"{orientation}: for hexagonal cells the c-plane (0001), a-plane (11-20) and "
            "m-plane (10-10) are handled, not this one"
        )
    raise Unsupported(
        f"{system} cells are not handled for meshes; give the layer a `lattice` in a "
        "pseudocubic, orthorhombic or hexagonal description"
    )


@lru_cache(maxsize=2048)
def surface_mesh(lattice: Lattice, orientation: str) -> Mesh:
    """The reduced in-plane mesh of ``lattice`` on ``orientation``; raises :class:`Unsupported`."""
    plane = plane_of(lattice, orientation)
    cell, pseudocubic = working_cell(lattice)
    vectors = cell_vectors(cell)
    hexagonal = _hexagonal_axes(cell)
    first, second = _two_shortest(plane, cell.centering, vectors)
    d1, d2 = first, second
    reduce_pc = (
        not pseudocubic and lattice.a_pc is not None and (lattice.pseudocubic_cells or 1) > 1
    )
    if reduce_pc:
        assert lattice.a_pc is not None
        d1 = _pc_subcell(d1, vectors, lattice.a_pc)
        d2 = _pc_subcell(d2, vectors, lattice.a_pc)
    d1, d2 = _gauss(d1, d2, vectors)
    c1, c2 = _combine(vectors, d1), _combine(vectors, d2)
    # The frame is seen from above the growth surface: its normal is the plane's G vector,
    # so film and layer below turn the same way.
    normal = _unit(_plane_normal(plane, vectors))
    ex = _unit(c1)
    ey = _cross(normal, ex)
    v1 = (_length(c1), 0.0)
    v2 = (_dot(c2, ex), _dot(c2, ey))
    reference = _reference_direction(plane, vectors)
    ref_cart = _combine(vectors, reference)
    reference_angle = math.degrees(math.atan2(_dot(ref_cart, ey), _dot(ref_cart, ex)))
    return Mesh(
        plane=plane,
        v1=v1,
        v2=v2,
        d1=d1,
        d2=d2,
        reference=reference,
        reference_angle=reference_angle,
        hexagonal=hexagonal,
        pseudocubic=pseudocubic or reduce_pc,
        symmetry_deg=_symmetry(v1, v2),
        basis=(ex, ey),
        cell=vectors,
    )


def cell_vectors(lattice: Lattice) -> tuple[Vec3, Vec3, Vec3]:
    """Cartesian a, b, c: a along x, b in the xy plane."""
    a, b, c = lattice.a, lattice.b, lattice.c
    al, be, ga = (math.radians(x) for x in (lattice.alpha, lattice.beta, lattice.gamma))
    bx, by = b * math.cos(ga), b * math.sin(ga)
    cx = c * math.cos(be)
    cy = c * (math.cos(al) - math.cos(be) * math.cos(ga)) / math.sin(ga)
    cz = math.sqrt(max(c * c - cx * cx - cy * cy, 0.0))
    return ((a, 0.0, 0.0), (bx, by, 0.0), (cx, cy, cz))


@lru_cache(maxsize=256)
def shortest_translation(lattice: Lattice) -> float:
    """Length of the shortest lattice translation (Å): the Burgers vector of a full dislocation."""
    if lattice.a_pc is not None:
        return lattice.a_pc
    vectors = cell_vectors(lattice)
    shifts = [(0, 0, 0), *_SIXTHS.get(lattice.centering, ())]
    best = math.inf
    for n in _cube(1):
        for s in shifts:
            t = (n[0] + s[0] / 6, n[1] + s[1] / 6, n[2] + s[2] / 6)
            if any(t):
                best = min(best, _length(_combine(vectors, t)))
    return best


def format_direction(index: Index3 | tuple[int, ...], *, hexagonal: bool = False) -> str:
    """``[1-10]``, ``1/2[110]`` or, on hexagonal axes, ``[11-20]``."""
    values = [Fraction(x) for x in index]
    if hexagonal:
        u, v, w = values
        values = [(2 * u - v) / 3, (2 * v - u) / 3, -(u + v) / 3, w]
    denominator = math.lcm(*(x.denominator for x in values))
    integers = [int(x * denominator) for x in values]
    g = math.gcd(*integers) or 1
    integers = [x // g for x in integers]
    scale = Fraction(g, denominator)
    body = (
        "".join(str(x) for x in integers)
        if all(abs(x) < 10 for x in integers)
        else " ".join(str(x) for x in integers)
    )
    prefix = "" if scale == 1 else f"{scale}"
    return f"{prefix}[{body}]"


def _plane_normal(plane: tuple[int, int, int], vectors: tuple[Vec3, Vec3, Vec3]) -> Vec3:
    a, b, c = vectors
    h, k, l = plane  # noqa: E741
    bc, ca, ab = _cross(b, c), _cross(c, a), _cross(a, b)
    return (
        h * bc[0] + k * ca[0] + l * ab[0],
        h * bc[1] + k * ca[1] + l * ab[1],
        h * bc[2] + k * ca[2] + l * ab[2],
    )


def _hexagonal_axes(cell: Lattice) -> bool:
    return abs(cell.gamma - 120.0) < 0.05 and abs(cell.a - cell.b) < 1e-4 * cell.a


def _two_shortest(
    plane: tuple[int, int, int], centering: str, vectors: tuple[Vec3, Vec3, Vec3]
) -> tuple[Index3, Index3]:
    """The two shortest non-parallel lattice translations (centring included) in the plane.

    In two dimensions these successive minima are a basis of the plane's lattice.
    """
    h, k, l = plane  # noqa: E741
    reach = max(2, max(abs(x) for x in plane) + 1)
    # Coordinates in sixths keep the centring shifts (1/2, 1/3, 2/3) integral.
    shifts = [(0, 0, 0), *_SIXTHS.get(centering, ())]
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = vectors
    found: list[tuple[float, tuple[int, int, int], Vec3]] = []
    for n in _cube(reach):
        for s in shifts:
            u, v, w = 6 * n[0] + s[0], 6 * n[1] + s[1], 6 * n[2] + s[2]
            if (u or v or w) and h * u + k * v + l * w == 0:
                x = (u * ax + v * bx + w * cx) / 6
                y = (u * ay + v * by + w * cy) / 6
                z = (u * az + v * bz + w * cz) / 6
                found.append((x * x + y * y + z * z, (u, v, w), (x, y, z)))
    if len(found) < 2:  # pragma: no cover - every low-index plane has two
        raise Unsupported(f"no in-plane lattice vectors found for the plane {plane}")
    found.sort(key=lambda item: item[0])
    size1, t1, c1 = found[0]
    t2 = next(t for _, t, c in found if _length(_cross(c1, c)) > 1e-6 * size1)
    return _sixths(t1), _sixths(t2)


def _sixths(t: tuple[int, int, int]) -> Index3:
    return (Fraction(t[0], 6), Fraction(t[1], 6), Fraction(t[2], 6))


@lru_cache(maxsize=8)
def _cube(reach: int) -> tuple[tuple[int, int, int], ...]:
    span = range(-reach, reach + 1)
    return tuple((u, v, w) for u in span for v in span for w in span)


def _pc_subcell(d: Index3, vectors: tuple[Vec3, Vec3, Vec3], a_pc: float) -> Index3:
    length = _length(_combine(vectors, d))
    for target in (a_pc, a_pc * math.sqrt(2)):
        if abs(length - target) <= PC_TOLERANCE * target:
            return d
    for n in (2, 3):
        for target in (a_pc, a_pc * math.sqrt(2)):
            if abs(length / n - target) <= PC_TOLERANCE * target:
                return (d[0] / n, d[1] / n, d[2] / n)
    return d


def _gauss(d1: Index3, d2: Index3, vectors: tuple[Vec3, Vec3, Vec3]) -> tuple[Index3, Index3]:
    """Lagrange–Gauss reduction: the two shortest vectors, angle between 60° and 90°."""
    for _ in range(64):  # converges in a few steps; the cap keeps it bounded
        c1, c2 = _combine(vectors, d1), _combine(vectors, d2)
        if _length(c2) < _length(c1):
            d1, d2 = d2, d1
            continue
        mu = round(_dot(c1, c2) / _dot(c1, c1))
        if mu == 0:
            break
        d2 = (d2[0] - mu * d1[0], d2[1] - mu * d1[1], d2[2] - mu * d1[2])
    if _dot(_combine(vectors, d1), _combine(vectors, d2)) < -1e-9:
        d2 = (-d2[0], -d2[1], -d2[2])
    return d1, d2


def _reference_direction(
    plane: tuple[int, int, int], vectors: tuple[Vec3, Vec3, Vec3]
) -> tuple[int, int, int]:
    h, k, l = plane  # noqa: E741
    candidates = [
        n for n in _cube(max(2, max(abs(x) for x in plane))) if any(n) and _dot(n, plane) == 0
    ]
    hexagonal = (
        abs(_dot(vectors[0], vectors[1]) / (_length(vectors[0]) * _length(vectors[1])) + 0.5) < 1e-3
    )

    def shown(n: tuple[int, int, int]) -> tuple[int, ...]:
        u, v, w = n
        return (2 * u - v, 2 * v - u, -(u + v), 3 * w) if hexagonal else n

    return min(
        candidates,
        key=lambda n: (
            sum(abs(x) for x in shown(n)),
            sum(1 for x in shown(n) if x < 0),
            round(_length(_combine(vectors, n)), 6),
            tuple(-x for x in n),
        ),
    )


def _symmetry(v1: tuple[float, float], v2: tuple[float, float]) -> int:
    l1, l2 = math.hypot(*v1), math.hypot(*v2)
    angle = math.degrees(math.atan2(v2[1], v2[0]))
    if abs(l1 - l2) <= 1e-3 * l1:
        if abs(abs(angle) - 90) < 0.5:
            return 90
        if abs(abs(angle) - 60) < 0.5 or abs(abs(angle) - 120) < 0.5:
            return 60
    return 180


def _combine(vectors: tuple[Vec3, Vec3, Vec3], n: tuple[object, ...]) -> Vec3:
    u, v, w = (float(x) for x in n)  # type: ignore[arg-type]
    a, b, c = vectors
    return (
        u * a[0] + v * b[0] + w * c[0],
        u * a[1] + v * b[1] + w * c[1],
        u * a[2] + v * b[2] + w * c[2],
    )


def _dot(x: tuple[float, ...] | tuple[int, ...], y: tuple[float, ...] | tuple[int, ...]) -> float:
    return sum(p * q for p, q in zip(x, y, strict=True))


def _cross(x: Vec3, y: Vec3) -> Vec3:
    return (x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0])


def _length(x: Vec3) -> float:
    return math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])


def _unit(x: Vec3) -> Vec3:
    n = _length(x)
    return (x[0] / n, x[1] / n, x[2] / n)
