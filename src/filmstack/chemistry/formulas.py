"""Chemical formulas: our guards first, then pymatgen's ``Composition(strict=True)``.

pymatgen is the engine but trusts its input: it reads ``CuSO4.5H2O`` as O5.5 H2, ``Ba1e999``
as infinity, ``Xx2`` as a dummy species unless strict, and slows quadratically with nesting. So
every string goes through the guards (guards.py), in linear time, before pymatgen sees it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from numbers import Real

from .aliases import resolve_alias
from .elements import ELEMENT_SYMBOLS, ISOTOPE_LABELS
from .errors import ChemistryError
from .guards import DECIMALS, MAX_AMOUNT, MAX_FORMULA_LENGTH, case_variants, screen_formula

FRACTION_TOLERANCE = 1e-6

_FOLD = str.maketrans(
    {
        **{chr(0x2080 + d): str(d) for d in range(10)},  # subscript digits
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2022": "·",  # bullet
        "\u2219": "·",  # bullet operator
        "\u22c5": "·",  # dot operator
        "\u2019": "'",
        "\u2032": "'",
    }
)

# β-Ga2O3, 4H-SiC, 1T'-MoTe2, h-BN: a phase label, kept in the name, not in the composition.
_POLYMORPH = re.compile(r"(?:[α-ω]|\d{1,2}[A-Z]|[achmotw])'{0,2}-(?=[A-Z(\[])")


@dataclass(frozen=True)
class Formula:
    """A validated formula: what was typed, its canonical spelling and its amounts."""

    text: str
    normalized: str
    element_dict: dict[str, int | float] = field(hash=False)


def parse_formula(text: str) -> Formula:
    """Validate a formula or lab abbreviation and compute its ``element_dict``."""
    if not isinstance(text, str):
        raise ChemistryError(f"a formula must be text, not {type(text).__name__}")
    formula = _parse_known(text)
    # Each caller gets a dict of its own: the one the cache holds is never handed out.
    return replace(formula, element_dict=dict(formula.element_dict))


@lru_cache(maxsize=4096)
def _parse_known(text: str) -> Formula:
    """A lab writes the same few dozen formulas again and again: each is parsed (with pymatgen)
    once. Errors are not cached, so a bad formula is checked anew each time."""
    formula, _ = _parse(text)
    return formula


def check_element_dict(
    element_dict: Mapping[str, object], composition: str | None = None
) -> dict[str, int | float]:
    """Validate a client-sent ``element_dict``, and its agreement with ``composition`` if given.

    Returns the dict as it is stored: whole floats become ints, nothing else changes.
    """
    if not isinstance(element_dict, Mapping) or not element_dict:
        raise ChemistryError("element_dict must map element symbols to amounts, e.g. {'Ti': 1}")
    if len(element_dict) > len(ELEMENT_SYMBOLS):
        raise ChemistryError(
            f"element_dict has {len(element_dict)} entries; there are 118 elements"
        )
    stored: dict[str, int | float] = {}
    for symbol, amount in element_dict.items():
        _check_symbol(symbol)
        if isinstance(amount, bool) or not isinstance(amount, Real):
            raise ChemistryError(
                f"element_dict[{symbol!r}] is {amount!r}; amounts must be numbers, e.g. 1 or 0.5"
            )
        value = float(amount)
        if not math.isfinite(value) or value <= 0:
            raise ChemistryError(
                f"element_dict[{symbol!r}] is {amount!r}; amounts must be finite and greater than 0"
            )
        if value > MAX_AMOUNT:
            raise ChemistryError(
                f"element_dict[{symbol!r}] is {amount!r}; amounts are at most {MAX_AMOUNT:g}, "
                "as in a formula: give the formula unit, not a count of atoms"
            )
        stored[symbol] = int(value) if value.is_integer() and abs(value) < 2**53 else value
    if composition is not None:
        formula, raw = _parse(composition)
        _check_agreement(stored, raw, formula)
    return stored


def _check_symbol(symbol: object) -> None:
    if isinstance(symbol, str) and symbol in ELEMENT_SYMBOLS:
        return
    if isinstance(symbol, str) and symbol in ISOTOPE_LABELS:
        raise ChemistryError(
            f"element_dict key `{symbol}` ({ISOTOPE_LABELS[symbol]}) is an isotope label, "
            "not an element symbol; use `H`",
            text=symbol,
            fix="H",
        )
    hint = ""
    if isinstance(symbol, str) and symbol.capitalize() in ELEMENT_SYMBOLS:
        hint = f"; did you mean `{symbol.capitalize()}`?"
    raise ChemistryError(
        f"element_dict key {symbol!r} is not an element symbol{hint}",
        text=str(symbol),
        fix=symbol.capitalize() if hint and isinstance(symbol, str) else None,
    )


def _check_agreement(
    stored: Mapping[str, int | float], raw: Mapping[str, float], formula: Formula
) -> None:
    sent_total = sum(stored.values())
    parsed_total = sum(raw.values())
    problems = [f"{el} is missing" for el in raw if el not in stored]
    problems += [f"{el} is not in the formula" for el in stored if el not in raw]
    for el in (el for el in raw if el in stored):
        sent, parsed = stored[el] / sent_total, raw[el] / parsed_total
        if abs(sent - parsed) > FRACTION_TOLERANCE:
            problems.append(f"{el} is {sent:.6g} of the atoms, the formula says {parsed:.6g}")
    if problems:
        raise ChemistryError(
            f"element_dict does not match composition_string `{formula.text}`: "
            + "; ".join(problems)
            + f". Send only one of them, or make them agree: {json.dumps(formula.element_dict)}",
            text=formula.text,
        )


def _parse(text: str) -> tuple[Formula, dict[str, float]]:
    if not isinstance(text, str):
        raise ChemistryError(f"a formula must be text, not {type(text).__name__}")
    typed = text.strip()
    if not typed:
        raise ChemistryError("the formula is empty; write one, e.g. `SrTiO3`")
    if len(typed) > MAX_FORMULA_LENGTH:
        raise ChemistryError(
            f"`{typed[:20]}…` is {len(typed)} characters long; "
            f"a formula may have at most {MAX_FORMULA_LENGTH}",
            text=typed[:MAX_FORMULA_LENGTH],
        )
    source = resolve_alias(typed) or typed
    folded = source.translate(_FOLD)
    match = _POLYMORPH.match(folded)
    prefix = match.group(0) if match else ""
    try:
        canonical, engine_input, symbols = screen_formula(folded[len(prefix) :], typed)
    except ChemistryError as err:
        raise _with_case_fix(err, folded[len(prefix) :], prefix, typed) from None
    raw = _engine_amounts(engine_input, typed, symbols)
    element_dict = {symbol: _tidy(amount, typed) for symbol, amount in raw.items()}
    return Formula(typed, prefix + canonical, element_dict), raw


def _with_case_fix(err: ChemistryError, body: str, prefix: str, shown: str) -> ChemistryError:
    """A capitalisation typo (`SrTIO3`) is offered the formula it was meant to be."""
    variants = [prefix + variant for variant in case_variants(body)]
    if not variants:
        return err
    options = " or ".join(f"`{variant}`" for variant in variants)
    return ChemistryError(
        f"`{shown}` is not a formula as written: element symbols are a capital letter, then at "
        f"most one small letter; did you mean {options}?",
        text=shown,
        fix=variants[0],
    )


def _tidy(amount: float, shown: str) -> int | float:
    rounded = round(amount, DECIMALS)
    if rounded <= 0:
        raise ChemistryError(
            f"`{shown}`: an amount rounds to 0 at {DECIMALS} decimals; use larger amounts"
        )
    return int(rounded) if rounded.is_integer() else rounded


_engine: list[bool] = []  # holds True once pymatgen's formula reader is imported


def load_engine() -> None:
    """Import pymatgen's formula reader now rather than at the first formula read (it takes
    0.2-0.5 s): a server does it in a thread of its own as it starts."""
    from pymatgen.core import composition  # type: ignore[import-untyped]  # noqa: F401

    _engine[:] = [True]


def engine_loaded() -> bool:
    """Whether reading a formula will not import pymatgen (load_engine has run, or a read)."""
    return bool(_engine)


def _engine_amounts(engine_input: str, shown: str, symbols: list[str]) -> dict[str, float]:
    # Imported here, not at module level: `import filmstack.chemistry` stays light.
    from pymatgen.core import composition

    _engine[:] = [True]
    try:
        comp = composition.Composition(engine_input, strict=True)
    except (ValueError, KeyError, TypeError) as exc:  # a backstop; the guards should catch all
        raise ChemistryError(f"`{shown}` is not a formula pymatgen can read ({exc})") from exc
    amounts = {str(el): float(amount) for el, amount in comp.items()}
    if set(amounts) != set(symbols):
        raise ChemistryError(f"`{shown}` is not a formula pymatgen can read the same way")
    return amounts
