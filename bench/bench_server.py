"""Benchmark the filmstack HTTP server on SQLite and on PostgreSQL. A benchmark, not a test.

    .venv/bin/python bench/bench_server.py [--n 2000] [--clients 8]
        [--backends sqlite,postgresql] [--big 100000]

For each backend it starts a real server (`filmstack serve --port <free port>`) on a fresh SQLite
file or a fresh PostgreSQL database, then:

1. measures, from --clients concurrent clients (threads, one httpx.Client each), the /healthz rate
   (the baseline), creating --n materials with 3 layers each, the full streamed list, paged lists
   (limit=100, following X-Next-Cursor), element search and get-one; for each operation it prints
   throughput, p50/p99 latency, the ratio to the same server's /healthz rate in the same run, and
   the server process's CPU time per request (which, unlike latency, other load on the machine
   does not inflate);
2. measures, from one client, paged-list latency (first page and a deep page), element search, the
   full streamed list and the server's peak RSS while streaming, at --small (1,000) and at --big
   materials; the big dataset is inserted straight into the server's database through the
   project's own models while the server runs, and the server reads it back over HTTP;
3. prints the query plans of the element search (built from `listing._filtered_ids`), of a page
   and of the full list on each backend (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
   PostgreSQL).

Everything is bounded (request counts, --op-seconds per operation, timeouts) and cleaned up (server
terminated, database dropped, temporary directory removed) on success, error and Ctrl-C. All traffic
stays on the loopback interface.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

FILMSTACK = Path(sys.executable).with_name("filmstack")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ROW_MARK = b'"layer_row_id":'  # once per flattened row of GET /target-materials/

# ----------------------------------------------------------------------------- the dataset

SUBSTRATES = ["SrTiO3", "Si", "Al2O3", "MgO", "LaAlO3", "DyScO3", "GdScO3", "NdGaO3", "GaAs"]
# (composition, orientation, space group) per position: buffer, film, cap.
BUFFERS = [
    ("SrRuO3", "(001)", None),
    ("LaNiO3", "001", None),
    ("TiN", "(111)", "Fm-3m"),
    ("AlN", "0001", "P6_3mc"),
    ("MgO", "001", "Fm-3m"),
    ("La0.7Sr0.3MnO3", "001", None),
    ("Y2O3", "(111)", "Ia-3"),
    ("ZnO", "0001", "P6_3mc"),
]
FILMS = [
    ("BaTiO3", "001", "P4mm"),
    ("PbZr0.2Ti0.8O3", "(001)", "P4mm"),
    ("BiFeO3", "(001)", "R3c"),
    ("GaN", "0001", "P6_3mc"),
    ("Fe3O4", "(001)", "Fd-3m"),
    ("YBa2Cu3O7", "001", "Pmmm"),
    ("VO2", "(100)", None),
    ("SrTiO3", "001", "Pm-3m"),
    ("Bi2Se3", "0001", "R-3m"),
    ("CoFe2O4", "(111)", None),
    ("TiO2", "(110)", "P4_2/mnm"),
    ("In0.53Ga0.47As", "001", None),
]
CAPS = [
    ("Pt", "(111)", "Fm-3m"),
    ("Au", "111", None),
    ("SrTiO3", "001", None),
    ("Al2O3", None, None),
    ("LaAlO3", "001", None),
    ("SiO2", None, None),
    ("HfO2", None, None),
    ("Cr2O3", "0001", "R-3c"),
]
# One material in RARE_EVERY has a LuFeO3 film: a selective element search (Lu, 0.5 %).
RARE = ("LuFeO3", "0001", "P6_3cm")
RARE_EVERY = 200
SEARCH_ELEMENTS = ["Ti", "O", "Sr", "Ga", "Mn", "Lu"]


def material_body(i: int) -> dict[str, Any]:
    """Material number i, the same every run and for the HTTP and the bulk-loaded part."""
    rng = random.Random(i * 7919 + 17)
    film = RARE if i % RARE_EVERY == 7 else rng.choice(FILMS)
    substrate = rng.choice(SUBSTRATES)
    layers = []
    for position, (formula, orientation, group) in enumerate(
        (rng.choice(BUFFERS), film, rng.choice(CAPS)), start=1
    ):
        layer: dict[str, Any] = {"layer_id": position, "composition_string": formula}
        if orientation:
            layer["orientation"] = orientation
        if group:
            layer["space_group"] = group
        layers.append(layer)
    return {
        "sample": {
            "sample_name": f"{film[0]} on {substrate} run {i}",
            "substrate": substrate,
            "sample_metadata": {"grower": rng.choice(["PLD-1", "MBE-2", "sputter-3"]), "run": i},
        },
        "layers": layers,
    }


# ----------------------------------------------------------------------------- measuring


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    first_error: str = ""
    wall: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server process used meanwhile

    @property
    def cpu_ms(self) -> float:
        """Server CPU per successful request, in ms: unlike latency, not inflated by contention."""
        return self.server_cpu * 1000 / len(self.latencies) if self.latencies else math.nan

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error
        self.wall += other.wall
        self.server_cpu += other.server_cpu


class BenchError(RuntimeError):
    pass


def check(response: httpx.Response, status: int = 200) -> httpx.Response:
    if response.status_code != status:
        raise BenchError(
            f"{response.request.method} {response.url} -> {response.status_code}: "
            f"{response.text[:300]}"
        )
    return response


RequestFn = Callable[[httpx.Client, dict[str, Any], int], None]


def run_concurrent(
    name: str,
    base: str,
    key: str,
    clients: int,
    total: int,
    seconds: float,
    fn: RequestFn,
    pid: int,
    timeout: float = 120.0,
) -> Result:
    """`total` calls of fn(client, per_thread_state, i) spread over `clients` threads, each with
    its own httpx.Client; stops early after `seconds`. Latency is per call, throughput is the
    successful calls over the wall time from the common start to the last thread's end."""
    result = Result(name)
    lock = threading.Lock()
    counter = iter(range(total))
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker() -> None:
        state: dict[str, Any] = {}
        lat: list[float] = []
        with httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=timeout) as client:
            with contextlib.suppress(httpx.HTTPError):
                client.get("/healthz")  # connect before the clock starts
            start.wait(timeout=120)
            while time.perf_counter() < deadline[0]:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                t0 = time.perf_counter()
                try:
                    fn(client, state, i)
                except (httpx.HTTPError, BenchError) as exc:
                    with lock:
                        result.errors += 1
                        result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
                    continue
                lat.append(time.perf_counter() - t0)
        with lock:
            result.latencies += lat

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds + 3600  # provisional, reset at the start line
    start.wait(timeout=120)
    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - t0
    result.server_cpu = cpu_seconds(pid) - cpu0
    return result


