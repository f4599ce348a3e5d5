"""Which lattice a layer has: its own, else the organization's rows, else the built-in table.

Rows are matched by reduced composition (so ``STO``, ``SrTiO3`` and ``Sr2Ti2O6`` meet), then
by a polymorph label written before the formula (``4H-SiC``, ``β-Ga2O3``) and by space group.
When several phases remain, the answer lists them instead of picking one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from filmstack.chemistry import ChemistryError, parse_formula, parse_space_group

from .lattices import Lattice, LatticeError, LatticeRow, builtin_rows, make_lattice

# The polymorph prefix the formula parser keeps in the name: β-Ga2O3, 4H-SiC, c-GaN.
_LABEL = re.compile(r"^(?P<label>[α-ω]|\d{1,2}[A-Z]|[achmotw])'{0,2}-(?=[A-Z(\[])")
FormulaKey = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Found:
    """The lattice used for a layer and where it comes from."""

    lattice: Lattice
    source: str
    row: LatticeRow | None  # None for the layer's own lattice
    formula: str

    @property
    def cite(self) -> str:
        if self.row is None:
            return f"{self.formula}: {self.source}"
        origin = "organization row" if self.row.origin == "organization" else "built-in table"
        return f"{self.row.describe()}: {self.source} [{origin}]"


@dataclass(frozen=True)
class NotFound:
    """No lattice: ``reason`` says what to add."""

    reason: str


def formula_key(formula: str) -> tuple[FormulaKey, str | None]:
    """Reduced composition (atomic fractions) and the polymorph label of ``formula``."""
    return _key(formula.strip())


@lru_cache(maxsize=4096)
def _key(formula: str) -> tuple[FormulaKey, str | None]:
    parsed = parse_formula(formula)
    match = _LABEL.match(parsed.normalized)
    label = match.group("label") if match else None
    total = sum(parsed.element_dict.values())
    fractions = sorted((el, round(amount / total, 4)) for el, amount in parsed.element_dict.items())
    return tuple(fractions), label


class LatticeIndex:
    """Rows by reduced composition; built once for the built-in table, per request for others."""

    def __init__(self, rows: Iterable[LatticeRow]) -> None:
        self.rows = tuple(rows)
        self._by_key: dict[FormulaKey, list[LatticeRow]] = {}
        for row in self.rows:
            self._by_key.setdefault(formula_key(row.formula)[0], []).append(row)

    def candidates(self, key: FormulaKey) -> list[LatticeRow]:
        return self._by_key.get(key, [])


@lru_cache(maxsize=1)
def builtin_index() -> LatticeIndex:
    return LatticeIndex(builtin_rows())


def find_lattice(
    formula: str,
    space_group: str | int | None = None,
    *,
    own: Mapping[str, object] | None = None,
    organization: LatticeIndex | None = None,
) -> Found | NotFound:
    """The most specific lattice for a layer, or why there is none. Never raises."""
    try:
        key, label = formula_key(formula)
    except ChemistryError as err:
        return NotFound(f"`{formula}` is not a formula the lattice table can look up ({err})")
    if own:
        try:
            lattice = make_lattice(dict(own), space_group=space_group)
        except (LatticeError, ChemistryError) as err:
            return NotFound(f"the layer's own lattice cannot be used: {err}")
        return Found(lattice, "the layer's own lattice", None, formula)
    number: int | None = None
    if space_group is not None:
        try:
            number = parse_space_group(space_group).number
        except ChemistryError as err:
            return NotFound(f"the space group cannot be read: {err}")
    tables = [t for t in (organization, builtin_index()) if t is not None]
    for table in tables:
        answer = _pick(table.candidates(key), formula, label, number)
        if answer is not None:
            return answer
    return NotFound(
        f"no lattice for {formula} in the table; add the layer's `lattice` "
        '(e.g. {"a": 3.905} for a cubic cell) or an organization row under /lattices/'
    )


def _pick(
    rows: list[LatticeRow], formula: str, label: str | None, number: int | None
) -> Found | NotFound | None:
    if not rows:
        return None
    chosen = rows
    if label is not None:
        chosen = [row for row in chosen if label in row.labels]
    if number is not None:
        chosen = [row for row in chosen if row.space_group_number == number]
    if not chosen:
        known = "; ".join(row.describe() for row in rows)
        wanted = " ".join(
            part
            for part in (
                f"`{label}-`" if label else "",
                f"space group No. {number}" if number else "",
            )
            if part
        )
        return NotFound(
            f"the table has {known}, none with {wanted}; add the layer's own `lattice` "
            "or an organization row"
        )
    if len(chosen) > 1:
        choices = "; ".join(f"{row.phase} ({row.space_group})" for row in chosen)
        return NotFound(
            f"{formula} has {len(chosen)} phases in the table: {choices}; give the layer's "
            "space group (or a polymorph prefix such as 4H-) to choose one"
        )
    row = chosen[0]
    return Found(row.lattice, row.source, row, formula)
