"""Matthews–Blakeslee: the estimate solves its equation, and grows as the misfit shrinks."""

from __future__ import annotations

import math

import pytest

from filmstack.epitaxy import critical_thickness, make_lattice
from filmstack.epitaxy.thickness import POISSON_RATIO

CUBIC = make_lattice({"a": 3.9}, space_group="Pm-3m")
FCC = make_lattice({"a": 5.431}, space_group="Fd-3m")


def test_the_estimate_solves_the_matthews_blakeslee_equation() -> None:
    misfit = 2.0
    estimate = critical_thickness(misfit, CUBIC)
    assert estimate.nm is not None
    h, b, f = estimate.nm * 10, estimate.burgers_angstrom, misfit / 100
    cos60 = 0.5
    rhs = (b * (1 - POISSON_RATIO * cos60**2) / (8 * math.pi * f * (1 + POISSON_RATIO) * cos60)) * (
        math.log(h / b) + 1
    )
    assert h == pytest.approx(rhs, rel=1e-5)  # the answer is rounded to 0.1 pm


def test_the_burgers_vector_is_the_shortest_translation() -> None:
    assert critical_thickness(1.0, CUBIC).burgers_angstrom == pytest.approx(3.9)
    assert critical_thickness(1.0, FCC).burgers_angstrom == pytest.approx(5.431 / math.sqrt(2))


@pytest.mark.parametrize("misfit", [0.2, 0.5, 1.0, 2.0, 4.0])
def test_a_larger_misfit_relaxes_sooner(misfit: float) -> None:
    smaller = critical_thickness(misfit, CUBIC).nm
    larger = critical_thickness(misfit * 1.5, CUBIC).nm
    assert smaller is not None and larger is not None and larger < smaller
    assert critical_thickness(-misfit, CUBIC).nm == smaller  # the sign does not matter


def test_no_misfit_never_relaxes_and_a_huge_one_relaxes_at_once() -> None:
    assert critical_thickness(0.0, CUBIC).nm is None
    assert critical_thickness(1e-6, CUBIC).nm is None
    assert critical_thickness(30.0, CUBIC).nm == pytest.approx(0.39)
