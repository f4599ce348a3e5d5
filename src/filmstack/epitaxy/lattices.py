"""Lattices: the cell of a material, checked, and the curated table shipped with the package.

A :class:`Lattice` is a conventional cell (Å and degrees) with what the epitaxy code needs to
read it: the crystal system and centring of its space group and, for perovskite-derived
materials, the pseudocubic lattice parameter. The built-in table is ``data/lattices.csv``;
every row names the source its numbers come from.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from filmstack.chemistry import ChemistryError, parse_space_group

MIN_LENGTH = 1.0  # Å: no crystal has a shorter lattice translation
MAX_LENGTH = 100.0  # Å: beyond this it is a superstructure the epitaxy code cannot use
MIN_ANGLE = 30.0
MAX_ANGLE = 150.0
ANGLE_TOLERANCE = 0.05  # degrees, when checking a cell against its crystal system
LENGTH_TOLERANCE = 1e-4  # relative
LATTICE_KEYS = ("a", "b", "c", "alpha", "beta", "gamma")


class LatticeError(ChemistryError):
    """A lattice that cannot be used: the message names the field."""


def crystal_system(number: int) -> str:
    """The crystal system of space group ``number`` (1–230)."""
    for last, name in (
        (2, "triclinic"),
        (15, "monoclinic"),
        (74, "orthorhombic"),
        (142, "tetragonal"),
        (167, "trigonal"),
        (194, "hexagonal"),
        (230, "cubic"),
    ):
        if number <= last:
            return name
    raise ValueError(f"no space group {number}")


@dataclass(frozen=True)
class Lattice:
    """A conventional cell: lengths in Å, angles in degrees."""

    a: float
    b: float
    c: float
    alpha: float = 90.0
    beta: float = 90.0
    gamma: float = 90.0
    system: str = "cubic"
    centering: str = "P"  # the lattice letter of the space group: P, A, B, C, F, I, R
    a_pc: float | None = None  # pseudocubic a of a perovskite-derived cell
    setting: str = "cell"  # orientations of this material are read in: "cell" | "pseudocubic"

    @property
    def volume(self) -> float:
        ca, cb, cg = (math.cos(math.radians(x)) for x in (self.alpha, self.beta, self.gamma))
        return (
            self.a * self.b * self.c * math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg)
        )

    @property
    def pseudocubic_cells(self) -> int | None:
        """How many pseudocubic perovskite cells the conventional cell holds (Z_pc)."""
        if self.a_pc is None:
            return None
        return max(1, round(self.volume / self.a_pc**3))

    def as_dict(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in LATTICE_KEYS}


@dataclass(frozen=True)
class LatticeRow:
    """One material of a lattice table: the built-in one or an organization's."""

    formula: str
    phase: str
    space_group: str
    lattice: Lattice
    source: str
    labels: tuple[str, ...] = ()  # polymorph prefixes that pick this row: "4H", "β", "c"
    temperature_k: float | None = None
    origin: str = "built-in"  # "built-in" | "organization"
    id: str | None = None
    space_group_number: int = field(default=0, compare=False)

    def describe(self) -> str:
        return f"{self.formula} ({self.phase}, {self.space_group})"

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "formula": self.formula,
            "phase": self.phase,
            "space_group": self.space_group,
            **self.lattice.as_dict(),
            "pseudocubic_a": self.lattice.a_pc,
            "orientation_setting": self.lattice.setting,
            "temperature_k": self.temperature_k,
            "source": self.source,
            "origin": self.origin,
        }


def make_lattice(
    values: dict[str, object],
    *,
    space_group: str | int | None = None,
    a_pc: float | None = None,
    setting: str = "cell",
    field_name: str = "lattice",
) -> Lattice:
    """Check a lattice given as ``{"a": …, "b": …, "c": …, "alpha": …}`` and complete it.

    Missing lengths and angles follow from the crystal system (cubic may give ``a`` alone,
    tetragonal and hexagonal ``a`` and ``c``); without a space group, ``a`` alone is cubic, ``a``
    and ``c`` tetragonal (hexagonal if ``gamma`` is 120). Raises :class:`LatticeError`.
    """
    if not isinstance(values, dict):
        raise LatticeError(f"{field_name} must be an object such as {{'a': 3.905}}")
    unknown = sorted(str(key) for key in values if key not in LATTICE_KEYS)
    if unknown:
        raise LatticeError(
            f"{field_name} has unknown key(s) {', '.join(unknown)}; "
            "use a, b, c (Å) and alpha, beta, gamma (degrees)"
        )
    numbers = {key: _number(values[key], f"{field_name}.{key}") for key in values}
    for key, value in numbers.items():
        _check_range(key, value, field_name)
    if "a" not in numbers:
        raise LatticeError(f"{field_name}.a is missing; give at least the lattice parameter a (Å)")
    number = parse_space_group(space_group).number if space_group is not None else None
    system = crystal_system(number) if number else _guess_system(numbers)
    centering = parse_space_group(number).symbol[0] if number else "P"
    a = numbers["a"]
    if system == "cubic":
        b = c = a
    elif system in ("tetragonal", "hexagonal", "trigonal"):
        b = numbers.get("b", a)
        if "c" not in numbers:
            raise LatticeError(f"{field_name}.c is missing; a {system} cell needs a and c")
        c = numbers["c"]
    else:
        missing = [key for key in ("b", "c") if key not in numbers]
        if missing:
            raise LatticeError(
                f"{field_name}.{missing[0]} is missing; a {system} cell needs a, b, c"
            )
        b, c = numbers["b"], numbers["c"]
    hexagonal_axes = system == "hexagonal" or (
        system == "trigonal" and numbers.get("alpha", 90.0) == 90.0
    )
    default_gamma = 120.0 if hexagonal_axes else 90.0
    alpha = numbers.get("alpha", 90.0)
    beta = numbers.get("beta", 90.0)
    gamma = numbers.get("gamma", default_gamma)
    lattice = Lattice(a, b, c, alpha, beta, gamma, system, centering, a_pc, setting)
    ca, cb, cg = (math.cos(math.radians(x)) for x in (alpha, beta, gamma))
    if 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg <= 1e-6:
        raise LatticeError(
            f"{field_name}: the angles {alpha:g}°, {beta:g}°, {gamma:g}° close no cell"
        )
    problem = system_mismatch(lattice)
    if problem:
        raise LatticeError(f"{field_name}: {problem}")
    if a_pc is not None and not MIN_LENGTH <= a_pc <= MAX_LENGTH:
        raise LatticeError(f"pseudocubic a is {a_pc:g} Å; it lies between 1 and 100 Å")
    return lattice


