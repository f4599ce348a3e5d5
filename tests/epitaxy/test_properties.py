"""Properties: sign flips on swapping, symmetry-equivalent planes agree, nothing raises."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from filmstack.epitaxy import LayerSpec, StackSpec, epitaxy_report

LENGTH = st.floats(2.5, 9.0, allow_nan=False)


def _entry(
    below: dict[str, float], below_orientation: str, film: dict[str, float], orientation: str
) -> dict[str, object]:
    stack = StackSpec(
        LayerSpec("Si", below_orientation, lattice=below),
        (LayerSpec("Si", orientation, lattice=film),),
    )
    (entry,) = epitaxy_report(stack)
    return entry


# "To first order": misfits up to ~12 %, near 1:1 or near √2 (a 45° relationship), where the
# nominal relationship is the same one both ways round.
MISFIT = st.floats(-0.12, 0.12, allow_nan=False)


# Square meshes pair 1:1 or at 45° (√2), hexagonal ones 1:1 or at 30° (√3).
RELATIONS = [("(001)", 1.0), ("(001)", math.sqrt(2)), ("(111)", 1.0), ("(111)", math.sqrt(3))]


@given(LENGTH, MISFIT, st.sampled_from(RELATIONS))
@settings(max_examples=150, deadline=None)
def test_swapping_film_and_substrate_flips_the_strain(
    a: float, misfit: float, relation: tuple[str, float]
) -> None:
    plane, ratio = relation
    b = a * ratio * (1 + misfit)
    one = _entry({"a": a}, plane, {"a": b}, plane)
    other = _entry({"a": b}, plane, {"a": a}, plane)
    m1, m2 = one["mismatch_percent"], other["mismatch_percent"]
    assert isinstance(m1, float) and isinstance(m2, float)
    assume(abs(m1) > 0.2 and abs(m2) > 0.2)
    assert math.copysign(1, m1) == -math.copysign(1, m2)
    assert {one["strain"], other["strain"]} == {"compressive", "tensile"}
    assert one["rotation_deg"] == other["rotation_deg"]
    # To first order the magnitudes agree: exactly, m1 + m2 = -m1 m2 / 100.
    assert abs(m1 + m2 + m1 * m2 / 100) <= 0.002


@given(LENGTH, MISFIT, st.sampled_from([1.0, math.sqrt(3)]))
@settings(max_examples=60, deadline=None)
def test_hexagonal_swap_flips_the_strain(a: float, misfit: float, ratio: float) -> None:
    b = a * ratio * (1 + misfit)
    one = _entry(_hexagonal(a), "(0001)", _hexagonal(b), "(0001)")
    other = _entry(_hexagonal(b), "(0001)", _hexagonal(a), "(0001)")
    m1, m2 = one["mismatch_percent"], other["mismatch_percent"]
    assert isinstance(m1, float) and isinstance(m2, float)
    assume(abs(m1) > 0.2 and abs(m2) > 0.2)
    assert math.copysign(1, m1) == -math.copysign(1, m2)
    assert one["rotation_deg"] == other["rotation_deg"]


def _hexagonal(a: float) -> dict[str, float]:
    return {"a": a, "c": 5.0, "gamma": 120.0}


EQUIVALENT = {
    "(001)": ["(001)", "(100)", "(010)", "(00-1)", "(-100)", "(0-10)"],
    "(110)": ["(110)", "(101)", "(011)", "(1-10)", "(-101)", "(0-11)"],
    "(111)": ["(111)", "(-111)", "(1-11)", "(11-1)", "(-1-1-1)"],
}


@pytest.mark.parametrize("family", list(EQUIVALENT))
@pytest.mark.parametrize(("film", "below"), [("BaTiO3", "SrTiO3"), ("SrTiO3", "Si"), ("Fe", "MgO")])
def test_symmetry_equivalent_cubic_orientations_give_the_same_answer(
    family: str, film: str, below: str
) -> None:
    answers = set()
    for plane in EQUIVALENT[family]:
        stack = StackSpec(
            LayerSpec(below, plane), (LayerSpec(film, plane if film != "BaTiO3" else None),)
        )
        if film == "BaTiO3":  # tetragonal: only the cubic substrate's planes are varied
            stack = StackSpec(LayerSpec(below, plane), (LayerSpec("SrTiO3", family),))
        (entry,) = epitaxy_report(stack)
        assert entry["status"] == "ok", entry["reason"]
        answers.add(
            (entry["mismatch_percent"], entry["rotation_deg"], entry["film_spacing_angstrom"])
        )
    assert len(answers) == 1, answers


_INDEX = st.integers(-4, 4)


@st.composite
def _orientation(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        h, k, l = draw(_INDEX), draw(_INDEX), draw(_INDEX)  # noqa: E741
        return f"({h} {k} {-(h + k)} {l})" if draw(st.booleans()) else f"({h} {k} {l})"
    return draw(st.sampled_from(["c-plane", "a-plane", "m-plane", "r-plane", "[001]", "{110}"]))


@st.composite
def _lattice(draw: st.DrawFn) -> dict[str, float]:
    kind = draw(st.sampled_from(["cubic", "tetragonal", "orthorhombic", "hexagonal", "other"]))
    a = draw(LENGTH)
    if kind == "cubic":
        return {"a": a}
    if kind == "tetragonal":
        return {"a": a, "c": draw(st.floats(1.0, 30.0))}
    if kind == "orthorhombic":
        return {"a": a, "b": draw(LENGTH), "c": draw(st.floats(1.0, 30.0))}
    if kind == "hexagonal":
        return {"a": a, "c": draw(st.floats(1.0, 30.0)), "gamma": 120.0}
    return {
        "a": a,
        "b": draw(LENGTH),
        "c": draw(LENGTH),
        "alpha": draw(st.floats(60, 120)),
        "beta": draw(st.floats(60, 120)),
        "gamma": draw(st.floats(60, 120)),
    }


@given(_lattice(), _orientation(), _lattice(), _orientation(), st.booleans())
@example({"a": 3.0}, "(0 0 1)", {"a": 3.0, "b": 2.5, "c": 1.0}, "(1 1 1)", False)  # no angle fits
@settings(max_examples=300, deadline=None)
def test_any_lattice_and_orientation_gives_a_number_or_a_reason(
    film: dict[str, float], film_plane: str, below: dict[str, float], below_plane: str, state: bool
) -> None:
    relationship = "[100] || [010]" if state else None
    stack = StackSpec(
        LayerSpec("Si", below_plane, lattice=below),
        (
            LayerSpec(
                "Ge",
                film_plane,
                lattice=film,
                thickness_nm=10.0,
                in_plane_relationship=relationship,
            ),
        ),
    )
    (entry,) = epitaxy_report(stack)
    if entry["status"] == "ok":
        assert isinstance(entry["mismatch_percent"], float)
        assert math.isfinite(entry["mismatch_percent"])
        assert entry["strain"] in ("compressive", "tensile", "matched")
        assert entry["coherent_expected"] in (True, False)
    else:
        assert entry["status"] in ("unknown", "unsupported")
        assert isinstance(entry["reason"], str) and entry["reason"]
