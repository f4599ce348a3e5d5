"""create_app(settings): the whole HTTP service, with no side effects at import time."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from filmstack import __version__
from filmstack.schemas import Health
from filmstack.server.accounts.router import router as keys_router
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.epitaxy.router import router as epitaxy_router
from filmstack.server.errors import install_error_handlers
from filmstack.server.limits import BodyLimitMiddleware
from filmstack.server.maintenance import housekeeping
from filmstack.server.materials.router import router as materials_router
from filmstack.server.materials.trash_router import router as trash_router
from filmstack.server.samples.router import router as samples_router
from filmstack.server.web.router import router as web_router

DESCRIPTION = """\
Record the layer stacks a thin-film lab intends to grow. Part 1 of the API is wire-compatible with
the public Atomscale `target-materials` API; the endpoints marked *Extension* are filmstack's own.
Every request except `/healthz` carries `X-API-KEY`.
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    db = database or Database(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(housekeeping, db, settings, starting=True)
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="filmstack",
        version=__version__,
        description=DESCRIPTION,
        redirect_slashes=False,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.write_lock = asyncio.Lock() if db.engine.dialect.name == "sqlite" else None
    app.state.idempotency_in_flight = set()
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.include_router(web_router)
    app.include_router(epitaxy_router)
    app.include_router(materials_router)
    app.include_router(trash_router)
    app.include_router(samples_router)
    app.include_router(keys_router)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> JSONResponse:
        """200 when the database answers; no key needed."""
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return JSONResponse({"status": "unavailable", "database": "down"}, 503)
        return JSONResponse({"status": "ok", "database": db.engine.dialect.name})

    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` and for `filmstack serve --workers N`."""
    return create_app(Settings())
