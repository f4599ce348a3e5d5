"""A capitalisation typo is offered the formula it was meant to be, not told about isotopes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filmstack.chemistry import ChemistryError, parse_formula
from filmstack.chemistry.guards import case_variants


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("SrTIO3", "SrTiO3"),
        ("BATiO3", "BaTiO3"),
        ("srtio3", "SrTiO3"),
        ("SRTIO3", "SrTiO3"),
        ("NaCL", "NaCl"),
        ("pt", "Pt"),
        ("β-GA2O3", "β-Ga2O3"),
        ("La0.7Sr0.3MNO3", "La0.7Sr0.3MnO3"),
    ],
)
def test_a_case_typo_is_answered_did_you_mean(typed: str, meant: str) -> None:
    with pytest.raises(ChemistryError) as caught:
        parse_formula(typed)
    assert f"did you mean `{meant}`?" in str(caught.value)
    assert "tritium" not in str(caught.value) and "isotope" not in str(caught.value)
    assert caught.value.fix == meant
    parse_formula(meant)


@pytest.mark.parametrize(("typed", "label"), [("D2O", "deuterium"), ("HTO", "tritium")])
def test_real_isotope_labels_are_still_refused_as_such(typed: str, label: str) -> None:
    with pytest.raises(ChemistryError, match=label):
        parse_formula(typed)


def test_nothing_is_offered_when_no_case_change_reads() -> None:
    assert case_variants("Xq2") == []
    assert case_variants("SrTiO3") == []  # already right: no change to offer
    with pytest.raises(ChemistryError, match="variable stoichiometry"):
        parse_formula("AlxGa1-xN")


def test_a_long_run_of_letters_is_read_in_one_pass() -> None:
    assert case_variants("co" * 50) == ["Co" * 50]


@given(st.text(alphabet="SrTiOBaNClpt0123.()", max_size=30))
def test_every_offer_parses_and_differs_only_in_case(body: str) -> None:
    for variant in case_variants(body):
        assert variant != body and variant.lower() == body.lower()
        parse_formula(variant)
