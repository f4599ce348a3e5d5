"""One part of a stack text: an optional thickness, an optional orientation and a formula.

Brackets decide by content: Miller indices are an orientation, a number with a unit is a
thickness, anything else belongs to the formula (``(LaAlO3)0.3(Sr2TaAlO6)0.7`` stays whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ChemistryError
from .formulas import Formula, parse_formula
from .orientations import parse_orientation

MAX_THICKNESS_NM = 1e7  # 1 cm; the same plausible range as the API's thickness_nm
MIN_THICKNESS_NM = 1e-6
MAX_UNIT_CELLS = 1e6

_UNITS_NM: dict[str, float | None] = {
    "nm": 1.0,
    "å": 0.1,
    "a": 0.1,
    "angstrom": 0.1,
    "angstroms": 0.1,
    "µm": 1000.0,
    "μm": 1000.0,
    "um": 1000.0,
    # Unit cells and monolayers depend on the lattice; no nanometre value is invented for them.
    "u.c.": None,
    "u.c": None,
    "uc": None,
    "unit cell": None,
    "unit cells": None,
    "ml": None,
    "monolayer": None,
    "monolayers": None,
}
_UNIT_CELLS = {"u.c.", "u.c", "uc", "unit cell", "unit cells"}
_UNIT = (
    r"(?:nm|\u00c5|\u212b|angstroms?|A|\u00b5m|\u03bcm|um|u\.\s?c\.?|uc|unit\s+cells?|ML|monolayers?)"
    r"(?=[\s)\]]|$)"
)
_AMOUNT = r"\d+(?:\.\d+)?"
_THICKNESS = re.compile(rf"(?P<num>{_AMOUNT})\s*(?P<unit>{_UNIT})", re.IGNORECASE)
_LEADING_THICKNESS = re.compile(rf"(?P<num>{_AMOUNT})\s*(?P<unit>{_UNIT})\s*", re.IGNORECASE)
_TRAILING_THICKNESS = re.compile(rf"\s(?P<num>{_AMOUNT})\s*(?P<unit>{_UNIT})$", re.IGNORECASE)
_ANY_UNIT = re.compile(rf"\s*{_AMOUNT}\s*([A-Za-zµμÅ.]+)\s*")
_NAMED_PLANE = r"[acmrACMR][\s-]?plane"
_LEADING_NAMED = re.compile(rf"(?P<name>{_NAMED_PLANE})\s+")
_TRAILING_NAMED = re.compile(rf"\s(?P<name>{_NAMED_PLANE})$")
_ORIENTED = re.compile(r"-?oriented\s*", re.IGNORECASE)
_FILLER = re.compile(r"(?<=\s)(?:thin\s+films?|films?|layers?|substrates?)$", re.IGNORECASE)
_OPENERS = {")": "(", "]": "[", "}": "{", ">": "<"}
NUMBER_WITH_UNIT = re.compile(rf"{_AMOUNT}\s*{_UNIT}", re.IGNORECASE)

_SetOrientation = Callable[[str], None]
_SetThickness = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Part:
    """A film or substrate as written: formula, orientation and thickness."""

    text: str
    formula: Formula
    orientation: str | None
    thickness: str | None
    thickness_nm: float | None
    thickness_unit_cells: float | None = None  # `5 u.c.`: nanometres need the lattice

    @property
    def name(self) -> str:
        return self.formula.normalized


def read_part(text: str) -> Part:
    """Read one part; ChemistryError starting \"could not read\" names it."""
    rest = text
    orientation: str | None = None
    thickness: tuple[str, float | None, float | None] | None = None

    def set_orientation(value: str) -> None:
        nonlocal orientation
        if orientation is not None:
            raise ChemistryError(
                f"could not read `{text}`: two orientations, `{orientation}` and `{value}`",
                text=text,
            )
        parse_orientation(value)  # validates; the typed text is what is kept
        orientation = value

    def set_thickness(number: str, unit: str, typed: str) -> None:
        nonlocal thickness
        if thickness is not None:
            raise ChemistryError(
                f"could not read `{text}`: two thicknesses, `{thickness[0]}` and `{typed}`",
                text=text,
            )
        thickness = (typed, *_to_nm(number, unit, text))

    try:
        rest = _strip_leading(rest, set_orientation, set_thickness)
        rest = _strip_trailing(rest, set_orientation, set_thickness, text)
    except ChemistryError as err:
        if str(err).startswith("could not read"):
            raise
        raise ChemistryError(f"could not read `{text}`: {err}", text=text, fix=err.fix) from err
    if not rest:
        raise ChemistryError(f"could not read `{text}`: it names no material", text=text)
    try:
        formula = parse_formula(rest)
    except ChemistryError as err:
        reason = str(err).removeprefix(f"`{rest}`: ")  # the part is named once, in full
        raise ChemistryError(f"could not read `{text}`: {reason}", text=text, fix=err.fix) from err
    typed, nm, cells = thickness if thickness else (None, None, None)
    return Part(text, formula, orientation, typed, nm, cells)


