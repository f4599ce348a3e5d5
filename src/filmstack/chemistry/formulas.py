"""Chemical formulas: our guards first, then pymatgen's ``Composition(strict=True)``.

pymatgen is the engine but trusts its input: it reads ``CuSO4.5H2O`` as O5.5 H2, ``Ba1e999``
as infinity, ``Xx2`` as a dummy species unless strict, and slows quadratically with nesting. So
every string is screened here, in linear time, before pymatgen sees it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real

from .aliases import resolve_alias
from .elements import ELEMENT_SYMBOLS, ISOTOPE_LABELS
from .errors import ChemistryError

MAX_FORMULA_LENGTH = 100
MAX_BRACKET_DEPTH = 3
MAX_AMOUNT = 1000.0
DECIMALS = 6
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
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(?:/(\d+(?:\.\d+)?))?")
_EXPONENT = re.compile(r"[eE][+-]?\d")
_WET_DOT = re.compile(r"\.(\d*)(?=[HD]2O)")
_VARIABLES = frozenset("xyzδ")
_SIGNS = frozenset("-+±")
_PAIRS = {")": "(", "]": "["}


@dataclass(frozen=True)
class Formula:
    """A validated formula: what was typed, its canonical spelling and its amounts."""

    text: str
    normalized: str
    element_dict: dict[str, int | float] = field(hash=False)


def parse_formula(text: str) -> Formula:
    """Validate a formula or lab abbreviation and compute its ``element_dict``."""
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
            + f". Send only one of them, or make them agree, e.g. {formula.element_dict}",
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
    canonical, engine_input, symbols = _screen(folded[len(prefix) :], typed)
    raw = _engine_amounts(engine_input, typed, symbols)
    element_dict = {symbol: _tidy(amount, typed) for symbol, amount in raw.items()}
    return Formula(typed, prefix + canonical, element_dict), raw


def _tidy(amount: float, shown: str) -> int | float:
    rounded = round(amount, DECIMALS)
    if rounded <= 0:
        raise ChemistryError(
            f"`{shown}`: an amount rounds to 0 at {DECIMALS} decimals; use larger amounts"
        )
    return int(rounded) if rounded.is_integer() else rounded


def _engine_amounts(engine_input: str, shown: str, symbols: list[str]) -> dict[str, float]:
    # Imported here, not at module level: pymatgen takes ~0.2 s to import.
    from pymatgen.core import composition  # type: ignore[import-untyped]

    try:
        comp = composition.Composition(engine_input, strict=True)
    except (ValueError, KeyError, TypeError) as exc:  # a backstop; _screen() should catch all
        raise ChemistryError(f"`{shown}` is not a formula pymatgen can read ({exc})") from exc
    amounts = {str(el): float(amount) for el, amount in comp.items()}
    if set(amounts) != set(symbols):
        raise ChemistryError(f"`{shown}` is not a formula pymatgen can read the same way")
    return amounts


def _screen(body: str, shown: str) -> tuple[str, str, list[str]]:
    """Check a formula body against every guard, in one linear pass, without pymatgen.

    Returns the canonical spelling, the string handed to pymatgen (fractions as decimals,
    hydrates as bracketed groups) and the element symbols in order. ``shown`` is the text
    as the user typed it, for messages.
    """
    if not body:
        raise ChemistryError(f"`{shown}` has no formula after its phase label")
    if len(body) > MAX_FORMULA_LENGTH:
        raise ChemistryError(f"a formula may have at most {MAX_FORMULA_LENGTH} characters")
    wet = _WET_DOT.search(body)
    if wet:
        fix = body[: wet.start()] + "·" + body[wet.start() + 1 :]
        raise ChemistryError(
            f"`{shown}`: a `.` is a decimal point, so this reads as a fractional amount; "
            f"for a hydrate write `·` or `*`: did you mean `{fix}`?",
            text=shown,
            fix=fix,
        )
    parts: list[tuple[str, str, str, str]] = []  # (coefficient, engine coefficient, canon, engine)
    canon: list[str] = []
    engine: list[str] = []
    symbols: list[str] = []
    coefficient = engine_coefficient = ""
    stack: list[str] = []
    prev = "start"  # kind of the previous token: start, element, number, open, close
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if "A" <= c <= "Z":
            symbol = _element_at(body, i, shown)
            canon.append(symbol)
            engine.append(symbol)
            symbols.append(symbol)
            prev = "element"
            i += len(symbol)
        elif c.isdigit() or c == ".":
            number, engine_number, i = _number_at(body, i, shown)
            if prev in ("element", "close"):
                canon.append(number)
                engine.append(engine_number)
            elif prev == "start":
                coefficient, engine_coefficient = number, engine_number
            else:
                raise ChemistryError(
                    f"`{shown}`: the number `{number}` must follow an element symbol "
                    "or a closing bracket",
                    text=shown,
                )
            prev = "number"
        elif c in "([":
            stack.append(c)
            if len(stack) > MAX_BRACKET_DEPTH:
                raise ChemistryError(
                    f"`{shown}` nests brackets more than {MAX_BRACKET_DEPTH} levels deep",
                    text=shown,
                )
            canon.append(c)
            engine.append("(")
            prev = "open"
            i += 1
        elif c in ")]":
            if not stack:
                raise ChemistryError(f"`{shown}` has a `{c}` that closes nothing", text=shown)
            opener = stack.pop()
            if opener != _PAIRS[c]:
                raise ChemistryError(f"`{shown}`: `{opener}` is closed by `{c}`", text=shown)
            if prev == "open":
                raise ChemistryError(f"`{shown}` has empty brackets `{opener}{c}`", text=shown)
            canon.append(c)
            engine.append(")")
            prev = "close"
            i += 1
        elif c in "·*":
            if stack:
                raise ChemistryError(
                    f"`{shown}`: `{c}` joins whole formulas and cannot be inside brackets",
                    text=shown,
                )
            parts.append(_close_part(coefficient, engine_coefficient, canon, engine, shown, c))
            coefficient = engine_coefficient = ""
            canon, engine = [], []
            prev = "start"
            i += 1
        else:
            raise _bad_character(body, i, shown)
    if stack:
        raise ChemistryError(
            f"`{shown}`: `{stack[-1]}` is never closed; add `{')' if stack[-1] == '(' else ']'}`",
            text=shown,
        )
    parts.append(_close_part(coefficient, engine_coefficient, canon, engine, shown, None))
    canonical = "·".join(coef + text for coef, _, text, _ in parts)
    if len(parts) == 1 and not parts[0][0]:
        return canonical, parts[0][3], symbols
    return canonical, "".join(f"({eng}){coef}" for _, coef, _, eng in parts), symbols


def _close_part(
    coefficient: str,
    engine_coefficient: str,
    canon: list[str],
    engine: list[str],
    shown: str,
    joiner: str | None,
) -> tuple[str, str, str, str]:
    if not any("A" <= token[0] <= "Z" for token in canon):
        if joiner:
            what = f"before `{joiner}`"
        elif coefficient and not canon:
            what = "at all"
        else:
            what = "at the end"
        raise ChemistryError(f"`{shown}` has no element symbols {what}", text=shown)
    return coefficient, engine_coefficient, "".join(canon), "".join(engine)


def _element_at(body: str, i: int, shown: str) -> str:
    two = body[i : i + 2]
    second = two[1:] if len(two) == 2 and "a" <= two[1] <= "z" else ""
    if second and two in ELEMENT_SYMBOLS:
        return two
    if second and second not in _VARIABLES:
        raise ChemistryError(f"`{shown}`: `{two}` is not an element symbol", text=shown)
    symbol = body[i]
    if symbol in ISOTOPE_LABELS:
        raise ChemistryError(
            f"`{shown}`: `{symbol}` ({ISOTOPE_LABELS[symbol]}) is an isotope label, "
            "not an element symbol; write `H`",
            text=shown,
        )
    if symbol not in ELEMENT_SYMBOLS:
        bad = two if second else symbol
        raise ChemistryError(f"`{shown}`: `{bad}` is not an element symbol", text=shown)
    return symbol


def _number_at(body: str, i: int, shown: str) -> tuple[str, str, int]:
    match = _NUMBER.match(body, i)
    if match is None:  # a `.` not followed by a digit
        fix = body[:i] + "·" + body[i + 1 :]
        raise ChemistryError(
            f"`{shown}`: a `.` is a decimal point and must be followed by a digit; "
            f"for a hydrate write `·`: did you mean `{fix}`?",
            text=shown,
            fix=fix,
        )
    number = match.group(0)
    end = match.end()
    if _EXPONENT.match(body, end):
        exponent = _EXPONENT.match(body, end)
        assert exponent is not None
        raise ChemistryError(
            f"`{shown}`: `{number}{exponent.group(0)}…` is an exponent; write amounts as plain "
            f"numbers (at most {MAX_AMOUNT:g})",
            text=shown,
        )
    numerator = float(match.group(1))
    denominator = float(match.group(2)) if match.group(2) else 1.0
    if denominator == 0:
        raise ChemistryError(f"`{shown}`: `{number}` divides by zero", text=shown)
    value = numerator / denominator
    if not math.isfinite(value) or value <= 0:
        raise ChemistryError(
            f"`{shown}`: the amount `{number}` must be greater than 0; "
            "leave out an element that is absent",
            text=shown,
        )
    if value > MAX_AMOUNT:
        raise ChemistryError(
            f"`{shown}`: the amount `{number}` is over {MAX_AMOUNT:g}; "
            "write the formula unit, not a count of atoms",
            text=shown,
        )
    engine_number = repr(value) if match.group(2) else number
    return number, engine_number, end


def _bad_character(body: str, i: int, shown: str) -> ChemistryError:
    c = body[i]
    standalone = not ("a" <= body[i + 1 : i + 2] <= "z")
    if (c in _VARIABLES and standalone) or (c in _SIGNS and _has_variable(body)):
        return _variable_stoichiometry(body, shown)
    if c in _SIGNS:
        return ChemistryError(
            f"`{shown}`: `{c}` is not allowed in a formula (no charges, sums or differences); "
            "a `-` is only allowed after a phase label such as `β-Ga2O3`",
            text=shown,
        )
    if c == "/":
        return ChemistryError(
            f"`{shown}`: `/` must stand between two numbers, as in the fraction `La2/3`",
            text=shown,
        )
    if "a" <= c <= "z":
        return ChemistryError(
            f"`{shown}`: element symbols start with a capital letter (`{c}` at position {i + 1})",
            text=shown,
        )
    if c.isspace():
        fix = re.sub(r"\s+", "", shown)
        return ChemistryError(
            f"`{shown}` contains a space; write it without spaces: `{fix}`", text=shown, fix=fix
        )
    if c == ":":
        return ChemistryError(
            f"`{shown}`: dopant notation with `:` is not a composition; write the doped formula "
            "with numbers, e.g. `SrTi0.99Nb0.01O3` for 1% Nb:SrTiO3",
            text=shown,
        )
    if c == ",":
        return ChemistryError(
            f"`{shown}`: give each element its own amount instead of a `,` list, "
            "e.g. `Ba0.5Sr0.5TiO3`",
            text=shown,
        )
    return ChemistryError(
        f"`{shown}`: `{c}` is not allowed in a formula; use element symbols, numbers "
        "and . ( ) [ ] · * /",
        text=shown,
    )


def _has_variable(body: str) -> bool:
    return any(c in _VARIABLES for c in body.replace("Dy", ""))


_SIGNED_VARIABLE = re.compile(r"(\d+(?:\.\d+)?)?\s*([-+±])\s*[xyzδ]")
_BARE_VARIABLE = re.compile(r"(?<=[A-Za-z)\]])(?<!D)[xyzδ](?![a-z])")


def _variable_stoichiometry(body: str, shown: str) -> ChemistryError:
    def signed(match: re.Match[str]) -> str:
        base = float(match.group(1) or 1)
        value = base + 0.1 if match.group(2) == "+" else base - 0.1
        return f"{round(value, DECIMALS):g}"

    example: str | None = _BARE_VARIABLE.sub("0.1", _SIGNED_VARIABLE.sub(signed, body))
    if example is not None and _has_variable(example):
        example = None  # no simple substitution found; never recurse on what still varies
    try:
        _screen(example or "", shown)
    except ChemistryError:
        example = None
    hint = (
        f"e.g. `{example}` with 0.1 for the variable"
        if example
        else "e.g. `Al0.3Ga0.7N`, not `AlxGa1-xN`"
    )
    return ChemistryError(
        f"`{shown}` has variable stoichiometry; a stored composition needs numbers, {hint}",
        text=shown,
        fix=example,
    )