def sequential(
    name: str, client: httpx.Client, repeat: int, fn: Callable[[], None], pid: int
) -> Result:
    """Latency without contention from the bench: one client, one request at a time."""
    result = Result(name)
    cpu0 = cpu_seconds(pid)
    t_start = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        result.latencies.append(time.perf_counter() - t0)
    result.wall = time.perf_counter() - t_start
    result.server_cpu = cpu_seconds(pid) - cpu0
    return result


def stream_rows(client: httpx.Client, url: str, params: Any = None) -> tuple[int, int]:
    """GET a streamed list without holding it in memory: (rows, bytes)."""
    rows = size = 0
    tail = b""
    with client.stream("GET", url, params=params) as response:
        if response.status_code != 200:
            response.read()
            check(response)
        for chunk in response.iter_bytes():
            size += len(chunk)
            data = tail + chunk
            rows += data.count(ROW_MARK)
            # Keep the last bytes that cannot hold a whole mark, so a mark split across chunks
            # is counted exactly once.
            tail = data[-(len(ROW_MARK) - 1) :]
            rows -= tail.count(ROW_MARK)
    return rows, size


# ----------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB (psutil is not a dependency)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next peak is this operation's."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Server:
    """`filmstack serve` in a subprocess on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(FILMSTACK), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self.key = self._read_key(timeout=120)
        self._wait_healthy(timeout=60)

    def _read_key(self, timeout: float) -> str:
        lines: list[bytes] = []

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:  # drain stdout for the server's whole life
                lines.append(line)

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not lines:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"server printed no admin key; log:\n{self.log_tail()}")
            time.sleep(0.05)
        return lines[0].decode().strip()

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise BenchError(f"server not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database fs_bench_<random>, dropped afterwards; yields its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"fs_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(admin_url).set(drivername="postgresql", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------------------- direct database


class Direct:
    """The bench's own connection to the server's database, through the project's models."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import select

        from filmstack.server.accounts.models import Organization, User
        from filmstack.server.config import normalize_database_url
        from filmstack.server.db import Database

        self.db = Database(normalize_database_url(url))
        with self.db.session(write=False) as s:
            self.org_id = s.scalar(select(Organization.id).where(Organization.name == "default"))
            self.user_id = s.scalar(select(User.id).where(User.organization_id == self.org_id))
        if self.org_id is None or self.user_id is None:
            raise BenchError("the server did not create the default organization")
        self._columns: dict[tuple[Any, ...], dict[str, Any]] = {}

    @property
    def dialect(self) -> str:
        return str(self.db.engine.dialect.name)

    def count(self) -> int:
        from sqlalchemy import func, select

        from filmstack.server.materials.models import TargetMaterial

        with self.db.session(write=False) as s:
            return int(s.scalar(select(func.count()).select_from(TargetMaterial)) or 0)

    def ids(self) -> list[int]:
        from sqlalchemy import select

        from filmstack.server.materials.models import TargetMaterial

        with self.db.session(write=False) as s:
            return list(s.scalars(select(TargetMaterial.id).order_by(TargetMaterial.id)))

    def id_at(self, position: int) -> int:
        """The id of the material at 0-based position `position` in id order."""
        from sqlalchemy import select

        from filmstack.server.materials.models import TargetMaterial

        with self.db.session(write=False) as s:
            q = select(TargetMaterial.id).order_by(TargetMaterial.id).offset(position).limit(1)
            value = s.scalar(q)
        if value is None:
            raise BenchError(f"no material at position {position}")
        return int(value)

    def _layer_columns(self, layer: dict[str, Any]) -> dict[str, Any]:
        """Stored columns of one layer input, computed by the server's own code (cached)."""
        from filmstack.schemas import LayerIn
        from filmstack.server.materials.layers import layer_columns
        from filmstack.server.materials.models import Layer

        key = tuple(sorted(layer.items()))
        if key not in self._columns:
            problems: list[dict[str, Any]] = []
            cols = layer_columns(LayerIn(**layer), ["layers"], problems)
            if problems:
                raise BenchError(f"bench layer rejected: {problems}")
            # executemany needs every row to name the same columns
            blank = {
                c.name: None
                for c in Layer.__table__.columns
                if c.name not in ("id", "target_material_id", "position")
            }
            self._columns[key] = {**blank, "position": layer["layer_id"], **cols}
        return self._columns[key]

    def bulk_load(self, first: int, count: int, batch: int = 5000) -> None:
        """Insert materials first..first+count-1 exactly as the create endpoint stores them."""
        from sqlalchemy import insert

        from filmstack import __version__
        from filmstack.server.db import IMMEDIATE, utcnow
        from filmstack.server.materials.models import Layer, MaterialElement, TargetMaterial

        materials = TargetMaterial.__table__
        engine = self.db.engine.execution_options(**{IMMEDIATE: True})
        done = 0
        t0 = time.perf_counter()
        while done < count:
            n = min(batch, count - done)
            bodies = [material_body(i) for i in range(first + done, first + done + n)]
            now = utcnow()
            rows = [
                {
                    "organization_id": self.org_id,
                    "user_id": self.user_id,
                    "sample_name": b["sample"]["sample_name"],
                    "substrate": b["sample"]["substrate"],
                    "sample_metadata": b["sample"]["sample_metadata"],
                    "version": __version__,
                    "created_at": now,
                    "last_updated": now,
                }
                for b in bodies
            ]
            with engine.begin() as conn:
                ids = (
                    conn.execute(
                        insert(materials).returning(materials.c.id, sort_by_parameter_order=True),
                        rows,
                    )
                    .scalars()
                    .all()
                )
                layers: list[dict[str, Any]] = []
                elements: list[dict[str, Any]] = []
                for material_id, body in zip(ids, bodies, strict=True):
                    symbols: set[str] = set()
                    for layer in body["layers"]:
                        cols = self._layer_columns(layer)
                        layers.append({"target_material_id": material_id, **cols})
                        symbols.update(cols.get("element_dict") or {})
                    elements += [
                        {
                            "target_material_id": material_id,
                            "element": s,
                            "organization_id": self.org_id,
                        }
                        for s in sorted(symbols)
                    ]
                conn.execute(insert(Layer.__table__), layers)
                conn.execute(insert(MaterialElement.__table__), elements)
            done += n
            rate = done / (time.perf_counter() - t0)
            print(f"    bulk load: {first + done:,} materials ({rate:,.0f}/s)", flush=True)

    def vacuum(self) -> None:
        """VACUUM ANALYZE: what autovacuum does on its own shortly after a bulk load, done now so
        that it does not run in the middle of the measurements."""
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")

    def element_share(self, symbols: tuple[str, ...]) -> dict[str, float]:
        """Share of the materials whose stack holds each element."""
        from sqlalchemy import func, select

        from filmstack.server.materials.models import MaterialElement

        total = max(1, self.count())
        with self.db.session(write=False) as s:
            rows = s.execute(
                select(MaterialElement.element, func.count())
                .where(MaterialElement.element.in_(symbols))
                .group_by(MaterialElement.element)
            ).all()
        return {str(e): n / total for e, n in rows}

    def explain(self, query: Any, analyze: bool = True) -> tuple[str, str]:
        """(SQL, plan) of a query, literal values inlined: EXPLAIN QUERY PLAN on SQLite,
        EXPLAIN (ANALYZE) on PostgreSQL."""
        sql = str(
            query.compile(dialect=self.db.engine.dialect, compile_kwargs={"literal_binds": True})
        )
        with self.db.engine.connect() as conn:
            if self.dialect == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
                plan = "\n".join(f"{'  ' * self._depth(rows, r)}{r[3]}" for r in rows)
                if analyze:  # SQLite has no EXPLAIN ANALYZE: time the query instead
                    times = []
                    for _ in range(5):
                        t0 = time.perf_counter()
                        n = len(conn.exec_driver_sql(sql).all())
                        times.append(time.perf_counter() - t0)
                    plan += f"\n(run directly: {n} rows, best of 5 {min(times) * 1000:.2f} ms)"
            else:
                options = "ANALYZE, COSTS OFF" if analyze else "COSTS OFF"
                rows = conn.exec_driver_sql(f"EXPLAIN ({options}) " + sql).all()
                plan = "\n".join(r[0] for r in rows)
            conn.rollback()
        return " ".join(sql.split()), plan

    def plans(self) -> list[tuple[str, str, str]]:
        """Plans of the queries behind GET /target-materials/, built from listing's own code."""
        from filmstack.server.materials.listing import (
            _ALL_ROWS,
            _MATERIALS,
            Filters,
            _filtered_ids,
        )

        def ids_page(elements: tuple[str, ...]) -> Any:
            # what listing.page() runs for the first page at limit=100
            f = Filters(organization_id=self.org_id, elements=elements)
            return _filtered_ids(f, self.dialect).limit(101)

        first_ids = self.ids()[:100]
        everything = _filtered_ids(Filters(organization_id=self.org_id), self.dialect)
        out = []
        for label, query, analyze in (
            ("element=Ti, page ids (limit=100)", ids_page(("Ti",)), True),
            ("element=Lu (rare), page ids (limit=100)", ids_page(("Lu",)), True),
            ("element=Ti&element=Sr, page ids (limit=100)", ids_page(("Ti", "Sr")), True),
            ("page rows (page 1)", _ALL_ROWS.where(_MATERIALS.c.id.in_(first_ids)), True),
            ("full list (streamed)", _ALL_ROWS.where(_MATERIALS.c.id.in_(everything)), False),
        ):
            sql, plan = self.explain(query, analyze)
            out.append((label, sql, plan))
        return out

    @staticmethod
    def _depth(rows: list[Any], row: Any) -> int:
        parents = {r[0]: r[1] for r in rows}
        depth, parent = 0, row[1]
        while parent in parents:
            depth, parent = depth + 1, parents[parent]
        return depth

    def dispose(self) -> None:
        self.db.dispose()


