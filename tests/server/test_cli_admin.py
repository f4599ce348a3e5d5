"""The server's own commands: serve, keys create/list/revoke, db upgrade."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from filmstack.cli import app
from tests.conftest import Backend, Keys, ServerThread, free_port

runner = CliRunner()
FILMSTACK = str(Path(sys.executable).with_name("filmstack"))


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


def start_serve(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "FILMSTACK_DATA_DIR": str(data_dir)}
    env.pop("FILMSTACK_DATABASE_URL", None)
    proc = subprocess.Popen(
        [FILMSTACK, "serve", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "serve exited")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not answer /healthz")


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.terminate()
    out, err = proc.communicate(timeout=30)
    return out, err


@pytest.fixture
def served(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc, url = start_serve(data_dir)
    yield proc, url
    if proc.poll() is None:
        stop(proc)


def test_serve_on_an_empty_database_prints_one_admin_key(
    served: tuple[subprocess.Popen[str], str], data_dir: Path
) -> None:
    proc, url = served
    out, err = stop(proc)
    key = out.strip()
    assert key.startswith("fs_") and len(out.splitlines()) == 1
    assert url.replace("http://", "") in err
    assert str(data_dir / "filmstack.db") in err

    again, url = start_serve(data_dir)
    headers = {"X-API-KEY": key}
    body = {
        "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
    }
    assert httpx.post(f"{url}/target-materials/", json=body, headers=headers).status_code == 200
    assert httpx.get(f"{url}/api-keys/", headers=headers).status_code == 200
    rows = httpx.get(f"{url}/target-materials/", headers=headers).json()
    assert rows[0]["element_dict"] == {"Ba": 1, "Ti": 1, "O": 3}
    out, err = stop(again)
    assert out == ""
    assert "keys exist already" in err


def test_serve_with_several_workers(data_dir: Path) -> None:
    proc, url = start_serve(data_dir, "--workers", "2")
    try:
        for _ in range(10):
            assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
    finally:
        out, _ = stop(proc)
    assert out.strip().startswith("fs_")
