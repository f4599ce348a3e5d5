"""One error model: domain code raises AppError subclasses, and every error leaves through here.

The handlers never fail on what they echo: input is echoed in a safe, shortened form (finite
numbers, valid Unicode, at most a few hundred characters) or not at all.
"""

import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from filmstack.server.db import DatabaseTimeout

log = logging.getLogger("filmstack")

REQUEST_ID_HEADER = "X-Request-ID"


class AppError(Exception):
    status_code = 500
    headers: dict[str, str] | None = None

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(AppError):
    status_code = 404


class Unauthorized(AppError):
    status_code = 401
    headers = {"WWW-Authenticate": "APIKey"}


class Forbidden(AppError):
    status_code = 403


class Conflict(AppError):
    status_code = 409


class PreconditionFailed(AppError):
    """412: If-Match named a revision that is no longer current; carries the current ETag."""

    status_code = 412

    def __init__(self, detail: Any, etag: str) -> None:
        super().__init__(detail)
        self.headers = {"ETag": etag}


class UnsupportedMediaType(AppError):
    status_code = 415


class TooManyRequests(AppError):
    status_code = 429

    def __init__(self, detail: Any, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(max(1, retry_after))}


class ServiceUnavailable(AppError):
    status_code = 503
    headers = {"Retry-After": "1"}


class InvalidInput(AppError):
    """A 422 in FastAPI's list-of-problems shape, for checks that need the database or settings."""

    status_code = 422

    def __init__(self, problems: Sequence[dict[str, Any]]) -> None:
        super().__init__(list(problems))

    @classmethod
    def at(cls, loc: Sequence[str | int], msg: str, value: Any = None) -> "InvalidInput":
        return cls([problem(loc, msg, value)])


def problem(loc: Sequence[str | int], msg: str, value: Any = None) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(loc), "msg": msg, "input": safe_echo(value)}


# ------------------------------------------------------------------------- safe echoes

_MAX_ECHO = 200  # characters of a string, or of the JSON text of a container
_MAX_ITEMS = 20  # keys or items of a container that are echoed
_MAX_DEPTH = 4


