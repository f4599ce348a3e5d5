"""The command line speaks of its own options and environment variables, not of Python's."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from filmstack.cli import app
from tests.cli.conftest import Invoke
from tests.conftest import free_port

PYTHON_WORDS = ("Client(", "api_key=", "substrate=", "sample_metadata=")


def _no_python_words(text: str) -> None:
    for word in PYTHON_WORDS:
        assert word not in text, f"{word!r} in a CLI message: {text}"


def test_no_key_names_the_option_and_the_environment(clean_environment: Path) -> None:
    result = CliRunner().invoke(app, ["materials", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "--api-key" in message and "FILMSTACK_API_KEY" in message
    assert "filmstack login" in message
    _no_python_words(message)


def test_text_without_a_substrate_asks_for_the_substrate_option(cli: Invoke) -> None:
    result = cli("materials", "create", "--from-text", "BaTiO3 (001)", "--name", "film")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "names no substrate" in message and "--substrate" in message
    _no_python_words(message)
    fixed = cli(
        "materials", "create", "--from-text", "BaTiO3 (001)", "--name", "film", "--substrate", "Si"
    )
    assert fixed.exit_code == 0, fixed.output


def test_an_unreachable_server_says_which_option_points_elsewhere(clean_environment: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    env = {"FILMSTACK_ENDPOINT": url, "FILMSTACK_API_KEY": "fs_x", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["materials", "list"], env=env)
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert url in message and "--endpoint" in message and "FILMSTACK_ENDPOINT" in message


@pytest.mark.parametrize(
    ("typed", "meant"), [("SrTIO3", "SrTiO3"), ("BATiO3", "BaTiO3"), ("srtio3", "SrTiO3")]
)
def test_a_capitalisation_typo_is_offered_the_formula(cli: Invoke, typed: str, meant: str) -> None:
    result = cli("materials", "create", "--from-text", f"{typed} on Si", "--name", "typo")
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert message.startswith("error: 422: --from-text: could not read")
    assert f"did you mean `{meant}`?" in message
    assert "tritium" not in message


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_metadata_with_a_non_number_is_refused_by_name(cli: Invoke, word: str) -> None:
    result = cli(
        "materials", "create", "--name", "m", "--substrate", "Si", "--metadata", f'{{"a": {word}}}'
    )
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert message.startswith("error: --metadata:") and word in message
    assert "Traceback" not in result.output


def test_a_typo_in_stack_is_named_by_the_option(cli: Invoke) -> None:
    options = ["--name", "m", "--substrate", "Si", "--stack", "SrTIO3(001)"]
    result = cli("materials", "create", *options)
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert message.startswith("error: --stack: could not read `SrTIO3(001)`")
    assert "did you mean `SrTiO3`?" in message


def test_the_servers_422_names_the_option_not_the_field(cli: Invoke) -> None:
    result = cli("materials", "create", "--name", " ", "--substrate", "Si", "--stack", "Pt")
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert message.startswith("error: 422: --name:")
    assert "sample.sample_name" not in message
