"""Low-overhead load and honest CPU accounting for bench_wrk.py. A benchmark helper, not a test.

- `wrk` (Debian's package, a C load generator) drives the server; a Lua script adds the X-API-KEY
  header, rotates over request paths and POST bodies and prints a JSON summary in `done`.
- Server CPU is read from /proc: utime+stime of the server process and all its descendants
  (uvicorn's worker processes), before and after each run, divided by the requests wrk completed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
CLK = os.sysconf("SC_CLK_TCK")

LUA = r"""
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local method = "%(method)s"
wrk.headers["X-API-KEY"] = "%(key)s"
wrk.headers["Content-Type"] = "application/json"
local i = 0
request = function()
  i = i + 1
  local b = nil
  if #bodies > 0 then b = bodies[(i - 1) %% #bodies + 1] end
  return wrk.format(method, paths[(i - 1) %% #paths + 1], nil, b)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"bytes":%%d,' ..
    '"status_errors":%%d,"socket_errors":%%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.bytes, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_str(text: str) -> str:
    return "[==[" + text + "]==]"


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_s: float
    errors: int
    connections: int
    db_cpu_s: float = 0.0  # PostgreSQL backends serving this server's connections

    @property
    def db_cpu_ms(self) -> float:
        return self.db_cpu_s * 1000 / self.requests if self.requests else float("nan")

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s * 1000 / self.requests if self.requests else float("nan")

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            **self.__dict__,
            "rate": self.rate,
            "cpu_ms": self.cpu_ms,
            "db_cpu_ms": self.db_cpu_ms,
        }


def tree_pids(root: int) -> list[int]:
    """The process and all its live descendants (by scanning /proc for parent ids)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as f:
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    return out


def tree_cpu(root: int) -> float:
    """utime + stime, in seconds, of `root` and its descendants."""
    return pids_cpu(tree_pids(root))


def pids_cpu(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def banner() -> str:
    """When, how loaded, on what: the first line of a benchmark's output."""
    return (
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load()}, "
        f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}"
    )


def wrk(
    name: str,
    base: str,
    root_pid: int,
    paths: Sequence[str],
    *,
    key: str = "",
    method: str = "GET",
    bodies: Sequence[str] = (),
    connections: int = 4,
    seconds: float = 5.0,
    warmup: float = 1.0,
    db_pids: Callable[[], list[int]] | None = None,
) -> Run:
    """Run wrk against base+paths; returns rate, latency and the server tree's CPU per request."""
    script = LUA % {
        "paths": ",".join(_lua_str(p) for p in paths),
        "bodies": ",".join(_lua_str(b) for b in bodies),
        "method": method,
        "key": key,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:

        def call(duration: float) -> tuple[dict[str, int], float, float]:
            threads = 1 if connections < 8 else 2
            cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s"]
            cmd += ["--timeout", "30s"]
            backends = db_pids() if db_pids else []
            cpu0, db0 = tree_cpu(root_pid), pids_cpu(backends)
            out = subprocess.run(
                [*cmd, "-s", f.name, base], capture_output=True, text=True, timeout=duration + 60
            ).stdout
            cpu = tree_cpu(root_pid) - cpu0
            db_cpu = pids_cpu(backends) - db0
            line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
            if line is None:
                raise RuntimeError(f"wrk printed no summary for {name}:\n{out}")
            return json.loads(line[8:]), cpu, db_cpu

        if warmup:
            call(warmup)
        data, cpu, db_cpu = call(seconds)
    finally:
        os.unlink(f.name)
    return Run(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        cpu_s=cpu,
        errors=data["status_errors"] + data["socket_errors"],
        connections=connections,
        db_cpu_s=db_cpu,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} not healthy after {timeout} s")


class Process:
    """A server subprocess on a free loopback port; stop() ends it and its workers."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log
        )
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            wait_healthy(self.base, self.proc)
        except BaseException:
            self.stop()
            raise

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.decode().strip())

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in tree_pids(self.proc.pid):
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                self.proc.wait(timeout=10)
        self.log.close()


def filmstack_server(env: dict[str, str], log: Path, workers: int = 1) -> tuple[Process, str]:
    """`filmstack serve` (migrations, bootstrap key), returning the process and the admin key."""
    port = free_port()
    cmd = [str(BIN / "filmstack"), "serve", "--port", str(port), "--workers", str(workers)]
    server = Process(cmd, env, log, port)
    deadline = time.monotonic() + 10
    while not server.lines and time.monotonic() < deadline:
        time.sleep(0.05)
    return server, (server.lines[0] if server.lines else "")


def floor_server(log: Path) -> Process:
    """A bare Starlette app answering constant JSON, under uvicorn's same defaults."""
    port = free_port()
    cmd = [str(BIN / "python"), "-m", "uvicorn", "--app-dir", str(HERE), "floor_app:app"]
    cmd += ["--port", str(port), "--log-level", "warning"]
    return Process(cmd, dict(os.environ), log, port)


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database fs_bench_<random> on the admin URL's server, dropped afterwards."""
    import psycopg

    name = f"fs_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fs_bench_"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stream(base: str, path: str, key: str) -> tuple[float, int]:
    """curl the streamed list to /dev/null: (seconds, bytes)."""
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-H", f"X-API-KEY: {key}"]
        + ["-w", "%{time_total} %{size_download} %{http_code}", base + path],
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout.split()
    if out[-1] != "200":
        raise RuntimeError(f"stream {path} answered {out[-1]}")
    return float(out[0]), int(out[1])
