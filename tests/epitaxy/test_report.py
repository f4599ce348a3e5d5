"""The interface report: every entry has the same keys; unknown and unsupported say why."""

from __future__ import annotations

import math

import pytest

from filmstack.epitaxy import (
    LatticeRow,
    LayerSpec,
    StackSpec,
    epitaxy_report,
    make_lattice,
    stack_from_layers,
    unit_cell_thickness_nm,
)
from filmstack.epitaxy.report import FIELDS


def _one(substrate: str, orientation: str | None, /, **layer: object) -> dict[str, object]:
    spec = LayerSpec(**layer)  # type: ignore[arg-type]
    (entry,) = epitaxy_report(StackSpec(LayerSpec(substrate, orientation), (spec,)))
    assert set(entry) == set(FIELDS)
    return entry


def test_layers_are_judged_bottom_up_on_the_layer_below() -> None:
    stack = stack_from_layers(
        "Si",
        "(001)",
        [
            {"layer_id": 2, "composition_string": "BaTiO3", "thickness_nm": 20},
            {"layer_id": 1, "composition_string": "SrTiO3", "orientation": "(001)"},
        ],
    )
    first, second = epitaxy_report(stack)
    assert (first["layer_id"], first["below"], first["below_formula"]) == (1, "substrate", "Si")
    assert (second["layer_id"], second["below"], second["below_formula"]) == (2, 1, "SrTiO3")
    assert second["film_orientation"] == "(001)"  # assumed from the layer below, and said so
    assert any("assumed" in note for note in second["notes"])
    assert second["mismatch_percent"] == pytest.approx(-2.23, abs=0.01)


def test_every_interface_names_its_lattice_sources() -> None:
    entry = _one("SrTiO3", "(001)", formula="BaTiO3", orientation="(001)")
    sources = entry["lattice_sources"]
    assert isinstance(sources, list) and len(sources) == 2
    assert "ICDD" in sources[0] and "05-0626" in sources[0]


@pytest.mark.parametrize(
    ("substrate", "orientation", "layer", "status", "reason"),
    [
        ("SrTiO3", None, {"formula": "BaTiO3"}, "unknown", "add substrate_orientation"),
        ("SiO2", "(001)", {"formula": "Pt"}, "unknown", "substrate (SiO2): no lattice"),
        ("Si", "(001)", {"formula": "SiO2"}, "unknown", "add the layer's `lattice`"),
        ("SrTiO3", "(001)", {"formula": "TiO2"}, "unknown", "rutile (P4_2/mnm); anatase"),
        ("Al2O3", "(1-102)", {"formula": "GaN", "orientation": "(11-20)"}, "unsupported", "r"),
        ("Al2O3", "(0001)", {"formula": "β-Ga2O3"}, "unknown", "add the layer's orientation"),
        (
            "SrTiO3",
            "(001)",
            {
                "formula": "BaTiO3",
                "orientation": "(001)",
                "in_plane_relationship": "[111] || [100]",
            },
            "unknown",
            "does not lie in the film's plane",
        ),
        (
            "SrTiO3",
            "(001)",
            {"formula": "BaTiO3", "orientation": "(001)", "in_plane_relationship": "[100]"},
            "unknown",
            "film direction || direction below",
        ),
        ("SrTiO3", "(001)", {"formula": "BaTiO3", "lattice": {"a": "x"}}, "unknown", "number"),
    ],
)
def test_what_cannot_be_judged_says_what_to_add(
    substrate: str, orientation: str | None, layer: dict[str, object], status: str, reason: str
) -> None:
    entry = _one(substrate, orientation, **layer)
    assert entry["status"] == status
    assert isinstance(entry["reason"], str) and reason in entry["reason"]
    assert entry["mismatch_percent"] is None and entry["strain"] is None


def test_a_stated_relationship_is_the_headline() -> None:
    stated = _one(
        "MgO", "(001)", formula="Fe", orientation="(001)", in_plane_relationship="[100] || [110]"
    )
    assert stated["relationship"] == "stated"
    assert stated["rotation_deg"] == 45.0
    assert stated["mismatch_percent"] == pytest.approx(3.86, abs=0.02)
    # A relationship that is not the usual one is still reported as stated, not replaced.
    cube = _one(
        "MgO", "(001)", formula="Fe", orientation="(001)", in_plane_relationship="[100] || [100]"
    )
    assert cube["relationship"] == "stated" and cube["rotation_deg"] == 0.0
    # Fe [100] on MgO [100]: the fcc mesh of MgO is a/√2 = 2.978 Å along [110], so along
    # [100] the MgO repeat is 4.211 Å against 2 × 2.867 Å of Fe; the 1:1 repeat is far worse.
    assert cube["mismatch_percent"] != stated["mismatch_percent"]


def test_four_index_directions_are_accepted_on_hexagonal_layers() -> None:
    entry = _one(
        "Al2O3",
        "(0001)",
        formula="GaN",
        orientation="(0001)",
        in_plane_relationship="[11-20] || [10-10]",
    )
    assert entry["status"] == "ok" and entry["rotation_deg"] == 30.0
    assert entry["mismatch_percent"] == pytest.approx(-13.86, abs=0.05)


