"""Free-text stacks such as ``10 nm LaAlO3 / SrTiO3(001)``: film first, substrate last.

A deterministic reader, no guessing: the text is split at top-level separators (`` on ``, ``/``
unless it stands between two digits, ``//``, ``||``), ``[A/B]xN`` superlattices are expanded, and
each part is read as an optional thickness, an optional orientation and a formula that goes
through :func:`parse_formula`. Brackets decide by content: indices are an orientation, a number
with a unit is a thickness, anything else belongs to the formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ChemistryError
from .formulas import Formula, parse_formula
from .orientations import parse_orientation

MAX_PROMPT_LENGTH = 2000
MAX_LAYERS = 500
MAX_THICKNESS_NM = 1e9

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
_FILLER = re.compile(r"\s*\b(?:thin\s+films?|films?|layers?|substrates?)$", re.IGNORECASE)
_ON = re.compile(r"\s*\bon(?:\s+|$)", re.IGNORECASE)
_SUPERLATTICE = re.compile(r"[\[(](?P<inner>.+)[\])]\s*[x×*]\s*(?P<n>\d{1,4})", re.DOTALL)
_OPENERS = {")": "(", "]": "[", "}": "{", ">": "<"}
_NUMBER_WITH_UNIT = re.compile(rf"{_AMOUNT}\s*{_UNIT}", re.IGNORECASE)

_SetOrientation = Callable[[str], None]
_SetThickness = Callable[[str, str, str], None]


@dataclass(frozen=True)
class ParsedLayer:
    """One film layer read from stack text."""

    formula: str  # alias expanded: "STO" -> "SrTiO3"
    orientation: str | None
    space_group: str | None
    thickness_nm: float | None
    thickness: str | None = None  # as typed, e.g. "5 u.c.", which has no nanometre value


@dataclass(frozen=True)
class ParsedStack:
    """A stack read from text; ``layers`` are topmost first, as the public API lists them."""

    material_name: str
    substrate: str  # "" when the text names none
    substrate_orientation: str | None
    layers: tuple[ParsedLayer, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON body returned by ``POST /target-materials/parse``."""
        return {
            "material_name": self.material_name,
            "substrate": self.substrate,
            "layers": [
                {
                    "formula": layer.formula,
                    "orientation": layer.orientation,
                    "space_group": layer.space_group,
                    "thickness_nm": layer.thickness_nm,
                }
                for layer in self.layers
            ],
            "substrate_orientation": self.substrate_orientation,
        }


@dataclass(frozen=True)
class _Part:
    text: str
    formula: Formula
    orientation: str | None
    thickness: str | None
    thickness_nm: float | None

    @property
    def name(self) -> str:
        return self.formula.normalized

    def layers(self) -> list[ParsedLayer]:
        return [
            ParsedLayer(
                self.formula.normalized, self.orientation, None, self.thickness_nm, self.thickness
            )
        ]


@dataclass(frozen=True)
class _Superlattice:
    text: str
    period: tuple[_Part, ...]
    repeats: int

    @property
    def name(self) -> str:
        return "[" + "/".join(part.name for part in self.period) + f"]x{self.repeats}"

    def layers(self) -> list[ParsedLayer]:
        one_period = [layer for part in self.period for layer in part.layers()]
        return one_period * self.repeats


def parse_stack(prompt: str) -> ParsedStack:
    """Read a stack written film first, substrate last; ChemistryError names the unreadable part."""
    if not isinstance(prompt, str):
        raise ChemistryError(f"a stack is text such as `BaTiO3 on SrTiO3`, not {prompt!r}")
    text = prompt.strip().replace("∥", "||")
    if not text:
        raise ChemistryError("the stack text is empty; write e.g. `BaTiO3 on SrTiO3(001)`")
    if len(text) > MAX_PROMPT_LENGTH:
        raise ChemistryError(
            f"the stack text is {len(text)} characters long; at most {MAX_PROMPT_LENGTH}"
        )
    pieces = _split(text)
    if len(pieces) > MAX_LAYERS + 1:
        raise ChemistryError(f"the stack has {len(pieces)} parts; at most {MAX_LAYERS} layers")
    parts = [_read(raw) for raw in pieces]
    if len(parts) == 1:
        films, substrate = parts, None
    else:
        films, last = parts[:-1], parts[-1]
        if isinstance(last, _Superlattice):
            raise ChemistryError(
                f"`{last.text}` is last, where the substrate goes; add the substrate after it, "
                f"e.g. `{last.text} on SrTiO3`",
                text=last.text,
            )
        if last.thickness is not None:
            raise ChemistryError(
                f"`{last.text}` is the substrate (the last part) and its thickness "
                f"`{last.thickness}` would be lost; leave it out, or add the substrate after it",
                text=last.text,
            )
        substrate = last
    layers = [layer for part in films for layer in part.layers()]
    if len(layers) > MAX_LAYERS:
        raise ChemistryError(f"the stack has {len(layers)} layers; at most {MAX_LAYERS}")
    name = "/".join(part.name for part in films)
    if substrate is not None:
        name += f" on {substrate.name}"
    return ParsedStack(
        material_name=name,
        substrate=substrate.name if substrate else "",
        substrate_orientation=substrate.orientation if substrate else None,
        layers=tuple(layers),
    )


