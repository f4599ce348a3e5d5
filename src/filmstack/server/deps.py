"""Annotated dependencies: the session a request owns, the caller's key, load-or-404."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from filmstack.server.accounts.service import Principal, authenticate
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.errors import Forbidden, PreconditionFailed, Unauthorized
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.materials.service import get_material

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
        # calls that need no transaction (parse) open none.
        with get_database(request).session(write=False) as session:
            return _principal(session, key, scope)

    dependency.__name__ = f"require_{scope}"
    return dependency


ReadKey = Annotated[Principal, Depends(_require("read"))]
WriteKey = Annotated[Principal, Depends(_require("write"))]
DeleteKey = Annotated[Principal, Depends(_require("delete"))]
AdminKey = Annotated[Principal, Depends(_require("admin"))]


# ------------------------------------------------------------------- target materials

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the revision this change was made on, e.g. "12-3": a material '
        "that has moved on answers 412 with its current ETag. Without it the write proceeds.",
    ),
]


def etag(material: TargetMaterial) -> str:
    """A strong ETag naming the material and its revision: `"<id>-<revision>"`."""
    return f'"{material.id}-{material.revision}"'


def check_if_match(material: TargetMaterial, if_match: str | None) -> None:
    """412 unless If-Match is absent, `*`, or lists the material's current ETag."""
    if if_match is None:
        return
    current = etag(material)
    for tag in (t.strip() for t in if_match.split(",")):
        if tag == "*" or tag.removeprefix("W/") == current:
            return
    raise PreconditionFailed(
        f"Target material {material.id} has changed: it is at revision {material.revision} "
        f"(ETag {current}), not the one If-Match names ({if_match[:100]}). Reload it and "
        "apply your change again.",
        current,
    )


def lock_material(
    session: Session,
    principal: Principal,
    material_id: int,
    if_match: str | None,
    *,
    trashed: bool = False,
) -> TargetMaterial:
    """Load-or-404 for a write: the row locked until the request commits, If-Match checked."""
    material = get_material(session, principal, material_id, for_update=True, trashed=trashed)
    check_if_match(material, if_match)
    return material


def _read_material(
    target_material_id: int, principal: ReadKey, session: SessionDep
) -> TargetMaterial:
    return get_material(session, principal, target_material_id)


def _write_material(
    target_material_id: int, principal: WriteKey, session: SessionDep, if_match: IfMatch = None
) -> TargetMaterial:
    return lock_material(session, principal, target_material_id, if_match)


def _delete_material(
    target_material_id: int, principal: DeleteKey, session: SessionDep, if_match: IfMatch = None
) -> TargetMaterial:
    return lock_material(session, principal, target_material_id, if_match)


def _restore_material(
    target_material_id: int, principal: WriteKey, session: SessionDep, if_match: IfMatch = None
) -> TargetMaterial:
    return lock_material(session, principal, target_material_id, if_match, trashed=True)


def _purge_material(
    target_material_id: int, principal: DeleteKey, session: SessionDep, if_match: IfMatch = None
) -> TargetMaterial:
    return lock_material(session, principal, target_material_id, if_match, trashed=True)


# The caller's live material named by the path, or 404 (another organization's looks missing).
MaterialDep = Annotated[TargetMaterial, Depends(_read_material)]
# The same, locked for a write with the write scope, after If-Match.
WritableMaterialDep = Annotated[TargetMaterial, Depends(_write_material)]
# The same with the delete scope.
DeletableMaterialDep = Annotated[TargetMaterial, Depends(_delete_material)]
# A material in the trash, locked: to restore (write scope) or purge (delete scope).
TrashedMaterialDep = Annotated[TargetMaterial, Depends(_restore_material)]
PurgeableMaterialDep = Annotated[TargetMaterial, Depends(_purge_material)]
