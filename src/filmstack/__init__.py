"""filmstack: record the layer stacks a thin-film lab intends to grow.

The public surface is the Python client and its exceptions:

    from filmstack import Client, NotFound

They are imported on first use (PEP 562), so `import filmstack.chemistry` or a server worker
does not load the client, httpx or pydantic.
"""

from typing import TYPE_CHECKING, Any

from filmstack._version import __version__

if TYPE_CHECKING:
    from filmstack.client import Client
    from filmstack.errors import (
        APIError,
        AuthError,
        ConfigurationError,
        Conflict,
        FilmstackError,
        InvalidInput,
        NotFound,
        PreconditionFailed,
        TransportError,
    )

_ERRORS = frozenset(
    {
        "APIError",
        "AuthError",
        "ConfigurationError",
        "Conflict",
        "FilmstackError",
        "InvalidInput",
        "NotFound",
        "PreconditionFailed",
        "TransportError",
    }
)

__all__ = [
    "APIError",
    "AuthError",
    "Client",
    "ConfigurationError",
    "Conflict",
    "FilmstackError",
    "InvalidInput",
    "NotFound",
    "PreconditionFailed",
    "TransportError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "Client":
        from filmstack.client import Client

        return Client
    if name in _ERRORS:
        from filmstack import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'filmstack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