def system_mismatch(lattice: Lattice) -> str | None:
    """Why the cell does not fit its crystal system, or ``None`` when it does."""

    def same(x: float, y: float) -> bool:
        return abs(x - y) <= LENGTH_TOLERANCE * max(x, y)

    def angle(x: float, value: float) -> bool:
        return abs(x - value) <= ANGLE_TOLERANCE

    lat, system = lattice, lattice.system
    right = angle(lat.alpha, 90) and angle(lat.beta, 90) and angle(lat.gamma, 90)
    if system == "cubic" and not (same(lat.a, lat.b) and same(lat.a, lat.c) and right):
        return "a cubic cell has a = b = c and all angles 90°"
    if system == "tetragonal" and not (same(lat.a, lat.b) and right):
        return "a tetragonal cell has a = b and all angles 90°"
    if system == "orthorhombic" and not right:
        return "an orthorhombic cell has all angles 90°"
    hexagonal = (
        same(lat.a, lat.b)
        and angle(lat.alpha, 90)
        and angle(lat.beta, 90)
        and angle(lat.gamma, 120)
    )
    if system == "hexagonal" and not hexagonal:
        return "a hexagonal cell has a = b, alpha = beta = 90° and gamma = 120°"
    if system == "trigonal":
        rhombohedral = (
            same(lat.a, lat.b)
            and same(lat.a, lat.c)
            and angle(lat.alpha, lat.beta)
            and angle(lat.alpha, lat.gamma)
        )
        if not (hexagonal or rhombohedral):
            return "a trigonal cell has hexagonal axes (gamma = 120°) or rhombohedral axes"
    if system == "monoclinic" and not (angle(lat.alpha, 90) and angle(lat.gamma, 90)):
        return "a monoclinic cell (unique axis b) has alpha = gamma = 90°"
    return None


def _check_range(key: str, number: float, field_name: str) -> None:
    if key in ("a", "b", "c") and not MIN_LENGTH <= number <= MAX_LENGTH:
        raise LatticeError(
            f"{field_name}.{key} is {number:g} Å; lattice parameters lie between "
            f"{MIN_LENGTH:g} and {MAX_LENGTH:g} Å"
        )
    if key in ("alpha", "beta", "gamma") and not MIN_ANGLE <= number <= MAX_ANGLE:
        raise LatticeError(
            f"{field_name}.{key} is {number:g}°; cell angles lie between "
            f"{MIN_ANGLE:g} and {MAX_ANGLE:g}°"
        )


def _guess_system(numbers: dict[str, float]) -> str:
    angles = [numbers.get(key, 90.0) for key in ("alpha", "beta", "gamma")]
    if angles == [90.0, 90.0, 120.0]:
        return "hexagonal"
    if any(x != 90.0 for x in angles):
        return "triclinic" if angles[0] != 90.0 or angles[2] != 90.0 else "monoclinic"
    if "b" in numbers and numbers["b"] != numbers["a"]:
        return "orthorhombic"
    return "tetragonal" if "c" in numbers and numbers["c"] != numbers["a"] else "cubic"


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LatticeError(f"{name} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise LatticeError(f"{name} must be a finite number, not {value!r}")
    return number


@cache
def builtin_rows() -> tuple[LatticeRow, ...]:
    """The curated table shipped in ``data/lattices.csv``, read once."""
    text = resources.files("filmstack.epitaxy").joinpath("data/lattices.csv").read_text("utf-8")
    rows = []
    for index, record in enumerate(csv.DictReader(text.splitlines()), start=2):
        rows.append(_row(record, f"lattices.csv line {index}"))
    return tuple(rows)


def _row(record: dict[str, str], where: str) -> LatticeRow:
    group = parse_space_group(record["space_group"])
    values: dict[str, object] = {key: float(record[key]) for key in LATTICE_KEYS}
    a_pc = float(record["a_pc"]) if record["a_pc"] else None
    lattice = make_lattice(
        values,
        space_group=group.number,
        a_pc=a_pc,
        setting=record["setting"],
        field_name=where,
    )
    return LatticeRow(
        formula=record["formula"],
        phase=record["phase"],
        space_group=group.symbol,
        lattice=lattice,
        source=record["source"],
        labels=tuple(label for label in record["labels"].split(";") if label),
        temperature_k=float(record["temperature_K"]) if record["temperature_K"] else None,
        id=f"builtin:{record['formula']}:{record['phase']}",
        space_group_number=group.number,
    )
