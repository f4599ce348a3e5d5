"""Formulas: every example of docs/chemistry.md, literature materials, rejections, element_dict."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Composition  # type: ignore[import-untyped]

from filmstack.chemistry import ChemistryError, check_element_dict, parse_formula

SPEC_EXAMPLES = [
    ("BaTiO3", {"Ba": 1, "Ti": 1, "O": 3}),
    ("Ba0.5Sr0.5TiO3", {"Ba": 0.5, "Sr": 0.5, "Ti": 1, "O": 3}),
    ("(LaAlO3)0.3(Sr2TaAlO6)0.7", {"La": 0.3, "Al": 1, "O": 5.1, "Sr": 1.4, "Ta": 0.7}),
    ("La2/3Sr1/3MnO3", {"La": 0.666667, "Sr": 0.333333, "Mn": 1, "O": 3}),
    ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
    ("STO", {"Sr": 1, "Ti": 1, "O": 3}),
    ("BaTiO₃", {"Ba": 1, "Ti": 1, "O": 3}),
    (" BaTiO3 ", {"Ba": 1, "Ti": 1, "O": 3}),
]

LITERATURE = [
    # oxide perovskites and their substrates
    ("SrRuO3", {"Sr": 1, "Ru": 1, "O": 3}),
    ("La0.7Sr0.3MnO3", {"La": 0.7, "Sr": 0.3, "Mn": 1, "O": 3}),
    ("PbZr0.52Ti0.48O3", {"Pb": 1, "Zr": 0.52, "Ti": 0.48, "O": 3}),
    ("DyScO3", {"Dy": 1, "Sc": 1, "O": 3}),
    ("SrFeO2.5", {"Sr": 1, "Fe": 1, "O": 2.5}),
    ("Pb(Mg1/3Nb2/3)O3", {"Pb": 1, "Mg": 0.333333, "Nb": 0.666667, "O": 3}),
    # III-V and III-N alloys
    ("Al0.3Ga0.7N", {"Al": 0.3, "Ga": 0.7, "N": 1}),
    ("In0.53Ga0.47As", {"In": 0.53, "Ga": 0.47, "As": 1}),
    ("GaAs", {"Ga": 1, "As": 1}),
    ("In0.2Ga0.8N", {"In": 0.2, "Ga": 0.8, "N": 1}),
    # 2D chalcogenides, with polytype labels
    ("MoS2", {"Mo": 1, "S": 2}),
    ("WSe2", {"W": 1, "Se": 2}),
    ("2H-MoS2", {"Mo": 1, "S": 2}),
    ("1T'-MoTe2", {"Mo": 1, "Te": 2}),
    # superconductors
    ("YBa2Cu3O7", {"Y": 1, "Ba": 2, "Cu": 3, "O": 7}),
    ("YBa2Cu3O6.93", {"Y": 1, "Ba": 2, "Cu": 3, "O": 6.93}),
    ("Bi2Sr2CaCu2O8", {"Bi": 2, "Sr": 2, "Ca": 1, "Cu": 2, "O": 8}),
    ("MgB2", {"Mg": 1, "B": 2}),
    # garnets
    ("Y3Fe5O12", {"Y": 3, "Fe": 5, "O": 12}),
    ("Gd3Ga5O12", {"Gd": 3, "Ga": 5, "O": 12}),
    # spinels
    ("MgAl2O4", {"Mg": 1, "Al": 2, "O": 4}),
    ("NiFe2O4", {"Ni": 1, "Fe": 2, "O": 4}),
    # polymorph prefixes stay in the name, not in the composition
    ("β-Ga2O3", {"Ga": 2, "O": 3}),
    ("α-Al2O3", {"Al": 2, "O": 3}),
    ("4H-SiC", {"Si": 1, "C": 1}),
    ("h-BN", {"B": 1, "N": 1}),
    # hydrates, both joiners, with a leading coefficient
    ("CuSO4*5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
    ("3Al2O3·2SiO2", {"Al": 6, "O": 13, "Si": 2}),
    # square brackets and nesting up to three levels
    ("K3[Fe(CN)6]", {"K": 3, "Fe": 1, "C": 6, "N": 6}),
    ("((Ba0.5Sr0.5)TiO3)2", {"Ba": 1, "Sr": 1, "Ti": 2, "O": 6}),
    ("Dy2O3", {"Dy": 2, "O": 3}),
]

ALIASES = [
    ("BTO", "BaTiO3"),
    ("LAO", "LaAlO3"),
    ("LSMO", "La0.7Sr0.3MnO3"),
    ("LSAT", "(LaAlO3)0.3(Sr2TaAlO6)0.7"),
    ("YBCO", "YBa2Cu3O7"),
    ("BFO", "BiFeO3"),
    ("KTO", "KTaO3"),
    ("DSO", "DyScO3"),
    ("GSO", "GdScO3"),
    ("NGO", "NdGaO3"),
    ("SRO", "SrRuO3"),
    ("YSZ", "(ZrO2)0.92(Y2O3)0.08"),
    ("sapphire", "Al2O3"),
    ("Sapphire", "Al2O3"),
    ("sto", "SrTiO3"),
    ("Bi2212", "Bi2Sr2CaCu2O8"),
]


@pytest.mark.parametrize(("text", "expected"), SPEC_EXAMPLES + LITERATURE)
def test_element_dict_matches_the_table(text: str, expected: dict[str, float]) -> None:
    formula = parse_formula(text)
    assert formula.element_dict == expected
    assert list(formula.element_dict) == list(expected)  # order follows the input


def test_whole_amounts_are_integers_in_json() -> None:
    assert json.dumps(parse_formula("BaTiO3").element_dict) == '{"Ba": 1, "Ti": 1, "O": 3}'
    assert json.dumps(parse_formula("(LaAlO3)0.3(Sr2TaAlO6)0.7").element_dict) == (
        '{"La": 0.3, "Al": 1, "O": 5.1, "Sr": 1.4, "Ta": 0.7}'
    )


@pytest.mark.parametrize(
    ("text", "typed", "normalized"),
    [
        ("STO", "STO", "SrTiO3"),
        ("BaTiO₃", "BaTiO₃", "BaTiO3"),
        (" BaTiO3 ", "BaTiO3", "BaTiO3"),
        ("CuSO4*5H2O", "CuSO4*5H2O", "CuSO4·5H2O"),
        ("β-Ga2O3", "β-Ga2O3", "β-Ga2O3"),
        ("La2/3Sr1/3MnO3", "La2/3Sr1/3MnO3", "La2/3Sr1/3MnO3"),
    ],
)
def test_typed_text_is_kept_beside_the_normalized_one(
    text: str, typed: str, normalized: str
) -> None:
    formula = parse_formula(text)
    assert (formula.text, formula.normalized) == (typed, normalized)


@pytest.mark.parametrize(("alias", "formula"), ALIASES)
def test_aliases_resolve_before_parsing(alias: str, formula: str) -> None:
    parsed = parse_formula(alias)
    assert parsed.normalized == formula
    assert parsed.text == alias
    assert parsed.element_dict == parse_formula(formula).element_dict


def test_alias_lookup_does_not_case_fold_real_formulas() -> None:
    assert parse_formula("YbCo").element_dict == {"Yb": 1, "Co": 1}


def test_ambiguous_alias_lists_the_choices() -> None:
    with pytest.raises(ChemistryError, match="ambiguous") as err:
        parse_formula("LNO")
    assert "`LaNiO3`" in str(err.value) and "`LiNbO3`" in str(err.value)


def test_family_name_asks_for_numbers() -> None:
    with pytest.raises(ChemistryError, match="PbZr0.52Ti0.48O3"):
        parse_formula("PZT")


REJECTED = [
    ("", "empty"),
    ("   ", "empty"),
    ("123", "no element symbols"),
    ("Xx2", "`Xx` is not an element symbol"),
    ("Ba(Ti", "never closed"),
    ("Ba)", "closes nothing"),
    ("Ba(TiO3]", "closed by"),
    ("()Ba", "empty brackets"),
    ("BaTiO3+", "`+` is not allowed"),
    ("YBa2Cu3O7-x", "variable stoichiometry"),
    ("AlxGa1-xN", "variable stoichiometry"),
    ("SrTiO3-δ", "variable stoichiometry"),
    ("La1-xSrxMnO3", "variable stoichiometry"),
    ("Ba1e3", "exponent"),
    ("Ba1E3", "exponent"),
    ("<script>", "`<` is not allowed"),
    ("Ba0TiO3", "greater than 0"),
    ("Ba1001", "over 1000"),
    ("Ba1/0", "divides by zero"),
    ("Ba/3", "between two numbers"),
    ("((((Ba))))", "3 levels"),
    ("D2O", "isotope"),
    ("batio3", "capital letter"),
    ("Ba TiO3", "without spaces: `BaTiO3`"),
    ("Nb:SrTiO3", "dopant"),
    ("(Ba,Sr)TiO3", "its own amount"),
    ("CuSO4·", "no element symbols at the end"),
    ("·5H2O", "no element symbols before"),
    ("Ba(2Ti)", "must follow an element"),
    ("Ba0.0000001", "rounds to 0"),
    ("B" * 101, "at most 100"),
    ("Fe2+", "`+` is not allowed"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_malformed_formulas_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ChemistryError, match=message.replace("(", r"\(").replace("+", r"\+")):
        parse_formula(text)


def test_non_text_is_rejected() -> None:
    with pytest.raises(ChemistryError, match="must be text"):
        parse_formula(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("CuSO4.5H2O", "CuSO4·5H2O"),
        ("MgSO4.7H2O", "MgSO4·7H2O"),
        ("CuSO4.H2O", "CuSO4·H2O"),
    ],
)
def test_dot_hydrate_suggests_the_middle_dot(text: str, fix: str) -> None:
    with pytest.raises(ChemistryError, match=f"did you mean `{fix}`") as err:
        parse_formula(text)
    assert err.value.fix == fix
    assert parse_formula(fix).element_dict  # and the suggestion itself parses


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("YBa2Cu3O7-x", "YBa2Cu3O6.9"),
        ("AlxGa1-xN", "Al0.1Ga0.9N"),
        ("SrTiO3-δ", "SrTiO2.9"),
    ],
)
def test_variable_stoichiometry_asks_for_numbers(text: str, example: str) -> None:
    with pytest.raises(ChemistryError, match="variable stoichiometry") as err:
        parse_formula(text)
    assert f"`{example}`" in str(err.value)
    assert "numbers" in str(err.value)


# --- element_dict sent by clients ---------------------------------------------------------


def test_client_element_dict_is_stored_as_sent_with_whole_floats_as_ints() -> None:
    sent = {"Ba": 1.0, "Ti": 1, "O": 2.95}
    assert check_element_dict(sent) == {"Ba": 1, "Ti": 1, "O": 2.95}
    assert isinstance(check_element_dict(sent)["Ba"], int)


@pytest.mark.parametrize(
    ("sent", "composition"),
    [
        ({"Ba": 1, "Ti": 1, "O": 3}, "BaTiO3"),
        ({"Ba": 0.2, "Ti": 0.2, "O": 0.6}, "BaTiO3"),  # atomic fractions agree
        ({"Sr": 2, "Ti": 2, "O": 6}, "STO"),
        ({"La": 0.666667, "Sr": 0.333333, "Mn": 1, "O": 3}, "La2/3Sr1/3MnO3"),
    ],
)
def test_element_dict_agreeing_with_the_formula_is_accepted(
    sent: dict[str, object], composition: str
) -> None:
    check_element_dict(sent, composition)


@pytest.mark.parametrize(
    ("sent", "composition", "message"),
    [
        ({"Ba": 1, "Ti": 1, "O": 2.9}, "BaTiO3", "does not match"),
        ({"Ba": 1, "Zr": 1, "O": 3}, "BaTiO3", "Zr is not in the formula"),
        ({"Ba": 1, "O": 3}, "BaTiO3", "Ti is missing"),
        ({"Ba": 1}, "Xx2", "not an element symbol"),
    ],
)
def test_element_dict_disagreeing_with_the_formula_is_refused(
    sent: dict[str, object], composition: str, message: str
) -> None:
    with pytest.raises(ChemistryError, match=message):
        check_element_dict(sent, composition)


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({}, "must map element symbols"),
        ({"Xx": 1}, "not an element symbol"),
        ({"ti": 1}, "did you mean `Ti`"),
        ({"D": 2}, "isotope"),
        ({"Ba": True}, "must be numbers"),
        ({"Ba": "1"}, "must be numbers"),
        ({"Ba": None}, "must be numbers"),
        ({"Ba": 0}, "greater than 0"),
        ({"Ba": -1}, "greater than 0"),
        ({"Ba": math.nan}, "finite"),
        ({"Ba": math.inf}, "finite"),
    ],
)
def test_bad_element_dicts_are_refused(sent: dict[str, object], message: str) -> None:
    with pytest.raises(ChemistryError, match=message):
        check_element_dict(sent)


def test_chemistry_error_is_a_value_error_for_pydantic_validators() -> None:
    assert issubclass(ChemistryError, ValueError)


# --- property: our element_dict is pymatgen's own answer ----------------------------------

_SYMBOLS = ["H", "Li", "B", "C", "N", "O", "F", "Na", "Mg", "Al", "Si", "S", "Ti", "Fe", "Ga"]
_SYMBOLS += ["Sr", "Ba", "La", "Bi", "Y", "Zr", "Nb", "Mo", "W", "Cu", "Mn", "Ni", "Co", "Dy"]
_amounts = st.one_of(
    st.just(""),
    st.integers(1, 99).map(str),
    st.decimals(min_value="0.01", max_value="50", places=2).map(lambda d: f"{d.normalize():f}"),
)
_groups = st.lists(st.tuples(st.sampled_from(_SYMBOLS), _amounts), min_size=1, max_size=5)


def _render(group: list[tuple[str, str]]) -> str:
    return "".join(symbol + amount for symbol, amount in group)


_formulas = st.one_of(
    _groups.map(_render),
    st.tuples(_groups, _groups, st.integers(1, 9)).map(
        lambda t: f"{_render(t[0])}({_render(t[1])}){t[2]}"
    ),
)


@settings(max_examples=300, deadline=None)
@given(_formulas)
def test_element_dict_agrees_with_pymatgen(text: str) -> None:
    ours = parse_formula(text).element_dict
    theirs = Composition(text, strict=True)
    assert list(ours) == [str(el) for el in theirs]
    for el, amount in theirs.items():
        assert ours[str(el)] == pytest.approx(amount, abs=5e-7)


def test_element_table_is_pymatgens() -> None:
    from pymatgen.core.periodic_table import Element  # type: ignore[import-untyped]

    from filmstack.chemistry.elements import ELEMENT_SYMBOLS

    assert {el.symbol for el in Element} == ELEMENT_SYMBOLS
