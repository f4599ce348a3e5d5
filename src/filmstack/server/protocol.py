"""uvicorn's HTTP/1.1 protocol with a header deadline: a client that trickles its request line
and headers (one byte every few seconds) is answered 408 and disconnected.

uvicorn bounds idle keep-alive connections (timeout_keep_alive) but not a request whose headers
never finish; the body deadline lives in the app (server/middleware.py).
"""

import asyncio
import json

from uvicorn.protocols.http.h11_impl import H11Protocol

_BODY = json.dumps({"detail": "The request headers did not arrive in time."}).encode()
_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    + b"content-length: "
    + str(len(_BODY)).encode()
    + b"\r\n\r\n"
    + _BODY
)


class HeaderTimeoutProtocol(H11Protocol):
    header_timeout_s = 10.0  # set from Settings.header_timeout_s by `filmstack serve`

    _header_timer: asyncio.TimerHandle | None = None
    # When the headers now awaited are late; None while none are awaited (a request is served).
    _header_deadline: float | None = None
    _timed_cycle: object = None
    _started = False  # bytes of the next request have arrived since the last response

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        self._started = True
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._timed_cycle:
            # The headers of a new request are complete: its body has the app's deadline.
            self._timed_cycle = self.cycle
            self._header_deadline = None

    def on_response_complete(self) -> None:
        self._started = False
        super().on_response_complete()
        self._arm_header_timer()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._header_deadline = None
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        """Set the deadline. A request on a kept-alive connection only moves it: the timer
        (one per connection) looks at it when it fires, and is set again for what is left, so
        that a request costs no timer of its own."""
        self._header_deadline = self.loop.time() + self.header_timeout_s
        if self._header_timer is None:
            self._header_timer = self.loop.call_at(self._header_deadline, self._deadline_due)

    def _deadline_due(self) -> None:
        self._header_timer = None
        deadline = self._header_deadline
        if deadline is None:
            return  # headers came: the next response sets a deadline, and a timer, again
        if self.loop.time() < deadline:
            self._header_timer = self.loop.call_at(deadline, self._deadline_due)
            return
        self._header_deadline = None
        self._headers_late()

    def _headers_late(self) -> None:
        waiting = self.cycle is None or self.cycle is self._timed_cycle
        if waiting and self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served: its headers came in time
        if self.cycle is not None and not self._started:
            return  # an idle keep-alive connection: uvicorn's timeout_keep_alive closes it
        if not self.transport.is_closing():
            self.transport.write(_RESPONSE)
            self.transport.close()
