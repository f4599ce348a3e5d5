"""Checks of free-form JSON that depend on configurable limits."""

import json
from collections.abc import Sequence
from typing import Any

from filmstack.server.errors import InvalidInput


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
