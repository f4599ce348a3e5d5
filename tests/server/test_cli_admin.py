"""The server's own commands: serve, keys create/list/revoke, db upgrade."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from filmstack.cli import app
from tests.conftest import Backend, Keys, ServeProcess, ServerThread

runner = CliRunner()


def invoke(backend: Backend, *args: str) -> "object":
    return runner.invoke(app, list(args), env={"FILMSTACK_DATABASE_URL": backend.url})


def test_keys_create_prints_only_the_key_and_the_key_works(
    backend: Backend, keys: Keys, server: ServerThread
) -> None:
    result = runner.invoke(
        app,
        ["keys", "create", "--org", "newlab", "--user", "carol"],
        env={"FILMSTACK_DATABASE_URL": backend.url},
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("fs_") and "\n" not in key and len(key) >= 43
    headers = {"X-API-KEY": key}
    created = httpx.post(
        f"{server.url}/target-materials/",
        headers=headers,
        json={"sample": {"sample_name": "x", "substrate": "Si"}},
    )
    assert created.status_code == 200
    assert (
        httpx.delete(
            f"{server.url}/target-materials/{created.json()['sample_id']}", headers=headers
        ).status_code
        == 204
    )
    assert httpx.get(f"{server.url}/api-keys/", headers=headers).status_code == 403
    # a new organization sees nothing of "lab"
    lab = httpx.post(
        f"{server.url}/target-materials/",
        headers={"X-API-KEY": keys.writer},
        json={"sample": {"sample_name": "lab's", "substrate": "Si"}},
    )
    assert lab.status_code == 200
    assert httpx.get(f"{server.url}/target-materials/", headers=headers).json() == []


def test_keys_create_with_scopes_list_and_revoke(
    backend: Backend, keys: Keys, server: ServerThread
) -> None:
    env = {"FILMSTACK_DATABASE_URL": backend.url}
    result = runner.invoke(
        app, ["keys", "create", "--org", "lab", "--user", "dave", "--scope", "read"], env=env
    )
    assert result.exit_code == 0
    key = result.stdout.strip()
    headers = {"X-API-KEY": key}
    assert httpx.get(f"{server.url}/target-materials/", headers=headers).status_code == 200
    assert (
        httpx.post(
            f"{server.url}/target-materials/",
            headers=headers,
            json={"sample": {"sample_name": "x", "substrate": "Si"}},
        ).status_code
        == 403
    )

    listing = runner.invoke(app, ["keys", "list", "--org", "lab"], env=env)
    assert listing.exit_code == 0
    assert key[:10] in listing.stdout and "dave" in listing.stdout
    assert key not in listing.stdout

    revoked = runner.invoke(app, ["keys", "revoke", key[:10]], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert httpx.get(f"{server.url}/target-materials/", headers=headers).status_code == 401
    missing = runner.invoke(app, ["keys", "revoke", "999999"], env=env)
    assert missing.exit_code == 1 and "not found" in missing.stderr


def test_keys_create_rejects_unknown_scope(backend: Backend, keys: Keys) -> None:
    result = runner.invoke(
        app,
        ["keys", "create", "--org", "lab", "--user", "x", "--scope", "root"],
        env={"FILMSTACK_DATABASE_URL": backend.url},
    )
    assert result.exit_code == 2
    assert "unknown scope 'root'" in result.stderr
    assert result.stdout == ""


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env={"FILMSTACK_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "filmstack.db").exists()
    assert "up to date" in result.stderr


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def start_serve(data_dir: Path, *extra: str) -> ServeProcess:
    env = {**os.environ, "FILMSTACK_DATA_DIR": str(data_dir)}
    env.pop("FILMSTACK_DATABASE_URL", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    return ServeProcess(env, data_dir.parent / f"serve-{time.monotonic_ns()}.log", *extra)


@pytest.fixture
def served(data_dir: Path) -> Iterator[ServeProcess]:
    running = start_serve(data_dir)
    yield running
    running.stop()


def test_serve_on_an_empty_database_prints_one_admin_key(
    served: ServeProcess, data_dir: Path
) -> None:
    out = served.stop()
    err = served.log.read_text()
    key = out.strip()
    assert key.startswith("fs_") and len(out.splitlines()) == 1
    assert served.url.replace("http://", "") in err
    assert str(data_dir / "filmstack.db") in err

    again = start_serve(data_dir)
    url = again.url
    headers = {"X-API-KEY": key}
    body = {
        "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
    }
    assert httpx.post(f"{url}/target-materials/", json=body, headers=headers).status_code == 200
    assert httpx.get(f"{url}/api-keys/", headers=headers).status_code == 200
    rows = httpx.get(f"{url}/target-materials/", headers=headers).json()
    assert rows[0]["element_dict"] == {"Ba": 1, "Ti": 1, "O": 3}
    assert again.stop() == ""
    assert "keys exist already" in again.log.read_text()
    assert "--org default --user USER" in again.log.read_text()


def test_serve_with_several_workers(data_dir: Path) -> None:
    running = start_serve(data_dir, "--workers", "2")
    try:
        for _ in range(10):
            assert httpx.get(f"{running.url}/healthz").json()["status"] == "ok"
    finally:
        out = running.stop()
    assert out.strip().startswith("fs_")


def test_a_later_start_names_the_organizations_to_make_a_key_for(
    served: ServeProcess, data_dir: Path
) -> None:
    served.stop()
    made = runner.invoke(
        app,
        ["keys", "create", "--org", "lab", "--user", "carol"],
        env={"FILMSTACK_DATA_DIR": str(data_dir), "FILMSTACK_DATABASE_URL": None},
    )
    assert made.exit_code == 0, made.output
    again = start_serve(data_dir)
    again.stop()
    log = " ".join(again.log.read_text().split())
    assert "--org ORG --user USER (organizations: default, lab)" in log
