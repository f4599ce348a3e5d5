"""A request is one transaction whose first statement checks the key; on SQLite, a write takes
the database's write lock only after its body and chemistry were checked."""

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from filmstack.server.db import Database
from tests.conftest import Backend, Keys, ServerThread

BODY = {
    "sample": {"sample_name": "BTO on STO", "substrate": "SrTiO3"},
    "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
}


@pytest.fixture
def statements(backend: Backend, database: Database) -> Iterator[list[str]]:
    """SQL the server runs on the shared engine (transaction starts included), in order.

    On SQLite, as the driver runs it (its trace callback): the key check and BEGIN go to the
    driver directly, past SQLAlchemy's events. On PostgreSQL, from SQLAlchemy's events.
    """
    seen: list[str] = []
    lock = threading.Lock()

    def note(statement: str) -> None:
        with lock:
            seen.append(" ".join(statement.split()))

    if backend.name == "sqlite":

        def trace(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.set_trace_callback(note)

        event.listen(database.engine, "connect", trace)
        database.dispose()  # every connection from now on is a new, traced one
        yield seen
        event.remove(database.engine, "connect", trace)
        database.dispose()
        return

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        note(statement)

    def begin(_conn: Any) -> None:
        note("BEGIN")

    event.listen(database.engine, "before_cursor_execute", record)
    event.listen(database.engine, "begin", begin)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)
    event.remove(database.engine, "begin", begin)


def requests_of(seen: list[str]) -> list[list[str]]:
    """Split the recorded statements at each BEGIN; the ends of transactions are dropped."""
    out: list[list[str]] = []
    for s in seen:
        if s.startswith("BEGIN"):
            out.append([])
        elif out and s not in ("COMMIT", "ROLLBACK"):
            out[-1].append(s)
    return out


@pytest.mark.parametrize("method", ["read", "create"])
def test_one_transaction_per_request_and_the_key_check_comes_first(
    api: httpx.Client, keys: Keys, statements: list[str], method: str
) -> None:
    created = api.post("/target-materials/", json=BODY)
    assert created.status_code == 200
    material_id = created.json()["sample_id"]
    statements.clear()
    if method == "read":
        response = api.get(f"/target-materials/{material_id}")
    else:
        response = api.post("/target-materials/", json=BODY)
    assert response.status_code == 200
    transactions = [t for t in requests_of(statements) if t]
    assert len(transactions) == 1, transactions
    first = transactions[0][0]
    assert "FROM api_keys" in first and "key_hash" in first, first


def test_a_revoked_key_fails_on_the_next_request(
    api: httpx.Client, server: ServerThread, keys: Keys
) -> None:
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.admin}) as admin:
        assert admin.get("/physical_samples/").status_code == 200
        listed = admin.get("/api-keys/").json()
        writer = next(k for k in listed if k["user"] == "alice")
        assert api.get("/physical_samples/").status_code == 200
        assert admin.delete(f"/api-keys/{writer['id']}").status_code == 204
    assert api.get("/physical_samples/").status_code == 401
    assert api.post("/target-materials/", json=BODY).status_code == 401


def test_bad_chemistry_is_refused_while_another_writer_holds_sqlite(
    backend: Backend, api: httpx.Client, keys: Keys
) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite's one-writer lock")
    outside = sqlite3.connect(backend.url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        outside.execute("BEGIN IMMEDIATE")  # another process writing, for a while
        bad = {**BODY, "layers": [{"layer_id": 1, "composition_string": "BaTiXx3"}]}
        response = api.post("/target-materials/", json=bad)
        outside.execute("ROLLBACK")
    finally:
        outside.close()
    # Checked before the write lock was asked for: a 422 naming the field, not a 503 after
    # waiting for a lock the request never needed.
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "layers", 0, "composition_string"]
