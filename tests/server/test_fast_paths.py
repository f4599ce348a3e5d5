"""The request path's short cuts answer exactly as the long way round: the route index picks the
route FastAPI would pick, the key check on SQLite's driver finds what SQLAlchemy finds (and fails
as SQLAlchemy fails), and GET one in one statement is GET one."""

import inspect
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.routing import Match

from filmstack.chemistry.formulas import load_engine
from filmstack.server.accounts.service import authenticate, hash_key
from filmstack.server.app import create_app
from filmstack.server.config import Settings
from filmstack.server.db import (
    _WRITE_TURNS,
    ON_BEGIN,
    Database,
    DatabaseTimeout,
    DriverQuery,
    WriteLockBusy,
)
from filmstack.server.deps import MaterialDep, RequestRoute
from filmstack.server.errors import is_busy
from filmstack.server.idempotency import idempotency
from filmstack.server.materials.models import DetailNote, Layer, TargetMaterial
from filmstack.server.materials.serialize import read_detail, read_one
from filmstack.server.migrations import upgrade
from filmstack.server.routing import RouteIndex
from tests.conftest import Backend, Keys, ServerThread

# ----------------------------------------------------------------------------- route index


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> RouteIndex:
    tmp = tmp_path_factory.mktemp("index")
    app = create_app(Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'i.db'}"))
    first = app.router.routes[0]
    assert isinstance(first, RouteIndex), "the index must be tried before FastAPI's routes"
    return first


def chosen(index: RouteIndex, method: str, path: str) -> tuple[Match, str, set[str]]:
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "root_path": ""}
    match, child = index.matches(scope)
    route = child.get("filmstack.route")
    return match, getattr(route, "path", ""), set(getattr(route, "methods", None) or ())


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/target-materials/", "/target-materials/"),
        ("GET", "/target-materials", "/target-materials"),
        ("GET", "/target-materials/7", "/target-materials/{target_material_id:digits}"),
        ("GET", "/target-materials/7/", "/target-materials/{target_material_id:digits}/"),
        # Literal segments listed before a parameter win, as in FastAPI's own order.
        ("POST", "/target-materials/layers", "/target-materials/layers"),
        ("POST", "/target-materials/parse/", "/target-materials/parse/"),
        (
            "GET",
            "/target-materials/7/stack.svg",
            "/target-materials/{target_material_id}/stack.svg",
        ),
        (
            "DELETE",
            "/target-materials/7/layers/2",
            "/target-materials/{target_material_id:digits}/layers/{layer_id:digits}",
        ),
        ("GET", "/physical_samples/abc", "/physical_samples/{physical_sample_id}"),
        ("POST", "/trash/3/restore", "/trash/{target_material_id:digits}/restore"),
        ("GET", "/healthz", "/healthz"),
        ("GET", "/", "/"),
    ],
)
def test_the_index_picks_the_route_fastapi_picks(
    index: RouteIndex, method: str, path: str, template: str
) -> None:
    match, found, methods = chosen(index, method, path)
    assert match is Match.FULL
    assert found == template
    assert method in methods


def test_a_known_path_with_another_method_is_a_partial_match(index: RouteIndex) -> None:
    # PUT matches no route: the first route of that path is kept for the 405 (and its Allow).
    match, found, methods = chosen(index, "PUT", "/target-materials/7")
    assert match is Match.PARTIAL
    assert found == "/target-materials/{target_material_id:digits}"
    assert "PUT" not in methods


@pytest.mark.parametrize(
    "path", ["/target-materials/abc", "/target-materials/7/nothing", "/nowhere", "/a/b/c/d/e"]
)
def test_what_the_index_does_not_know_falls_through(index: RouteIndex, path: str) -> None:
    assert chosen(index, "GET", path)[0] is Match.NONE


