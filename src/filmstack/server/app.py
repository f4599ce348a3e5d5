"""create_app(settings): the whole HTTP service, with no side effects at import time."""

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

from filmstack._version import __version__
from filmstack.chemistry.formulas import load_engine
from filmstack.schemas import Health
from filmstack.server.accounts.router import router as keys_router
from filmstack.server.accounts.throttle import FailureThrottle
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.docs import install_docs
from filmstack.server.epitaxy.router import router as epitaxy_router
from filmstack.server.errors import install_error_handlers
from filmstack.server.exchange.router import router as exchange_router
from filmstack.server.logs import BatchedStreamHandler, LineFormatter
from filmstack.server.maintenance import housekeeping
from filmstack.server.materials.router import router as materials_router
from filmstack.server.materials.trash_router import router as trash_router
from filmstack.server.middleware import RequestMiddleware
from filmstack.server.openapi import install_openapi
from filmstack.server.protocol import HeaderTimeoutProtocol
from filmstack.server.routing import install_route_index
from filmstack.server.samples.router import router as samples_router
from filmstack.server.web.router import router as web_router

DESCRIPTION = """\
Record the layer stacks a thin-film lab intends to grow. The endpoints of the public Atomscale
`target-materials` API are wire-compatible with it; those marked *Extension* are filmstack's own.
Every request except `/healthz` carries `X-API-KEY`.
"""


_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = database or Database(
        settings.resolved_database_url(),
        max_connections=settings.connections_per_worker(),
        timeout_s=settings.db_timeout_s,
        pool_timeout_s=settings.db_pool_timeout_s,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Never more request threads than connections: a thread must not wait for a connection
        # while the request holding one waits for a thread.
        # On SQLite the event loop keeps one connection of its own for its reads.
        limiter = anyio.to_thread.current_default_thread_limiter()
        kept = 1 if db.engine.dialect.name == "sqlite" else 0
        limiter.total_tokens = max(1, min(limiter.total_tokens, db.max_connections - kept))
        await asyncio.to_thread(housekeeping, db, settings, starting=True)
        # The chemistry engine is imported as the server starts, in a thread of its own, so
        # that no request pays for it; until it is in, requests keep to worker threads (deps).
        threading.Thread(target=load_engine, name="filmstack-warm-up", daemon=True).start()
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="filmstack",
        version=__version__,
        description=DESCRIPTION,
        redirect_slashes=False,
        lifespan=lifespan,
        docs_url=None,  # install_docs serves /docs and /redoc from the package
        redoc_url=None,
        # FastAPI asks the OpenTelemetry providers on every request whether they are set up.
        telemetry=None if settings.telemetry else _NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.database = db
    # SQLite's writing requests take turns in the event loop (see deps.WRITE_TURN).
    app.state.write_turn = asyncio.Lock() if db.engine.dialect.name == "sqlite" else None
    app.state.idempotency_in_flight = set()
    app.state.auth_throttle = FailureThrottle(
        settings.auth_failure_limit, settings.auth_failure_window_s
    )
    app.add_middleware(
        RequestMiddleware,
        body_timeout_s=settings.body_timeout_s,
        max_bytes=settings.max_body_bytes,
        paths={"/import": settings.max_import_bytes},
    )
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.include_router(web_router)
    app.include_router(epitaxy_router)
    app.include_router(materials_router)
    app.include_router(trash_router)
    app.include_router(samples_router)
    app.include_router(keys_router)
    app.include_router(exchange_router)

    # The health check has threads of its own: it answers even while every request thread
    # waits on a stalled database, and it gives up after health_timeout_s.
    health_threads = anyio.CapacityLimiter(2)

    def check_database() -> None:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    sqlite = db.engine.dialect.name == "sqlite"

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> JSONResponse:
        """200 when the database answers within health_timeout_s; no key needed."""
        down = JSONResponse(
            {"status": "unavailable", "database": "down"}, 503, headers={"Retry-After": "1"}
        )
        if sqlite:  # a read of the schema page: in WAL mode it never waits for a lock
            try:
                raw: Any = db.thread_connection().connection.driver_connection
                raw.execute("SELECT count(*) FROM sqlite_master").fetchall()
            except Exception:  # noqa: BLE001 - any failure means "not healthy"
                return down
            return JSONResponse({"status": "ok", "database": "sqlite"})
        with anyio.move_on_after(settings.health_timeout_s):
            try:
                await anyio.to_thread.run_sync(
                    check_database, abandon_on_cancel=True, limiter=health_threads
                )
            except Exception:  # noqa: BLE001 - any failure means "not healthy"
                return down
            return JSONResponse({"status": "ok", "database": db.engine.dialect.name})
        return down

    install_route_index(app)  # last: it indexes the routes added so far
    return app


def configure_logging() -> None:
    """Request lines and errors to stderr, for `filmstack serve` and its worker processes."""
    logger = logging.getLogger("filmstack")
    if any(getattr(h, "filmstack", False) for h in logger.handlers):
        return
    # The lines name no source file, thread or process: the serving process skips finding
    # them for every record (the logging HOWTO's "Optimization"), a sixth of an access line.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchedStreamHandler()  # access lines a batch at a time (logs.py)
    handler.setFormatter(LineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.filmstack = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` and for `filmstack serve --workers N` (each worker)."""
    configure_logging()
    settings = Settings()
    # Each worker process imports the protocol afresh: its header deadline is set here.
    HeaderTimeoutProtocol.header_timeout_s = settings.header_timeout_s
    return create_app(settings)