# ----------------------------------------------------------------------------- the run


@dataclass
class ScaleProbe:
    materials: int
    results: dict[str, Result] = field(default_factory=dict)
    stream_seconds: float = 0.0
    stream_rows: int = 0
    stream_bytes: int = 0
    rss_before_kib: int = 0
    rss_peak_kib: int = 0
    peak_is_reset: bool = True
    deep_position: int = 0
    shares: dict[str, float] = field(default_factory=dict)


@dataclass
class BackendRun:
    backend: str
    throughput: list[Result] = field(default_factory=list)
    probes: list[ScaleProbe] = field(default_factory=list)
    bulk_seconds: float = 0.0
    bulk_count: int = 0
    plans: list[tuple[str, str, str]] = field(default_factory=list)  # (label, sql, plan)
    load_before: float = 0.0  # 1-minute load average: other work on the machine skews latency
    load_after: float = 0.0


def note(msg: str) -> None:
    print(msg, flush=True)


def show(res: Result) -> None:
    note(
        f"   {res.name:<40} {len(res.latencies):>5} ok {res.errors:>3} err "
        f"{res.rate:>7.1f} req/s  p50 {res.pct(0.5):7.1f} ms  p99 {res.pct(0.99):7.1f} ms  "
        f"server CPU {res.cpu_ms:6.1f} ms/req  (load {os.getloadavg()[0]:.1f})"
    )
    if res.errors:
        note(f"      first error: {res.first_error}")


