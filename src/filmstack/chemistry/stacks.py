"""Free-text stacks such as ``10 nm LaAlO3 / SrTiO3(001)``: film first, substrate last.

A deterministic reader, no guessing: the text is split at top-level separators (`` on ``, ``/``
unless it stands between two digits, ``//``, ``||``), ``[A/B]xN`` superlattices are expanded, and
each part is read (stack_parts.py) as an optional thickness, an optional orientation and a
formula that goes through :func:`parse_formula`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .errors import ChemistryError
from .stack_parts import NUMBER_WITH_UNIT, Part, read_part

# Defaults of parse_stack's limits; a server passes its own configured values instead.
MAX_PROMPT_LENGTH = 2000
MAX_LAYERS = 500
# A property of the reader itself, whatever the limits: a superlattice repeats 1 to 500 times.
MAX_REPEATS = 500

_ON = re.compile(r"\s*\bon(?:\s+|$)", re.IGNORECASE)
_SUPERLATTICE = re.compile(r"[\[(](?P<inner>.+)[\])]\s*[x×*]\s*(?P<n>\d{1,4})", re.DOTALL)
_OPENERS = {")": "(", "]": "[", "}": "{", ">": "<"}


@dataclass(frozen=True)
class Repeat:
    """Where a layer sits in a superlattice ``[A/B]x10``: the text keeps the repeat count."""

    group: int  # 1 for the first superlattice of the text, 2 for the next, …
    count: int  # the ×N
    period: int  # layers in one period
    index: int  # position in the period, 0-based, as written
    cycle: int  # which repetition, 0-based

    def as_dict(self) -> dict[str, int]:
        return {
            "group": self.group,
            "count": self.count,
            "period": self.period,
            "index": self.index,
            "cycle": self.cycle,
        }


@dataclass(frozen=True)
class ParsedLayer:
    """One film layer read from stack text."""

    formula: str  # alias expanded: "STO" -> "SrTiO3"
    orientation: str | None
    space_group: str | None
    thickness_nm: float | None
    thickness: str | None = None  # as typed, e.g. "5 u.c.", which has no nanometre value
    thickness_unit_cells: float | None = None  # the count of `5 u.c.`
    repeat: Repeat | None = None  # set for the layers of a superlattice


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
            "layers": [_layer_dict(layer) for layer in self.layers],
            "substrate_orientation": self.substrate_orientation,
        }


def _layer_dict(layer: ParsedLayer) -> dict[str, object]:
    entry: dict[str, object] = {
        "formula": layer.formula,
        "orientation": layer.orientation,
        "space_group": layer.space_group,
        "thickness_nm": layer.thickness_nm,
    }
    # Extensions, present only when the text has them.
    if layer.thickness_unit_cells is not None:
        entry["thickness_unit_cells"] = layer.thickness_unit_cells
    if layer.repeat is not None:
        entry["repeat"] = layer.repeat.as_dict()
    return entry


@dataclass(frozen=True)
class _Superlattice:
    text: str
    period: tuple[Part, ...]
    repeats: int

    @property
    def name(self) -> str:
        return "[" + "/".join(part.name for part in self.period) + f"]x{self.repeats}"

    def layers(self, group: int) -> list[ParsedLayer]:
        size = len(self.period)
        return [
            replace(_layer(part), repeat=Repeat(group, self.repeats, size, index, cycle))
            for cycle in range(self.repeats)
            for index, part in enumerate(self.period)
        ]


def _layer(part: Part) -> ParsedLayer:
    return ParsedLayer(
        part.name,
        part.orientation,
        None,
        part.thickness_nm,
        part.thickness,
        part.thickness_unit_cells,
    )


def parse_stack(
    prompt: str, *, max_length: int = MAX_PROMPT_LENGTH, max_layers: int = MAX_LAYERS
) -> ParsedStack:
    """Read a stack written film first, substrate last; ChemistryError names the unreadable part.

    `max_length` bounds the text (characters, after trimming) and `max_layers` the layers it
    expands to; both are the caller's limits (the server passes its configured ones).
    """
    if not isinstance(prompt, str):
        raise ChemistryError(f"a stack is text such as `BaTiO3 on SrTiO3`, not {prompt!r}")
    text = prompt.strip().replace("∥", "||")
    if not text:
        raise ChemistryError("the stack text is empty; write e.g. `BaTiO3 on SrTiO3(001)`")
    if len(text) > max_length:
        raise ChemistryError(f"the stack text is {len(text)} characters long; at most {max_length}")
    pieces = _split(text)
    if len(pieces) > max_layers + 1:
        raise ChemistryError(f"the stack has {len(pieces)} parts; at most {max_layers} layers")
    read: dict[str, Part | _Superlattice] = {}  # repeated parts are read once
    parts = [read[raw] if raw in read else read.setdefault(raw, _read(raw)) for raw in pieces]
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
    layers: list[ParsedLayer] = []
    groups = 0
    for part in films:
        if isinstance(part, _Superlattice):
            groups += 1
            layers.extend(part.layers(groups))
        else:
            layers.append(_layer(part))
    if len(layers) > max_layers:
        raise ChemistryError(f"the stack has {len(layers)} layers; at most {max_layers}")
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
        if layer.space_group is not None:
            entry["space_group"] = layer.space_group
        if layer.thickness_nm is not None:
            entry["thickness_nm"] = layer.thickness_nm
        if layer.thickness_unit_cells is not None:
            entry["thickness_unit_cells"] = layer.thickness_unit_cells
        if layer.repeat is not None:
            entry["repeat"] = layer.repeat.as_dict()
        layers.append(entry)
    sample: dict[str, object] = {
        "sample_name": name or parsed.material_name,
        "substrate": parsed.substrate,
    }
    if parsed.substrate_orientation is not None:
        sample["substrate_orientation"] = parsed.substrate_orientation  # an extension field
    return {"sample": sample, "layers": layers}


def format_stack(parsed: ParsedStack) -> str:
    """The stack as text, film first, superlattices as ``[A (5 u.c.) / B (5 u.c.)] x10``.

    What was typed is kept (orientation and thickness as written), so
    ``parse_stack(format_stack(p)) == p``.
    """
    parts: list[str] = []
    layers = parsed.layers
    i = 0
    while i < len(layers):
        repeat = layers[i].repeat
        if repeat is not None and repeat.index == 0 and repeat.cycle == 0:
            period = layers[i : i + repeat.period]
            parts.append("[" + " / ".join(map(_layer_text, period)) + f"] x{repeat.count}")
            i += repeat.period * repeat.count
            continue
        parts.append(_layer_text(layers[i]))
        i += 1
    if parsed.substrate:
        parts.append(_part_text(parsed.substrate, parsed.substrate_orientation, None))
    return " / ".join(parts)


def _layer_text(layer: ParsedLayer) -> str:
    thickness = layer.thickness
    if thickness is None and layer.thickness_nm is not None:
        thickness = f"{layer.thickness_nm:g} nm"
    return _part_text(layer.formula, layer.orientation, thickness)


def _part_text(formula: str, orientation: str | None, thickness: str | None) -> str:
    text = formula
    if orientation:
        text += f" {orientation}"
    if thickness:
        text += f" ({thickness})"
    return text


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
                cut = 0 if fraction and not NUMBER_WITH_UNIT.match(text, i + 1) else 1
            elif i == start or (c.isspace() and not text[i - 1].isspace()):
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


def _read(raw: str) -> Part | _Superlattice:
    text = raw.strip()
    superlattice = _SUPERLATTICE.fullmatch(text)
    if (
        superlattice
        and _balanced(superlattice.group("inner"))
        and _OPENERS.get(text[superlattice.end("inner")]) == text[0]
    ):
        return _read_superlattice(text, superlattice.group("inner"), superlattice.group("n"))
    return read_part(text)


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c in "([{") - (c in ")]}")
        if depth < 0:
            return False
    return depth == 0


def _read_superlattice(text: str, inner: str, repeats: str) -> _Superlattice:
    count = int(repeats)
    if not 1 <= count <= MAX_REPEATS:
        raise ChemistryError(
            f"could not read `{text}`: {count} repeats; a superlattice may repeat 1 to "
            f"{MAX_REPEATS} times",
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
