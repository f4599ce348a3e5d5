"""Lookup: reduced formula and aliases, then polymorph and space group; most specific first."""

from __future__ import annotations

import pytest

from filmstack.epitaxy import Found, LatticeIndex, LatticeRow, NotFound, find_lattice, make_lattice


def _found(result: Found | NotFound) -> Found:
    assert isinstance(result, Found), result
    return result


@pytest.mark.parametrize(
    ("typed", "formula"),
    [
        ("STO", "SrTiO3"),
        ("SrTiO3", "SrTiO3"),
        ("Sr2Ti2O6", "SrTiO3"),  # reduced composition, not spelling
        ("LSAT", "(LaAlO3)0.3(Sr2TaAlO6)0.7"),
        ("YSZ", "(ZrO2)0.92(Y2O3)0.08"),
        ("sapphire", "Al2O3"),
        ("spinel", "MgAl2O4"),
        ("LAO", "LaAlO3"),
        ("DSO", "DyScO3"),
        ("YBCO", "YBa2Cu3O7"),
        ("BaTiO₃", "BaTiO3"),
    ],
)
def test_aliases_and_spellings_find_the_row(typed: str, formula: str) -> None:
    found = _found(find_lattice(typed))
    assert found.row is not None and found.row.formula == formula


def test_two_phases_without_a_space_group_are_reported_with_the_choices() -> None:
    result = find_lattice("TiO2")
    assert isinstance(result, NotFound)
    assert "rutile (P4_2/mnm)" in result.reason and "anatase (I4_1/amd)" in result.reason
    assert "space group" in result.reason


@pytest.mark.parametrize(
    ("space_group", "phase"),
    [("P4_2/mnm", "rutile"), ("136", "rutile"), ("I4_1/amd", "anatase"), (141, "anatase")],
)
def test_the_space_group_chooses_the_phase(space_group: str | int, phase: str) -> None:
    found = _found(find_lattice("TiO2", space_group))
    assert found.row is not None and found.row.phase == phase


def test_a_polymorph_prefix_chooses_the_phase() -> None:
    assert _found(find_lattice("4H-SiC")).lattice.c == pytest.approx(10.053)
    assert _found(find_lattice("6H-SiC")).lattice.c == pytest.approx(15.1173)
    ambiguous = find_lattice("SiC")
    assert isinstance(ambiguous, NotFound) and "3 phases" in ambiguous.reason


def test_a_space_group_the_table_lacks_is_said_so() -> None:
    result = find_lattice("SrTiO3", "I4/mcm")
    assert isinstance(result, NotFound)
    assert "SrTiO3 (cubic perovskite, Pm-3m)" in result.reason


def test_an_unknown_material_says_what_to_add() -> None:
    result = find_lattice("SiO2")
    assert isinstance(result, NotFound)
    assert "`lattice`" in result.reason and "/lattices/" in result.reason


def test_the_layer_own_lattice_wins() -> None:
    found = _found(find_lattice("SrTiO3", own={"a": 3.95}))
    assert found.row is None and found.lattice.a == 3.95
    assert "own lattice" in found.cite


def test_a_bad_own_lattice_is_a_reason_not_an_exception() -> None:
    result = find_lattice("SrTiO3", own={"a": -1})
    assert isinstance(result, NotFound) and "lattice.a is -1 Å" in result.reason


def _organization_row(a: float) -> LatticeRow:
    return LatticeRow(
        formula="SrTiO3",
        phase="cubic perovskite (our batch)",
        space_group="Pm-3m",
        lattice=make_lattice({"a": a}, space_group="Pm-3m", a_pc=a),
        source="our XRD, 2026",
        origin="organization",
        id="org:1",
        space_group_number=221,
    )


def test_organization_rows_override_the_built_in_table() -> None:
    index = LatticeIndex([_organization_row(3.9065)])
    found = _found(find_lattice("STO", organization=index))
    assert found.lattice.a == 3.9065
    assert "organization row" in found.cite
    # Other formulas still come from the built-in table.
    assert _found(find_lattice("Si", organization=index)).row is not None


def test_the_own_lattice_beats_the_organization() -> None:
    index = LatticeIndex([_organization_row(3.9065)])
    assert _found(find_lattice("STO", own={"a": 3.91}, organization=index)).lattice.a == 3.91


def test_an_unreadable_formula_is_a_reason() -> None:
    result = find_lattice("Xx2")
    assert isinstance(result, NotFound) and "Xx2" in result.reason
