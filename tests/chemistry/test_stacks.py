"""Free-text stacks: every notation of docs/chemistry.md, and the create body built from them."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from filmstack.chemistry import (
    ChemistryError,
    ParsedStack,
    Repeat,
    format_stack,
    parse_stack,
    stack_to_create_body,
)


def _layer(
    formula: str,
    orientation: str | None = None,
    thickness_nm: float | None = None,
    *,
    unit_cells: float | None = None,
    repeat: tuple[int, int, int, int, int] | None = None,
) -> dict[str, object]:
    entry: dict[str, object] = {
        "formula": formula,
        "orientation": orientation,
        "space_group": None,
        "thickness_nm": thickness_nm,
    }
    if unit_cells is not None:
        entry["thickness_unit_cells"] = unit_cells
    if repeat is not None:
        group, count, period, index, cycle = repeat
        entry["repeat"] = {
            "group": group,
            "count": count,
            "period": period,
            "index": index,
            "cycle": cycle,
        }
    return entry


def _superlattice(
    group: int, count: int, *period: tuple[str, float | None, float | None]
) -> list[dict[str, object]]:
    """The expanded layers of ``[A/B]xcount``: (formula, thickness_nm, unit cells) per layer."""
    return [
        _layer(formula, None, nm, unit_cells=cells, repeat=(group, count, len(period), i, cycle))
        for cycle in range(count)
        for i, (formula, nm, cells) in enumerate(period)
    ]


SPEC_EXAMPLES = [
    (
        "BaTiO3 on SrTiO3 on Si",
        "BaTiO3/SrTiO3 on Si",
        "Si",
        None,
        [_layer("BaTiO3"), _layer("SrTiO3")],
    ),
    (
        "10 nm LaAlO3 / SrTiO3(001)",
        "LaAlO3 on SrTiO3",
        "SrTiO3",
        "(001)",
        [_layer("LaAlO3", thickness_nm=10.0)],
    ),
    (
        "SrRuO3 (20 nm) / SrTiO3 (001)",
        "SrRuO3 on SrTiO3",
        "SrTiO3",
        "(001)",
        [_layer("SrRuO3", thickness_nm=20.0)],
    ),
    ("Pt/Ti/SiO2/Si", "Pt/Ti/SiO2 on Si", "Si", None, [_layer("Pt"), _layer("Ti"), _layer("SiO2")]),
    (
        "La2/3Sr1/3MnO3/SrTiO3(001)",
        "La2/3Sr1/3MnO3 on SrTiO3",
        "SrTiO3",
        "(001)",
        [_layer("La2/3Sr1/3MnO3")],
    ),
    ("GaN/Al2O3(0001)", "GaN on Al2O3", "Al2O3", "(0001)", [_layer("GaN")]),
    (
        "5 u.c. LaAlO3 on SrTiO3 (001)",
        "LaAlO3 on SrTiO3",
        "SrTiO3",
        "(001)",
        # Unit cells have no nanometre value without a lattice: the count is kept.
        [_layer("LaAlO3", unit_cells=5.0)],
    ),
    ("LAO/STO", "LaAlO3 on SrTiO3", "SrTiO3", None, [_layer("LaAlO3")]),
    ("BTO || STO", "BaTiO3 on SrTiO3", "SrTiO3", None, [_layer("BaTiO3")]),
    (
        "[LaAlO3/SrTiO3]x10 on Si",
        "[LaAlO3/SrTiO3]x10 on Si",
        "Si",
        None,
        _superlattice(1, 10, ("LaAlO3", None, None), ("SrTiO3", None, None)),
    ),
]

LITERATURE = [
    (
        "10 nm BaTiO3 (001) / SrTiO3 on Si",
        "BaTiO3/SrTiO3 on Si",
        "Si",
        None,
        [_layer("BaTiO3", "(001)", 10.0), _layer("SrTiO3")],
    ),
    (
        "50 Å SrRuO3 // DyScO3 (110)",
        "SrRuO3 on DyScO3",
        "DyScO3",
        "(110)",
        [_layer("SrRuO3", None, 5.0)],
    ),
    (
        "0.5 µm GaN on 4H-SiC (0001)",
        "GaN on 4H-SiC",
        "4H-SiC",
        "(0001)",
        [_layer("GaN", None, 500.0)],
    ),
    ("β-Ga2O3 on c-plane sapphire", "β-Ga2O3 on Al2O3", "Al2O3", "c-plane", [_layer("β-Ga2O3")]),
    (
        "BaTiO3 film on SrTiO3 (001) substrate",
        "BaTiO3 on SrTiO3",
        "SrTiO3",
        "(001)",
        [_layer("BaTiO3")],
    ),
    (
        "YBa2Cu3O7 (100 nm) / LaAlO3 (001)",
        "YBa2Cu3O7 on LaAlO3",
        "LaAlO3",
        "(001)",
        [_layer("YBa2Cu3O7", None, 100.0)],
    ),
    ("MoS2/SiO2/Si", "MoS2/SiO2 on Si", "Si", None, [_layer("MoS2"), _layer("SiO2")]),
    (
        "In0.53Ga0.47As / InP (001)",
        "In0.53Ga0.47As on InP",
        "InP",
        "(001)",
        [_layer("In0.53Ga0.47As")],
    ),
    ("Y3Fe5O12 on GGG (111)", "Y3Fe5O12 on Gd3Ga5O12", "Gd3Ga5O12", "(111)", [_layer("Y3Fe5O12")]),
    ("NiFe2O4 on MgAl2O4(001)", "NiFe2O4 on MgAl2O4", "MgAl2O4", "(001)", [_layer("NiFe2O4")]),
    (
        "LaAlO3/5 nm SrTiO3/Si",  # `3/5` before a unit is a separator, not a fraction
        "LaAlO3/SrTiO3 on Si",
        "Si",
        None,
        [_layer("LaAlO3"), _layer("SrTiO3", None, 5.0)],
    ),
    (
        "(001) SrRuO3 on SrTiO3",
        "SrRuO3 on SrTiO3",
        "SrTiO3",
        None,
        [_layer("SrRuO3", "(001)")],
    ),
    ("BaTiO3 ON SrTiO3", "BaTiO3 on SrTiO3", "SrTiO3", None, [_layer("BaTiO3")]),
    ("BaTiO3", "BaTiO3", "", None, [_layer("BaTiO3")]),
    (
        "(LaAlO3)0.3(Sr2TaAlO6)0.7",  # brackets that hold a formula stay in the formula
        "(LaAlO3)0.3(Sr2TaAlO6)0.7",
        "",
        None,
        [_layer("(LaAlO3)0.3(Sr2TaAlO6)0.7")],
    ),
    (
        "[LaAlO3 (2 u.c.)/SrTiO3 (1.2 nm)]x2 on SrTiO3 (001)",
        "[LaAlO3/SrTiO3]x2 on SrTiO3",
        "SrTiO3",
        "(001)",
        _superlattice(1, 2, ("LaAlO3", None, 2.0), ("SrTiO3", 1.2, None)),
    ),
]


@pytest.mark.parametrize(
    ("prompt", "name", "substrate", "substrate_orientation", "layers"),
    SPEC_EXAMPLES + LITERATURE,
)
def test_stack_text_parses_to_the_public_shape(
    prompt: str,
    name: str,
    substrate: str,
    substrate_orientation: str | None,
    layers: list[dict[str, object]],
) -> None:
    assert parse_stack(prompt).as_dict() == {
        "material_name": name,
        "substrate": substrate,
        "layers": layers,
        "substrate_orientation": substrate_orientation,
    }


def test_typed_thickness_is_kept_when_it_has_no_nanometre_value() -> None:
    (layer,) = parse_stack("5 u.c. LaAlO3 on SrTiO3 (001)").layers
    assert (layer.thickness, layer.thickness_nm) == ("5 u.c.", None)


@pytest.mark.parametrize(
    ("prompt", "nm"),
    [
        ("10 nm LaAlO3 / Si", 10.0),
        ("LaAlO3 (25 Å) / Si", 2.5),
        ("LaAlO3 (1.5 µm) / Si", 1500.0),
        ("LaAlO3 (1.5 um) / Si", 1500.0),
        ("LaAlO3 10nm / Si", 10.0),
        ("3 ML LaAlO3 / Si", None),
        ("LaAlO3 (4 unit cells) / Si", None),
    ],
)
def test_thickness_units_convert_to_nanometres(prompt: str, nm: float | None) -> None:
    assert parse_stack(prompt).layers[0].thickness_nm == nm


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "empty"),
        ("BaTiO3 on", "part 2 is empty"),
        ("on Si", "part 1 is empty"),
        ("BaTiO3 // // Si", "part 2 is empty"),
        ("A/B", "could not read `A`: `A` is not an element symbol"),
        ("Xx2/Si", "could not read `Xx2`"),
        ("BaTiO3 (0.5 mm) / Si", "`mm` is not a thickness unit"),
        ("BaTiO3 (000) / Si", "all zeros"),
        ("BaTiO3 (11-20) / Si", None),  # valid: four-index on a film
        ("BaTiO3 (1120) / Si", "i must be"),
        ("BaTiO3 on SrTiO3 (2 nm)", "substrate"),
        ("[LaAlO3]x10 on Si", "two or more layers"),
        ("[LAO/STO]x600 on Si", "1 to 500"),
        ("Si on [LaAlO3/SrTiO3]x10", "where the substrate goes"),
        ("[[LaAlO3/SrTiO3]x2/SrRuO3]x2 on Si", "cannot be nested"),
        ("BaTiO3 (001) (110) / Si", "two orientations"),
        ("BaTiO3 10 nm 20 nm / Si", "two thicknesses"),
        ("BaTiO3/SrTiO3)", "closes nothing"),
        ("(BaTiO3/SrTiO3", "never closed"),
        ("CuSO4.5H2O on Si", "did you mean `CuSO4·5H2O`"),
        ("YBa2Cu3O7-x on SrTiO3", "variable stoichiometry"),
        ("LNO on SrTiO3", "ambiguous"),
        ("(001) / Si", "names no material"),
        ("Si film film / Si", "contains a space"),
        ("B" * 2001, "at most 2000"),
        ("Si/" * 600 + "Si", "at most 500 layers"),
    ],
)
def test_unreadable_stacks_name_the_part(prompt: str, message: str | None) -> None:
    if message is None:
        parse_stack(prompt)
        return
    with pytest.raises(ChemistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_stack(prompt)


def test_non_text_is_rejected() -> None:
    with pytest.raises(ChemistryError, match="is text"):
        parse_stack(None)  # type: ignore[arg-type]


# --- create body --------------------------------------------------------------------------


def test_create_body_counts_positions_from_the_substrate() -> None:
    parsed = parse_stack("10 nm BaTiO3 (001) / SrTiO3 on Si")
    assert stack_to_create_body(parsed) == {
        "sample": {"sample_name": "BaTiO3/SrTiO3 on Si", "substrate": "Si"},
        "layers": [
            {"layer_id": 1, "composition_string": "SrTiO3"},
            {
                "layer_id": 2,
                "composition_string": "BaTiO3",
                "orientation": "(001)",
                "thickness_nm": 10.0,
            },
        ],
    }


def test_create_body_takes_a_name() -> None:
    body = stack_to_create_body(parse_stack("LAO/STO"), name="run 7")
    assert body["sample"] == {"sample_name": "run 7", "substrate": "SrTiO3"}


def test_create_body_puts_the_substrate_orientation_in_its_field() -> None:
    body = stack_to_create_body(parse_stack("SrRuO3 (20 nm) / SrTiO3 (001)"))
    assert body["sample"] == {
        "sample_name": "SrRuO3 on SrTiO3",
        "substrate": "SrTiO3",
        "substrate_orientation": "(001)",
    }


def test_create_body_of_a_superlattice_keeps_the_period_order() -> None:
    body = stack_to_create_body(parse_stack("[LaAlO3/SrTiO3]x2 on Si"))
    layers = body["layers"]
    assert isinstance(layers, list)
    assert [(entry["layer_id"], entry["composition_string"]) for entry in layers] == [
        (1, "SrTiO3"),
        (2, "LaAlO3"),
        (3, "SrTiO3"),
        (4, "LaAlO3"),
    ]


def test_parsed_stack_is_a_plain_value() -> None:
    assert parse_stack("LAO/STO") == parse_stack("LaAlO3 / SrTiO3")
    assert isinstance(parse_stack("LAO/STO"), ParsedStack)


# --- unit cells, superlattices and printing back ----------------------------------------


@pytest.mark.parametrize(
    ("prompt", "cells"),
    [
        ("5 u.c. LaAlO3 on SrTiO3 (001)", 5.0),
        ("LaAlO3 (4 unit cells) / Si", 4.0),
        ("LaAlO3 (2.5 uc) / Si", 2.5),
        ("LaAlO3 (1 unit cell) / Si", 1.0),
        ("3 ML LaAlO3 / Si", None),  # monolayers are not unit cells
        ("10 nm LaAlO3 / Si", None),
    ],
)
def test_unit_cell_counts_are_kept(prompt: str, cells: float | None) -> None:
    (layer,) = parse_stack(prompt).layers
    assert layer.thickness_unit_cells == cells
    assert layer.thickness_nm is None or cells is None


def test_superlattice_layers_carry_their_repeat() -> None:
    parsed = parse_stack("[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)")
    assert len(parsed.layers) == 20
    first, second = parsed.layers[:2]
    assert first.repeat == Repeat(group=1, count=10, period=2, index=0, cycle=0)
    assert second.repeat == Repeat(group=1, count=10, period=2, index=1, cycle=0)
    assert parsed.layers[-1].repeat == Repeat(group=1, count=10, period=2, index=1, cycle=9)
    assert {layer.thickness_unit_cells for layer in parsed.layers} == {5.0}


def test_two_superlattices_are_two_groups_and_plain_layers_have_none() -> None:
    parsed = parse_stack("[LAO/STO]x2/SRO (20 nm)/[BTO/STO]x3 on DSO (110)")
    groups = [layer.repeat.group if layer.repeat else None for layer in parsed.layers]
    assert groups == [1] * 4 + [None] + [2] * 6


@pytest.mark.parametrize(
    ("prompt", "printed"),
    [
        (
            "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)",
            "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)",
        ),
        ("[LAO/STO]x10 on Si", "[LaAlO3 / SrTiO3] x10 / Si"),
        ("10 nm LaAlO3 / SrTiO3(001)", "LaAlO3 (10 nm) / SrTiO3 (001)"),
        ("5 u.c. LaAlO3 on SrTiO3 (001)", "LaAlO3 (5 u.c.) / SrTiO3 (001)"),
        ("GaN/Al2O3(0001)", "GaN / Al2O3 (0001)"),
        ("β-Ga2O3 on c-plane sapphire", "β-Ga2O3 / Al2O3 c-plane"),
        ("La2/3Sr1/3MnO3/SrTiO3(001)", "La2/3Sr1/3MnO3 / SrTiO3 (001)"),
        ("BaTiO3", "BaTiO3"),
    ],
)
def test_a_stack_prints_back_as_text_that_reads_the_same(prompt: str, printed: str) -> None:
    parsed = parse_stack(prompt)
    assert format_stack(parsed) == printed
    assert parse_stack(printed) == parsed


_FILMS = st.sampled_from(["LaAlO3", "SrTiO3", "BaTiO3", "STO", "La2/3Sr1/3MnO3", "GaN", "4H-SiC"])
_THICKNESS = st.sampled_from([None, "5 u.c.", "2 unit cells", "10 nm", "2.5 nm", "50 Å", "3 ML"])
_ORIENTATION = st.sampled_from([None, "(001)", "(110)", "(11-20)", "c-plane"])


@st.composite
def _part(draw: st.DrawFn) -> str:
    text = draw(_FILMS)
    orientation, thickness = draw(_ORIENTATION), draw(_THICKNESS)
    if orientation:
        text += f" {orientation}"
    if thickness:
        text += f" ({thickness})"
    return text


@st.composite
def _stack_text(draw: st.DrawFn) -> str:
    items = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            period = draw(st.lists(_part(), min_size=2, max_size=3))
            items.append("[" + "/".join(period) + f"]x{draw(st.integers(1, 12))}")
        else:
            items.append(draw(_part()))
    substrate = draw(st.sampled_from(["SrTiO3 (001)", "Si", "Al2O3 (0001)", "DyScO3 (110)"]))
    return " / ".join([*items, substrate])


@given(_stack_text())
@settings(max_examples=150, deadline=None)
def test_any_stack_prints_back_to_the_same_parse(text: str) -> None:
    try:
        parsed = parse_stack(text)
    except ChemistryError:
        # `LaAlO3/4H-SiC` reads `3/4` as a fraction: the property is about text that parses.
        assume(False)
    assert parse_stack(format_stack(parsed)) == parsed


def test_create_body_carries_unit_cells_and_repeat() -> None:
    body = stack_to_create_body(parse_stack("[LaAlO3 (5 u.c.)/SrTiO3 (2 nm)]x2 on SrTiO3 (001)"))
    layers = body["layers"]
    assert isinstance(layers, list)
    top = layers[-1]
    assert top["composition_string"] == "LaAlO3"
    assert top["thickness_unit_cells"] == 5.0
    assert top["repeat"] == {"group": 1, "count": 2, "period": 2, "index": 0, "cycle": 0}
    assert "thickness_unit_cells" not in layers[0]


def test_the_caller_sets_the_text_and_layer_limits() -> None:
    text = "SrTiO3 / BaTiO3 / LaAlO3 on Si"  # 30 characters, three layers
    assert len(parse_stack(text, max_length=30, max_layers=3).layers) == 3
    with pytest.raises(ChemistryError, match="at most 29"):
        parse_stack(text, max_length=29)
    with pytest.raises(ChemistryError, match="at most 2"):
        parse_stack(text, max_layers=2)
    with pytest.raises(ChemistryError, match="at most 5"):
        parse_stack("[SrTiO3/BaTiO3]x3 on Si", max_layers=5)
    assert len(parse_stack("[SrTiO3/BaTiO3]x300 on Si", max_layers=600).layers) == 600
