"""Retries honour Retry-After on 429/502/503/504, for requests that are safe to repeat only.

Creates are safe: each carries an Idempotency-Key and a repeat sends the same one.

The server here is a tiny real HTTP server (stdlib http.server in a thread) that answers from a
script; it stands in for a proxy or an overloaded filmstack, not for our own code.
"""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from filmstack import APIError, Client, Conflict, InvalidInput, PreconditionFailed, TransportError
from filmstack.client import retry_after_seconds

LAYER = {
    "id": 1,
    "layer_id": 1,
    "sample_id": 1,
    "composition_string": "Si",
    "element_dict": {"Si": 1},
    "orientation": None,
    "space_group": None,
    "mp_id": None,
}
MATERIAL = {
    "sample_id": 1,
    "sample_name": "m",
    "substrate": "Si",
    "sample_metadata": {},
    "detail_notes_id": None,
    "user_id": "1",
    "version": "0.1.0",
    "last_updated": "2026-01-01T00:00:00Z",
}


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Scripted:
    url: str
    replies: list[Reply] = field(default_factory=list)
    seen: list[tuple[str, str, float]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # of each request seen

    def script(self, *replies: Reply) -> None:
        self.replies[:] = replies


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    state = Scripted(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            state.seen.append((self.command, self.path, time.monotonic()))
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            reply = state.replies.pop(0) if state.replies else Reply(500, {"detail": "no script"})
            time.sleep(reply.delay)
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def client(scripted: Scripted, **options: Any) -> Client:
    return Client("key", scripted.url, **options)


def test_a_get_waits_as_long_as_retry_after_says_then_succeeds(scripted: Scripted) -> None:
    scripted.script(Reply(429, {"detail": "slow down"}, {"Retry-After": "1"}), Reply(200, []))
    with client(scripted) as fs:
        assert fs.list_target_materials() == []
    (first, _, t0), (second, _, t1) = scripted.seen
    assert first == second == "GET"
    assert t1 - t0 >= 0.95


def test_retry_after_may_be_an_http_date(scripted: Scripted) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    scripted.script(Reply(503, {"detail": "busy"}, {"Retry-After": when}), Reply(200, []))
    with client(scripted) as fs:
        assert fs.list_target_materials() == []
    assert len(scripted.seen) == 2
    assert scripted.seen[1][2] - scripted.seen[0][2] >= 0.5


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_each_retryable_status_is_retried_for_reads(scripted: Scripted, status: int) -> None:
    scripted.script(Reply(status, {"detail": "x"}, {"Retry-After": "0"}), Reply(200, []))
    with client(scripted) as fs:
        assert fs.list_target_materials() == []
    assert len(scripted.seen) == 2


def test_without_retry_after_the_client_backs_off_briefly(scripted: Scripted) -> None:
    scripted.script(Reply(502, None), Reply(502, None), Reply(200, []))
    with client(scripted) as fs:
        assert fs.list_target_materials() == []
    assert len(scripted.seen) == 3


def test_a_create_is_repeated_with_the_same_idempotency_key(scripted: Scripted) -> None:
    scripted.script(Reply(503, {"detail": "busy"}, {"Retry-After": "0"}), Reply(200, MATERIAL))
    with client(scripted) as fs:
        assert fs.create_target_material("m", "Si").sample_id == 1
    assert [method for method, _, _ in scripted.seen] == ["POST", "POST"]
    first, second = (h.get("idempotency-key") for h in scripted.headers)
    assert first and first == second


def test_every_create_sends_a_key_of_its_own(scripted: Scripted) -> None:
    sample = {
        **MATERIAL,
        "id": "6f1c",
        "name": "run 1",
        "created_datetime": "2026-01-01T00:00:00Z",
        "sample_id": None,
        "physical_sample_metadata": {},
    }
    scripted.script(
        Reply(200, MATERIAL),
        Reply(200, MATERIAL),
        Reply(200, {}),
        Reply(200, {**LAYER}),
        Reply(200, sample),
    )
    with client(scripted) as fs:
        fs.create_target_material("m", "Si")
        fs.create_target_material("m", "Si")
        fs.replace_stack(1, [])
        fs.add_layer(1, 1, composition_string="Si")
        fs.create_physical_sample("run 1")
    keys = [h.get("idempotency-key") for h in scripted.headers]
    assert all(keys) and len(set(keys)) == 5


def test_a_given_idempotency_key_is_sent_as_is(scripted: Scripted) -> None:
    scripted.script(Reply(200, MATERIAL))
    with client(scripted) as fs:
        fs.create_target_material("m", "Si", idempotency_key="import-row-7")
    assert scripted.headers[0]["idempotency-key"] == "import-row-7"


def test_a_retried_create_waits_out_a_409_while_its_first_attempt_runs(scripted: Scripted) -> None:
    scripted.script(
        Reply(502, None),
        Reply(409, {"detail": "a request with this Idempotency-Key is still running"}),
        Reply(200, MATERIAL, {"Idempotent-Replayed": "true"}),
    )
    with client(scripted) as fs:
        assert fs.create_target_material("m", "Si").sample_id == 1
    assert len({h["idempotency-key"] for h in scripted.headers}) == 1
    assert len(scripted.seen) == 3


def test_a_409_on_the_first_attempt_is_a_conflict_at_once(scripted: Scripted) -> None:
    scripted.script(Reply(409, {"detail": "layer position 1 is taken"}))
    with client(scripted) as fs, pytest.raises(Conflict):
        fs.add_layer(1, 1, composition_string="Si")
    assert len(scripted.seen) == 1


def test_if_match_is_sent_and_a_412_carries_the_current_etag(scripted: Scripted) -> None:
    scripted.script(Reply(412, {"detail": "changed since"}, {"ETag": '"7"'}))
    with client(scripted) as fs, pytest.raises(PreconditionFailed) as caught:
        fs.update_target_material(1, sample_name="m", if_match='"6"')
    assert scripted.headers[0]["if-match"] == '"6"'
    assert caught.value.status == 412 and caught.value.etag == '"7"'
    assert len(scripted.seen) == 1  # a refused precondition is not retried


def test_an_answer_s_etag_is_kept_on_the_material(scripted: Scripted) -> None:
    scripted.script(Reply(200, MATERIAL, {"ETag": '"3"'}))
    with client(scripted) as fs:
        material = fs.update_target_material(1, sample_name="m")
    assert material.etag == '"3"'
    assert "etag" not in material.model_dump()


def test_changes_that_set_values_are_repeated(scripted: Scripted) -> None:
    scripted.script(Reply(503, None, {"Retry-After": "0"}), Reply(200, MATERIAL))
    with client(scripted) as fs:
        assert fs.update_target_material(1, sample_name="m").sample_name == "m"
    assert [method for method, _, _ in scripted.seen] == ["PATCH", "PATCH"]


def test_giving_up_after_the_retries_raises_the_last_answer(scripted: Scripted) -> None:
    scripted.script(*[Reply(503, {"detail": "busy"}, {"Retry-After": "0"})] * 5)
    with client(scripted, retries=2) as fs, pytest.raises(APIError) as caught:
        fs.list_target_materials()
    assert caught.value.status == 503 and caught.value.detail == "busy"
    assert len(scripted.seen) == 3


def test_a_retry_after_longer_than_the_limit_fails_at_once(scripted: Scripted) -> None:
    scripted.script(Reply(429, {"detail": "come back tomorrow"}, {"Retry-After": "86400"}))
    started = time.monotonic()
    with client(scripted, max_retry_wait=5) as fs, pytest.raises(APIError) as caught:
        fs.list_target_materials()
    assert caught.value.status == 429 and time.monotonic() - started < 2
    assert len(scripted.seen) == 1


def test_a_retried_delete_whose_first_attempt_landed_succeeds(scripted: Scripted) -> None:
    scripted.script(Reply(504, None, {"Retry-After": "0"}), Reply(404, {"detail": "Not found"}))
    with client(scripted) as fs:
        fs.delete_target_material(1)
    assert len(scripted.seen) == 2


def test_other_errors_are_not_retried(scripted: Scripted) -> None:
    scripted.script(Reply(422, {"detail": [{"loc": ["query", "cursor"], "msg": "bad"}]}))
    with client(scripted) as fs, pytest.raises(InvalidInput):
        fs.list_target_materials()
    assert len(scripted.seen) == 1


def test_a_slow_answer_times_out_after_the_retries(scripted: Scripted) -> None:
    scripted.script(*[Reply(200, [], delay=0.5)] * 3)
    with client(scripted, timeout=0.1, retries=1) as fs, pytest.raises(TransportError) as caught:
        fs.list_target_materials()
    assert "timed out" in str(caught.value)
    assert len(scripted.seen) == 2


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("-1") == 0.0
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:10 GMT", now) == 10.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
