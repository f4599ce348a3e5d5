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


def _listening(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port, from /proc/net/tcp."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return len({row[9] for row in rows if row[1] == wanted and row[3] == "0A"})


def _workers(parent: int) -> list[int]:
    """The uvicorn worker processes of a `filmstack serve --workers N` process."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"resource_tracker" not in cmdline:
            found.append(int(name))
    return found


def _get(sock: socket.socket, path: str) -> int:
    """One keep-alive GET on a raw connection; the status."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(v.split(b":")[1]) for v in lines if v.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    return int(lines[0].split()[1])


def _owner(workers: list[int], server_port: int, client_port: int) -> int | None:
    """The worker process holding the server's end of the connection from `client_port`."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    inodes = {row[9] for row in rows if row[1] == local and row[2] == remote}
    for pid in workers:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


def test_two_workers_share_connections_opened_at_once(tmp_path: Path) -> None:
    """Keep-alive connections opened together (as a load generator or a client pool opens them)
    are spread over the workers: each worker has a listening socket of its own. With one shared
    socket the first worker to wake accepted all of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
    env["FILMSTACK_DATA_DIR"] = str(tmp_path)
    serve = ServeProcess(env, tmp_path / "serve.log", "--workers", "2")
    try:
        port = int(serve.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 30
        workers = _workers(serve.proc.pid)
        while (len(workers) < 2 or _listening(port) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = _workers(serve.proc.pid)
        assert len(workers) == 2, workers
        one_sided = 0
        for _ in range(12):
            connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
            try:
                for conn in connections:
                    assert _get(conn, "/healthz") == 200
                owners = {_owner(workers, port, c.getsockname()[1]) for c in connections}
            finally:
                for conn in connections:
                    conn.close()
            assert None not in owners, owners
            one_sided += len(owners) == 1
        # Spread at random, 4 connections all land on one of 2 workers 1 time in 8.
        assert one_sided < 6, f"{one_sided} of 12 rounds put every connection on one worker"
    finally:
        serve.stop()


def _tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(c) for c in children.read_text().split()] if children.exists() else []
    return [pid, *(p for child in found for p in _tree(child))]


def test_a_started_server_loads_the_chemistry_engine_before_any_request(tmp_path: Path) -> None:
    """No request pays for importing pymatgen (0.2-0.5 s, in which a request run in the event
    loop would stall every other): the server imports it in a thread as it starts."""
    env = {**os.environ, "FILMSTACK_DATA_DIR": str(tmp_path)}
    env.pop("FILMSTACK_DATABASE_URL", None)
    running = ServeProcess(env, tmp_path / "serve.log")
    try:
        deadline = time.monotonic() + 60
        loaded = False
        while not loaded and time.monotonic() < deadline:  # no request but /healthz was sent
            maps = "".join(Path(f"/proc/{p}/maps").read_text() for p in _tree(running.proc.pid))
            loaded = "pymatgen" in maps or "_multiarray_umath" in maps
            time.sleep(0.2)
        assert loaded, "the server had not imported pymatgen a minute after it started"
    finally:
        running.stop()
