"""The client's plumbing: the connection, retries, idempotency keys, errors and ETags.

`filmstack.Client` builds on this; nothing here knows about a particular endpoint.
"""

import email.utils
import enum
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from filmstack._version import __version__
from filmstack.config import resolve_api_key, resolve_endpoint
from filmstack.errors import ConfigurationError, MissingAPIKey, TransportError, error_for_status
from filmstack.schemas import Material

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

M = TypeVar("M", bound=Material)


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET = _Unset.UNSET
"""Marks an argument as "leave unchanged" where None means "clear"."""


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def new_idempotency_key() -> str:
    """A fresh Idempotency-Key: a random UUID, so no two creates ever share one by accident."""
    return str(uuid.uuid4())


def check_idempotency_key(key: str) -> str:
    """The key as sent, after the server's rule (1-255 printable ASCII) is checked here."""
    if not isinstance(key, str) or not 1 <= len(key) <= 255:
        raise ConfigurationError("idempotency_key must be 1 to 255 characters")
    if not all(" " <= ch <= "~" for ch in key):
        raise ConfigurationError("idempotency_key must be printable ASCII")
    return key


def conditional(if_match: str | None) -> dict[str, str] | None:
    """The If-Match header for a write on an existing material (None: unconditional)."""
    if if_match is None:
        return None
    if not isinstance(if_match, str) or not if_match.strip():
        raise ConfigurationError(f"if_match must be an ETag (e.g. material.etag), not {if_match!r}")
    return {"If-Match": if_match}


class BaseClient:
    """The connection: see `filmstack.Client` for the arguments."""

    def __init__(
        self,
        api_key: str | None = None,
        endpoint: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int = 3,
        max_retry_wait: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        key = resolve_api_key(api_key)
        if key is None:
            raise MissingAPIKey(
                "No API key: pass Client(api_key=...), set FILMSTACK_API_KEY (or AS_API_KEY), "
                "or run `filmstack login`."
            )
        self.endpoint = resolve_endpoint(endpoint)
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._http = httpx.Client(
            base_url=self.endpoint,
            headers={"X-API-KEY": key, "User-Agent": f"filmstack-python/{__version__}"},
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------- the plumbing

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request, repeated on 429/502/503/504 or a network error when that is safe.

        A request carrying an Idempotency-Key is safe to repeat (the server answers a repeat
        with the first answer), so it is retried with the same key; a 409 on such a retry
        means the first attempt is still running on the server, and is waited out too.
        """
        keyed = bool(headers and "Idempotency-Key" in headers)
        retryable = keyed or (method in _IDEMPOTENT_METHODS if idempotent is None else idempotent)
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    method, path, json=json, params=params, headers=headers
                )
            except ValueError as exc:  # the body cannot be JSON: nothing was sent
                raise ConfigurationError(
                    f"cannot send this as JSON ({exc}): numbers must be finite, not NaN or infinity"
                ) from None
            except httpx.TransportError as exc:
                if retryable and attempt < self.retries:
                    time.sleep(min(0.25 * 2**attempt, 8.0))
                    attempt += 1
                    continue
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
                raise TransportError(
                    f"{method} {self.endpoint}{path} {kind}: {exc or type(exc).__name__}"
                ) from exc
            again = response.status_code in RETRY_STATUSES or (
                keyed and attempt > 0 and response.status_code == 409
            )
            if again and retryable and attempt < self.retries:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                wait = min(0.25 * 2**attempt, 8.0) if wait is None else wait
                if wait <= self.max_retry_wait:
                    response.close()
                    time.sleep(wait)
                    attempt += 1
                    continue
            if response.is_error:
                if method == "DELETE" and response.status_code == 404 and attempt > 0:
                    # An earlier attempt did delete it; its answer was lost on the way back.
                    return response
                raise self._error(response)
            return response

    @staticmethod
    def _error(response: httpx.Response) -> Exception:
        try:
            body = response.json()
            detail = body.get("detail", body) if isinstance(body, dict) else body
        except ValueError:
            detail = response.text.strip() or response.reason_phrase
        return error_for_status(
            response.status_code,
            detail,
            method=response.request.method,
            url=str(response.url),
            etag=response.headers.get("ETag"),
        )

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """The items of a keyset-paged list, one GET per page, following X-Next-Cursor."""
        query = dict(params)
        while True:
            response = self._request("GET", path, params=query)
            yield from response.json()
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                return
            query["cursor"] = cursor

    def _material(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        """A material answer, with the response's ETag header kept on it as `.etag`."""
        response = self._request(method, path, **kwargs)
        material = model.model_validate(response.json())
        material._etag = response.headers.get("ETag")
        return material

    @staticmethod
    def _key_header(idempotency_key: str | None) -> dict[str, str]:
        """The Idempotency-Key header of a creating POST (a fresh key unless one is given)."""
        key = new_idempotency_key() if idempotency_key is None else idempotency_key
        return {"Idempotency-Key": check_idempotency_key(key)}


def ids(value: int) -> int:
    """An id as the path takes it; bool is an int, and an id of True would be a silent bug."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"ids are integers, got {value!r}")
    return value


__all__ = [
    "UNSET",
    "BaseClient",
    "check_idempotency_key",
    "conditional",
    "ids",
    "new_idempotency_key",
    "retry_after_seconds",
]
