"""Annotated dependencies: the session a request owns, the caller's key, load-or-404."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from filmstack.server.accounts.service import Principal, authenticate
from filmstack.server.accounts.throttle import FailureThrottle
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


async def _write_turn(request: Request) -> AsyncIterator[None]:
    """On SQLite, writing requests of this process take turns here, in the event loop.

    SQLite has one writer at a time. Waiting for its lock inside a worker thread would hold that
    thread, and with every thread waiting, the writer that has the lock could not get a thread to
    finish: queueing before any thread is taken avoids that, and serves writers in order.
    """
    lock: asyncio.Lock | None = request.app.state.write_lock
    if lock is None or request.method in _READ_METHODS:
        yield
        return
    async with lock:
        yield


def get_session(
    request: Request, _turn: Annotated[None, Depends(_write_turn, scope="function")]
) -> Iterator[Session]:
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
        request: Request, key: Annotated[str | None, Security(api_key_header)]
    ) -> Principal:
        # A short read of its own: a request is authenticated before it queues to write, and
        # calls that need no transaction (parse) open none. An address that keeps sending bad
        # keys is refused (429) before it costs a database read.
        throttle: FailureThrottle = request.app.state.auth_throttle
        address = request.client.host if request.client else "unknown"
        throttle.check(address)
        try:
            with get_database(request).session(write=False) as session:
                return _principal(session, key, scope)
        except Unauthorized:
            if key:
                throttle.failed(address)
            raise

    dependency.__name__ = f"require_{scope}"
    return dependency


ReadKey = Annotated[Principal, Depends(_require("read"))]
WriteKey = Annotated[Principal, Depends(_require("write"))]
DeleteKey = Annotated[Principal, Depends(_require("delete"))]
AdminKey = Annotated[Principal, Depends(_require("admin"))]
