"""Space groups: a Hermann–Mauguin symbol in any common spelling, or a number 1–230.

The lookup table is built once, on first use, from ``spglib.get_spacegroup_type`` over the 530
Hall settings (about 10 ms). ``pymatgen.symmetry.groups.SpaceGroup`` is deliberately not used:
it takes up to a second per cubic group.
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass
from functools import cache, lru_cache

from .errors import ChemistryError

MAX_SPACE_GROUP_LENGTH = 40
LATTICE_LETTERS = "PABCFIR"
# Cubic groups whose pre-1983 symbols wrote `3` for `-3` (Pm3m, Fm3m, Ia3d, ...).
_OLD_CUBIC = (*range(200, 207), *range(221, 231))

_FOLD = str.maketrans(
    {
        **{chr(0x2080 + d): str(d) for d in range(10)},  # subscript digits: P6₃mc
        "\u2212": "-",
        "\u2013": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_OVERLINED_DIGIT = re.compile(r"(\d)[\u0305\u0304]")  # 3̄ written with a combining bar
_SETTING = re.compile(r":\s*([A-Za-z0-9-]{1,6})$")


@dataclass(frozen=True)
class SpaceGroup:
    """A space group: canonical short symbol of the standard setting, number, and the input."""

    symbol: str
    number: int
    input: str


@dataclass(frozen=True)
class _Table:
    standard: dict[int, str]  # number -> short symbol of the standard setting
    numbers: dict[str, int]  # spelling key -> number
    choices: dict[str, frozenset[str]]  # spelling key -> setting choices spglib lists for it


def _key(symbol: str) -> str:
    return symbol.replace(" ", "").replace("_", "")


@cache
def _table() -> _Table:
    import spglib  # deferred with the table: importing spglib pulls in numpy

    standard: dict[int, str] = {}
    numbers: dict[str, int] = {}
    choices: dict[str, set[str]] = {}

    def add(spelling: str, number: int, choice: str) -> None:
        key = _key(spelling)
        if numbers.setdefault(key, number) != number:  # pragma: no cover - guarded by a test
            raise RuntimeError(f"space-group spelling {spelling!r} is ambiguous")
        choices.setdefault(key, set()).add(choice)

    for hall in range(1, 531):
        with warnings.catch_warnings():
            # spglib 2.x warns about its legacy error handling on every call; the calls here
            # cannot fail (Hall numbers 1-530 all exist), and the table is built only once.
            warnings.simplefilter("ignore", DeprecationWarning)
            sg = spglib.get_spacegroup_type(hall)
        if sg is None:  # pragma: no cover - spglib knows all 530
            raise RuntimeError(f"spglib has no Hall setting {hall}")
        standard.setdefault(sg.number, sg.international_short)
        spellings = {sg.international_short, sg.international_full}
        spellings.update(part.strip() for part in sg.international.split("="))
        for spelling in spellings:
            add(spelling, sg.number, sg.choice)
            if sg.number in _OLD_CUBIC:
                add(spelling.replace("-3", "3"), sg.number, sg.choice)
    return _Table(standard, numbers, {k: frozenset(v) for k, v in choices.items()})


def space_group_symbol(number: int) -> str:
    """The canonical short symbol of space group ``number`` (standard setting)."""
    return _table().standard[number]


def parse_space_group(value: str | int) -> SpaceGroup:
    """Resolve a space-group number or Hermann–Mauguin symbol to the standard setting."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ChemistryError(
            f"a space group is a number (1–230) or a symbol such as `P4mm`, not {value!r}"
        )
    if isinstance(value, int):
        return _by_number(value, str(value))
    typed = value.strip()
    if not typed:
        raise ChemistryError("the space group is empty; give a number (1–230) or a symbol")
    if len(typed) > MAX_SPACE_GROUP_LENGTH:
        raise ChemistryError(
            f"`{typed[:20]}…` is too long for a space-group symbol "
            f"(at most {MAX_SPACE_GROUP_LENGTH} characters)",
            text=typed[:MAX_SPACE_GROUP_LENGTH],
        )
    if typed.isascii() and typed.isdigit():
        return _by_number(int(typed), typed)
    return _by_symbol(typed)


def _by_number(number: int, typed: str) -> SpaceGroup:
    if not 1 <= number <= 230:
        raise ChemistryError(
            f"`{typed}` is not a space-group number; they run from 1 to 230", text=typed
        )
    return SpaceGroup(space_group_symbol(number), number, typed)


@lru_cache(maxsize=1024)
def _by_symbol(typed: str) -> SpaceGroup:
    """A symbol's standard group; cached (a group is frozen, an error is raised anew)."""
    text = _OVERLINED_DIGIT.sub(r"-\1", typed.translate(_FOLD))
    setting = _SETTING.search(text)
    if setting:
        text = text[: setting.start()]
    key = _key(re.sub(r"\s+", " ", text).strip())
    table = _table()
    number = table.numbers.get(key)
    if number is None:
        raise _unknown(typed, key, table)
    if setting and not _has_setting(setting.group(1), table.choices[key]):
        raise ChemistryError(
            f"`{typed}`: {table.standard[number]} (No. {number}) has no setting "
            f"`:{setting.group(1)}`; leave the suffix out",
            text=typed,
            fix=table.standard[number],
        )
    return SpaceGroup(table.standard[number], number, typed)


def _has_setting(suffix: str, choices: frozenset[str]) -> bool:
    suffix = suffix.upper() if suffix.upper() in ("H", "R") else suffix
    return any(c == suffix or c.startswith(suffix) or c.endswith(suffix) for c in choices if c)


def _unknown(typed: str, key: str, table: _Table) -> ChemistryError:
    first = key[:1]
    if first and first.lower() == first and first.upper() in LATTICE_LETTERS:
        capital = first.upper() + key[1:]
        if capital in table.numbers:
            fix = table.standard[table.numbers[capital]]
            return ChemistryError(
                f"`{typed}` is a plane-group (2D) spelling; space-group symbols start with a "
                f"capital lattice letter: did you mean `{fix}`?",
                text=typed,
                fix=fix,
            )
    if not first or first not in LATTICE_LETTERS:
        return ChemistryError(
            f"`{typed}` is not a space group: a Hermann–Mauguin symbol starts with one of the "
            f"lattice letters {', '.join(LATTICE_LETTERS)}; or give the number (1–230)",
            text=typed,
        )
    nearby = [k for k in table.numbers if k[:1] == first and abs(len(k) - len(key)) <= 2]
    close = difflib.get_close_matches(key, nearby, n=1, cutoff=0.8)
    suggestion = table.standard[table.numbers[close[0]]] if close else None
    hint = (
        f"; did you mean `{suggestion}`?" if suggestion else "; give the number (1–230) if unsure"
    )
    return ChemistryError(
        f"`{typed}` is not the symbol of any of the 230 space groups{hint}",
        text=typed,
        fix=suggestion,
    )
