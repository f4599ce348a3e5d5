"""A stalled or locked database: the API answers 503 with Retry-After, the server stays up.

PostgreSQL is stalled by a TCP proxy that stops forwarding (tests/server/tcpproxy.py) in front of
a real `filmstack serve`; SQLite by another connection holding the write lock. Every request is
bounded by the client's timeout, so a server that hangs fails the test instead of passing slowly.
"""

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.client.serving import served_database
from tests.conftest import PG_ENV, PG_SKIP, ServeProcess
from tests.server.tcpproxy import TcpProxy

MATERIAL = {"sample": {"sample_name": "stall", "substrate": "Si"}, "layers": [{"layer_id": 1}]}
BOUND = 20  # seconds: far above the 1 s database timeout these servers get


_clients: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def _client(url: str, key: str) -> httpx.Client:
    client = httpx.Client(base_url=url, headers={"X-API-KEY": key}, timeout=BOUND)
    _clients.append(client)
    return client


@pytest.fixture
def frozen_pg(tmp_path: Path) -> Iterator[tuple[ServeProcess, TcpProxy, str]]:
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    with served_database("postgresql", tmp_path) as (env, _backend):
        url = make_url(env["FILMSTACK_DATABASE_URL"])
        with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            env = {
                **env,
                "FILMSTACK_DATABASE_URL": url.set(port=proxy.port).render_as_string(False),
                "FILMSTACK_DB_TIMEOUT_S": "1",
                "FILMSTACK_DB_POOL_TIMEOUT_S": "1",
                "FILMSTACK_HEALTH_TIMEOUT_S": "0.5",
            }
            serve = ServeProcess(env, tmp_path / "serve.log")
            try:
                key = serve.read_key()
                yield serve, proxy, key
            finally:
                proxy.thaw()
                serve.stop()


def test_frozen_postgresql_is_503_and_the_server_stays_responsive(
    frozen_pg: tuple[ServeProcess, TcpProxy, str],
) -> None:
    serve, proxy, key = frozen_pg
    api = _client(serve.url, key)
    mid = api.post("/target-materials/", json=MATERIAL).json()["sample_id"]
    proxy.freeze()
    # More requests than the server has worker threads (40): none may hang, all say 503.
    with ThreadPoolExecutor(60) as pool:
        stuck = [pool.submit(api.get, f"/target-materials/{mid}") for _ in range(60)]
        with httpx.Client(base_url=serve.url, timeout=BOUND) as other:
            health = other.get("/healthz")
            page = other.get("/")
            static = other.get("/static/app.css")
        answers = [f.result() for f in stuck]
    assert health.status_code == 503 and health.headers["Retry-After"]
    assert page.status_code == 200 and static.status_code == 200
    assert {r.status_code for r in answers} == {503}
    assert all(r.headers.get("Retry-After") for r in answers)
    assert answers[0].json()["detail"].startswith("The database is busy")
    proxy.thaw()
    assert _eventually_ok(api, f"/target-materials/{mid}")
    assert api.get("/healthz").status_code == 200


def _eventually_ok(api: httpx.Client, path: str) -> bool:
    for _ in range(40):
        if api.get(path).status_code == 200:
            return True
        time.sleep(0.25)
    return False


def test_frozen_postgresql_latency_figures(frozen_pg: tuple[ServeProcess, TcpProxy, str]) -> None:
    """Prints the figures for the record (bench territory); asserts only the statuses."""
    serve, proxy, key = frozen_pg
    api = _client(serve.url, key)
    mid = api.post("/target-materials/", json=MATERIAL).json()["sample_id"]
    proxy.freeze()
    figures = {}
    for name, path in (("healthz", "/healthz"), ("get", f"/target-materials/{mid}")):
        started = time.perf_counter()
        status = api.get(path).status_code
        figures[name] = (status, round((time.perf_counter() - started) * 1000))
    print(f"\nfrozen PostgreSQL (db timeout 1 s): {figures}")
    assert figures["healthz"][0] == 503 and figures["get"][0] == 503


