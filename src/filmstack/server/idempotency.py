"""Idempotency-Key on the creating POSTs, kept in the database so it holds across processes.

A request with a key goes through two steps:

1. `claim` (a short transaction of its own, committed before the work starts): the first
   request with a key inserts a `running` row, so that every process sees it. A key seen with
   another body or on another endpoint is 422; one whose answer is stored is replayed.
2. `Idempotency.start`, inside the request's own transaction: the row is locked (PostgreSQL
   `FOR UPDATE`; SQLite holds its one write lock already) and looked at again. Whoever holds
   it while it is still `running` does the work and stores the answer in the same
   transaction as the work, so the two commit together or not at all. A duplicate arriving
   while the first works gets 409 (PostgreSQL: its `NOWAIT` lock fails; one process: the key
   is in flight here; SQLite across processes: the row is younger than `SQLITE_RUNNING_GRACE`).

`IdempotencyDep` must come before `SessionDep` in a handler's parameters: the claim commits
before the request's own transaction begins.

A request that fails removes its `running` row, so the key can be used again. A process that
dies mid-request leaves one: on PostgreSQL its lock died with it and the next retry takes the
work over; on SQLite `release_abandoned` clears such rows when a server starts (safe even
while another process works, because step 2 looks again under the write lock).
"""

import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, cast

import orjson
from fastapi import Depends, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from filmstack.server.db import Database, utcnow
from filmstack.server.deps import (
    Around,
    get_database,
    made_by_route,
    needs_key_for,
    request_key,
    resolve_apart,
)
from filmstack.server.errors import Conflict, InvalidInput
from filmstack.server.materials.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
SQLITE_RUNNING_GRACE = timedelta(seconds=60)
_PURGE_EVERY = timedelta(minutes=10)
_LOC = ["header", HEADER]
_LOCK_NOT_AVAILABLE = "55P03"


def check_key(key: str) -> str:
    if not 1 <= len(key) <= 255:
        raise InvalidInput.at(_LOC, "must be 1 to 255 characters long", key[:300])
    if not all(" " <= c <= "~" for c in key):
        raise InvalidInput.at(_LOC, "must be printable ASCII characters only", key[:300])
    return key


