"""Failed key checks, counted per client address: past the limit, 429 until the window passes."""

import threading
import time
from collections import deque

from filmstack.server.errors import TooManyRequests

_MAX_ADDRESSES = 100_000  # bounded memory even when addresses are spoofed by the million


class FailureThrottle:
    """At most `limit` failed key checks per `window_s` seconds from one address."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """Raise 429 (with Retry-After) while this address is over its limit."""
        now = time.monotonic()
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                return
            self._expire(times, now)
            if not times:
                del self._failures[address]
                return
            if len(times) >= self.limit:
                retry = int(times[0] + self.window_s - now) + 1
                raise TooManyRequests(
                    "Too many failed API key checks from this address; try again later.",
                    retry_after=retry,
                )

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                if len(self._failures) >= _MAX_ADDRESSES:
                    self._prune(now)
                times = self._failures.setdefault(address, deque())
            self._expire(times, now)
            times.append(now)
            while len(times) > self.limit:
                times.popleft()

    def _expire(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()

    def _prune(self, now: float) -> None:
        for address in list(self._failures):
            self._expire(self._failures[address], now)
            if not self._failures[address]:
                del self._failures[address]
        if len(self._failures) >= _MAX_ADDRESSES:  # all still active: forget the oldest
            oldest = min(self._failures, key=lambda a: self._failures[a][-1])
            del self._failures[oldest]
