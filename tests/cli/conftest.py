"""CLI fixtures: Typer's runner against a real server, with no login or key from the machine."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from filmstack.cli import app
from tests.client.conftest import served  # noqa: F401  (a fixture: filmstack serve subprocess)
from tests.conftest import Keys, ServerThread

Invoke = Callable[..., Result]

ENV_NAMES = ("FILMSTACK_API_KEY", "AS_API_KEY", "FILMSTACK_ENDPOINT", "AS_API_ENDPOINT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No key, endpoint or saved login leaks in; the login file lives in this test's tmp dir."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    config = tmp_path / "config" / "filmstack" / "config.toml"
    monkeypatch.setenv("FILMSTACK_CONFIG", str(config))
    yield config


def runner_for(url: str, key: str) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        environment = {
            "FILMSTACK_ENDPOINT": url,
            "FILMSTACK_API_KEY": key,
            "COLUMNS": "200",
            **(env or {}),
        }
        return runner.invoke(app, list(args), input=input, env=environment)

    return invoke


@pytest.fixture
def cli(server: ServerThread, keys: Keys) -> Invoke:
    """`filmstack ...` as organization "lab" (alice: read, write, delete) on the test server."""
    return runner_for(server.url, keys.writer)
