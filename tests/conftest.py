"""Shared fixtures: real databases (a SQLite file, and PostgreSQL when configured) behind a real
HTTP server. Every storage-touching test runs once per database."""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from filmstack.server.accounts.service import create_key
from filmstack.server.app import create_app
from filmstack.server.config import Settings, normalize_database_url
from filmstack.server.db import Database
from filmstack.server.migrations import upgrade
from filmstack.server.models import metadata

PG_ENV = "FILMSTACK_TEST_DATABASE_URL"
PG_SKIP = f"{PG_ENV} is not set: the PostgreSQL half of the suite was skipped"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return f"filmstack databases: a SQLite file and PostgreSQL at {url}"
    return f"filmstack databases: a SQLite file only ({PG_SKIP})"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if not os.environ.get(PG_ENV):
        terminalreporter.write_line(f"NOTE: {PG_SKIP}.", yellow=True, bold=True)


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@dataclass
class Backend:
    """One migrated database for the whole session; tests empty it before they start."""

    name: str
    url: str

    def empty(self, db: Database) -> None:
        tables = [t.name for t in reversed(metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if self.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "filmstack.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield Backend("sqlite", url)
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    base = normalize_database_url(base)
    schema = f"fs_test_{uuid.uuid4().hex[:12]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _with_schema(base, schema)
    try:
        upgrade(url)
        yield Backend("postgresql", url)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def database(backend: Backend) -> Iterator[Database]:
    db = Database(backend.url)
    yield db
    db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """A real uvicorn server on a loopback port, in a thread of the test process."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, database), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def make_settings(backend: Backend, tmp: Path, **overrides: object) -> Settings:
    # Many tests send bad keys on purpose from 127.0.0.1; only the throttle's own tests count them.
    overrides.setdefault("auth_failure_limit", 1_000_000)
    return Settings(data_dir=tmp, database_url=backend.url, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def server(
    backend: Backend, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    settings = make_settings(backend, tmp_path_factory.mktemp("data"))
    with ServerThread(settings, database) as running:
        yield running


@dataclass
class Keys:
    admin: str  # organization "lab", every scope
    writer: str  # organization "lab", read/write/delete
    reader: str  # organization "lab", read only
    other: str  # organization "rival", read/write/delete


@pytest.fixture
def keys(backend: Backend, database: Database) -> Keys:
    backend.empty(database)
    with database.session(write=True) as session:
        admin, _ = create_key(session, "lab", "admin", ["read", "write", "delete", "admin"])
        writer, _ = create_key(session, "lab", "alice", ["read", "write", "delete"])
        reader, _ = create_key(session, "lab", "bob", ["read"])
        other, _ = create_key(session, "rival", "mallory", ["read", "write", "delete"])
    return Keys(admin, writer, reader, other)


@pytest.fixture
def api(server: ServerThread, keys: Keys) -> Iterator[httpx.Client]:
    """An HTTP client of organization "lab" with read, write and delete scopes."""
    with httpx.Client(
        base_url=server.url, headers={"X-API-KEY": keys.writer}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def rival(server: ServerThread, keys: Keys) -> Iterator[httpx.Client]:
    """An HTTP client of another organization."""
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.other}, timeout=30) as client:
        yield client


@pytest.fixture
def sqlite_copy(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file of this test's own."""
    path = tmp_path / "own.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


FILMSTACK = Path(sys.executable).with_name("filmstack")


class ServeProcess:
    """A `filmstack serve` subprocess on a free port, as a user starts it.

    stdout stays a pipe (the admin key is all serve prints there); stderr goes to `log`.
    """

    def __init__(self, env: Mapping[str, str], log: Path, *extra: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("w") as stderr:
            self.proc = subprocess.Popen(
                [str(FILMSTACK), "serve", "--port", str(port), *extra],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=dict(env),
            )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"filmstack serve did not start:\n{log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)

    def read_key(self) -> str:
        """The next line of stdout: the admin key serve prints on an empty database."""
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def stop(self) -> str:
        """Terminate the server; return what it printed on stdout and had not been read."""
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate(timeout=10)
        return out or ""
