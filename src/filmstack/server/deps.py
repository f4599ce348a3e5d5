"""Annotated dependencies: the caller's key, the request's session, and the route running both.

A request's database work runs in ONE transaction, in one worker thread (a read on SQLite: in the
event loop itself), and the key check is that transaction's first statement. The dependencies
themselves are async and touch no database: the session dependency makes a Session (no
connection yet), the key dependency only checks that a key was sent, and the material
dependencies name the material to load. `RequestRoute` wraps each endpoint so that the key is
checked when the transaction begins, the material is loaded after it, and the transaction is
committed (or rolled back) before the response is sent.

Reads begin at once. Writes begin at their first statement, so that body validation and the
chemistry of a stack run before a SQLite write lock is taken (see db.py), not while it is held.
"""

import asyncio
import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, cast, get_type_hints

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from filmstack.chemistry.formulas import engine_loaded
from filmstack.server.accounts.service import Principal, authenticate
from filmstack.server.accounts.throttle import FailureThrottle
from filmstack.server.config import Settings
from filmstack.server.db import (
    ON_BEGIN,
    Database,
    DatabaseTimeout,
    RequestSession,
    WriteLockBusy,
)
from filmstack.server.errors import AppError, Forbidden, PreconditionFailed, Unauthorized
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.materials.service import get_material, read_material
from filmstack.server.middleware import require_json_body
from filmstack.server.validation import MaterialPathId

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IN_EVENT_LOOP = "filmstack_in_event_loop"  # a SQLite session whose endpoint may run in the loop
# A write session's turn: on SQLite, the writing requests of this process take turns in the
# event loop, in order of arrival, before they run (in the loop, or in a worker thread if the
# write lock is taken), so that a writer waiting for SQLite's one write lock (db.py) never
# holds more than one worker thread, and a write that falls back to a thread does not make the
# next ones find the lock taken too.
WRITE_TURN = "filmstack_write_turn"


def get_database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    # Async, like every dependency that does no I/O: FastAPI runs a sync one in a worker thread.
    # A RequestRoute does not solve it but reads the settings itself (settings_of).
    return settings_of(request)


class PendingKey:
    """A sent key, checked inside the request's transaction; reads as the Principal it names."""

    __slots__ = ("database", "failed", "key", "principal", "scopes", "session")

    def __init__(self, database: Database, key: str, *scopes: str) -> None:
        self.database = database
        self.key = key
        self.scopes = scopes
        self.session: Session | None = None
        self.principal: Principal | None = None
        self.failed: Callable[[], None] = lambda: None  # counts a bad key against its sender

    def check(self, connection: Connection) -> Principal:
        principal = authenticate(connection, self.key)
        if principal is None:
            self.failed()
            raise Unauthorized("Invalid or revoked API key.")
        for scope in self.scopes:
            if scope not in principal.scopes:
                raise Forbidden(f"This API key lacks the '{scope}' scope.")
        self.principal = principal
        return principal

    def check_first(self, connection: Connection) -> None:
        """The first statement of the request's transaction (db.ON_BEGIN): checks once."""
        if self.principal is None:
            self.check(connection)

    def resolve(self) -> Principal:
        if self.principal is None:
            if self.session is None:
                raise RuntimeError("an API key dependency was used outside a RequestRoute")
            self.session.connection()  # begins the transaction, whose first statement checks
            assert self.principal is not None
        return self.principal

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolve(), name)


def new_session(request: Request) -> Session:
    """The request's session: no connection until first used; RequestRoute ends it.

    RequestRoute makes it itself, as it runs the endpoint, rather than have FastAPI solve a
    dependency for it (each costs about 30 µs a request, more than making the session):
    nothing can begin the session's transaction but the endpoint, in RequestRoute, which
    always commits or rolls back and closes it.
    """
    db = get_database(request)
    if request.method in _READ_METHODS:
        session = db.read_sessions()
        if db.engine.dialect.name == "sqlite":
            session.info[IN_EVENT_LOOP] = db
        return session
    session = db.write_sessions()
    session.info[WRITE_TURN] = request.app.state.write_turn
    if db.engine.dialect.name == "sqlite":
        session.info[IN_EVENT_LOOP] = db
    return session


async def get_session(request: Request) -> Session:
    """The session as a FastAPI dependency: what `SessionDep` names. A RequestRoute does not
    solve it but makes the session itself (new_session)."""
    return new_session(request)


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

