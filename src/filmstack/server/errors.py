"""One error model: domain code raises AppError subclasses, one handler renders them."""

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("filmstack")


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


class InvalidInput(AppError):
    """A 422 in FastAPI's list-of-problems shape, for checks that need the database or settings."""

    status_code = 422

    def __init__(self, problems: Sequence[dict[str, Any]]) -> None:
        super().__init__(list(problems))

    @classmethod
    def at(cls, loc: Sequence[str | int], msg: str, value: Any = None) -> "InvalidInput":
        return cls([problem(loc, msg, value)])


def problem(loc: Sequence[str | int], msg: str, value: Any = None) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(loc), "msg": msg, "input": value}


_MAX_ECHO = 200


def _short_input(value: Any) -> Any:
    """Echo small inputs back; a 3 MB body must not come back in its own error."""
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError, RecursionError):
        return None
    return value if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…"


def _clean_problems(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        item = {"type": err.get("type"), "loc": list(err.get("loc", ())), "msg": err.get("msg")}
        if "input" in err:
            item["input"] = _short_input(err["input"])
        if err.get("ctx"):
            item["ctx"] = {k: str(v) for k, v in err["ctx"].items()}
        out.append(item)
    return out


def install_error_handlers(app: FastAPI) -> None:
    async def app_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": _clean_problems(exc.errors())}, 422)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to JSON it could not even decode (e.g. nested past recursion).
            return JSONResponse(
                {"detail": [problem(["body"], "JSON could not be parsed (too deeply nested?)")]},
                422,
            )
        return JSONResponse({"detail": detail}, exc.status_code, headers=exc.headers)

    async def integrity_error(_request: Request, exc: Exception) -> JSONResponse:
        # Reached only when two writers raced past our own checks: the constraint decided.
        log.info("integrity error: %s", exc)
        return JSONResponse(
            {"detail": "Conflicting change: another request changed this record at the same time."},
            409,
        )

    async def busy_error(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            {"detail": "The database is busy or unavailable; try again."},
            503,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, busy_error)
    app.add_exception_handler(PoolTimeout, busy_error)
