"""The formula guards: one linear pass over the text that refuses what pymatgen would misread.

Everything here runs before pymatgen is imported or called, so no input can make it slow:
length, character set, bracket depth, element symbols, amounts (finite, 0 < amount <= 1000, no
exponents), hydrate dots and variable stoichiometry are all decided in this module.
"""

from __future__ import annotations

import math
import re

from .elements import ELEMENT_SYMBOLS, ISOTOPE_LABELS
from .errors import ChemistryError

MAX_FORMULA_LENGTH = 100
MAX_BRACKET_DEPTH = 3
MAX_AMOUNT = 1000.0
DECIMALS = 6

_NUMBER = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(?:/(\d+(?:\.\d+)?))?")
_EXPONENT = re.compile(r"[eE][+-]?\d")
_WET_DOT = re.compile(r"\.(\d*)(?=[HD]2O)")
_VARIABLES = frozenset("xyzδ")
_SIGNS = frozenset("-+±")
_PAIRS = {")": "(", "]": "["}


def screen_formula(body: str, shown: str) -> tuple[str, str, list[str]]:
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


def case_variants(body: str, limit: int = 2) -> list[str]:
    """Spellings of ``body`` that differ only in letter case and screen clean, fewest changes first.

    ``SrTIO3`` gives ``["SrTiO3"]`` and ``BATiO3`` gives ``["BaTiO3"]``: each run of letters is
    read as element symbols (a capital, then at most one small letter) with as few case changes
    as possible. The search is linear in the length of ``body``; at most ``limit`` ties are kept.
    """
    n = len(body)
    # best[i]: (changes, spellings) for body[i:], or None when body[i:] cannot be read.
    best: list[tuple[int, list[str]] | None] = [None] * n + [(0, [""])]
    for i in range(n - 1, -1, -1):
        c = body[i]
        if not ("A" <= c <= "Z" or "a" <= c <= "z"):
            rest = best[i + 1]
            best[i] = (rest[0], [c + tail for tail in rest[1]]) if rest else None
            continue
        options: list[tuple[int, str, int]] = []  # (changes, symbol, length)
        if c.upper() in ELEMENT_SYMBOLS:
            options.append((c != c.upper(), c.upper(), 1))
        nxt = body[i + 1 : i + 2]
        pair = c.upper() + nxt.lower()
        if nxt.isascii() and nxt.isalpha() and pair in ELEMENT_SYMBOLS:
            options.append(((c != c.upper()) + (nxt != nxt.lower()), pair, 2))
        found: tuple[int, list[str]] | None = None
        for changes, symbol, length in options:
            rest = best[i + length]
            if rest is None:
                continue
            cost = changes + rest[0]
            spelled = [symbol + tail for tail in rest[1]]
            if found is None or cost < found[0]:
                found = (cost, spelled[:limit])
            elif cost == found[0]:
                found = (cost, (found[1] + spelled)[:limit])
        best[i] = found
    result = best[0]
    if result is None or result[0] == 0:
        return []
    variants = []
    for spelling in result[1]:
        try:
            screen_formula(spelling, spelling)
        except ChemistryError:
            continue
        variants.append(spelling)
    return variants


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
        screen_formula(example or "", shown)
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