def test_answers_through_the_index_match_the_contract(
    api: httpx.Client, keys: Keys, server: Any
) -> None:
    created = api.post(
        "/target-materials/",
        json={"sample": {"sample_name": "idx", "substrate": "SrTiO3"}, "layers": []},
    )
    assert created.status_code == 200
    material_id = created.json()["sample_id"]
    assert api.get(f"/target-materials/{material_id}").status_code == 200
    not_allowed = api.put(f"/target-materials/{material_id}", json={})
    assert not_allowed.status_code == 405
    assert set(not_allowed.headers["Allow"].replace(" ", "").split(",")) == {
        "GET",
        "PATCH",
        "DELETE",
    }
    assert api.get("/target-materials/abc").status_code == 404
    assert api.get("/nowhere/at/all").status_code == 404


# -------------------------------------------------------------------- key check on the driver


def test_the_key_check_finds_what_sqlalchemy_finds(database: Database, keys: Keys) -> None:
    with database.engine.connect() as conn, conn.begin():
        principal = authenticate(conn, keys.writer)
        assert principal is not None
        row = conn.execute(
            text(
                "SELECT k.id, k.scopes, u.id, u.name, o.id, o.name FROM api_keys k "
                "JOIN users u ON k.user_id = u.id JOIN organizations o ON u.organization_id = o.id "
                "WHERE k.key_hash = :h"
            ),
            {"h": hash_key(keys.writer)},
        ).one()
        assert (
            principal.key_id,
            ",".join(sorted(principal.scopes)),
            principal.user_id,
            principal.user_name,
            principal.organization_id,
            principal.organization_name,
        ) == (row[0], ",".join(sorted(row[1].split(","))), row[2], row[3], row[4], row[5])
        assert principal.user_name == "alice" and principal.organization_name == "lab"
        assert authenticate(conn, "fs_not_a_key") is None
        conn.execute(text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP"))
        assert authenticate(conn, keys.writer) is None  # in the same transaction, at once
        conn.rollback()


def test_a_driver_error_is_wrapped_as_sqlalchemy_wraps_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE api_keys"))
        with (
            db.engine.connect() as conn,
            conn.begin(),
            pytest.raises(OperationalError, match="no such table"),
        ):
            authenticate(conn, "fs_anything")
    finally:
        db.dispose()


def test_a_locked_database_at_begin_is_busy_not_a_crash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    upgrade(url)
    db = Database(url, timeout_s=0.2)
    outside = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        outside.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError) as raised, db.session(write=True) as session:
            session.execute(text("SELECT 1"))
        assert is_busy(raised.value)  # answered 503 with Retry-After, see test_db_stall
        outside.execute("ROLLBACK")
        with db.session(write=True) as session:  # and the writers' turn was given back
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        outside.close()
        db.dispose()


# ------------------------------------------------------------------------ GET one, one query


@pytest.mark.parametrize("layers", [0, 1, 3])
@pytest.mark.parametrize("note", [None, "grown at 700 °C"])
def test_get_one_in_one_statement_is_read_detail(
    api: httpx.Client, database: Database, backend: Backend, layers: int, note: str | None
) -> None:
    sample: dict[str, Any] = {"sample_name": "one", "substrate": "SrTiO3"}
    if note is not None:
        sample["detail_note_content"] = note
    body = {
        "sample": sample,
        "layers": [
            {"layer_id": i + 1, "composition_string": f, "thickness_nm": 5.0 * (i + 1)}
            for i, f in enumerate(["SrTiO3", "BaTiO3", "LaAlO3"][:layers])
        ],
    }
    created = api.post("/target-materials/", json=body)
    assert created.status_code == 200, created.text
    material_id = created.json()["sample_id"]
    with database.session(write=False) as session:
        material = session.get(TargetMaterial, material_id)
        assert material is not None
        expected = read_detail(session, material)
        one = read_one(session, material.organization_id, material_id)
        assert one == expected
        assert read_one(session, material.organization_id + 1000, material_id) is None
    answered = api.get(f"/target-materials/{material_id}")
    assert answered.json()["layers"] == expected["layers"]
    assert answered.json()["detail_note_content"] == note
    assert answered.headers["ETag"] == f'"{material_id}-1"'
    assert api.delete(f"/target-materials/{material_id}").status_code in (200, 204)
    assert api.get(f"/target-materials/{material_id}").status_code == 404  # trashed


# -------------------------------------------------------------------- writes in the event loop


