"""Surface meshes: centring included, pseudocubic subcells, and reasons for what is not handled."""

from __future__ import annotations

import math

import pytest

from filmstack.epitaxy import Found, Unsupported, find_lattice, make_lattice, surface_mesh
from filmstack.epitaxy.lattices import Lattice


def _lattice(formula: str) -> Lattice:
    found = find_lattice(formula)
    assert isinstance(found, Found), found
    return found.lattice


def _lengths_and_angle(formula: str, orientation: str) -> tuple[float, float, float]:
    mesh = surface_mesh(_lattice(formula), orientation)
    l1, l2 = math.hypot(*mesh.v1), math.hypot(*mesh.v2)
    angle = math.degrees(math.atan2(abs(mesh.v2[1]), mesh.v2[0]))
    return round(l1, 4), round(l2, 4), round(angle, 2)


@pytest.mark.parametrize(
    ("formula", "orientation", "expected"),
    [
        ("SrTiO3", "(001)", (3.905, 3.905, 90.0)),
        ("Si", "(001)", (3.8403, 3.8403, 90.0)),  # fcc: a/√2, not a
        ("Si", "(111)", (3.8403, 3.8403, 60.0)),
        ("Si", "(110)", (3.8403, 5.431, 90.0)),
        ("Fe", "(001)", (2.867, 2.867, 90.0)),  # bcc (001): a
        ("Fe", "(110)", (2.4829, 2.4829, 70.53)),
        ("Al2O3", "(0001)", (4.758, 4.758, 60.0)),  # R-centring is out of plane
        ("GaN", "(0001)", (3.189, 3.189, 60.0)),
        ("GaN", "(11-20)", (5.185, 5.5235, 90.0)),  # a-plane: c and [1-100] (√3 a)
        ("GaN", "(10-10)", (3.189, 5.185, 90.0)),
        ("BaTiO3", "(100)", (3.994, 4.038, 90.0)),  # a-axis film: c lies in the plane
        ("TiO2", "(110)", (2.9592, 6.4959, 90.0)),
    ],
)
def test_meshes_of_low_index_planes(
    formula: str, orientation: str, expected: tuple[float, float, float]
) -> None:
    if formula == "TiO2":
        found = find_lattice("TiO2", "P4_2/mnm")
        assert isinstance(found, Found)
        mesh = surface_mesh(found.lattice, orientation)
        got = (
            round(math.hypot(*mesh.v1), 4),
            round(math.hypot(*mesh.v2), 4),
            round(math.degrees(math.atan2(abs(mesh.v2[1]), mesh.v2[0])), 2),
        )
        assert got == expected
        return
    assert _lengths_and_angle(formula, orientation) == expected


def test_an_orthorhombic_perovskite_reduces_to_its_pseudocubic_subcell() -> None:
    l1, l2, angle = _lengths_and_angle("DyScO3", "(110)")
    assert l1 == pytest.approx(3.943, abs=0.002) and l2 == pytest.approx(3.945, abs=0.002)
    assert angle == pytest.approx(90.0, abs=0.5)


def test_rhombohedral_perovskites_are_read_in_pseudocubic_indices() -> None:
    assert _lengths_and_angle("LaAlO3", "(001)") == (3.79, 3.79, 90.0)


@pytest.mark.parametrize(
    ("formula", "orientation", "reason"),
    [
        ("Al2O3", "(1-102)", "c-plane (0001), a-plane (11-20) and m-plane (10-10)"),
        ("Al2O3", "r-plane", "c-plane (0001)"),
        ("Si", "(11-20)", "four (Miller–Bravais) indices"),
        ("Si", "(0 1 5)", "not a low-index plane"),
        ("BaTiO3", "[001]", "is a direction"),
        ("Si", "(000)", "all zeros"),
    ],
)
def test_unsupported_orientations_say_why(formula: str, orientation: str, reason: str) -> None:
    with pytest.raises(Unsupported, match=reason.replace("(", r"\(").replace(")", r"\)")):
        surface_mesh(_lattice(formula), orientation)


def test_monoclinic_cells_are_unsupported() -> None:
    found = find_lattice("β-Ga2O3")
    assert isinstance(found, Found)
    with pytest.raises(Unsupported, match="monoclinic cells are not handled"):
        surface_mesh(found.lattice, "(100)")


def test_a_cubic_direction_stands_for_its_plane() -> None:
    lattice = make_lattice({"a": 4.0})
    assert surface_mesh(lattice, "[001]").plane == surface_mesh(lattice, "(001)").plane
