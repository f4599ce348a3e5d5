"""The built-in lattice table: every row checked, and lattices given by a layer validated."""

from __future__ import annotations

import math
import re

import pytest

from filmstack.chemistry import parse_formula, parse_space_group
from filmstack.epitaxy import LatticeError, builtin_rows, make_lattice
from filmstack.epitaxy.lattices import crystal_system, system_mismatch

ROWS = builtin_rows()

# The families the table must cover, as formulas the lookup resolves (aliases expanded).
FAMILIES = [
    "Si", "Ge", "GaAs", "InP", "InAs", "GaSb", "GaP", "ZnSe", "CdTe",
    "GaN", "AlN", "InN", "ZnO", "Al2O3", "4H-SiC", "6H-SiC",
    "MgO", "NiO", "MgAl2O4", "Fe3O4", "CoFe2O4",
    "SrTiO3", "LaAlO3", "LSAT", "KTaO3", "NdGaO3", "DyScO3", "GdScO3", "YAlO3", "BaTiO3",
    "PbTiO3", "SrRuO3", "LaNiO3", "BiFeO3", "YBa2Cu3O7",
    "YSZ", "TiO2",
    "Pt", "Au", "Ag", "Cu", "Cr", "Fe", "Mo", "W", "Ti", "TiN",
]  # fmt: skip


def test_the_table_has_at_least_sixty_rows() -> None:
    assert len(ROWS) >= 60


@pytest.mark.parametrize("formula", FAMILIES)
def test_every_family_of_the_spec_is_in_the_table(formula: str) -> None:
    from filmstack.epitaxy.lookup import formula_key

    key, label = formula_key(formula)
    matches = [row for row in ROWS if formula_key(row.formula)[0] == key]
    if label:
        matches = [row for row in matches if label in row.labels]
    assert matches, formula


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.formula}-{row.phase}")
def test_every_row_is_a_consistent_cell_with_a_source(row: object) -> None:
    from filmstack.epitaxy import LatticeRow

    assert isinstance(row, LatticeRow)
    lattice = row.lattice
    assert all(x > 0 for x in (lattice.a, lattice.b, lattice.c))
    assert all(0 < x < 180 for x in (lattice.alpha, lattice.beta, lattice.gamma))
    group = parse_space_group(row.space_group)
    assert lattice.system == crystal_system(group.number)
    assert system_mismatch(lattice) is None
    assert parse_formula(row.formula).element_dict
    # Room-temperature experimental values, and a source a reader can look up.
    assert row.temperature_k is not None and 290 <= row.temperature_k <= 300
    assert len(row.source) > 20
    assert re.search(r"\(\d{4}\)|ICDD|Handbook|Ioffe", row.source), row.source
    if lattice.a_pc is not None:
        cells = lattice.pseudocubic_cells
        assert cells is not None and cells >= 1
        cube_root = (lattice.volume / cells) ** (1 / 3)
        assert math.isclose(lattice.a_pc, cube_root, rel_tol=0.03), (lattice.a_pc, cube_root)


def test_rows_are_unique_by_formula_and_phase() -> None:
    keys = [(row.formula, row.phase) for row in ROWS]
    assert len(keys) == len(set(keys))


def test_the_data_file_ships_inside_the_package() -> None:
    from importlib import resources

    data = resources.files("filmstack.epitaxy").joinpath("data/lattices.csv")
    assert data.is_file()
    assert data.read_text("utf-8").startswith("formula,phase,")


# --- a layer's own lattice ------------------------------------------------------------------


def test_a_cubic_lattice_may_give_a_alone() -> None:
    lattice = make_lattice({"a": 3.905})
    assert (lattice.a, lattice.b, lattice.c, lattice.system) == (3.905, 3.905, 3.905, "cubic")


def test_a_hexagonal_space_group_completes_gamma() -> None:
    lattice = make_lattice({"a": 3.189, "c": 5.185}, space_group="P6_3mc")
    assert (lattice.system, lattice.gamma, lattice.b) == ("hexagonal", 120.0, 3.189)


@pytest.mark.parametrize(
    ("values", "space_group", "message"),
    [
        ({"a": float("nan")}, None, "lattice.a must be a finite number"),
        ({"a": float("inf")}, None, "lattice.a must be a finite number"),
        ({"a": -3.9}, None, "lattice.a is -3.9 Å"),
        ({"a": 0.0}, None, "lattice.a is 0 Å"),
        ({"a": 3.9, "c": 1e6}, None, "lattice.c is 1e+06 Å"),
        ({"a": "3.9"}, None, "lattice.a must be a number"),
        ({"a": True}, None, "lattice.a must be a number"),
        ({"b": 3.9}, None, "lattice.a is missing"),
        ({"a": 3.9, "d": 1}, None, "unknown key"),
        ({"a": 3.9, "gamma": 200}, None, "lattice.gamma is 200°"),
        ({"a": 3.9}, "P4mm", "lattice.c is missing"),
        ({"a": 3.9, "b": 4.0, "c": 4.1}, "Pm-3m", None),  # cubic: b and c follow from a
        ({"a": 3.9, "c": 4.1, "gamma": 100}, "P4mm", "tetragonal cell has a = b"),
        ({"a": 5.0, "b": 5.0, "c": 5.0, "alpha": 120, "beta": 120, "gamma": 120}, None, "close no"),
    ],
)
def test_bad_lattices_name_the_field(
    values: dict[str, object], space_group: str | None, message: str | None
) -> None:
    if message is None:
        make_lattice(values, space_group=space_group)
        return
    with pytest.raises(LatticeError, match=re.escape(message)):
        make_lattice(values, space_group=space_group)


def test_a_lattice_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(LatticeError, match="must be an object"):
        make_lattice([3.9])  # type: ignore[arg-type]
