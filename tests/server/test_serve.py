"""Serving: Nagle off on every accepted connection, whatever the worker count; pools in budget."""

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from filmstack.server.app import create_app
from filmstack.server.config import Settings
from filmstack.server.serve import NoDelayH11Protocol
from tests.conftest import ServeProcess


def listening_socket_as_uvicorn_workers_get_it() -> socket.socket:
    """uvicorn's Config.bind_socket(), used for --workers: proto 0, not IPPROTO_TCP."""
    sock = socket.socket(family=socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    assert sock.proto == 0
    return sock


def own_socket_to(peer: tuple[str, int], local: tuple[str, int]) -> socket.socket:
    """This process's socket whose local address is `local` and whose peer is `peer`."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            candidate = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if candidate.getsockname() == local and candidate.getpeername() == peer:
                return candidate
        except OSError:
            pass
        candidate.close()
    raise AssertionError(f"no socket from {local} to {peer} in this process")


@contextmanager
def uvicorn_on(sock: socket.socket, http: type[H11Protocol], tmp: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp)
    config = uvicorn.Config(create_app(settings), log_level="warning", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def server_side_nodelay(url: str, server_addr: tuple[str, int]) -> list[int]:
    """TCP_NODELAY of the server's end of one keep-alive connection, after each of 3 requests."""
    seen = []
    with httpx.Client(base_url=url) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            # httpx keeps one pooled connection: find its local address through the OS.
            stream = client._transport._pool.connections[0]._connection._network_stream  # type: ignore[attr-defined]
            client_addr = stream.get_extra_info("client_addr")
            accepted = own_socket_to(peer=client_addr, local=server_addr)
            try:
                seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            finally:
                accepted.close()
    return seen


@pytest.mark.parametrize("protocol", [NoDelayH11Protocol, H11Protocol])
def test_accepted_connections_on_a_workers_socket_have_nagle_off(
    protocol: type[H11Protocol], tmp_path: Path
) -> None:
    sock = listening_socket_as_uvicorn_workers_get_it()
    address = sock.getsockname()
    with uvicorn_on(sock, protocol, tmp_path) as url:
        flags = server_side_nodelay(url, address)
    if protocol is NoDelayH11Protocol:
        assert flags == [1, 1, 1]
    else:
        # The bug this protocol exists for: plain uvicorn leaves Nagle on for such sockets.
        assert flags == [0, 0, 0]


def test_pool_per_worker_stays_within_the_connection_budget(tmp_path: Path) -> None:
    for workers, per_worker in [(1, 80), (2, 40), (3, 26), (200, 1)]:
        settings = Settings(data_dir=tmp_path, workers=workers)
        assert settings.db_connections == 80
        assert settings.connections_per_worker() == per_worker
        pool = create_app(settings).state.database.engine.pool
        assert pool.size() + pool._max_overflow == per_worker  # type: ignore[attr-defined]
    small = Settings(data_dir=tmp_path, db_connections=10, workers=2)
    assert small.connections_per_worker() == 5


def test_serve_says_its_pool_on_start_and_its_stop(tmp_path: Path) -> None:
    env = {**os.environ, "FILMSTACK_DATA_DIR": str(tmp_path), "FILMSTACK_DB_CONNECTIONS": "30"}
    env.pop("FILMSTACK_DATABASE_URL", None)
    running = ServeProcess(env, tmp_path / "serve.log", "--workers", "2")
    try:
        key = running.read_key()
        with httpx.Client(base_url=running.url, headers={"X-API-KEY": key}) as client:
            for _ in range(20):  # one keep-alive connection, spread over the two workers
                assert client.get("/physical_samples/").json() == []
    finally:
        running.stop()
    log = (tmp_path / "serve.log").read_text()
    assert "at most 15 per worker x 2 workers = 30" in log
    assert "FILMSTACK_DB_CONNECTIONS=30" in log
    assert f"stopped serving at {running.url}/" in log
