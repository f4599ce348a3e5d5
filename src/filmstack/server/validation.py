"""Checks of free-form JSON that depend on configurable limits."""

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from starlette.convertors import Convertor, register_url_convertor

from filmstack.server.config import Settings
from filmstack.server.errors import InvalidInput, problem

TextLimit = tuple[Sequence[str | int], str | None, int]  # (loc, value, most characters)


def check_lengths(checks: Iterable[TextLimit]) -> None:
    """422 naming every text longer than its configured limit (Settings.max_*_length).

    Called before anything is written. The wire schema keeps only the structural ceiling, so
    this is where a limit lowered by a deployer is enforced. Names arrive already trimmed.
    """
    problems = [
        problem(loc, f"may have at most {limit} characters ({len(value)} sent)", value)
        for loc, value, limit in checks
        if value is not None and len(value) > limit
    ]
    if problems:
        raise InvalidInput(problems)


def check_record_text(values: Mapping[str, Any], loc: Sequence[str | int], s: Settings) -> None:
    """The configured limits of the names and the note among a record's fields `values`."""
    limits = {
        "sample_name": s.max_name_length,
        "substrate": s.max_name_length,
        "name": s.max_name_length,
        "detail_note_content": s.max_note_length,
    }
    check_lengths(
        ([*loc, field], value, limits[field])
        for field, value in values.items()
        if field in limits and isinstance(value, str)
    )


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def check_json_object(
    value: dict[str, Any], loc: Sequence[str | int], *, max_bytes: int, max_depth: int
) -> dict[str, Any]:
    """A metadata object must fit the size and nesting limits and hold only storable values."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise InvalidInput.at(loc, f"nesting deeper than {max_depth} levels")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, loc)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, loc)
        elif isinstance(item, int) and not _INT64_MIN <= item <= _INT64_MAX:
            # JSON itself has no limit, but JSON readers have (a JavaScript number is exact
            # to 2**53, most others stop at 64 bits): such a number would not read back.
            raise InvalidInput.at(
                loc, f"integers must fit in 64 bits ({_INT64_MIN} to {_INT64_MAX})", item
            )
    try:
        size = len(json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    except ValueError:
        raise InvalidInput.at(loc, "numbers must be finite (no NaN or Infinity)") from None
    if size > max_bytes:
        raise InvalidInput.at(loc, f"larger than {max_bytes} bytes as JSON ({size} bytes)")
    return value


def _check_text(text: str, loc: Sequence[str | int]) -> None:
    if "\x00" in text:
        raise InvalidInput.at(loc, "strings must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput.at(loc, "strings must be valid Unicode (lone surrogate found)") from None


# ------------------------------------------------------------------------------ path ids

MAX_ID = 2**63 - 1  # ids are 64-bit on every database
MAX_POSITION = 2**31 - 1  # layer positions are 32-bit
_PLAIN_ID = re.compile(r"[1-9][0-9]{0,18}")
_DIGITS = re.compile(r"[1-9][0-9]*")


def _strict_id(what: str, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        """Plain ASCII decimal digits, no sign, no leading zero, no `_`, `.`, space or `１`."""
        text = value if isinstance(value, str) else None
        if text is not None and _PLAIN_ID.fullmatch(text) and int(text) <= maximum:
            return int(text)
        if text is not None and (text == "0" or _DIGITS.fullmatch(text)):
            # plain digits, but 0 or past the largest id: names no record, so 404
            raise PydanticCustomError("id_not_found", "no such id", {"what": what})
        raise PydanticCustomError(
            "id_parsing",
            "must be plain decimal digits from 1 to {maximum}, without sign or leading zero",
            {"maximum": maximum},
        )

    return parse


class DigitsConvertor(Convertor[str]):
    """Routes an id segment only when it is ASCII digits: `parse` or `1_0` never match an id route.

    The value stays text, so that `_strict_id` can still tell `00001` (422) from `1` (an id).
    """

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("digits", DigitsConvertor())


class DigitsPath:
    """Marks a path parameter whose route segment only matches digits (see routing.py)."""


DIGITS_PATH = DigitsPath()

MaterialPathId = Annotated[
    int,
    DIGITS_PATH,
    BeforeValidator(_strict_id("Target material", MAX_ID)),
    Path(ge=1, le=MAX_ID, description="Id of a target material (its sample_id)."),
]
LayerPathId = Annotated[
    int,
    DIGITS_PATH,
    BeforeValidator(_strict_id("Layer", MAX_POSITION)),
    Path(ge=1, le=MAX_POSITION, description="Position of the layer: 1 sits on the substrate."),
]
RevisionPathId = Annotated[
    int,
    DIGITS_PATH,
    BeforeValidator(_strict_id("Revision", MAX_POSITION)),
    Path(ge=1, le=MAX_POSITION, description="A revision number of the record."),
]
KeyPathId = Annotated[
    int,
    DIGITS_PATH,
    BeforeValidator(_strict_id("API key", MAX_ID)),
    Path(ge=1, le=MAX_ID, description="Id of an API key, from GET /api-keys/."),
]
