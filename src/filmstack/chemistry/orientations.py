"""Miller and Miller–Bravais indices: planes (hkl), directions [uvw], families {hkl} <uvw>."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import ChemistryError

MAX_ORIENTATION_LENGTH = 64
MAX_INDEX = 999

_KINDS = {"(": "plane", "[": "direction", "{": "plane_family", "<": "direction_family"}
_CLOSERS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_FOLD = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u27e8": "<",  # mathematical angle brackets
        "\u27e9": ">",
        "\u2329": "<",
        "\u232a": ">",
    }
)
_OVERLINED_DIGIT = re.compile(r"(\d)[\u0305\u0304]")  # 1̄ written with a combining bar
_NAMED = re.compile(r"([acmr])[\s-]?plane", re.IGNORECASE)
# The sapphire / wurtzite planes growers call by name.
NAMED_PLANES: dict[str, tuple[int, ...]] = {
    "c": (0, 0, 0, 1),
    "a": (1, 1, -2, 0),
    "m": (1, 0, -1, 0),
    "r": (1, -1, 0, 2),
}
_INDEX = re.compile(r"-?\d+")
_COMPACT = re.compile(r"(?:-?\d)+")


@dataclass(frozen=True)
class Orientation:
    """Parsed Miller indices; ``text`` is what was typed and what the public API returns."""

    text: str
    kind: str  # "plane" | "direction" | "plane_family" | "direction_family"
    indices: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON stored in the extension field ``orientation_indices``."""
        return {"kind": self.kind, "indices": list(self.indices)}


def parse_orientation(text: str) -> Orientation:
    """Parse a plane, direction or family in any common notation, 3- or 4-index."""
    if not isinstance(text, str):
        raise ChemistryError(f"an orientation must be text such as `(001)`, not {text!r}")
    typed = text.strip()
    if not typed:
        raise ChemistryError("the orientation is empty; write Miller indices such as `(001)`")
    if len(typed) > MAX_ORIENTATION_LENGTH:
        raise ChemistryError(
            f"`{typed[:20]}…` is too long for Miller indices "
            f"(at most {MAX_ORIENTATION_LENGTH} characters)",
            text=typed[:MAX_ORIENTATION_LENGTH],
        )
    return _parsed(typed)


@lru_cache(maxsize=1024)
def _parsed(typed: str) -> Orientation:
    """The orientation of stripped, bounded text; cached (an Orientation is frozen, an error
    is raised anew each time)."""
    named = _NAMED.fullmatch(typed)
    if named:
        return Orientation(typed, "plane", NAMED_PLANES[named.group(1).lower()])
    folded = _OVERLINED_DIGIT.sub(r"-\1", typed.translate(_FOLD))
    kind, inner = _unwrap(folded, typed)
    indices = _indices(inner, typed)
    return Orientation(typed, kind, indices)


def _unwrap(folded: str, typed: str) -> tuple[str, str]:
    opener, closer = folded[0], folded[-1]
    if opener in _KINDS:
        if closer != _CLOSERS[opener]:
            raise ChemistryError(
                f"`{typed}`: `{opener}` is not closed; end it with `{_CLOSERS[opener]}`",
                text=typed,
            )
        inner = folded[1:-1]
        kind = _KINDS[opener]
    elif closer in _CLOSERS.values():
        raise ChemistryError(f"`{typed}`: `{closer}` closes nothing", text=typed)
    else:
        inner, kind = folded, "plane"  # a bare `001` is a plane
    stray = next((c for c in inner if c in "()[]{}<>"), None)
    if stray:
        raise ChemistryError(
            f"`{typed}`: unexpected `{stray}`; use one pair of brackets: () plane, [] direction, "
            "{} family of planes, <> family of directions",
            text=typed,
        )
    return kind, inner.strip()


def _indices(inner: str, typed: str) -> tuple[int, ...]:
    separated = bool(re.search(r"[\s,]", inner))
    if separated:
        tokens = [t for t in re.split(r"[\s,]+", inner) if t]
        bad = next((t for t in tokens if not _INDEX.fullmatch(t)), None)
        if bad is not None:
            raise _not_indices(typed, f"`{bad}` is not an integer index")
        indices = tuple(int(t) for t in tokens)
    else:
        if not _COMPACT.fullmatch(inner):
            raise _not_indices(typed, f"`{inner}` is not a list of integer indices")
        indices = tuple(int(t) for t in re.findall(r"-?\d", inner))
    hint = "" if separated else "; multi-digit indices need separators, e.g. `(0 0 12)`"
    if len(indices) not in (3, 4):
        raise ChemistryError(
            f"`{typed}` has {len(indices)} indices; Miller indices have 3 (hkl) or 4 (hkil){hint}",
            text=typed,
        )
    if not any(indices):
        raise ChemistryError(
            f"`{typed}` is all zeros, which is no plane or direction; "
            "at least one index must be non-zero",
            text=typed,
        )
    big = next((i for i in indices if abs(i) > MAX_INDEX), None)
    if big is not None:
        raise ChemistryError(f"`{typed}`: index {big} is over {MAX_INDEX}", text=typed)
    if len(indices) == 4:
        h, k, i, _ = indices
        if i != -(h + k):
            expected = -(h + k)
            # A flipped sign, (1120) for (11-20), is the usual slip; offer the fix only then.
            fix = (
                _format_four(h, k, expected, indices[3], typed) if abs(i) == abs(expected) else None
            )
            raise ChemistryError(
                f"`{typed}`: in four-index (hkil) notation i must be −(h+k) = {expected}, "
                f"not {i}" + (f"; did you mean `{fix}`?" if fix else hint),
                text=typed,
                fix=fix,
            )
    return indices


def _format_four(h: int, k: int, i: int, l: int, typed: str) -> str:  # noqa: E741
    opener = typed[0] if typed[0] in "([{<" else ""
    closer = _CLOSERS.get(opener, "")
    if all(-9 <= n <= 9 for n in (h, k, i, l)):
        body = "".join(str(n) for n in (h, k, i, l))
    else:
        body = " ".join(str(n) for n in (h, k, i, l))
    return f"{opener}{body}{closer}"


def _not_indices(typed: str, problem: str) -> ChemistryError:
    return ChemistryError(
        f"`{typed}`: {problem}; write e.g. `(001)`, `[1 1 0]`, `(11-20)` or `c-plane`",
        text=typed,
    )