def _strip_leading(
    rest: str, set_orientation: _SetOrientation, set_thickness: _SetThickness
) -> str:
    while rest:
        match = _LEADING_THICKNESS.match(rest)
        if match:
            set_thickness(match["num"], match["unit"], match.group(0).strip())
            rest = rest[match.end() :]
            continue
        named = _LEADING_NAMED.match(rest)
        if named:
            set_orientation(named["name"])
            rest = rest[named.end() :]
            continue
        if rest[0] in "([{<":
            closer = {"(": ")", "[": "]", "{": "}", "<": ">"}[rest[0]]
            end = rest.find(closer)
            if end > 0 and _is_orientation(rest[: end + 1]):
                set_orientation(rest[: end + 1])
                rest = rest[end + 1 :]
                oriented = _ORIENTED.match(rest)
                rest = (rest[oriented.end() :] if oriented else rest).lstrip()
                continue
        break
    return rest.strip()


def _strip_trailing(
    rest: str, set_orientation: _SetOrientation, set_thickness: _SetThickness, text: str
) -> str:
    filler_seen = False
    while rest:
        filler = None if filler_seen else _FILLER.search(rest)
        if filler:  # one descriptive word at most: "SrTiO3 (001) substrate"
            filler_seen = True
            rest = rest[: filler.start()].rstrip()
            continue
        if rest[-1] in _OPENERS:
            start = _group_start(rest)
            if start is None:
                break
            group, content = rest[start:], rest[start + 1 : -1]
            amount = _THICKNESS.fullmatch(content.strip())
            if amount:
                set_thickness(amount["num"], amount["unit"], content.strip())
            elif _is_orientation(group):
                set_orientation(group)
            elif group[0] == "(" and _ANY_UNIT.fullmatch(content):
                unit = _ANY_UNIT.fullmatch(content)
                assert unit is not None
                raise ChemistryError(
                    f"could not read `{text}`: `{unit.group(1)}` is not a thickness unit; "
                    "use nm, Å, µm, u.c. or ML",
                    text=text,
                )
            else:
                break
            rest = rest[:start].rstrip()
            continue
        amount = _TRAILING_THICKNESS.search(rest)
        if amount:
            set_thickness(amount["num"], amount["unit"], amount.group(0).strip())
            rest = rest[: amount.start()].rstrip()
            continue
        named = _TRAILING_NAMED.search(rest)
        if named:
            set_orientation(named["name"])
            rest = rest[: named.start()].rstrip()
            continue
        break
    return rest


def _group_start(text: str) -> int | None:
    """Index of the bracket that opens the group ending ``text``."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c in _OPENERS:
            depth += 1
        elif c in _OPENERS.values():
            depth -= 1
            if depth == 0:
                return i
    return None


def _is_orientation(group: str) -> bool:
    try:
        parse_orientation(group)
    except ChemistryError:
        # Digits only means it was meant as indices: let the orientation error through.
        if re.fullmatch(r"[(\[{<][\d\s,\-−]+[)\]}>]", group):
            raise
        return False
    return True


def _to_nm(number: str, unit: str, text: str) -> tuple[float | None, float | None]:
    """Nanometres, and the count when the unit is unit cells (which need the lattice)."""
    key = re.sub(r"\s+", " ", unit.lower()).replace("u. c", "u.c")
    factor = _UNITS_NM[key]
    value = float(number)
    if value <= 0:
        raise ChemistryError(f"could not read `{text}`: a thickness must be greater than 0")
    if factor is None:
        cells = value if key in _UNIT_CELLS else None
        if cells is not None and cells > MAX_UNIT_CELLS:
            raise ChemistryError(
                f"could not read `{text}`: `{number} {unit}` is over {MAX_UNIT_CELLS:g} unit cells"
            )
        return None, cells
    nm = round(value * factor, 6)
    if nm > MAX_THICKNESS_NM:
        raise ChemistryError(f"could not read `{text}`: `{number} {unit}` is over 1 cm")
    if nm < MIN_THICKNESS_NM:
        raise ChemistryError(f"could not read `{text}`: `{number} {unit}` is under 1e-6 nm")
    return nm, None