API_KEY_HEADER = "X-API-KEY"
API_KEY_SCHEME = {
    "APIKeyHeader": {
        "type": "apiKey",
        "description": "An API key from `filmstack keys create`.",
        "in": "header",
        "name": API_KEY_HEADER,
    }
}


def _require(scope: str) -> Callable[..., Any]:
    """The key dependency of a scope. It reads the header itself, as one dependency: FastAPI's
    solving of each sub-dependency costs more than the read (the OpenAPI document declares the
    scheme for every operation that depends on this, see openapi.py)."""

    async def dependency(request: Request) -> Principal:
        return sent_key(request, scope)

    dependency.__name__ = f"require_{scope}"
    dependency.filmstack_key_scope = scope  # type: ignore[attr-defined]
    return dependency


def sent_key(request: Request, *scopes: str) -> Principal:
    """The request's key, to be checked for `scopes` in its transaction; 401 if none was sent.

    An address that keeps sending bad keys is refused (429) before it costs a database read;
    the key itself is checked in the request's transaction (PendingKey.check).
    """
    key = request.headers.get(API_KEY_HEADER)
    throttle: FailureThrottle = request.app.state.auth_throttle
    address = request.client.host if request.client else "unknown"
    throttle.check(address)
    if not key:
        raise Unauthorized("Missing API key: send it in the X-API-KEY header.")
    pending = PendingKey(get_database(request), key, *scopes)
    pending.failed = functools.partial(throttle.failed, address)
    return cast(Principal, pending)


_SENT_KEY = "filmstack.key"  # the request scope's entry: the PendingKey RequestRoute made


def request_key(request: Request) -> Principal:
    """The key RequestRoute took from the request before anything else ran (see
    `needs_key_for`), for the dependencies it makes and those that FastAPI solves."""
    principal: Principal = request.scope[_SENT_KEY]
    return principal


def needs_key_for(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a dependency that reads the request's key (request_key) with `scope`: a
    RequestRoute whose endpoint depends on it takes the key before FastAPI solves anything."""

    def mark(dependency: Callable[..., Any]) -> Callable[..., Any]:
        dependency.filmstack_needs_key = scope  # type: ignore[attr-defined]
        return dependency

    return mark


def made_by_route(
    *parameters: dict[str, Any],
) -> Callable[[Callable[[Request], Any]], Callable[[Request], Any]]:
    """Mark a dependency that a RequestRoute makes itself from the request, as it does the
    session: FastAPI does not solve it, and the OpenAPI document declares the request
    `parameters` (OpenAPI parameter objects) it reads, after the route's own (openapi.py).
    It must not fail: what it reads is checked where it is used."""

    def mark(dependency: Callable[[Request], Any]) -> Callable[[Request], Any]:
        dependency.filmstack_parameters = parameters  # type: ignore[attr-defined]
        return dependency

    return mark


def needs_key(route: Any) -> bool:
    """Whether a route (or a FastAPI dependant) depends on an API key, at any depth."""
    if getattr(route, "key_scopes", ()):
        return True
    dependant = getattr(route, "dependant", route)
    call = dependant.call
    if getattr(call, "filmstack_key_scope", None) or getattr(call, "filmstack_needs_key", None):
        return True
    return any(needs_key(sub) for sub in dependant.dependencies)


def made_parameters(route: Any) -> tuple[dict[str, Any], ...]:
    """The OpenAPI parameters a route's dependencies made by the route read (made_by_route)."""
    return getattr(route, "made_parameters", ())


def resolve_apart(principal: Principal) -> Principal:
    """The principal now, checked in a short read of its own if the request's transaction has
    not begun (for work that must not begin it, e.g. claiming an Idempotency-Key). Sync: call
    it in a worker thread."""
    if isinstance(principal, PendingKey):
        if principal.principal is None:
            with principal.database.engine.connect() as connection, connection.begin():
                return principal.check(connection)
        return principal.principal
    return principal


# One dependency per scope: FastAPI solves each once a request, however many ask for it.
_KEY_CHECKS = {scope: _require(scope) for scope in ("read", "write", "delete", "admin")}
ReadKey = Annotated[Principal, Depends(_KEY_CHECKS["read"])]
WriteKey = Annotated[Principal, Depends(_KEY_CHECKS["write"])]
DeleteKey = Annotated[Principal, Depends(_KEY_CHECKS["delete"])]
AdminKey = Annotated[Principal, Depends(_KEY_CHECKS["admin"])]


class Around:
    """A dependency's value that is a context for the endpoint's work: RequestRoute enters
    `around()` just before the work (after FastAPI has validated every parameter), hands the
    endpoint what it yields, and leaves it when the work is done or has failed."""

    def around(self) -> contextlib.AbstractAsyncContextManager[Any]:
        raise NotImplementedError


def _one_transaction(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, RequestSession)), None)
        pending = _pending_key(kwargs)
        if session is not None and pending is not None:
            pending.session = session  # its check is the first statement of the transaction
            session.info[ON_BEGIN] = pending.check_first
        if session is None:
            if pending is not None:  # no session of its own (e.g. parse): a read to check
                with pending.database.engine.connect() as connection, connection.begin():
                    pending.check(connection)
            return endpoint(*args, **kwargs)
        try:
            if pending is not None and not _is_write(session):
                session.connection()  # reads: key first, before anything else runs
            for name, value in kwargs.items():
                if isinstance(value, PendingMaterial):
                    kwargs[name] = value.load(session)
            result = endpoint(*args, **kwargs)
            if pending is not None:
                pending.resolve()  # never answer without having checked the key
            session.end(commit=True)
            return result
        except AppError as refused:
            session.end(commit=False)
            checking = isinstance(refused, Unauthorized | Forbidden)
            if pending is not None and pending.principal is None and not checking:
                # A write refused before its first statement (bad chemistry, say) has not
                # checked its key yet: a bad key is answered 401, whatever else was wrong.
                resolve_apart(cast(Principal, pending))
            raise
        except BaseException:
            session.end(commit=False)
            raise
        finally:
            if session.in_transaction() or session.identity_map or session.new:
                session.close()  # nothing to release or to detach otherwise: Core work alone

    return run


