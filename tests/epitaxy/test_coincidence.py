"""Coincidence supercells sit beside the nominal mismatch and never replace it."""

from __future__ import annotations

import pytest

from filmstack.epitaxy import LayerSpec, StackSpec, epitaxy_report, make_lattice, surface_mesh
from filmstack.epitaxy.coincidence import MAX_MULTIPLE, coincidence_cells, sublattices


def test_an_exact_two_to_one_lattice_has_a_strain_free_coincidence_cell() -> None:
    stack = StackSpec(
        LayerSpec("SrTiO3", "(001)", lattice={"a": 6.0}),
        (LayerSpec("SrTiO3", "(001)", lattice={"a": 3.0}),),
    )
    (entry,) = epitaxy_report(stack)
    cells = entry["coincidence_cells"]
    assert isinstance(cells, list) and cells
    exact = [c for c in cells if c["film_multiple"] == 4 and c["below_multiple"] == 1]
    assert exact and exact[0]["strain_percent"] == [0.0, 0.0]
    # The headline stays the nominal small-cell relationship, however poor.
    assert abs(entry["mismatch_percent"]) > 10


def test_gan_on_sapphire_keeps_the_30_degree_headline_whatever_the_coincidences() -> None:
    (entry,) = epitaxy_report(StackSpec(LayerSpec("Al2O3", "(0001)"), (LayerSpec("GaN"),)))
    assert entry["rotation_deg"] == 30.0
    assert entry["mismatch_percent"] == pytest.approx(-13.86, abs=0.05)
    for cell in entry["coincidence_cells"]:
        assert max(abs(s) for s in cell["strain_percent"]) <= 3.0


def test_the_search_is_bounded_by_the_multiple_and_the_area() -> None:
    film = surface_mesh(make_lattice({"a": 3.1}), "(001)")
    below = surface_mesh(make_lattice({"a": 3.3}), "(001)")
    # Hermite normal forms of index n: sigma(n) of them; the total is fixed by MAX_MULTIPLE.
    expected = sum(
        sum(d for d in range(1, n + 1) if n % d == 0) for n in range(1, MAX_MULTIPLE + 1)
    )
    assert len(sublattices(film)) == expected
    cells = coincidence_cells(film, below, max_area=50.0)
    assert all(c["area_angstrom2"] <= 50.0 for c in cells)  # type: ignore[operator]
    assert len(coincidence_cells(film, below, limit=1)) <= 1