def body_hash(body: bytes) -> str:
    """The same JSON however it is spaced or ordered hashes the same."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def replay(row: IdempotencyKey) -> Response:
    headers = {**(row.response_headers or {}), "Idempotent-Replayed": "true"}
    return Response(
        (row.response_body or "").encode(),
        status_code=row.status_code or 200,
        media_type="application/json",
        headers=headers,
    )


def _mismatch(row: IdempotencyKey, request: str, digest: str) -> None:
    if row.request != request:
        raise InvalidInput.at(
            _LOC, f"this key was used for another request ({row.request}); use a new key"
        )
    if row.body_hash != digest:
        raise InvalidInput.at(_LOC, "this key was used with a different body; use a new key")


@dataclass
class Idempotency:
    """What step 2 needs to know; `key` is None when the request sent no Idempotency-Key."""

    key: str | None = None
    organization_id: int = 0
    request: str = ""
    digest: str = ""
    owner: bool = False
    replayed: Response | None = None
    postgres: bool = False
    working: bool = False  # this request does the work the key stands for
    done: bool = False  # the answer is stored (or was replayed)

    def _row(self, session: Session, *, nowait: bool) -> IdempotencyKey | None:
        query = select(IdempotencyKey).where(
            IdempotencyKey.organization_id == self.organization_id, IdempotencyKey.key == self.key
        )
        if self.postgres:
            query = query.with_for_update(nowait=nowait)
        return session.scalar(query)

    def start(self, session: Session) -> Response | None:
        """Inside the request's transaction: the stored answer to send again, or None to work."""
        if self.key is None:
            return None
        if self.replayed is not None:
            return self.replayed
        try:
            row = self._row(session, nowait=not self.owner)
        except OperationalError as err:
            if getattr(err.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            # PostgreSQL's NOWAIT: the first request's transaction holds the row.
            raise self._running() from None
        if row is None:
            # Cleared meanwhile (a server start on SQLite): claim it again, inside this work.
            session.add(
                IdempotencyKey(
                    organization_id=self.organization_id,
                    key=self.key,
                    request=self.request,
                    body_hash=self.digest,
                    state="running",
                    created_at=utcnow(),
                )
            )
            session.flush()
            self.working = True
            return None
        _mismatch(row, self.request, self.digest)
        if row.state == "done":
            self.done = True
            return replay(row)
        young = utcnow() - row.created_at < SQLITE_RUNNING_GRACE
        if not self.owner and not self.postgres and young:
            raise self._running()
        # The owner, or a retry taking over from a request that died holding the key.
        self.working = True
        return None

    def _running(self) -> Conflict:
        return Conflict(
            f"A request with this {HEADER} is still running; retry once it has finished."
        )

    def respond(
        self,
        session: Session,
        content: Any,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The JSON answer; with a key, stored in the transaction of the work it answers."""
        body = orjson.dumps(content)
        if self.key is not None:
            row = self._row(session, nowait=False)
            assert row is not None
            row.state = "done"
            row.status_code = status_code
            row.response_headers = headers or {}
            row.response_body = body.decode()
            session.flush()
            self.done = True
        return Response(body, status_code, headers=headers, media_type="application/json")


# --------------------------------------------------------------------- step 1: claim


def _claim(db: Database, idem: Idempotency, purge: bool) -> None:
    now = utcnow()
    for _attempt in range(3):
        try:
            with db.session(write=True) as session:
                if purge:
                    purge_expired(session, now)
                row = session.scalar(
                    select(IdempotencyKey).where(
                        IdempotencyKey.organization_id == idem.organization_id,
                        IdempotencyKey.key == idem.key,
                    )
                )
                if row is not None and now - row.created_at > KEEP:
                    session.delete(row)
                    session.flush()
                    row = None
                if row is None:
                    session.add(
                        IdempotencyKey(
                            organization_id=idem.organization_id,
                            key=idem.key,
                            request=idem.request,
                            body_hash=idem.digest,
                            state="running",
                            created_at=now,
                        )
                    )
                    session.flush()
                    idem.owner = True
                    return
                _mismatch(row, idem.request, idem.digest)
                if row.state == "done":
                    idem.replayed = replay(row)
                    idem.done = True
                return
        except IntegrityError:
            continue  # another request inserted the same key first: look again
    raise idem._running()


def _release(db: Database, idem: Idempotency) -> None:
    """The request failed: its running row goes, so the key may be used again."""
    with db.session(write=True) as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.organization_id == idem.organization_id,
                IdempotencyKey.key == idem.key,
                IdempotencyKey.state == "running",
            )
        )


def purge_expired(session: Session, now: datetime | None = None) -> None:
    cutoff = (now or utcnow()) - KEEP
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))


def release_abandoned(session: Session) -> None:
    """At a SQLite server's start: running rows of processes that died."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.state == "running"))


def _write_turn(_request: Request) -> AbstractAsyncContextManager[Any]:
    # SQLite writers take turns at their first statement, in their worker thread (db.py).
    return nullcontext()


class _Claim(Around):
    """A request's Idempotency-Key, claimed as its RequestRoute runs the endpoint."""

    def __init__(self, request: Request, key: str) -> None:
        self.request = request
        self.key = key

    def around(self) -> AbstractAsyncContextManager[Idempotency]:
        return _claimed(self.request, self.key)


_DESCRIPTION = (
    "1-255 printable ASCII characters: a retry with the same key and body is answered with the "
    "first answer and writes nothing (kept 24 hours)."
)
# The header as the OpenAPI document declares it (what FastAPI writes for a `str | None` Header).
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": _DESCRIPTION,
        "title": HEADER,
    },
    "description": _DESCRIPTION,
}


@made_by_route(PARAMETER)
@needs_key_for("write")
def idempotency(request: Request) -> Idempotency:
    """The endpoint's Idempotency: without a key, one that does nothing; with one, the claim
    around the endpoint's work, which its RequestRoute makes (`deps.Around`) after the body
    has been validated: cheaper than a generator dependency, which FastAPI runs in an exit
    stack of its own, and nothing to claim for a body that is refused anyway.

    RequestRoute reads the header itself (`made_by_route`): FastAPI's solving of a dependency
    with a header parameter cost more than the rest of solving a create."""
    key = request.headers.get(HEADER)
    if key is None:
        return Idempotency()
    return cast(Idempotency, _Claim(request, key))


@asynccontextmanager
async def _claimed(request: Request, key: str) -> AsyncIterator[Idempotency]:
    db = get_database(request)
    # The claim is a transaction of its own, before the request's: the key is checked apart.
    owner = await run_in_threadpool(resolve_apart, request_key(request))
    idem = Idempotency(
        key=check_key(key),
        organization_id=owner.organization_id,
        request=f"{request.method} {request.url.path.rstrip('/')}",
        digest=body_hash(await request.body()),
        postgres=db.engine.dialect.name == "postgresql",
    )
    in_flight: set[tuple[int, str]] = request.app.state.idempotency_in_flight
    token = (idem.organization_id, key)
    if token in in_flight:
        raise idem._running()
    in_flight.add(token)
    try:
        async with _write_turn(request):
            await run_in_threadpool(_claim, db, idem, _purge_due(request))
        try:
            yield idem
        except BaseException:
            if (idem.owner or idem.working) and not idem.done:
                async with _write_turn(request):
                    await run_in_threadpool(_release, db, idem)
            raise
    finally:
        in_flight.discard(token)


def _purge_due(request: Request) -> bool:
    """Expired keys are purged by the first claim every ten minutes, in each process."""
    last: datetime | None = getattr(request.app.state, "idempotency_purged_at", None)
    now = utcnow()
    if last is not None and now - last < _PURGE_EVERY:
        return False
    request.app.state.idempotency_purged_at = now
    return True


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