def test_a_sqlite_write_runs_in_the_event_loop_on_its_kept_connection(
    server: ServerThread, api: httpx.Client, database: Database, backend: Backend
) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite only: on PostgreSQL every request runs in a worker thread")
    assert api.get("/target-materials/").status_code == 200  # the loop's connection exists
    seen: list[tuple[str, str]] = []
    drivers = [c.connection.driver_connection for c in database._kept.values()]
    for driver in drivers:
        driver.set_trace_callback(lambda sql: seen.append((threading.current_thread().name, sql)))
    try:
        body = {"sample": {"sample_name": "loop", "substrate": "Si"}, "layers": [{"layer_id": 1}]}
        created = api.post("/target-materials/", json=body)
    finally:
        for driver in drivers:
            driver.set_trace_callback(None)
    assert created.status_code == 200, created.text
    inserts = [name for name, sql in seen if sql.startswith("INSERT INTO target_materials")]
    assert inserts and set(inserts) == {server.thread.name}
    assert [sql for _, sql in seen if sql.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]


def test_writes_queue_in_the_loop_behind_one_that_waits_for_the_lock_in_a_thread(
    server: ServerThread, api: httpx.Client, database: Database, backend: Backend, tmp_path: Path
) -> None:
    """A write that finds SQLite's lock taken by another process waits for it in a worker
    thread; the writes that arrive meanwhile wait for their turn in the event loop, and then
    run there (not each in a thread of its own, one behind the other)."""
    if backend.name != "sqlite":
        pytest.skip("SQLite only: on PostgreSQL every request runs in a worker thread")
    assert api.get("/target-materials/").status_code == 200  # the loop's connection exists
    seen: list[str] = []
    drivers = [c.connection.driver_connection for c in database._kept.values()]
    for driver in drivers:
        driver.set_trace_callback(seen.append)
    path = make_url(backend.url).database
    locker = sqlite3.connect(str(path), isolation_level=None)
    body = {"sample": {"sample_name": "queued", "substrate": "Si"}, "layers": [{"layer_id": 1}]}
    try:
        locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with ThreadPoolExecutor(4) as pool:
            first = pool.submit(api.post, "/target-materials/", json=body)
            time.sleep(0.3)  # the first has found the lock taken and waits in a thread
            rest = [pool.submit(api.post, "/target-materials/", json=body) for _ in range(3)]
            time.sleep(0.3)
            locker.execute("ROLLBACK")
            answers = [first.result(30), *(f.result(30) for f in rest)]
    finally:
        locker.close()
        for driver in drivers:
            driver.set_trace_callback(None)
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert seen.count("COMMIT") == 3, seen  # three writes committed on the loop's connection
    assert len(api.get("/target-materials/", params={"name": "queued"}).json()) == 4


def test_writes_in_the_loop_leave_checkpoints_to_a_worker_thread(tmp_path: Path) -> None:
    """The loop's connection never checkpoints (a checkpoint syncs the disk); a worker thread
    does, so the write-ahead log stays bounded however many writes the loop makes."""
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)"))
        kept = db.thread_connection()
        insert = text("INSERT INTO blobs (data) VALUES (randomblob(8000))")

        def write() -> None:
            with kept.begin():
                kept.execute(insert)

        for _ in range(1500):  # about 24 MB of log without checkpoints
            try:
                db.write_in_loop(kept, write)
            except WriteLockBusy:  # the checkpoint holds the turn: write as a worker would
                with db.session(write=True) as session:
                    session.execute(insert)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar() == 1500
        assert kept.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        for thread in threading.enumerate():
            if thread.name == "filmstack-checkpoint":
                thread.join(10)
        wal = tmp_path / "wal.db-wal"
        assert wal.stat().st_size < 12_000_000, wal.stat().st_size
        kept.rollback()
        assert kept.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000  # given back
    finally:
        db.dispose()


# ------------------------------------------------------------- what FastAPI solves per request


def _calls(dependant: Any) -> set[str]:
    out = set()
    for sub in dependant.dependencies:
        out.add(getattr(sub.call, "__name__", repr(sub.call)))
        out |= _calls(sub)
    return out