def _safe_text(text: str, limit: int = _MAX_ECHO) -> str:
    # Lone surrogates cannot be encoded as UTF-8 JSON: replace them; shorten long text.
    clean = text.encode("utf-8", "replace").decode("utf-8")
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def safe_echo(value: Any, depth: int = 0) -> Any:
    """A JSON-encodable, shortened copy of an input: never NaN, infinity or a lone surrogate."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) < 2**63:
            return value
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, bytes | bytearray):
        return _safe_text(bytes(value[: _MAX_ECHO * 4]).decode("utf-8", "replace"))
    if depth >= _MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        items = list(value.items())[:_MAX_ITEMS]
        out = {_safe_text(str(k), 64): safe_echo(v, depth + 1) for k, v in items}
        return out if len(str(out)) <= _MAX_ECHO * 2 else _safe_text(str(out))
    if isinstance(value, list | tuple):
        seq = [safe_echo(v, depth + 1) for v in list(value)[:_MAX_ITEMS]]
        return seq if len(str(seq)) <= _MAX_ECHO * 2 else _safe_text(str(seq))
    return _safe_text(str(value))


# ---------------------------------------------------------------- messages in plain words


def _count(n: Any, one: str, many: str) -> str:
    return f"{n} {one if str(n) == '1' else many}"


def plain_message(err: Mapping[str, Any]) -> str:
    """pydantic's wording replaced by a short message in the user's terms."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", ""))
    simple = {
        "missing": "is required",
        "string_type": "must be text",
        "string_unicode": "must be valid Unicode text (lone surrogate found)",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number (no NaN or Infinity)",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "dict_type": "must be a JSON object",
        "model_type": "must be a JSON object",
        "model_attributes_type": "must be a JSON object",
        "list_type": "must be a list",
        "json_invalid": "is not valid JSON",
        "json_type": "must be JSON",
        "uuid_parsing": "must be a UUID",
        "uuid_type": "must be a UUID",
        "extra_forbidden": "is not a known field",
        "none_required": "must be null",
        "string_pattern_mismatch": "has the wrong form",
    }
    if kind in simple:
        return simple[kind]
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must have at least {n} characters"
    if kind == "string_too_long":
        return f"must have at most {_count(ctx.get('max_length'), 'character', 'characters')}"
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return "must hold at least one item" if n == 1 else f"must hold at least {n} items"
    if kind == "too_long":
        return f"must hold at most {_count(ctx.get('max_length'), 'item', 'items')}"
    bounds = {
        "greater_than": ("must be greater than", "gt"),
        "greater_than_equal": ("must be at least", "ge"),
        "less_than": ("must be less than", "lt"),
        "less_than_equal": ("must be at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {ctx.get(key)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", msg)
    return msg


def _clean_problems(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [x if isinstance(x, int) else _safe_text(str(x), 64) for x in err.get("loc", ())]
        item: dict[str, Any] = {"type": err.get("type"), "loc": loc, "msg": plain_message(err)}
        if "input" in err:
            item["input"] = safe_echo(err["input"])
        if err.get("ctx"):
            item["ctx"] = {k: _safe_text(str(v)) for k, v in err["ctx"].items()}
        out.append(item)
    return out


# ---------------------------------------------------------------------------- responses


def request_id_of(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else ""


def error_response(
    status: int, detail: Any, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one way an error body is written: {"detail": ...}, always encodable."""
    return JSONResponse({"detail": safe_echo_detail(detail)}, status, headers=dict(headers or {}))


def safe_echo_detail(detail: Any) -> Any:
    if isinstance(detail, str):
        return _safe_text(detail, 2000)
    if isinstance(detail, list):
        return [
            {**p, "input": safe_echo(p.get("input"))} if isinstance(p, dict) and "input" in p else p
            for p in detail
        ]
    return safe_echo(detail)


def internal_error_response(request_id: str) -> JSONResponse:
    """The JSON 500: nothing about the bug leaks, the id finds its traceback in the log."""
    return JSONResponse(
        {"detail": "internal error", "request_id": request_id},
        500,
        headers={REQUEST_ID_HEADER: request_id} if request_id else None,
    )


# Connection and timeout failures are "busy, retry"; anything else from the database (a missing
# table, a read-only database, a bug) is a 500 the operator must see.
_BUSY_SQLSTATES = ("08", "53", "57014", "57P01", "57P02", "57P03", "55P03", "40001", "40P01")
_BUSY_SQLITE = ("database is locked", "database is busy", "database table is locked")


def is_busy(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout | DatabaseTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    module = type(orig).__module__
    if module.startswith("sqlite3"):
        return any(text in str(orig).lower() for text in _BUSY_SQLITE)
    if module.startswith("psycopg"):
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate is None:  # raised by the driver itself: no connection, or it broke
            return type(orig).__name__ in ("OperationalError", "ConnectionTimeout")
        return str(sqlstate).startswith(_BUSY_SQLSTATES)
    return False


def _allowed_methods(request: Request) -> str:
    """Every method the OpenAPI document declares for this path (with or without its slash)."""
    app = request.app
    table = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, item in app.openapi().get("paths", {}).items():
            integers = {
                p["name"]
                for op in item.values()
                for p in op.get("parameters", [])
                if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
            }

            def segment(match: re.Match[str], integers: set[str] = integers) -> str:
                return "[0-9]+" if match.group(1) in integers else "[^/]+"

            pattern = re.sub(r"\\{([^}]+)\\}", segment, re.escape(template.rstrip("/")))
            table.append((re.compile(pattern + "/?"), {m.upper() for m in item}))
        app.state.allow_table = table
    path = request.url.path
    found: set[str] = set()
    for pattern, methods in table:
        if pattern.fullmatch(path):
            found |= methods
    return ", ".join(sorted(found))


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return error_response(exc.status_code, exc.detail, exc.headers)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        missing_ids = [e for e in errors if e.get("type") == "id_not_found"]
        if missing_ids:
            # A path id of plain digits outside 1..2^63-1 names no record: that is a 404.
            ctx = missing_ids[0].get("ctx") or {}
            return error_response(404, f"{ctx.get('what', 'Record')} not found")
        return error_response(422, _clean_problems(errors))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to JSON it could not even decode (e.g. nested past recursion).
            return error_response(
                422, [problem(["body"], "JSON could not be parsed (too deeply nested?)")]
            )
        if exc.status_code == 400:
            # The framework's word for a body it could not read (e.g. broken multipart data):
            # like any malformed body, that is a 422 naming the body.
            return error_response(422, [problem(["body"], f"could not be read: {detail}")])
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return error_response(exc.status_code, detail, headers)

    async def integrity_error(_request: Request, exc: Exception) -> JSONResponse:
        # Reached only when two writers raced past our own checks: the constraint decided.
        log.info("integrity error: %s", exc)
        return error_response(
            409, "Conflicting change: another request changed this record at the same time."
        )

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if is_busy(exc):
            log.warning("database unavailable (request %s): %s", request_id_of(request), exc)
            return error_response(
                503, "The database is busy or unavailable; try again.", {"Retry-After": "1"}
            )
        return await unexpected_error(request, exc)

    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        rid = request_id_of(request)
        log.error("internal error (request %s)", rid, exc_info=exc)
        return internal_error_response(rid)

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeout, database_error)
    app.add_exception_handler(DatabaseTimeout, database_error)
    app.add_exception_handler(Exception, unexpected_error)
