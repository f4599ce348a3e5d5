"""Ways to reach a real filmstack for client and CLI tests: the app in-process through an
injected transport, and a `filmstack serve` subprocess on its own fresh database."""

import os
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
from sqlalchemy import text

from filmstack.server.accounts.service import create_key
from filmstack.server.config import normalize_database_url
from filmstack.server.db import Database
from tests.conftest import PG_ENV, Backend, ServeProcess, _with_schema


class InProcessTransport(httpx.BaseTransport):
    """Serve a sync httpx.Client from an ASGI app in this process (no socket, no thread server).

    httpx's own ASGITransport is async-only; this one runs it on an event loop in a helper thread.
    """

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal_cm: AbstractContextManager[Any] = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=content
            )
            response = await self._asgi.handle_async_request(forwarded)
            body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
            return response.status_code, response.headers.raw, body

        status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self._portal_cm.__exit__(None, None, None)


@dataclass
class Served:
    """A `filmstack serve` subprocess on a database of its own."""

    url: str
    backend: Backend  # the subprocess's database, to empty it between tests
    admin_key: str  # what serve printed on stdout on its empty database

    def fresh_key(self, org: str = "lab", user: str = "alice") -> str:
        """Empty the subprocess's database, then make one read/write/delete key."""
        db = Database(self.backend.url)
        try:
            self.backend.empty(db)
            with db.session(write=True) as session:
                key, _ = create_key(session, org, user, ["read", "write", "delete"])
        finally:
            db.dispose()
        return key


@contextmanager
def served_database(name: str, tmp: Path) -> Iterator[tuple[dict[str, str], Backend]]:
    """Environment for serve on an empty database of `name`'s kind, and that database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FILMSTACK_", "AS_API"))}
    env["FILMSTACK_DATA_DIR"] = str(tmp)
    if name == "sqlite":
        yield env, Backend("sqlite", f"sqlite:///{tmp / 'filmstack.db'}")
        return
    base = normalize_database_url(os.environ[PG_ENV])
    schema = f"fs_served_{uuid.uuid4().hex[:12]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = _with_schema(base, schema)
        env["FILMSTACK_DATABASE_URL"] = url
        yield env, Backend("postgresql", url)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def serving(name: str, tmp: Path) -> Iterator[Served]:
    with served_database(name, tmp) as (env, backend):
        running = ServeProcess(env, tmp / "serve.log")
        try:
            yield Served(running.url, backend, running.read_key())
        finally:
            running.stop()