def test_fastapi_solves_no_session_settings_or_key_dependency(index: RouteIndex) -> None:
    """RequestRoute makes the session, reads the settings and takes the key itself: FastAPI
    solves none of them (each solved dependency costs about 30 µs a request), for any route
    of the app, and the route knows the scopes the key needs."""
    routes = [r for rs in index._index.values() for r in rs if isinstance(r, RequestRoute)]
    assert len(routes) > 30
    keys = {"require_read", "require_write", "require_delete", "require_admin"}
    for route in routes:
        calls = _calls(route.dependant)
        assert not calls & ({"get_session", "get_settings"} | keys), (route.path, calls)
    create = next(r for r in routes if r.path == "/target-materials/" and "POST" in r.methods)
    # The Idempotency-Key header is read by the route too (made_by_route), and declared.
    assert _calls(create.dependant) == set()
    assert not inspect.isasyncgenfunction(idempotency)
    assert create.key_scopes == ("write",)
    assert [p["name"] for p in create.made_parameters] == ["Idempotency-Key"]
    layers = next(
        r for r in routes if r.path == "/target-materials/{target_material_id:digits}/layers"
    )
    assert _calls(layers.dependant) == {"_read_material"} and layers.key_scopes == ("read",)
    health = next(r for rs in index._index.values() for r in rs if r.path == "/healthz")
    assert not getattr(health, "key_scopes", ())


def test_a_material_dependency_without_a_session_is_refused_at_startup() -> None:
    def endpoint(material: MaterialDep) -> None:
        raise AssertionError("never runs")

    with pytest.raises(TypeError, match="needs a session"):
        RequestRoute("/x/{target_material_id}", endpoint)


def test_a_driver_query_reads_what_sqlalchemy_reads(
    api: httpx.Client, database: Database, backend: Backend
) -> None:
    """Dates, JSON and floats come back converted by SQLAlchemy's own processors, by position
    and (named) by column name."""
    body = {
        "sample": {"sample_name": "rows", "substrate": "Si", "sample_metadata": {"run": 7}},
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "thickness_nm": 12.5}],
    }
    assert api.post("/target-materials/", json=body).status_code == 200
    materials = TargetMaterial.__table__
    layers = Layer.__table__
    statement = (
        select(materials, layers.c.element_dict, layers.c.thickness_nm)
        .join(layers, layers.c.target_material_id == materials.c.id)
        .where(materials.c.sample_name == bindparam("name"))
    )
    with database.engine.connect() as conn, conn.begin():
        expected = [tuple(r) for r in conn.execute(statement, {"name": "rows"})]
        plain = DriverQuery(statement).all(conn, {"name": "rows"})
        named = DriverQuery(statement, named=True).all(conn, {"name": "rows"})
        missing = DriverQuery(statement).first(conn, {"name": "none"})
    assert plain == expected and [tuple(r) for r in named] == expected
    assert isinstance(named[0].created_at, datetime)
    assert named[0].sample_metadata == {"run": 7} and named[0].element_dict == {
        "Ba": 1,
        "Ti": 1,
        "O": 3,
    }
    assert named[0].thickness_nm == 12.5 and missing is None


def test_stored_json_reads_back_the_same_in_get_one_and_the_list(api: httpx.Client) -> None:
    """JSON columns are written by orjson: what the list passes through as stored text reads
    the same as what GET one decodes and writes again."""
    metadata = {"big": 2**63 - 1, "note": "étude\u2028", "n": [1.5, None, 1e-07, 1e16]}
    body = {"sample": {"sample_name": "json", "substrate": "Si", "sample_metadata": metadata}}
    created = api.post("/target-materials/", json={**body, "layers": [{"layer_id": 1}]})
    assert created.status_code == 200, created.text
    material_id = created.json()["sample_id"]
    assert created.json()["sample_metadata"] == metadata
    assert api.get(f"/target-materials/{material_id}").json()["sample_metadata"] == metadata
    rows = api.get("/target-materials/", params={"name": "json"}).json()
    assert [r["sample_metadata"] for r in rows] == [metadata]


