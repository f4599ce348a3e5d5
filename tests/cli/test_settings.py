"""`filmstack login` and `logout`: the saved login, its permissions and what overrides it."""

import stat
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from filmstack import Client
from filmstack.cli import app
from tests.conftest import Keys, ServerThread

runner = CliRunner()


def test_login_saves_endpoint_and_key_readable_only_by_the_owner(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    result = runner.invoke(app, ["login", "--endpoint", server.url, "--api-key", keys.writer])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert str(clean_environment) in result.stderr
    assert stat.S_IMODE(clean_environment.stat().st_mode) == 0o600
    saved = tomllib.loads(clean_environment.read_text())
    assert saved == {"endpoint": server.url + "/", "api_key": keys.writer}

    listing = runner.invoke(app, ["materials", "list", "--json"])
    assert listing.exit_code == 0, listing.output
    assert listing.stdout.strip() == "[]"
    with Client() as client:  # the Python client reads the same login
        assert client.endpoint == server.url + "/"


def test_login_asks_for_the_key_without_echo(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    result = runner.invoke(app, ["login", "--endpoint", server.url], input=keys.writer + "\n")
    assert result.exit_code == 0, result.output
    assert keys.writer not in result.output
    assert tomllib.loads(clean_environment.read_text())["api_key"] == keys.writer


def test_login_with_a_wrong_key_saves_nothing(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    result = runner.invoke(app, ["login", "--endpoint", server.url, "--api-key", "fs_wrong"])
    assert result.exit_code == 1
    assert "401" in result.stderr
    assert not clean_environment.exists()


def test_login_tightens_the_mode_of_an_existing_file(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    clean_environment.parent.mkdir(parents=True)
    clean_environment.write_text("# old\n")
    clean_environment.chmod(0o644)
    args = ["login", "--endpoint", server.url, "--api-key", keys.writer, "--no-verify"]
    assert runner.invoke(app, args).exit_code == 0
    assert stat.S_IMODE(clean_environment.stat().st_mode) == 0o600


def test_the_login_goes_under_xdg_config_home(
    server: ServerThread, keys: Keys, tmp_path: Path
) -> None:
    env = {"FILMSTACK_CONFIG": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    result = runner.invoke(
        app, ["login", "--endpoint", server.url, "--api-key", keys.writer], env=env
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xdg" / "filmstack" / "config.toml").exists()


def test_environment_variables_override_the_login(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    args = ["login", "--endpoint", "http://127.0.0.1:9/", "--api-key", "fs_stale", "--no-verify"]
    assert runner.invoke(app, args).exit_code == 0
    env = {"FILMSTACK_ENDPOINT": server.url, "AS_API_KEY": keys.writer}
    result = runner.invoke(app, ["materials", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    options = ["materials", "--endpoint", server.url, "--api-key", keys.reader, "list"]
    assert runner.invoke(app, options, env={"AS_API_KEY": "fs_wrong"}).exit_code == 0


def test_logout_forgets_the_login(
    server: ServerThread, keys: Keys, clean_environment: Path
) -> None:
    runner.invoke(app, ["login", "--endpoint", server.url, "--api-key", keys.writer])
    assert runner.invoke(app, ["logout"]).exit_code == 0
    assert not clean_environment.exists()
    result = runner.invoke(app, ["materials", "list"])
    assert result.exit_code == 2
    assert "No API key" in result.stderr and result.stdout == ""