def probe(
    server: Server, direct: Direct, client: httpx.Client, repeat: int, stream_repeat: int
) -> ScaleProbe:
    """Single-client latencies at the current size: pages, search, the full stream and its RSS."""
    from filmstack.server.materials.listing import encode_cursor

    count = direct.count()
    sp = ScaleProbe(count)
    url = "/target-materials/"

    first = check(client.get(url, params={"limit": 100}))
    if count > 100 and first.headers.get("x-next-cursor") != encode_cursor(direct.id_at(99)):
        raise BenchError("the server's cursor is not encode_cursor(last id of the page)")
    # A cursor 99 % of the way through the collection (but with a full page after it), as a
    # client walking the pages would hold.
    deep = max(0, min(int(count * 0.99), count - 100) - 1)
    deep_cursor = encode_cursor(direct.id_at(deep))
    sp.deep_position = deep + 1
    sp.shares = direct.element_share(("Ti", "Sr", "Lu"))

    def get(params: dict[str, Any] | list[tuple[str, Any]], rows: int | None = None) -> None:
        body = check(client.get(url, params=params)).content
        if rows is not None and body.count(ROW_MARK) != rows:
            raise BenchError(f"{params}: {body.count(ROW_MARK)} rows, expected {rows}")

    cases: list[tuple[str, Any, int | None]] = [
        ("page 1 (limit=100)", {"limit": 100}, 3 * min(100, count)),
        (
            "deep page (cursor)",
            {"limit": 100, "cursor": deep_cursor},
            3 * min(100, count - deep - 1),
        ),
        ("element=Ti, page 1", {"element": "Ti", "limit": 100}, None),
        ("element=Ti, deep page", {"element": "Ti", "limit": 100, "cursor": deep_cursor}, None),
        ("element=Lu, page 1", {"element": "Lu", "limit": 100}, None),
        (
            "element=Ti&element=Sr, page 1",
            [("element", "Ti"), ("element", "Sr"), ("limit", 100)],
            None,
        ),
    ]
    for label, params, rows in cases:
        get(params, rows)  # warm up
        sp.results[label] = sequential(
            label, client, repeat, lambda p=params, r=rows: get(p, r), server.proc.pid
        )

    pid = server.proc.pid
    sp.rss_before_kib = proc_status(pid)["VmRSS"]
    sp.peak_is_reset = reset_peak_rss(pid)
    stream = Result("full list (streamed)")
    for _ in range(stream_repeat):
        t0 = time.perf_counter()
        sp.stream_rows, sp.stream_bytes = stream_rows(client, url)
        stream.latencies.append(time.perf_counter() - t0)
    sp.rss_peak_kib = proc_status(pid)["VmHWM"]
    sp.stream_seconds = min(stream.latencies)
    expected = 3 * count  # every bench material has 3 layers
    if sp.stream_rows != expected:
        raise BenchError(f"full list streamed {sp.stream_rows} rows, expected {expected}")
    return sp