def test_the_organization_row_is_used_and_cited() -> None:
    row = LatticeRow(
        formula="SrTiO3",
        phase="cubic perovskite (lab value)",
        space_group="Pm-3m",
        lattice=make_lattice({"a": 3.95}, space_group=221, a_pc=3.95),
        source="our diffractometer",
        origin="organization",
        space_group_number=221,
    )
    stack = StackSpec(LayerSpec("SrTiO3", "(001)"), (LayerSpec("BaTiO3", "(001)"),))
    (entry,) = epitaxy_report(stack, organization=[row])
    assert entry["mismatch_percent"] == pytest.approx(100 * (3.95 - 3.994) / 3.994, abs=1e-3)
    assert "organization row" in entry["lattice_sources"][1]


# --- unit cells and critical thickness ------------------------------------------------------


def test_unit_cells_become_nanometres_in_the_pseudocubic_cell() -> None:
    entry = _one("SrTiO3", "(001)", formula="LaAlO3", thickness_unit_cells=5)
    assert entry["thickness_nm"] == pytest.approx(5 * 0.379, abs=1e-4)
    assert entry["thickness_unit_cells"] == 5
    assert unit_cell_thickness_nm(LayerSpec("LaAlO3", thickness_unit_cells=5)) == 1.895


@pytest.mark.parametrize(
    ("formula", "nm_per_cell"),
    [
        ("SrTiO3", 0.3905),
        ("BaTiO3", 0.4038),  # the tetragonal cell is one pseudocubic cell: its c
        ("DyScO3", 0.3944),  # Pbnm holds four pseudocubic cells
        ("YBa2Cu3O7", 1.168),  # a YBCO unit cell is the whole 11.68 Å cell
        ("GaN", 0.5185),
        ("Si", 0.5431),
    ],
)
def test_what_one_unit_cell_is(formula: str, nm_per_cell: float) -> None:
    assert unit_cell_thickness_nm(LayerSpec(formula, thickness_unit_cells=1)) == pytest.approx(
        nm_per_cell, abs=1e-4
    )


def test_unit_cells_of_an_unknown_material_stay_without_nanometres() -> None:
    assert unit_cell_thickness_nm(LayerSpec("SiO2", thickness_unit_cells=5)) is None
    assert unit_cell_thickness_nm(LayerSpec("SrTiO3")) is None


def test_coherence_follows_the_planned_thickness() -> None:
    thin = _one("SrTiO3", "(001)", formula="BaTiO3", orientation="(001)", thickness_nm=2)
    thick = _one("SrTiO3", "(001)", formula="BaTiO3", orientation="(001)", thickness_nm=50)
    none = _one("SrTiO3", "(001)", formula="BaTiO3", orientation="(001)")
    critical = thin["critical_thickness_nm"]
    assert isinstance(critical, float) and 2 < critical < 50
    assert (thin["coherent_expected"], thick["coherent_expected"]) == (True, False)
    assert none["coherent_expected"] is None and none["critical_thickness_nm"] == critical
    basis = thin["critical_thickness_basis"]
    assert isinstance(basis, str)
    for word in ("Matthews–Blakeslee", "estimate", "Poisson ratio 0.3", "60°", "Burgers vector"):
        assert word in basis


def test_a_matched_layer_has_no_critical_thickness_and_stays_coherent() -> None:
    entry = _one("SrTiO3", "(001)", formula="SrTiO3", orientation="(001)", thickness_nm=500)
    assert entry["strain"] == "matched" and entry["mismatch_percent"] == 0.0
    assert entry["critical_thickness_nm"] is None and entry["coherent_expected"] is True


def test_the_report_is_plain_json() -> None:
    import json

    stack = StackSpec(
        LayerSpec("DyScO3", "(110)"),
        (LayerSpec("SrRuO3", thickness_nm=20), LayerSpec("BiFeO3", thickness_nm=100)),
    )
    report = epitaxy_report(stack)
    assert json.loads(json.dumps(report)) == report
    assert all(
        math.isfinite(x)
        for entry in report
        for x in (entry["mismatch_percent"], entry["rotation_deg"])
    )


def test_a_result_is_not_shared_between_calls() -> None:
    stack = StackSpec(LayerSpec("SrTiO3", "(001)"), (LayerSpec("BaTiO3", "(001)"),))
    first = epitaxy_report(stack)[0]
    first["notes"].append("changed")
    first["directions"][0]["mismatch_percent"] = 99
    second = epitaxy_report(stack)[0]
    assert "changed" not in second["notes"]
    assert second["directions"][0]["mismatch_percent"] != 99


def test_stack_text_reports_bottom_up() -> None:
    from filmstack.chemistry import parse_stack
    from filmstack.epitaxy import stack_from_parsed

    parsed = parse_stack("BaTiO3 (001) 50 nm / SrTiO3 (5 u.c.) / Si (001)")
    first, second = epitaxy_report(stack_from_parsed(parsed))
    assert (first["film"], first["below_formula"]) == ("SrTiO3", "Si")
    assert first["thickness_nm"] == pytest.approx(5 * 0.3905)
    assert (second["film"], second["layer_id"], second["below"]) == ("BaTiO3", 2, 1)
    assert second["thickness_nm"] == 50.0


def test_meshes_that_never_agree_in_angle_are_unsupported_not_an_error() -> None:
    # Found by the property test: a square film on the oblique (111) mesh of a/b/c = 3/2.5/1.
    stack = StackSpec(
        LayerSpec("Si", "(1 1 1)", lattice={"a": 3.0, "b": 2.5, "c": 1.0}),
        (LayerSpec("Ge", "(0 0 1)", lattice={"a": 3.0}),),
    )
    (entry,) = epitaxy_report(stack)
    assert entry["status"] == "unsupported"
    assert "in_plane_relationship" in entry["reason"]
