"""`filmstack db backup` / `restore`: a consistent copy while writes go on, checked on the way
back; PostgreSQL is pointed at its own tools."""

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from filmstack.cli import app
from filmstack.server.accounts.service import create_key
from filmstack.server.config import Settings
from filmstack.server.db import Database
from filmstack.server.migrations import upgrade
from tests.conftest import Backend, ServerThread

runner = CliRunner()


@pytest.fixture
def lab(tmp_path: Path) -> tuple[str, Database, str]:
    """A SQLite database of this test's own, with a writer's key."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    db = Database(url)
    with db.session(write=True) as session:
        key, _ = create_key(session, "lab", "alice", ["read", "write", "delete"])
    return url, db, key


def _materials(path: Path) -> dict[int, tuple[int, int]]:
    """id -> (layers, history entries) of every material in a database file."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT m.id, (SELECT count(*) FROM layers l WHERE l.target_material_id = m.id), "
            "(SELECT count(*) FROM material_history h WHERE h.target_material_id = m.id) "
            "FROM target_materials m"
        ).fetchall()
    finally:
        conn.close()
    return {mid: (layers, entries) for mid, layers, entries in rows}


def test_backup_while_writes_go_on_holds_every_committed_material(
    lab: tuple[str, Database, str], tmp_path: Path
) -> None:
    url, db, key = lab
    committed: list[int] = []
    stop = threading.Event()
    with ServerThread(Settings(data_dir=tmp_path, database_url=url), db) as server:

        def write() -> None:
            with httpx.Client(base_url=server.url, headers={"X-API-KEY": key}, timeout=60) as c:
                while not stop.is_set():
                    body = {
                        "sample": {"sample_name": "w", "substrate": "Si"},
                        "layers": [{"layer_id": i, "composition_string": "GaN"} for i in (1, 2)],
                    }
                    response = c.post("/target-materials/", json=body)
                    assert response.status_code == 200
                    committed.append(response.json()["sample_id"])

        writers = [threading.Thread(target=write) for _ in range(3)]
        for w in writers:
            w.start()
        while len(committed) < 30:
            threading.Event().wait(0.01)
        before = list(committed)
        result = runner.invoke(
            app, ["db", "backup", str(tmp_path / "copy.db")], env={"FILMSTACK_DATABASE_URL": url}
        )
        stop.set()
        for w in writers:
            w.join()
    db.dispose()
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    copied = _materials(tmp_path / "copy.db")
    assert set(before) <= set(copied)
    # Nothing half-written: every material in the copy has its two layers and its entry.
    assert set(copied.values()) == {(2, 1)}
    assert not (tmp_path / "copy.db.partial").exists()
    again = runner.invoke(
        app, ["db", "backup", str(tmp_path / "copy.db")], env={"FILMSTACK_DATABASE_URL": url}
    )
    assert again.exit_code == 1 and "--force" in again.output


def test_restore_puts_a_backup_back_and_keeps_what_it_replaced(
    lab: tuple[str, Database, str], tmp_path: Path
) -> None:
    url, db, key = lab
    env = {"FILMSTACK_DATABASE_URL": url}
    with ServerThread(Settings(data_dir=tmp_path, database_url=url), db) as server:
        api = httpx.Client(base_url=server.url, headers={"X-API-KEY": key})
        kept_id = api.post(
            "/target-materials/", json={"sample": {"sample_name": "kept", "substrate": "Si"}}
        ).json()["sample_id"]
        assert runner.invoke(app, ["db", "backup", str(tmp_path / "b.db")], env=env).exit_code == 0
        api.post("/target-materials/", json={"sample": {"sample_name": "later", "substrate": "Si"}})
        api.close()
    db.dispose()
    result = runner.invoke(app, ["db", "restore", str(tmp_path / "b.db")], env=env)
    assert result.exit_code == 0, result.output
    assert list(_materials(Path(url.removeprefix("sqlite:///")))) == [kept_id]
    [kept] = list(tmp_path.glob("live.db.before-restore-*"))
    assert len(_materials(kept)) == 2


def test_restore_refuses_a_file_that_is_not_a_filmstack_database(
    lab: tuple[str, Database, str], tmp_path: Path
) -> None:
    url, db, _ = lab
    db.dispose()
    env = {"FILMSTACK_DATABASE_URL": url}
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for bad, words in (
        (text, "not a SQLite"),
        (other, "not a filmstack"),
        (tmp_path / "nope.db", "does not exist"),
    ):
        result = runner.invoke(app, ["db", "restore", str(bad)], env=env)
        assert result.exit_code == 1, result.output
        assert words in result.output
    assert list(tmp_path.glob("*.before-restore-*")) == []


def test_on_postgresql_both_point_at_pg_dump_and_pg_restore(
    backend: Backend, tmp_path: Path
) -> None:
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL only")
    env = {"FILMSTACK_DATABASE_URL": backend.url}
    backup = runner.invoke(app, ["db", "backup", str(tmp_path / "x.db")], env=env)
    restore = runner.invoke(app, ["db", "restore", str(tmp_path / "x.db")], env=env)
    assert backup.exit_code == restore.exit_code == 1
    assert "pg_dump" in backup.output and "pg_restore" in restore.output
    assert not (tmp_path / "x.db").exists()