def run_backend(backend: str, args: argparse.Namespace) -> BackendRun:
    run = BackendRun(backend)
    run.load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="fs_bench_"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
        env["FILMSTACK_DATA_DIR"] = str(tmp / "data")
        if backend == "postgresql":
            url = stack.enter_context(postgres_database(args.pg_admin_url))
            env["FILMSTACK_DATABASE_URL"] = url
        else:
            url = f"sqlite:///{tmp / 'data' / 'filmstack.db'}"
        note(f"\n== {backend}: starting filmstack serve")
        server = Server(env, tmp / "server.log")
        stack.callback(server.stop)
        direct = Direct(url)
        stack.callback(direct.dispose)
        note(f"   {server.base}  pid {server.proc.pid}")

        C, key, base, secs = args.clients, server.key, server.base, args.op_seconds
        pid = server.proc.pid

        def measure(name: str, total: int, fn: RequestFn, seconds: float = secs) -> Result:
            with httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=600) as warm:
                fn(warm, {}, 0)  # not counted: first-call imports and caches
            res = run_concurrent(name, base, key, C, total, seconds, fn, pid)
            show(res)
            run.throughput.append(res)
            return res

        def healthz(client: httpx.Client, _s: dict[str, Any], _i: int) -> None:
            check(client.get("/healthz"))

        def create(client: httpx.Client, _s: dict[str, Any], i: int) -> None:
            check(client.post("/target-materials/", json=material_body(i)))

        measure("GET /healthz (baseline)", args.healthz, healthz)

        with httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=60) as warm:
            # not counted: the first create imports the chemistry code
            made = check(warm.post("/target-materials/", json=material_body(-1))).json()
            check(warm.delete(f"/target-materials/{made['sample_id']}"), 204)

        # Create in two parts, so that the small-size probe sees exactly --small materials.
        small = min(args.small, args.n)
        created = run_concurrent("create", base, key, C, small, args.create_seconds, create, pid)
        client = stack.enter_context(
            httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=600)
        )
        note(f"   probing at {direct.count():,} materials")
        run.probes.append(probe(server, direct, client, args.repeat, 3))

        def create_rest(client: httpx.Client, s: dict[str, Any], i: int) -> None:
            create(client, s, small + i)

        rest = run_concurrent(
            "create", base, key, C, args.n - small, args.create_seconds, create_rest, pid
        )
        created.merge(rest)
        created.name = "POST /target-materials/ (3 layers)"
        run.throughput.append(created)
        show(created)
        n = direct.count()
        ids = direct.ids()

        def full_list(client: httpx.Client, _s: dict[str, Any], _i: int) -> None:
            rows, _size = stream_rows(client, "/target-materials/")
            if rows != 3 * n:
                raise BenchError(f"full list: {rows} rows, expected {3 * n}")

        def paged(client: httpx.Client, s: dict[str, Any], _i: int) -> None:
            params = {"limit": 100}
            if s.get("cursor"):
                params["cursor"] = s["cursor"]
            r = check(client.get("/target-materials/", params=params))
            s["cursor"] = r.headers.get("x-next-cursor")  # None at the end: start again
            if s["cursor"] and r.content.count(ROW_MARK) != 300:
                raise BenchError("a full page should hold 100 materials x 3 layers")

        def search(client: httpx.Client, _s: dict[str, Any], i: int) -> None:
            element = SEARCH_ELEMENTS[i % len(SEARCH_ELEMENTS)]
            check(client.get("/target-materials/", params={"element": element, "limit": 100}))

        def get_one(client: httpx.Client, _s: dict[str, Any], i: int) -> None:
            check(client.get(f"/target-materials/{ids[(i * 7919) % len(ids)]}"))

        measure(f"GET list, full ({3 * n:,} rows, streamed)", args.full_lists, full_list)
        measure("GET list, page (limit=100, cursor)", args.reads, paged)
        measure("GET list, element search (limit=100)", args.reads, search)
        measure("GET /target-materials/{id}", args.reads, get_one)

        if args.big > n:
            note(f"   bulk-loading {args.big - n:,} materials straight into the database")
            t0 = time.perf_counter()
            direct.bulk_load(args.n, args.big - n)
            if direct.dialect == "postgresql" and not args.no_vacuum:
                direct.vacuum()
            run.bulk_seconds = time.perf_counter() - t0
            run.bulk_count = args.big - n
            note(f"   probing at {direct.count():,} materials")
            run.probes.append(probe(server, direct, client, args.repeat, 1))

        run.plans = direct.plans()
        run.load_after = os.getloadavg()[0]
    return run


