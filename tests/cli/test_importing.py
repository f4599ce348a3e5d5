"""Sending an import: keys derived from the rows, and a server killed with SIGKILL mid-import.

Each material goes with its note in one request carrying a key derived from the row, so after
the crash and a re-run every material and every note is there exactly once. (Before, a note was
a second request: a kill between the two left a material that the re-run skipped, noteless.)
"""

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text

from filmstack import Client
from filmstack.cli.importer import Record
from filmstack.cli.importing import idempotency_key, identity, plan
from filmstack.server.accounts.service import create_key
from filmstack.server.db import Database
from tests.client.serving import served_database
from tests.conftest import FILMSTACK, Backend, ServeProcess

ROWS = 150
ENOUGH_BEFORE_THE_KILL = 20


def bodies() -> list[dict[str, object]]:
    out = []
    for n in range(ROWS):
        out.append(
            {
                "sample": {"sample_name": f"crash {n}", "substrate": "SrTiO3"},
                "layers": [
                    {"layer_id": 1, "composition_string": "SrRuO3", "thickness_nm": 20},
                    {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)"},
                ],
                "detail_note_content": f"note of row {n}: anneal at {600 + n} C",
            }
        )
    # Two identical rows: both must exist once each at the end, not once and not three times.
    out.append(dict(out[0]))
    return out


def run_import(url: str, key: str, file: Path, tmp: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FILMSTACK_", "AS_API"))}
    env.update(
        FILMSTACK_ENDPOINT=url,
        FILMSTACK_API_KEY=key,
        FILMSTACK_CONFIG=str(tmp / "no-login.toml"),
        COLUMNS="200",
    )
    return subprocess.Popen(
        [str(FILMSTACK), "materials", "import", str(file), "--workers", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def count_materials(backend: Backend) -> int:
    db = Database(backend.url)
    try:
        with db.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM target_materials")).scalar_one())
    finally:
        db.dispose()


def writer_key(backend: Backend) -> str:
    db = Database(backend.url)
    try:
        with db.session(write=True) as session:
            key, _ = create_key(session, "lab", "alice", ["read", "write", "delete"])
    finally:
        db.dispose()
    return key


def test_a_server_killed_mid_import_then_a_rerun_leaves_every_material_and_note_once(
    backend: Backend, tmp_path: Path
) -> None:
    rows = bodies()
    file = tmp_path / "rows.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with served_database(backend.name, tmp_path) as (env, served):
        first = ServeProcess(env, tmp_path / "serve-1.log")
        try:
            key = writer_key(served)
            importing = run_import(first.url, key, file, tmp_path)
            deadline = time.monotonic() + 120
            while count_materials(served) < ENOUGH_BEFORE_THE_KILL:
                assert importing.poll() is None, importing.communicate()
                assert time.monotonic() < deadline, "the import made no progress"
                time.sleep(0.05)
            os.kill(first.proc.pid, signal.SIGKILL)  # mid-import: requests are in flight
            first.proc.wait(30)
            _, stderr = importing.communicate(timeout=120)
        finally:
            first.stop()
        assert importing.returncode == 1, stderr  # the rows sent after the kill failed
        assert ENOUGH_BEFORE_THE_KILL <= count_materials(served) < len(rows)

        second = ServeProcess(env, tmp_path / "serve-2.log")
        try:
            rerun = run_import(second.url, key, file, tmp_path)
            _, stderr = rerun.communicate(timeout=300)
            assert rerun.returncode == 0, stderr
            assert "0 failed" in stderr
            with Client(key, second.url) as fs:
                materials = list(fs.iter_target_materials(page_size=1000))
        finally:
            second.stop()

    by_id = {row.sample_id: row for row in materials}  # one row per layer: two rows each
    assert set(Counter(row.sample_id for row in materials).values()) == {2}
    names = Counter(row.sample_name for row in by_id.values())
    assert names == Counter(str(r["sample"]["sample_name"]) for r in rows)  # type: ignore[index]
    notes = {row.sample_name: row.detail_note_content for row in by_id.values()}
    for r in rows:
        name = str(r["sample"]["sample_name"])  # type: ignore[index]
        assert notes[name] == r["detail_note_content"], name


def record(name: str, note: str | None = None, where: str = "line 1") -> Record:
    body = {"sample": {"sample_name": name, "substrate": "Si"}, "layers": [{"layer_id": 1}]}
    return Record(where, body, note)


def test_a_row_gets_the_same_key_on_every_run_and_a_different_row_another() -> None:
    assert idempotency_key(record("a"), 1) == idempotency_key(record("a", where="line 9"), 1)
    keys = {
        idempotency_key(record("a"), 1),
        idempotency_key(record("a"), 2),  # the second equal row of the file
        idempotency_key(record("b"), 1),
        idempotency_key(record("a", note="x"), 1),  # the note is part of the row
    }
    assert len(keys) == 4
    key = idempotency_key(record("Zoë ✓"), 1)
    assert len(key) <= 255 and all(" " <= ch <= "~" for ch in key)  # what the server takes


def test_plan_numbers_equal_rows_in_file_order_and_skips_the_first_ones_present() -> None:
    rows = [record("a", where="line 1"), record("b"), record("a", where="line 3")]
    existing = Counter({identity(rows[0].body): 1})
    todo, skipped = plan(rows, existing)
    assert skipped == 1
    assert [(r.body["sample"]["sample_name"], r.key) for r in todo] == [
        ("b", idempotency_key(rows[1], 1)),
        ("a", idempotency_key(rows[2], 2)),  # the first "a" is on the server: this is the 2nd
    ]
