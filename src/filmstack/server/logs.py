"""The server's log handler: access lines written a batch at a time, warnings and errors at once.

Python's stderr is line-buffered, so a StreamHandler makes one write() system call for every
access line: about a tenth of an authenticated read's whole cost on the server. This handler
keeps lines below WARNING for at most `delay_s` and writes what has gathered in one call; a
WARNING or worse is written at once, with every line before it, so the order never changes.
What is pending is written at exit (logging.shutdown flushes every handler) and whenever
`flush()` is called; a process killed outright loses at most `delay_s` of access lines.
"""

import logging
import threading
import time
from typing import TextIO


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, stream: TextIO | None = None, delay_s: float = 0.2) -> None:
        super().__init__(stream)
        self.delay_s = delay_s
        self._pending: list[str] = []
        self._due = threading.Event()  # set when the first line of a batch arrives
        self._writer: threading.Thread | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Handler.handle holds self.lock around emit.
        try:
            self._pending.append(self.format(record) + self.terminator)
        except Exception:  # noqa: BLE001 - as StreamHandler.emit: report, never raise
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING or len(self._pending) >= 1000:
            self._write()
        elif len(self._pending) == 1:
            self._start_writer()
            self._due.set()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()
            super().flush()

    def _write(self) -> None:
        """Write the pending lines in one call (the caller holds self.lock)."""
        if not self._pending:
            return
        text, self._pending = "".join(self._pending), []
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream must not break a request
            pass

    def _start_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._write_batches, name="filmstack-log", daemon=True
            )
            self._writer.start()

    def _write_batches(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            # Let the batch gather; the lines of a burst then cost one write.
            time.sleep(self.delay_s)
            with self.lock:  # type: ignore[union-attr]
                self._write()


class LineFormatter(logging.Formatter):
    """logging.Formatter whose time stamp is made once a second, not once a line (a third of
    the cost of formatting an access line); the same text as the default `asctime`."""

    def __init__(self, fmt: str) -> None:
        super().__init__(fmt)
        self._second = -1
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        return f"{self._stamp},{int(record.msecs):03d}"  # default_msec_format, "%s,%03d"
