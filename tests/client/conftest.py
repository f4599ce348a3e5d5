"""Fixtures: a Client on the real app in-process and on a real `filmstack serve` subprocess."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from filmstack import Client
from filmstack.server.app import create_app
from filmstack.server.db import Database
from tests.client.serving import InProcessTransport, Served, serving
from tests.conftest import Backend, Keys, make_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No key, endpoint or saved login leaks in from the machine running the tests."""
    for name in ("FILMSTACK_API_KEY", "AS_API_KEY", "FILMSTACK_ENDPOINT", "AS_API_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FILMSTACK_CONFIG", str(tmp_path / "no-login" / "config.toml"))


@pytest.fixture(scope="session")
def served(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`filmstack serve` in a subprocess, on a fresh database of the backend's kind."""
    with serving(backend.name, tmp_path_factory.mktemp("served")) as running:
        yield running


@pytest.fixture
def in_process(
    backend: Backend, database: Database, keys: Keys, tmp_path: Path
) -> Iterator[Client]:
    app = create_app(make_settings(backend, tmp_path), database)
    transport = InProcessTransport(app)
    with Client(keys.writer, "http://filmstack.test/", transport=transport) as client:
        yield client
    transport.close()


@pytest.fixture
def subprocess_client(served: Served) -> Iterator[Client]:
    with Client(served.fresh_key(), served.url) as client:
        yield client


@pytest.fixture(params=["in_process", "subprocess"])
def fs(request: pytest.FixtureRequest, backend: Backend) -> Client:
    """A Client of organization "lab" (read, write, delete) with no materials yet."""
    name = "in_process" if request.param == "in_process" else "subprocess_client"
    client: Client = request.getfixturevalue(name)
    return client