def stack_to_create_body(parsed: ParsedStack, name: str | None = None) -> dict[str, object]:
    """A create body for the parsed stack; ``layer_id`` 1 is the layer on the substrate."""
    layers: list[dict[str, object]] = []
    for position, layer in enumerate(reversed(parsed.layers), start=1):
        entry: dict[str, object] = {"layer_id": position, "composition_string": layer.formula}
        if layer.orientation is not None:
            entry["orientation"] = layer.orientation
        if layer.thickness_nm is not None:
            entry["thickness_nm"] = layer.thickness_nm
        layers.append(entry)
    sample = {"sample_name": name or parsed.material_name, "substrate": parsed.substrate}
    return {"sample": sample, "layers": layers}


def _split(text: str, *, inner: bool = False) -> list[str]:
    """Cut at top-level separators; brackets protect superlattices and formula groups."""
    pieces: list[str] = []
    depth = start = i = 0
    n = len(text)
    while i < n:
        c = text[i]
        cut = 0
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                raise ChemistryError(
                    f"could not read `{text}`: `{c}` at position {i + 1} closes nothing", text=text
                )
        elif depth == 0:
            if text.startswith(("//", "||"), i):
                cut = 2
            elif c == "/":
                # `2/3` is a fraction; `LaAlO3/5 nm SrTiO3` is a separator before a thickness.
                fraction = 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
                cut = 0 if fraction and not _NUMBER_WITH_UNIT.match(text, i + 1) else 1
            elif c.isspace() or i == start:
                on = _ON.match(text, i)
                cut = on.end() - i if on else 0
        if cut:
            pieces.append(text[start:i])
            i += cut
            start = i
        else:
            i += 1
    if depth > 0:
        raise ChemistryError(f"could not read `{text}`: a bracket is never closed", text=text)
    pieces.append(text[start:])
    where = "inside the brackets" if inner else "between separators"
    for index, piece in enumerate(pieces):
        if not piece.strip():
            raise ChemistryError(
                f"could not read `{text}`: part {index + 1} is empty ({where}); "
                "separate layers with ` on `, `/`, `//` or `||`",
                text=text,
            )
    return pieces


def _read(raw: str) -> _Part | _Superlattice:
    text = raw.strip()
    superlattice = _SUPERLATTICE.fullmatch(text)
    if (
        superlattice
        and _balanced(superlattice.group("inner"))
        and _OPENERS.get(text[superlattice.end("inner")]) == text[0]
    ):
        return _read_superlattice(text, superlattice.group("inner"), superlattice.group("n"))
    return _read_part(text)


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c in "([{") - (c in ")]}")
        if depth < 0:
            return False
    return depth == 0


def _read_superlattice(text: str, inner: str, repeats: str) -> _Superlattice:
    count = int(repeats)
    if not 1 <= count <= MAX_LAYERS:
        raise ChemistryError(
            f"could not read `{text}`: {count} repeats; a superlattice may repeat 1 to "
            f"{MAX_LAYERS} times",
            text=text,
        )
    pieces = _split(inner, inner=True)
    if len(pieces) < 2:
        raise ChemistryError(
            f"could not read `{text}`: a superlattice needs two or more layers in the brackets, "
            "e.g. `[LaAlO3/SrTiO3]x10`",
            text=text,
        )
    period = []
    for piece in pieces:
        part = _read(piece)
        if isinstance(part, _Superlattice):
            raise ChemistryError(
                f"could not read `{text}`: superlattices cannot be nested", text=text
            )
        period.append(part)
    return _Superlattice(text, tuple(period), count)


def _read_part(text: str) -> _Part:
    rest = text
    orientation: str | None = None
    thickness: tuple[str, float | None] | None = None

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
        thickness = (typed, _to_nm(number, unit, text))

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
    typed, nm = thickness if thickness else (None, None)
    return _Part(text, formula, orientation, typed, nm)


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
    while rest:
        filler = _FILLER.search(rest)
        if filler and filler.start() > 0:
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


def _to_nm(number: str, unit: str, text: str) -> float | None:
    factor = _UNITS_NM[re.sub(r"\s+", " ", unit.lower()).replace("u. c", "u.c")]
    value = float(number)
    if value <= 0:
        raise ChemistryError(f"could not read `{text}`: a thickness must be greater than 0")
    if factor is None:
        return None
    nm = round(value * factor, 6)
    if nm > MAX_THICKNESS_NM:
        raise ChemistryError(f"could not read `{text}`: `{number} {unit}` is over 1 m")
    return nm