# ----------------------------------------------------------------------------- reporting


def fmt_ms(r: Result) -> str:
    return f"{r.pct(0.5):.1f} / {r.pct(0.99):.1f} ({r.cpu_ms:.1f})"


def report(runs: list[BackendRun], args: argparse.Namespace) -> None:
    out: list[str] = []
    out.append("\n## Throughput (concurrent clients)\n")
    out.append(
        f"{args.n:,} materials x 3 layers created over HTTP by {args.clients} clients; "
        "reads run on those. 1-minute load average at the start / end of each backend: "
        + ", ".join(f"{r.backend} {r.load_before:.1f} / {r.load_after:.1f}" for r in runs)
        + ".\n"
    )
    out.append(
        "| backend | operation | ok | errors | req/s | p50 ms | p99 ms | x healthz "
        "| server CPU ms/req |"
    )
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        base = run.throughput[0].rate
        for r in run.throughput:
            ratio = r.rate / base if base else math.nan
            out.append(
                f"| {run.backend} | {r.name} | {len(r.latencies)} | {r.errors} | "
                f"{r.rate:,.1f} | {r.pct(0.5):.1f} | {r.pct(0.99):.1f} | {ratio:.3f} "
                f"| {r.cpu_ms:.1f} |"
            )
    out.append("\n## Scale (one client, sequential; p50 / p99 ms (server CPU ms/req))\n")
    for run in runs:
        if not run.probes:
            continue
        header = " | ".join(f"{p.materials:,} materials" for p in run.probes)
        out.append(
            f"**{run.backend}**"
            + (
                f" (bulk load of {run.bulk_count:,} materials: {run.bulk_seconds:.0f} s)"
                if run.bulk_count
                else ""
            )
        )
        out.append("")
        out.append(f"| measure | {header} |")
        out.append("|---|" + "---:|" * len(run.probes))
        cells = " | ".join(
            ", ".join(f"{e} {share:.1%}" for e, share in sorted(p.shares.items()))
            + f"; deep cursor after material #{p.deep_position:,}"
            for p in run.probes
        )
        out.append(f"| (materials holding the element; cursor) | {cells} |")
        for label in run.probes[0].results:
            cells = " | ".join(fmt_ms(p.results[label]) for p in run.probes)
            out.append(f"| {label} | {cells} |")
        cells = " | ".join(
            f"{p.stream_seconds:.2f} s, {p.stream_rows:,} rows "
            f"({p.stream_rows / p.stream_seconds:,.0f} rows/s), {p.stream_bytes / 1e6:,.1f} MB"
            for p in run.probes
        )
        out.append(f"| full list, streamed (best) | {cells} |")
        cells = " | ".join(
            f"{p.rss_before_kib / 1024:,.0f} -> {p.rss_peak_kib / 1024:,.0f} MiB"
            + ("" if p.peak_is_reset else " (lifetime peak)")
            for p in run.probes
        )
        out.append(f"| server RSS before -> peak during full list | {cells} |")
        out.append("")
    out.append("## Query plans (element search, page, full list)\n")
    for run in runs:
        for label, sql, plan in run.plans:
            size = f"{run.probes[-1].materials:,} materials" if run.probes else ""
            kind = "EXPLAIN QUERY PLAN" if run.backend == "sqlite" else "EXPLAIN ANALYZE"
            if run.backend != "sqlite" and label.startswith("full list"):
                kind = "EXPLAIN"
            out.append(f"{run.backend}, {label}, {size} ({kind}):\n")
            out.append("```")
            out.append(sql)
            out.append("--")
            out.append(plan)
            out.append("```\n")
    print("\n".join(out), flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="materials created over HTTP (2000)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    p.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    p.add_argument("--big", type=int, default=100_000, help="materials for the scale probe")
    p.add_argument("--small", type=int, default=1000, help="materials at the small probe (1000)")
    p.add_argument("--healthz", type=int, default=3000, help="/healthz requests (3000)")
    p.add_argument("--reads", type=int, default=1000, help="requests per read operation (1000)")
    p.add_argument("--full-lists", type=int, default=32, help="full list requests (32)")
    p.add_argument("--repeat", type=int, default=30, help="sequential repeats per probe (30)")
    p.add_argument("--op-seconds", type=float, default=30, help="time cap per operation (30)")
    p.add_argument("--create-seconds", type=float, default=300, help="time cap for creates")
    p.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="where CREATE/DROP DATABASE fs_bench_<random> runs",
    )
    p.add_argument(
        "--no-vacuum",
        action="store_true",
        help="skip VACUUM ANALYZE after the PostgreSQL bulk load",
    )
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in args.backends:
        if b not in ("sqlite", "postgresql"):
            p.error(f"unknown backend {b!r}")
    from sqlalchemy.engine import make_url

    if "postgresql" in args.backends and make_url(args.pg_admin_url).host not in LOOPBACK:
        p.error("--pg-admin-url must point at the loopback interface")
    if min(args.n, args.clients, args.small, args.healthz, args.reads, args.repeat) < 1:
        p.error("counts must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    note(
        f"filmstack server benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{json.dumps(vars(args))}"
    )
    runs = []
    t0 = time.perf_counter()
    try:
        for backend in args.backends:
            runs.append(run_backend(backend, args))
    except KeyboardInterrupt:
        note("\ninterrupted: server stopped, database dropped, temporary files removed")
        return 130
    except BenchError as exc:
        note(f"\nbenchmark failed: {exc}")
        return 1
    report(runs, args)
    note(f"total time {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
