"""Issue class 8: failed key checks are throttled per address; slow clients are cut off."""

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from filmstack.server.db import Database
from tests.conftest import Backend, Keys, ServeProcess, ServerThread, make_settings


@pytest.fixture
def strict_server(
    backend: Backend, database: Database, keys: Keys, tmp_path: Path
) -> Iterator[ServerThread]:
    settings = make_settings(backend, tmp_path, auth_failure_limit=5, auth_failure_window_s=60)
    with ServerThread(settings, database) as running:
        yield running


def from_address(url: str, address: str, key: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=url, headers={"X-API-KEY": key}, transport=transport, timeout=30)


def test_repeated_bad_keys_are_429_with_retry_after(
    strict_server: ServerThread, keys: Keys
) -> None:
    with from_address(strict_server.url, "127.0.0.1", "fs_wrong") as attacker:
        statuses = [attacker.get("/target-materials/").status_code for _ in range(5)]
        refused = attacker.get("/target-materials/")
        also_refused = attacker.get("/target-materials/", headers={"X-API-KEY": keys.writer})
    assert statuses == [401] * 5
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed" in refused.json()["detail"]
    assert also_refused.status_code == 429  # the address is refused, whatever it sends now
    with from_address(strict_server.url, "127.0.0.2", keys.writer) as colleague:
        assert colleague.get("/target-materials/").status_code == 200


def test_a_missing_key_is_not_a_failed_check(strict_server: ServerThread, keys: Keys) -> None:
    with httpx.Client(base_url=strict_server.url, timeout=30) as anonymous:
        assert {anonymous.get("/target-materials/").status_code for _ in range(10)} == {401}
    with from_address(strict_server.url, "127.0.0.1", keys.reader) as reader:
        assert reader.get("/target-materials/").status_code == 200


def test_the_window_passes(
    backend: Backend, database: Database, keys: Keys, tmp_path: Path
) -> None:
    settings = make_settings(backend, tmp_path, auth_failure_limit=2, auth_failure_window_s=1)
    with ServerThread(settings, database) as srv, from_address(srv.url, "127.0.0.3", "x") as bad:
        assert [bad.get("/target-materials/").status_code for _ in range(3)] == [401, 401, 429]
        time.sleep(1.2)
        assert bad.get("/target-materials/", headers={"X-API-KEY": keys.reader}).status_code == 200


# ------------------------------------------------------------------- slow clients


@pytest.fixture
def impatient_serve(tmp_path: Path) -> Iterator[ServeProcess]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
    env.update(
        FILMSTACK_DATA_DIR=str(tmp_path),
        FILMSTACK_HEADER_TIMEOUT_S="1",
        FILMSTACK_BODY_TIMEOUT_S="1",
    )
    serve = ServeProcess(env, tmp_path / "serve.log")
    try:
        serve.read_key()
        yield serve
    finally:
        serve.stop()


def _trickle(url: str, chunks: list[bytes], pause: float) -> bytes:
    """Send chunks with pauses, as a slowloris does; return all the server said before closing."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        received = b""
        try:
            for chunk in chunks:
                sock.sendall(chunk)
                time.sleep(pause)
        except OSError:  # the server hung up on us: that is the point
            pass
        try:
            while data := sock.recv(65536):
                received += data
        except OSError:
            pass
    return received


def test_headers_sent_a_byte_at_a_time_are_cut_off(impatient_serve: ServeProcess) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
    answer = _trickle(impatient_serve.url, [request[i : i + 1] for i in range(len(request))], 0.1)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"did not arrive in time" in answer
    assert httpx.get(f"{impatient_serve.url}/healthz").status_code == 200


def test_the_next_request_on_a_kept_connection_has_a_deadline_of_its_own(
    impatient_serve: ServeProcess,
) -> None:
    # The connection's one timer was set for the first request's deadline; quick requests
    # move the deadline on, and a second request that trickles its headers after them is
    # still cut off, about one header timeout (1 s here) after the response before it.
    quick = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    slow = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
    chunks = [quick, quick, *(slow[i : i + 1] for i in range(len(slow)))]
    started = time.monotonic()
    answer = _trickle(impatient_serve.url, chunks, 0.1)
    took = time.monotonic() - started
    assert answer.count(b"HTTP/1.1 200") == 2, answer
    assert answer.rstrip().endswith(b'did not arrive in time."}'), answer
    assert b"HTTP/1.1 408" in answer
    assert took < 6  # cut off well before the trickle (6.6 s) would have finished


def test_a_body_that_never_finishes_is_408(impatient_serve: ServeProcess) -> None:
    body = json.dumps({"sample": {"sample_name": "slow", "substrate": "Si"}}).encode()
    head = (
        b"POST /target-materials/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body) + 100}\r\n\r\n".encode()
    )
    answer = _trickle(impatient_serve.url, [head, body[:5], body[5:10]], 0.8)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 408"), answer
    assert b'"detail"' in rest and b"did not arrive" in rest


def test_an_idle_keep_alive_connection_is_closed(impatient_serve: ServeProcess) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = _trickle(impatient_serve.url, [request], 0)
    assert answer.startswith(b"HTTP/1.1 200")  # and then the server closed the connection
    assert b"408" not in answer  # quietly: an idle connection owes nothing