def test_an_integer_past_64_bits_in_metadata_is_refused_by_name(api: httpx.Client) -> None:
    """It could be stored, but not answered: a 422 naming the field, not a 500."""
    big = {"run": 123456789012345678901234567890}
    material = {"sample": {"sample_name": "big", "substrate": "Si", "sample_metadata": big}}
    created = api.post("/target-materials/", json={**material, "layers": []})
    assert created.status_code == 422, created.text
    assert created.json()["detail"][0]["loc"] == ["body", "sample", "sample_metadata"]
    assert "64 bits" in created.json()["detail"][0]["msg"]
    fine = api.post("/target-materials/", json={"sample": {"sample_name": "ok", "substrate": "Si"}})
    material_id = fine.json()["sample_id"]
    patched = api.patch(f"/target-materials/{material_id}", json={"sample_metadata": big})
    assert patched.status_code == 422, patched.text
    assert patched.json()["detail"][0]["loc"] == ["body", "sample_metadata"]
    sample = api.post("/physical_samples/", json={"name": "s", "physical_sample_metadata": big})
    assert sample.status_code == 422, sample.text
    assert sample.json()["detail"][0]["loc"] == ["body", "physical_sample_metadata"]
    assert api.get("/target-materials/", params={"name": "big"}).json() == []


def test_a_writer_that_waits_too_long_for_its_turn_is_busy(tmp_path: Path) -> None:
    """Past the database timeout in this process's writers' queue, a write is a 503 (busy),
    as one that waits too long for SQLite's own lock: not an unexplained 500."""
    url = f"sqlite:///{tmp_path / 'turn.db'}"
    upgrade(url)
    db = Database(url, timeout_s=0.2)
    turn = _WRITE_TURNS[db.engine]
    try:
        assert turn.acquire(timeout=1)  # another writer of this process holds the turn
        try:
            with pytest.raises(DatabaseTimeout) as raised, db.session(write=True) as session:
                session.execute(text("SELECT 1"))
        finally:
            turn.release()
        assert is_busy(raised.value)
        with db.session(write=True) as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()


# ---------------------------------------------------------------------- the request session


def _session_on_kept_connection(tmp_path: Path) -> tuple[Database, Any, list[Any]]:
    url = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organizations (name, created_at) VALUES ('o', '2026-01-01')")
        )
    session = db.write_sessions(bind=db.thread_connection())
    begun: list[Any] = []
    session.info[ON_BEGIN] = begun.append
    return db, session, begun


def _notes(db: Database) -> list[str]:
    with db.engine.connect() as other:
        return list(other.execute(text("SELECT content FROM detail_notes")).scalars())


def test_core_work_on_the_kept_connection_needs_no_orm_transaction(tmp_path: Path) -> None:
    """connection() begins the Connection's own transaction (ON_BEGIN once, with it), and
    the ORM work that follows joins it: `end` commits both, once."""
    db, session, begun = _session_on_kept_connection(tmp_path)
    conn = session.connection()
    assert conn is session.bind and conn.in_transaction()
    assert not session.in_transaction()  # no SessionTransaction for Core work
    assert begun == [conn]
    conn.execute(
        text(
            "INSERT INTO detail_notes (id, organization_id, content, last_updated) "
            "VALUES ('a', 1, 'core', '2026-01-01')"
        )
    )
    session.add(DetailNote(organization_id=1, content="orm"))
    session.flush()
    assert begun == [conn], "the key check runs once, not again as the ORM joins"
    assert _notes(db) == []  # nothing committed yet
    session.end(commit=True)
    session.close()
    assert sorted(_notes(db)) == ["core", "orm"]
    assert not conn.in_transaction()
    db.dispose()


def test_ending_without_commit_rolls_back_core_and_orm_work(tmp_path: Path) -> None:
    db, session, _ = _session_on_kept_connection(tmp_path)
    session.connection().execute(
        text(
            "INSERT INTO detail_notes (id, organization_id, content, last_updated) "
            "VALUES ('a', 1, 'core', '2026-01-01')"
        )
    )
    session.add(DetailNote(organization_id=1, content="orm"))
    session.flush()
    session.end(commit=False)
    session.close()
    assert _notes(db) == []
    db.dispose()


