"""Run the HTTP service under uvicorn: Nagle off on every connection, pools within a budget.

`filmstack serve` migrates the database, prints what it must, then replaces itself with
`python -m filmstack.server.serve`, so that the serving process (and each worker) loads the
server alone, never the client or the command line.
"""

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
from typing import Any

from uvicorn.supervisors.multiprocess import Process

from filmstack.server.protocol import HeaderTimeoutProtocol


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP connection.

    asyncio does this itself only for sockets whose `proto` is IPPROTO_TCP. With --workers, uvicorn
    binds the listening socket itself with proto 0 and hands it to the workers, so every accepted
    connection kept Nagle on: a keep-alive response written in two parts then waited for the
    client's delayed ACK, about 40 ms per request (uvicorn issue #3149).
    """
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(HeaderTimeoutProtocol):
    """uvicorn's h11 protocol with a header deadline, and TCP_NODELAY on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    # access_log off: uvicorn's own access line (filmstack writes one of its own, middleware.py)
    # would still format its arguments for every response before its logger dropped it.
    return {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "http": NoDelayH11Protocol,
    }


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound with SO_REUSEPORT: every worker binds one of its own on the address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class OwnSocketWorker(Process):
    """A uvicorn worker process that listens on a SO_REUSEPORT socket of its own.

    With one listening socket shared by every worker (uvicorn's way), the worker that wakes
    first accepts every waiting connection at once (asyncio accepts up to the backlog per
    wake-up), so a few keep-alive clients all land on one worker and the others idle. With a
    socket each, the kernel spreads new connections over the workers.
    """

    def target(self, sockets: list[socket.socket] | None = None) -> None:
        del sockets  # the parent's socket only holds the address
        own = reuse_port_socket(self.config.host, self.config.port)
        own.listen(self.config.backlog)
        super().target([own])


def _serve_workers(host: str, port: int, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors import multiprocess

    config = uvicorn.Config(
        "filmstack.server.app:app_from_environment",
        factory=True,
        workers=workers,
        **uvicorn_options(host, port),
    )
    holder = reuse_port_socket(host, port)  # bound, never listening: the address is ours
    multiprocess.Process = OwnSocketWorker  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[holder]).run()
    finally:
        holder.close()


def run(host: str, port: int, workers: int) -> None:
    """Serve until stopped (SIGINT/SIGTERM), then say so on stderr.

    Slow clients are cut off: headers within header_timeout_s (the protocol; each worker sets
    it in app_from_environment), bodies within body_timeout_s (the app's own deadline), idle
    keep-alive connections after 5 s.
    """
    import uvicorn

    try:
        if workers > 1:
            _serve_workers(host, port, workers)
        else:
            from filmstack.server.app import app_from_environment

            uvicorn.run(app_from_environment(), **uvicorn_options(host, port))
    finally:
        for handler in logging.getLogger("filmstack").handlers:
            handler.flush()  # the last access lines before the line that says it stopped
        print(f"filmstack stopped serving at http://{host}:{port}/", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m filmstack.server.serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
