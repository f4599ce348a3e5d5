"""A TCP proxy for the tests that can freeze a database without touching the database server.

While frozen it keeps accepting connections and reading what clients send, but forwards nothing
in either direction: to the client the database looks alive and silent, like a stalled host.
"""

import contextlib
import select
import socket
import threading
from types import TracebackType


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port: int = self.listener.getsockname()[1]
        self._thawed = threading.Event()
        self._thawed.set()
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def freeze(self) -> None:
        """From now on nothing passes, and new connections are accepted but never answered."""
        self._thawed.clear()

    def thaw(self) -> None:
        self._thawed.set()

    def close(self) -> None:
        self._closing.set()
        self._thawed.set()
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self._thawed.wait()  # a connection made while frozen hangs before it reaches the server
        if self._closing.is_set():
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._sockets.append(upstream)
        pending: dict[socket.socket, bytes] = {client: b"", upstream: b""}
        peer = {client: upstream, upstream: client}
        try:
            while not self._closing.is_set():
                readable, _, _ = select.select([client, upstream], [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pending[sock] += data
                if not self._thawed.is_set():
                    continue  # frozen: hold everything (the kernel still acknowledges it)
                for sock, data in pending.items():
                    if data:
                        peer[sock].sendall(data)
                        pending[sock] = b""
        except (OSError, ValueError):  # closed under us by close()
            return
        finally:
            client.close()
            upstream.close()
