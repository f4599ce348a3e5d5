"""filmstack: record the layer stacks a thin-film lab intends to grow.

The public surface is the Python client and its exceptions:

    from filmstack import Client, NotFound
"""

__version__ = "0.1.0"

# After __version__: the client module reads it while this package is still importing.
from filmstack.client import Client  # noqa: E402
from filmstack.errors import (  # noqa: E402
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
