"""The server's admin commands check names and scopes by the API's rules, and say in one line
when the database cannot be reached."""

import pytest
from typer.testing import CliRunner

from filmstack.cli import app
from tests.conftest import Backend, Keys

runner = CliRunner()


def invoke(url: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"FILMSTACK_DATABASE_URL": url})


@pytest.mark.parametrize(
    ("org", "user", "words"),
    [
        ("", "alice", "--org must not be empty"),
        ("   ", "alice", "--org must not be empty"),
        ("lab", "", "--user must not be empty"),
        ("x" * 300, "alice", "--org must have at most 255 characters"),
        ("lab", "y" * 300, "--user must have at most 255 characters"),
        ("two\nlines", "alice", "--org must be a single line"),
        ("lab", "nul\x00", "--user must not contain NUL"),
    ],
)
def test_keys_create_checks_names_like_the_api(
    backend: Backend, keys: Keys, org: str, user: str, words: str
) -> None:
    result = invoke(backend.url, "keys", "create", "--org", org, "--user", user)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output
    listed = invoke(backend.url, "keys", "list")
    assert listed.exit_code == 0
    assert "x" * 300 not in listed.stdout and "y" * 300 not in listed.stdout
    assert listed.stdout.count("fs_") == 4  # only the fixture's keys


def test_keys_create_trims_names_as_the_api_does(backend: Backend, keys: Keys) -> None:
    result = invoke(backend.url, "keys", "create", "--org", "  lab  ", "--user", " alice ")
    assert result.exit_code == 0, result.output
    assert "created a key for alice in lab" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("keys", "list"),
        ("keys", "create", "--org", "lab", "--user", "alice"),
        ("keys", "revoke", "3"),
        ("db", "upgrade"),
        ("serve", "--port", "1"),
    ],
)
def test_an_unreachable_database_is_one_line(args: tuple[str, ...]) -> None:
    result = runner.invoke(
        app,
        list(args),
        env={
            "FILMSTACK_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere",
            "FILMSTACK_DB_TIMEOUT_S": "2",
        },
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot use the database (postgresql")
