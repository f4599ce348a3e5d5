"""The one exception the chemistry package raises."""

from __future__ import annotations


class ChemistryError(ValueError):
    """User-facing message naming the offending text and, where there is one, the fix.

    A plain ``ValueError`` subclass so that it can be raised inside pydantic field validators;
    ``str(err)`` is the message. ``text`` is the offending text and ``fix`` the suggested
    replacement, when there is one, for callers that want them separately.
    """

    def __init__(self, message: str, *, text: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.fix = fix

    def __str__(self) -> str:
        return self.message