def _pending_key(kwargs: dict[str, Any]) -> PendingKey | None:
    """The request's key: an argument of the endpoint's, or of its material's."""
    for value in kwargs.values():
        if isinstance(value, PendingKey):
            return value
        if isinstance(value, PendingMaterial) and isinstance(value.principal, PendingKey):
            return value.principal
    return None


def _is_write(session: Session) -> bool:
    return bool(session.info.get("write"))


def long_running(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an endpoint that may run for seconds (an export, an import): on SQLite it keeps to
    a worker thread, where it stalls no other request."""
    endpoint.filmstack_long_running = True  # type: ignore[attr-defined]
    return endpoint


def _in_worker_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The sync endpoint as a coroutine that runs it, and its transaction, in one worker thread.

    FastAPI runs a sync endpoint in a worker thread and then validates its answer against the
    response model in another; declared as a coroutine, the answer is validated in the event
    loop instead, with no second hop.

    On SQLite, most requests run in the event loop itself: the hop to a worker thread and back
    costs 0.1 ms of CPU for a read and up to 0.8 ms for a write, often more than the work. A
    read never waits there: in WAL mode a reader takes no lock. Writes take turns first, in the
    loop (`_write_turn`); a write then runs in the loop if the write lock is free at once
    (Database.write_in_loop), and in a worker thread if another process holds it. Every request
    on PostgreSQL (a network round trip that may stall) and the endpoints marked
    `long_running` run in worker threads.
    """
    work = _one_transaction(endpoint)
    may_run_inline = not getattr(endpoint, "filmstack_long_running", False)
    signature, made, request_name, hidden, scopes, parameters = _made_here(endpoint)

    @functools.wraps(endpoint)
    async def run(**kwargs: Any) -> Any:
        request = kwargs.pop(request_name) if hidden else kwargs[request_name]
        for name, make in made.items():
            kwargs[name] = make(request)
        if scopes:
            for value in kwargs.values():
                if isinstance(value, PendingMaterial):
                    value.principal = request_key(request)
        around = next((n for n, v in kwargs.items() if isinstance(v, Around)), None)
        if around is None:
            return await dispatch(kwargs)
        async with kwargs[around].around() as kwargs[around]:
            return await dispatch(kwargs)

    async def dispatch(kwargs: dict[str, Any]) -> Any:
        session = next((v for v in kwargs.values() if isinstance(v, Session)), None)
        if session is None:
            return await run_in_threadpool(work, **kwargs)
        database: Database | None = session.info.get(IN_EVENT_LOOP)
        if database is None:  # PostgreSQL
            return await run_in_threadpool(work, **kwargs)
        # Until the server's warm-up has imported the chemistry engine, a request that reads a
        # formula would import it: in a worker thread that stalls no other request.
        inline = may_run_inline and engine_loaded()
        if not _is_write(session):
            if not inline:
                return await run_in_threadpool(work, **kwargs)
            session.bind = database.thread_connection()
            return work(**kwargs)
        async with _write_turn(session.info[WRITE_TURN], database.timeout_s):
            if inline:
                bind, connection = session.bind, database.thread_connection()
                session.bind = connection
                try:
                    return database.write_in_loop(connection, functools.partial(work, **kwargs))
                except WriteLockBusy:
                    session.bind = bind  # nothing ran: wait for the lock in a worker thread
            return await run_in_threadpool(work, **kwargs)

    run.__signature__ = signature  # type: ignore[attr-defined]
    run.filmstack_key_scopes = scopes  # type: ignore[attr-defined]
    run.filmstack_parameters = parameters  # type: ignore[attr-defined]
    return run


_REQUEST = "filmstack_request"


@contextlib.asynccontextmanager
async def _write_turn(turn: asyncio.Lock, timeout_s: float) -> AsyncIterator[None]:
    """This process's writers, one at a time in order of arrival; 503 after `timeout_s`."""
    if turn.locked():
        try:
            async with asyncio.timeout(timeout_s):
                await turn.acquire()
        except TimeoutError:
            raise DatabaseTimeout(
                f"the writers before this one did not finish within {timeout_s:g} s"
            ) from None
    else:
        await turn.acquire()
    try:
        yield
    finally:
        turn.release()


def _made_here(
    endpoint: Callable[..., Any],
) -> tuple[
    inspect.Signature,
    dict[str, Callable[[Request], Any]],
    str,
    bool,
    tuple[str, ...],
    tuple[dict[str, Any], ...],
]:
    """What FastAPI is to solve of an endpoint, what its RequestRoute makes itself, the scopes
    its key must have, and the OpenAPI parameters of what it makes (made_by_route).

    The session, the settings and the key are made from the request as the endpoint runs: the
    endpoint's signature as FastAPI sees it leaves them out, and takes the Request (FastAPI
    hands that over without solving anything) under a hidden name if the endpoint does not
    take it. The key is taken from the request before FastAPI solves anything (RequestRoute),
    for the endpoint and for the dependencies that need it (`needs_key_for`): a missing key is
    a 401 before any other parameter is looked at, as when FastAPI solved it first.
    """
    hints = get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    made: dict[str, Callable[[Request], Any]] = {}
    scopes: list[str] = []
    parameters: list[dict[str, Any]] = []
    materials = False
    for name, hint in hints.items():
        for meta in getattr(hint, "__metadata__", ()):
            dependency = getattr(meta, "dependency", None)
            scope = getattr(dependency, "filmstack_key_scope", None)
            needed = getattr(dependency, "filmstack_needs_key", None)
            if dependency is get_session:
                made[name] = new_session
            elif dependency is get_settings:
                made[name] = settings_of
            elif scope is not None:
                made[name] = request_key
                scopes.append(scope)
            elif (declared := getattr(dependency, "filmstack_parameters", None)) is not None:
                made[name] = cast(Callable[[Request], Any], dependency)
                parameters.extend(declared)
            if needed is not None:
                scopes.append(needed)
            if getattr(dependency, "filmstack_material", False):
                materials = True
    if materials and not any(make is new_session for make in made.values()):
        raise TypeError(f"{endpoint.__name__}: a material dependency needs a session to load in")
    kept = [p for p in signature.parameters.values() if p.name not in made]
    request_name = next((p.name for p in kept if hints.get(p.name) is Request), None)
    hidden = request_name is None
    if request_name is None:
        request_name = _REQUEST
        kept.append(inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    unique = tuple(dict.fromkeys(scopes))
    return signature.replace(parameters=kept), made, request_name, hidden, unique, tuple(parameters)


class RequestRoute(APIRoute):
    """An APIRoute whose sync endpoint runs key check, work and commit in one thread hop, and
    whose JSON body must be declared JSON (415 otherwise), checked before anything else."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_worker_thread(endpoint)
        elif _takes_session(endpoint):
            raise TypeError(f"{endpoint.__name__}: a session needs a sync endpoint to end it")
        # The scopes the caller's key must have (the OpenAPI document declares the scheme).
        self.key_scopes: tuple[str, ...] = getattr(endpoint, "filmstack_key_scopes", ())
        self.made_parameters: tuple[dict[str, Any], ...] = getattr(
            endpoint, "filmstack_parameters", ()
        )
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body, scopes = self.body_field is not None, self.key_scopes
        if not takes_body and not scopes:
            return handler

        async def checked(request: Request) -> Response:
            if takes_body:
                require_json_body(request)
                # As FastAPI's handler does, before any dependency: the body is read (a slow
                # or large one is 408 or 413) and parsed, both kept for the handler. JSON that
                # does not parse (or nests too deep) is left to the handler, which parses it
                # again and answers as it always has.
                if scopes and await request.body():
                    try:
                        await request.json()
                    except Exception:  # noqa: BLE001 - FastAPI's handler answers it
                        return await handler(request)
            if scopes:
                request.scope[_SENT_KEY] = sent_key(request, *scopes)
            return await handler(request)

        return checked


def _takes_session(endpoint: Callable[..., Any]) -> bool:
    hints = get_type_hints(endpoint, include_extras=True)
    return any(
        getattr(meta, "dependency", None) is get_session
        for hint in hints.values()
        for meta in getattr(hint, "__metadata__", ())
    )


# ------------------------------------------------------------------- target materials

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the revision this change was made on, e.g. "12-3": a material '
        "that has moved on answers 412 with its current ETag. Without it the write proceeds.",
    ),
]


def etag_of(material_id: int, revision: int) -> str:
    """A strong ETag naming the material and its revision: `"<id>-<revision>"`."""
    return f'"{material_id}-{revision}"'


def etag(material: TargetMaterial) -> str:
    return etag_of(material.id, material.revision)


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


class PendingMaterial:
    """The material a path names, loaded (or 404) in the endpoint's own transaction.

    The material dependencies are async and touch no database: `RequestRoute` replaces this by
    the loaded material just before the endpoint runs, in the endpoint's worker thread, after
    the key check. A sync dependency would cost a worker-thread hop of its own (about 0.1 ms of
    CPU), and a write's lock would be taken in it before the body had even been validated.
    """

    __slots__ = ("for_update", "if_match", "material_id", "principal", "trashed")

    def __init__(
        self,
        principal: Principal | None,
        material_id: int,
        *,
        for_update: bool = False,
        if_match: str | None = None,
        trashed: bool = False,
    ) -> None:
        self.principal = principal
        self.material_id = material_id
        self.for_update = for_update
        self.if_match = if_match
        self.trashed = trashed

    def load(self, session: Session) -> TargetMaterial:
        """The material, in the request's session (which RequestRoute makes as the endpoint
        runs, so that the dependency itself takes none), with the request's key, which
        RequestRoute hands over (`principal`)."""
        if self.principal is None:
            raise RuntimeError("a material dependency was used outside a RequestRoute")
        if not self.for_update:
            return read_material(session, self.principal, self.material_id)
        return lock_material(
            session, self.principal, self.material_id, self.if_match, trashed=self.trashed
        )


@needs_key_for("read")
async def _read_material(target_material_id: MaterialPathId) -> PendingMaterial:
    return PendingMaterial(None, target_material_id)


_read_material.filmstack_material = True  # type: ignore[attr-defined]


def _locked_material(scope: str, *, trashed: bool = False) -> Callable[..., Any]:
    """The dependency for a material a write locks, If-Match checked, with a key of `scope`;
    `trashed` for one in the trash."""

    @needs_key_for(scope)
    async def dependency(
        target_material_id: MaterialPathId,
        if_match: IfMatch = None,
    ) -> PendingMaterial:
        return PendingMaterial(
            None,
            target_material_id,
            for_update=True,
            if_match=if_match,
            trashed=trashed,
        )

    dependency.filmstack_material = True  # type: ignore[attr-defined]
    return dependency


# The caller's live material named by the path, or 404 (another organization's looks missing).
MaterialDep = Annotated[TargetMaterial, Depends(_read_material)]
# The same, locked for a write with the write scope, after If-Match.
WritableMaterialDep = Annotated[TargetMaterial, Depends(_locked_material("write"))]
# The same with the delete scope.
DeletableMaterialDep = Annotated[TargetMaterial, Depends(_locked_material("delete"))]
# A material in the trash, locked: to restore (write scope) or purge (delete scope).
TrashedMaterialDep = Annotated[TargetMaterial, Depends(_locked_material("write", trashed=True))]
PurgeableMaterialDep = Annotated[TargetMaterial, Depends(_locked_material("delete", trashed=True))]