@pytest.fixture
def sqlite_serve(tmp_path: Path) -> Iterator[tuple[ServeProcess, httpx.Client]]:
    """`filmstack serve` on its own SQLite file (1 s database timeout), and an admin client."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
    env.update(FILMSTACK_DATA_DIR=str(tmp_path), FILMSTACK_DB_TIMEOUT_S="1")
    serve = ServeProcess(env, tmp_path / "serve.log")
    try:
        yield serve, _client(serve.url, serve.read_key())
    finally:
        serve.stop()


def test_locked_sqlite_write_is_503_and_reads_go_on(
    sqlite_serve: tuple[ServeProcess, httpx.Client], tmp_path: Path
) -> None:
    _, api = sqlite_serve
    assert api.post("/target-materials/", json=MATERIAL).status_code == 200
    locker = sqlite3.connect(tmp_path / "filmstack.db", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        blocked = api.post("/target-materials/", json=MATERIAL)
        listed = api.get("/target-materials/")
        health = api.get("/healthz")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert blocked.status_code == 503, blocked.text
    assert blocked.headers["Retry-After"]
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert health.status_code == 200
    assert api.post("/target-materials/", json=MATERIAL).status_code == 200


def test_threads_free_up_after_a_stall(frozen_pg: tuple[ServeProcess, TcpProxy, str]) -> None:
    """Waits are bounded, so a stall that ends leaves no thread behind: all of them serve again."""
    serve, proxy, key = frozen_pg
    api = _client(serve.url, key)
    proxy.freeze()
    done = threading.Event()

    def hammer() -> None:
        while not done.is_set():
            api.get("/target-materials/")

    workers = [threading.Thread(target=hammer) for _ in range(8)]
    for w in workers:
        w.start()
    time.sleep(2)
    done.set()
    for w in workers:
        w.join(BOUND)
    proxy.thaw()
    assert _eventually_ok(api, "/target-materials/")
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(lambda _: api.get("/target-materials/").status_code, range(80)))
    assert set(statuses) == {200}


def test_bad_chemistry_is_422_while_another_process_holds_the_write_lock(
    sqlite_serve: tuple[ServeProcess, httpx.Client], tmp_path: Path
) -> None:
    """Validation and chemistry run before a write asks SQLite for its lock: a refused change
    is answered at once, not after waiting out the lock as a 503, and a bad key is still 401."""
    serve, api = sqlite_serve
    mid = api.post("/target-materials/", json=MATERIAL).json()["sample_id"]
    stranger = _client(serve.url, "fs_" + "x" * 40)
    bad_layer = {"layer_id": 2, "composition_string": "Xx2O3"}
    locker = sqlite3.connect(tmp_path / "filmstack.db", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        answers = {
            "patch": api.patch(f"/target-materials/{mid}", json={"substrate_orientation": "(0 0"}),
            "replace": api.post(f"/target-materials/{mid}/layers", json=[bad_layer]),
            "add": api.post("/target-materials/layers/", json={"sample_id": mid, **bad_layer}),
            "create": api.post("/target-materials/", json={**MATERIAL, "layers": [bad_layer]}),
            "stranger": stranger.post(f"/target-materials/{mid}/layers", json=[bad_layer]),
        }
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    problems = {
        name: r.json()["detail"][0]["loc"] for name, r in answers.items() if r.status_code == 422
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "patch": 422,
        "replace": 422,
        "add": 422,
        "create": 422,
        "stranger": 401,
    }, {name: r.text for name, r in answers.items()}
    assert problems["patch"] == ["body", "substrate_orientation"]
    assert problems["replace"] == ["body", 0, "composition_string"]
    assert problems["add"] == ["body", "composition_string"]
    assert api.get(f"/target-materials/{mid}").json()["revision"] == 1  # nothing written


def test_a_write_that_finds_the_lock_taken_waits_off_the_event_loop(
    sqlite_serve: tuple[ServeProcess, httpx.Client], tmp_path: Path
) -> None:
    """A write runs in the event loop only when SQLite's write lock is free at once. While
    another process holds it, the write waits in a worker thread: the server goes on answering,
    and the write succeeds once the lock is given back within the database timeout."""
    _, api = sqlite_serve
    assert api.post("/target-materials/", json=MATERIAL).status_code == 200
    locker = sqlite3.connect(tmp_path / "filmstack.db", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(api.post, "/target-materials/", json=MATERIAL)
            time.sleep(0.2)  # the write has reached the server and is waiting for the lock
            health = api.get("/healthz")
            listed = api.get("/target-materials/")
            still_waiting = not waiting.done()
            locker.execute("ROLLBACK")
            written = waiting.result(timeout=BOUND)
    finally:
        locker.close()
    assert health.status_code == 200 and listed.status_code == 200
    assert len(listed.json()) == 1
    assert still_waiting  # it waited for the lock while the server answered the others
    assert written.status_code == 200, written.text
    assert len(api.get("/target-materials/").json()) == 2
