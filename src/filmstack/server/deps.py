"""Annotated dependencies: the session a request owns, the caller's key, load-or-404."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from filmstack.server.accounts.service import Principal, authenticate
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.errors import Forbidden, Unauthorized

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, or rolled back."""
    db = get_database(request)
    with db.session(write=request.method not in _READ_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]

api_key_header = APIKeyHeader(
    name="X-API-KEY", auto_error=False, description="An API key from `filmstack keys create`."
)


def _principal(session: Session, key: str | None, scope: str) -> Principal:
    if not key:
        raise Unauthorized("Missing API key: send it in the X-API-KEY header.")
    principal = authenticate(session, key)
    if principal is None:
        raise Unauthorized("Invalid or revoked API key.")
    if scope not in principal.scopes:
        raise Forbidden(f"This API key lacks the '{scope}' scope.")
    return principal


def _require(scope: str):  # type: ignore[no-untyped-def]
    def dependency(
        session: SessionDep, key: Annotated[str | None, Security(api_key_header)]
    ) -> Principal:
        return _principal(session, key, scope)

    dependency.__name__ = f"require_{scope}"
    return dependency


ReadKey = Annotated[Principal, Depends(_require("read"))]
WriteKey = Annotated[Principal, Depends(_require("write"))]
DeleteKey = Annotated[Principal, Depends(_require("delete"))]
AdminKey = Annotated[Principal, Depends(_require("admin"))]
