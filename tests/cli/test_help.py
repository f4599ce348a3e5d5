"""Every command's help: flags take no value, so no `<bool>` stands beside them."""

from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from filmstack.cli import app


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if getattr(group, "commands", None):  # a group (Typer carries its own copy of Click)
        for name, command in group.commands.items():
            found += _commands(command, (*path, name))
    return found


COMMANDS = _commands(get_command(app))


def test_the_walk_finds_every_command() -> None:
    assert ("materials", "edit") in COMMANDS and ("keys", "create") in COMMANDS
    assert ("serve",) in COMMANDS and len(COMMANDS) >= 15


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "filmstack")
def test_help_shows_no_type_beside_a_flag(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help" in result.output


def test_flags_and_value_options_read_as_such() -> None:
    result = CliRunner().invoke(app, ["materials", "edit", "--help"], env={"COLUMNS": "120"})
    lines = {line.split()[1]: line for line in result.output.splitlines() if "│ --" in line}
    assert "<str>" in lines["--name"]
    assert "--no-clear-note" not in result.output and "<" not in lines["--clear-note"]
    login = CliRunner().invoke(app, ["login", "--help"], env={"COLUMNS": "120"}).output
    assert "--no-verify" in login and "<bool>" not in login
