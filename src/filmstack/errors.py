"""The client's one exception tree.

FilmstackError                 anything the client raises on purpose
├── ConfigurationError         no API key, or an argument it cannot send (nothing was sent)
│   ├── MissingAPIKey          no key given and none in the environment or the saved login
│   └── MissingSubstrate       create_from_text: the text names no substrate and none was given
├── TransportError             the server could not be reached, or did not answer in time
└── APIError(status, detail)   the server answered with an error status
    ├── InvalidInput           400, 413, 422: the request was refused as it stands
    ├── AuthError              401, 403: missing, unknown or revoked key, or a missing scope
    ├── NotFound               404: no such record in your organization
    ├── Conflict               409: e.g. that layer position is taken
    └── PreconditionFailed     412: someone changed the material since your `if_match` ETag
"""

from typing import Any


class FilmstackError(Exception):
    """Base class of every error the filmstack client raises."""


class ConfigurationError(FilmstackError, ValueError):
    """The client cannot make the request at all (e.g. no API key); nothing was sent."""


class MissingAPIKey(ConfigurationError):
    """No API key was given, and none is in the environment or the saved login."""


class MissingSubstrate(ConfigurationError):
    """A stack text names no substrate and none was given; ``text`` is the text as given."""

    def __init__(self, message: str, *, text: str) -> None:
        super().__init__(message)
        self.text = text


class TransportError(FilmstackError):
    """The server could not be reached or did not answer in time."""


class APIError(FilmstackError):
    """The server answered with an error status; `detail` is the body's `detail` as sent."""

    def __init__(self, status: int, detail: Any, *, method: str = "", url: str = "") -> None:
        self.status = status
        self.detail = detail
        self.method = method
        self.url = url
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line: the status and what the server said, validation problems by field."""
        return f"{self.status}: {describe_detail(self.detail)}"

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, detail={self.detail!r})"


class InvalidInput(APIError):
    """400, 413 or 422: malformed body, wrong types, bad chemistry, values out of range."""

    @property
    def problems(self) -> list[dict[str, Any]]:
        """FastAPI's list of problems (each with `loc` and `msg`); empty if the detail is text."""
        if isinstance(self.detail, list):
            return [p for p in self.detail if isinstance(p, dict)]
        return []


class AuthError(APIError):
    """401 (missing, unknown or revoked key) or 403 (the key lacks the scope)."""


class NotFound(APIError):
    """404: the id does not exist in your organization."""


class Conflict(APIError):
    """409: the change collides with what is stored (e.g. a taken layer position)."""


class PreconditionFailed(APIError):
    """412: the material moved on since the ETag sent as `if_match`; nothing was written.

    `etag` is the material's current ETag (from the answer's ETag header), or None if the
    server sent none: read the material again, redo the change on it, and send that ETag.
    """

    def __init__(
        self,
        status: int,
        detail: Any,
        *,
        method: str = "",
        url: str = "",
        etag: str | None = None,
    ) -> None:
        self.etag = etag
        super().__init__(status, detail, method=method, url=url)


_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidInput,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: InvalidInput,
    422: InvalidInput,
}


def error_for_status(
    status: int, detail: Any, *, method: str = "", url: str = "", etag: str | None = None
) -> APIError:
    """The exception that fits an HTTP error status (`etag`: the answer's ETag header)."""
    if status == 412:
        return PreconditionFailed(status, detail, method=method, url=url, etag=etag)
    return _BY_STATUS.get(status, APIError)(status, detail, method=method, url=url)


def describe_detail(detail: Any) -> str:
    """Render a `detail` (text, or FastAPI's list of problems) as one readable line."""
    if isinstance(detail, list):
        parts = []
        for problem in detail:
            if isinstance(problem, dict):
                loc = [str(p) for p in problem.get("loc", []) if p not in ("body", "query", "path")]
                where = ".".join(loc)
                msg = str(problem.get("msg", problem))
                parts.append(f"{where}: {msg}" if where else msg)
            else:
                parts.append(str(problem))
        return "; ".join(parts) if parts else "invalid input"
    if detail is None or detail == "":
        return "no detail given"
    return str(detail)


__all__ = [
    "APIError",
    "AuthError",
    "ConfigurationError",
    "Conflict",
    "FilmstackError",
    "InvalidInput",
    "MissingAPIKey",
    "MissingSubstrate",
    "NotFound",
    "PreconditionFailed",
    "TransportError",
    "describe_detail",
    "error_for_status",
]
