"""Materials Project material ids: an offline syntax check, never an existence check."""

from __future__ import annotations

import re

from .errors import ChemistryError

MAX_MP_ID_LENGTH = 100
# Ids up to this value were minted as `mp-<int>`; newer ones are letter ids (emmet's AlphaID:
# lowercase base 26, a = 0), and a letter id at or below it names the same integer id.
LEGACY_CUT_POINT = 3_347_529
PREFIXES = ("mp", "mvc")

_MATERIAL_ID = re.compile(r"(mp|mvc)-(?:(\d{1,12})|([a-z]{1,12}))")
_ANY_CASE = re.compile(r"(mp|mvc)-(\d{1,12}|[a-z]{1,12})", re.IGNORECASE)
_WITH_SUFFIX = re.compile(r"((?:mp|mvc)-(?:\d{1,12}|[a-z]{1,12}))[-_:].*", re.IGNORECASE)
_NO_DASH = re.compile(r"(mp|mvc)[\s_:]?(\d{1,12})", re.IGNORECASE)
_EMBEDDED = re.compile(r"\b(mp|mvc)-(\d{1,12}|[a-z]{1,12})\b")


def letters_to_int(letters: str) -> int:
    """The integer an AlphaID letter string stands for (`lxf` -> 8039)."""
    value = 0
    for letter in letters:
        value = value * 26 + (ord(letter) - ord("a"))
    return value


def normalize_mp_id(text: str) -> str:
    """The id to store: ``mp-149`` as is, ``mp-lxf`` as ``mp-8039``; ChemistryError otherwise."""
    if not isinstance(text, str):
        raise ChemistryError(f"an MP id is text such as `mp-149`, not {text!r}")
    typed = text.strip()
    if not typed:
        raise ChemistryError("the MP id is empty; write one such as `mp-149`")
    if len(typed) > MAX_MP_ID_LENGTH:
        raise ChemistryError(
            f"`{typed[:20]}…` is too long for a Materials Project id; write one such as `mp-149`",
            text=typed[:MAX_MP_ID_LENGTH],
        )
    match = _MATERIAL_ID.fullmatch(typed)
    if match:
        prefix, digits, letters = match.groups()
        if digits is not None:
            return f"{prefix}-{int(digits)}"
        value = letters_to_int(letters)
        return f"{prefix}-{value}" if value <= LEGACY_CUT_POINT else typed
    raise _explain(typed)


def _explain(typed: str) -> ChemistryError:
    any_case = _ANY_CASE.fullmatch(typed)
    if any_case:
        fix = typed.lower()
        return ChemistryError(f"`{typed}`: MP ids are lowercase; use `{fix}`", text=typed, fix=fix)
    if typed.isascii() and typed.isdigit():
        fix = f"mp-{int(typed)}"
        return ChemistryError(
            f"`{typed}` needs its prefix: write `{fix}` (or `mvc-{int(typed)}`)",
            text=typed,
            fix=fix,
        )
    suffixed = _WITH_SUFFIX.fullmatch(typed)
    if suffixed:
        fix = suffixed.group(1).lower()
        return ChemistryError(
            f"`{typed}` is a thermo or calculation id, not a material id; "
            f"use the material id `{fix}`",
            text=typed,
            fix=fix,
        )
    no_dash = _NO_DASH.fullmatch(typed)
    if no_dash:
        fix = f"{no_dash.group(1).lower()}-{int(no_dash.group(2))}"
        return ChemistryError(f"`{typed}`: write `{fix}`", text=typed, fix=fix)
    embedded = _EMBEDDED.search(typed)
    if embedded:
        fix = embedded.group(0)
        return ChemistryError(f"`{typed}`: give the id alone, `{fix}`", text=typed, fix=fix)
    return ChemistryError(
        f"`{typed}` is not a Materials Project material id; they look like `mp-149` or `mvc-1234`",
        text=typed,
    )
