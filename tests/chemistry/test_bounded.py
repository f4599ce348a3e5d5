"""No input can make parsing slow: the worst inputs are refused by our guards before pymatgen.

pymatgen's Composition is replaced (pymatgen's class, not our code) by one that fails the test if
it is ever constructed, so a rejection here proves the guard ran first. No timing assertions.
"""

from __future__ import annotations

import pytest
from pymatgen.core import composition  # type: ignore[import-untyped]

from filmstack.chemistry import ChemistryError, formulas, parse_formula, parse_stack

WORST_INPUTS = [
    "B" * 10_000,  # 10 kB of valid-looking symbols
    "(" * 5_000 + "Ba" + ")" * 5_000,  # deep nesting, the quadratic case
    "((((Ba))))",  # one level too deep, short
    "(((((((((((((((((((((((((((((((((((((((((((((((((Ba)))))))))))))))))))))))))))))))))",
    "Ba1e999",  # infinity through an exponent
    "Ba1e3",
    "Ba1E-9",
    "Ba" + "9" * 98,  # a finite but absurd amount within the length limit
    "Ba0",
    "Ba1/0",
    "Ba1001",
    "<script>alert(1)</script>",
    "Ba\x00Ti",
    "Xx2",
    "D2O",
    "CuSO4.5H2O",
    "YBa2Cu3O7-x",
    "BaTiO3" * 20,  # 120 characters
    "[" * 50 + "]" * 50,
    "Ba(Ti" * 30,
    "·" * 80,
    "1" * 100,
]


class _Untouchable:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"pymatgen was called with {args!r}")


@pytest.fixture
def pymatgen_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(composition, "Composition", _Untouchable)
    formulas._parse_known.cache_clear()  # a formula parsed before would not reach the engine


def test_a_formula_is_parsed_once_and_every_caller_gets_its_own_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    formulas._parse_known.cache_clear()
    first = parse_formula("SrTiO3")
    first.element_dict["Sr"] = 99  # a caller changing its copy changes nobody else's
    monkeypatch.setattr(composition, "Composition", _Untouchable)
    again = parse_formula("SrTiO3")  # from the cache: the engine is not asked again
    assert again.element_dict == {"Sr": 1, "Ti": 1, "O": 3}
    assert again.element_dict is not first.element_dict
    with pytest.raises(AssertionError, match="pymatgen was called"):
        parse_formula("BaTiO3")  # not parsed before: it reaches the engine


@pytest.mark.parametrize("text", WORST_INPUTS, ids=lambda t: repr(t[:24]))
@pytest.mark.usefixtures("pymatgen_forbidden")
def test_worst_inputs_are_refused_before_pymatgen(text: str) -> None:
    with pytest.raises(ChemistryError):
        parse_formula(text)


@pytest.mark.usefixtures("pymatgen_forbidden")
def test_the_stand_in_really_replaces_pymatgen() -> None:
    # control: a valid formula reaches the engine, so the stand-in fires
    with pytest.raises(AssertionError, match="pymatgen was called"):
        parse_formula("BaTiO3")


def test_long_message_quotes_only_the_start_of_the_input() -> None:
    with pytest.raises(ChemistryError) as err:
        parse_formula("B" * 10_000)
    assert len(str(err.value)) < 200


WORST_STACKS = [
    "B" * 10_000,  # over the 2000-character limit
    "(" * 999 + "Ba" + ")" * 999,  # nesting within the limit reaches the formula guard
    "[" * 1000 + "]" * 1000,
    "B" + " " * 1990 + "x",
    "Si (" + " " * 1990 + ")",
    "/" * 2000,
    "Si/" * 600 + "Si",  # more parts than a stack may have layers
    "Ba1e999 on SrTiO3",
    "10 nm ((((Ba)))) / Si",
    "[" + "Ba1e9/" * 300 + "Si]x10 on Si",
    "1 nm " * 400,
]


@pytest.mark.parametrize("prompt", WORST_STACKS, ids=lambda t: repr(t[:24]))
@pytest.mark.usefixtures("pymatgen_forbidden")
def test_worst_stack_texts_are_refused_before_pymatgen(prompt: str) -> None:
    with pytest.raises(ChemistryError):
        parse_stack(prompt)
