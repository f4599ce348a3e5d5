"""The server's log handler writes access lines a batch at a time, never out of order, and
nothing is lost at a flush; its time stamps read as logging's own."""

import logging
import time

import pytest

from filmstack.server.logs import BatchedStreamHandler, LineFormatter


class Stream:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def logged() -> tuple[logging.Logger, Stream, BatchedStreamHandler]:
    stream = Stream()
    handler = BatchedStreamHandler(stream, delay_s=0.05)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(f"filmstack.test.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, stream, handler


def wait_for(stream: Stream, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not stream.writes and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_burst_of_access_lines_is_one_write(logged) -> None:  # type: ignore[no-untyped-def]
    logger, stream, _ = logged
    for i in range(100):
        logger.info("line %d", i)
    assert stream.writes == []  # gathered, not written line by line
    wait_for(stream)
    assert len(stream.writes) == 1
    assert stream.writes[0] == "".join(f"INFO line {i}\n" for i in range(100))


def test_a_warning_is_written_at_once_after_the_lines_before_it(logged) -> None:  # type: ignore[no-untyped-def]
    logger, stream, _ = logged
    logger.info("first")
    logger.warning("trouble")
    assert "".join(stream.writes) == "INFO first\nWARNING trouble\n"


def test_flush_writes_what_is_pending(logged) -> None:  # type: ignore[no-untyped-def]
    logger, stream, handler = logged
    logger.info("last words")
    handler.flush()
    assert "".join(stream.writes) == "INFO last words\n"
    time.sleep(0.1)
    assert "".join(stream.writes) == "INFO last words\n"  # and never twice


def test_lines_keep_coming_after_a_batch(logged) -> None:  # type: ignore[no-untyped-def]
    logger, stream, _ = logged
    logger.info("one")
    wait_for(stream)
    logger.info("two")
    deadline = time.monotonic() + 5
    while "".join(stream.writes) != "INFO one\nINFO two\n" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "".join(stream.writes) == "INFO one\nINFO two\n"


@pytest.mark.parametrize("created", [0.0, 1_764_600_000.999, 1_764_600_001.0, 1_800_000_000.5])
def test_the_time_stamp_is_loggings_own(created: float) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    record = logging.LogRecord("filmstack.access", logging.INFO, "", 0, "GET /", (), None)
    record.created, record.msecs = created, (created - int(created)) * 1000 // 1
    ours = LineFormatter(fmt)
    ours.format(logging.LogRecord("x", logging.INFO, "", 0, "warm", (), None))  # another second
    assert ours.format(record) == logging.Formatter(fmt).format(record)