def test_orm_work_first_begins_with_the_key_check_and_commits(tmp_path: Path) -> None:
    db, session, begun = _session_on_kept_connection(tmp_path)
    session.add(DetailNote(organization_id=1, content="orm"))
    session.flush()  # the ORM begins the Connection's transaction itself
    assert begun == [session.bind]
    assert session.connection() is session.bind
    session.end(commit=True)
    session.close()
    assert _notes(db) == ["orm"]
    db.dispose()


def test_a_failed_commit_leaves_the_connection_clean(tmp_path: Path) -> None:
    db, session, _ = _session_on_kept_connection(tmp_path)
    session.add(DetailNote(organization_id=999, content="no such organization"))
    with pytest.raises(IntegrityError):
        session.end(commit=True)  # the flush fails on the foreign key
    assert not session.bind.in_transaction()
    session.close()
    assert _notes(db) == []
    db.dispose()


# ------------------------------------------------------------ the key, taken by RequestRoute

_VALID = {"sample": {"sample_name": "order", "substrate": "Si"}, "layers": []}


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        # No key: 401 before the body's schema, the path or the If-Match is looked at ...
        ({}, b'{"sample": 5}', 401),
        # ... but after the body is declared JSON and parses, as when FastAPI solved the key.
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({}, b'{"sample": ', 422),
        ({}, b"[" * 100_000, 422),
    ],
)
def test_the_key_is_checked_where_fastapi_checked_it(
    server: ServerThread, headers: dict[str, str], content: bytes, status: int
) -> None:
    sent = {"Content-Type": "application/json", **headers}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.post("/target-materials/", content=content, headers=sent)
    assert answer.status_code == status, answer.text


def test_a_key_without_a_scope_a_material_needs_is_403(
    server: ServerThread, keys: Keys, api: httpx.Client
) -> None:
    created = api.post("/target-materials/", json=_VALID)
    assert created.status_code == 200, created.text
    material_id = created.json()["sample_id"]
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.reader}) as reader:
        assert reader.get(f"/target-materials/{material_id}/layers").status_code == 200
        refused = reader.delete(f"/target-materials/{material_id}")
        assert refused.status_code == 403 and "'delete' scope" in refused.text
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get(f"/target-materials/{material_id}/layers").status_code == 401


@pytest.mark.parametrize("on", [False, True])
def test_fastapi_telemetry_is_a_setting(tmp_path: Path, on: bool) -> None:
    """Off by default: FastAPI would ask the OpenTelemetry providers on every request."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 't.db'}")
    app = create_app(settings.model_copy(update={"telemetry": on}))
    config = app._telemetry
    assert (config["tracing"], config["metrics"], config["logs"]) == (on, on, on)


def test_a_create_refused_for_its_substrate_never_takes_the_write_lock(
    server: ServerThread, api: httpx.Client, database: Database, backend: Backend
) -> None:
    """Every check of a create (the substrate's orientation too) runs before its first
    statement: the one that is refused has not begun a transaction, nor waited for SQLite's
    write lock; a bad key is still 401."""
    if backend.name != "sqlite":
        pytest.skip("SQLite only: its statements are traced on the loop's connection")
    load_engine()  # the server's warm-up, done: requests run in the loop, on its connection
    assert api.get("/target-materials/").status_code == 200  # the loop's connection exists
    seen: list[str] = []
    drivers = [c.connection.driver_connection for c in database._kept.values()]
    for driver in drivers:
        driver.set_trace_callback(seen.append)
    body = {
        "sample": {"sample_name": "x", "substrate": "SrTiO3", "substrate_orientation": "(00"},
        "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "(001)"}],
    }
    try:
        refused = api.post("/target-materials/", json=body)
    finally:
        for driver in drivers:
            driver.set_trace_callback(None)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "sample", "substrate_orientation"]
    assert not [sql for sql in seen if sql.startswith("BEGIN")], seen
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": "nonsense"}) as stranger:
        assert stranger.post("/target-materials/", json=body).status_code == 401
