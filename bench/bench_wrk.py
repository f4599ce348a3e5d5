"""The server benchmark that tells the truth: wrk as the client, the server's own CPU per request.

    .venv/bin/python bench/bench_wrk.py [--backends sqlite,postgresql] [--workers 1,2]
        [--seconds 5] [--connections 4] [--n 1000] [--scale] [--out results.json] [--floor-each]
        [--interleave K]

For each backend and worker count it starts a real `filmstack serve` on a fresh SQLite file or a
fresh PostgreSQL database, bulk-loads --n materials of three layers (SQLAlchemy Core, exactly the
rows the create endpoint stores), and drives each operation with wrk for --seconds (after a one-
second warm-up). Per operation: req/s, p50/p99 latency and the server process tree's CPU per
request (utime+stime from /proc, workers included), and the ratio of that CPU to the same run's
bare-Starlette floor (bench/floor_app.py under the same uvicorn) and to /healthz; with
--floor-each the floor is measured again just before each operation, and each ratio is to that
one (on a machine whose speed drifts from minute to minute); with --interleave K each operation
runs as K one-second slices, each after a one-second slice of the floor, and its ratio is the
median of the K slice ratios. --scale then
loads materials up to 333,334 (1,000,002 layers) and measures the same operations again.
All traffic stays on loopback; databases and files are removed afterwards.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import random
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_server import material_body
from wrktools import (
    Process,
    Run,
    banner,
    filmstack_server,
    floor_server,
    load,
    postgres_database,
    reset_peak,
    rss_kib,
    scratch_dir,
    stream,
    tree_pids,
    wrk,
)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SCALE_MATERIALS = 333_334  # x 3 layers = 1,000,002 layers


def cursor_after(material_id: int) -> str:
    """The server's cursor format (listing.encode_cursor), built here so that any version works."""
    return base64.urlsafe_b64encode(f"v1:{material_id}".encode()).decode().rstrip("=")


# `name=run 4242` finds nothing at 1 k and eleven materials at 1 M: its cost there includes
# writing 33 rows the 1 k run never writes. These eleven runs (all under 1,000) carry a name of
# their own, so `name=rare batch` finds the same eleven materials at every size.
RARE_RUNS = frozenset(range(50, 1000, 90))


class Loader:
    """Bulk inserts through SQLAlchemy Core, with the server's own layer_columns per layer."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import MetaData, create_engine, select, text

        from filmstack.server.config import normalize_database_url

        self.engine = create_engine(normalize_database_url(url))
        self.meta = MetaData()
        self.meta.reflect(self.engine)
        t = self.meta.tables
        with self.engine.connect() as c:
            self.org_id, self.user_id = c.execute(
                select(t["users"].c.organization_id, t["users"].c.id).limit(1)
            ).one()
            self.revision = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        self.loaded = 0
        self._cols: dict[Any, dict[str, Any]] = {}

    def _layer(self, layer: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(layer, sort_keys=True)
        if key not in self._cols:
            from filmstack.schemas import LayerIn
            from filmstack.server.materials.layers import layer_columns

            problems: list[dict[str, Any]] = []
            cols = layer_columns(
                LayerIn(**layer), ["layers"], problems, max_composition_length=10_000
            )
            assert not problems, problems
            names = [c.name for c in self.meta.tables["layers"].c]
            blank = {n: None for n in names if n not in ("id", "target_material_id")}
            self._cols[key] = {**blank, "position": layer["layer_id"], **cols}
        return self._cols[key]

    def load_to(self, total: int, batch: int = 5000) -> float:
        from sqlalchemy import insert

        from filmstack import __version__

        t = self.meta.tables
        materials = t["target_materials"]
        fold = None
        if "name_folded" in materials.c:
            from filmstack.server.materials.names import fold_name as fold
        extra = {c.name for c in materials.c} - {"id", "detail_note_id", "name_folded"}
        t0 = time.perf_counter()
        while self.loaded < total:
            n = min(batch, total - self.loaded)
            bodies = [material_body(i) for i in range(self.loaded, self.loaded + n)]

            def i_of(body: dict[str, Any]) -> int:
                return int(body["sample"]["sample_metadata"]["run"])

            now = time.strftime("%Y-%m-%d %H:%M:%S")
            from datetime import datetime

            stamp = datetime.fromisoformat(now)
            rows = []
            for b in bodies:
                s = b["sample"]
                row = {
                    "organization_id": self.org_id,
                    "user_id": self.user_id,
                    "sample_name": s["sample_name"],
                    "substrate": s["substrate"],
                    "sample_metadata": s["sample_metadata"],
                    "version": __version__,
                    "created_at": stamp,
                    "last_updated": stamp,
                }
                if "revision" in extra:
                    row["revision"] = 1
                if i_of(b) == 777:  # one name to find exactly once at every size
                    row["sample_name"] = s["sample_name"] = "Ünïque marker film"
                elif i_of(b) in RARE_RUNS:  # eleven names found at every size, no more
                    row["sample_name"] = s["sample_name"] = f"{s['substrate']} rare batch {i_of(b)}"
                if fold is not None:
                    row["name_folded"] = fold(s["sample_name"])
                rows.append(row)
            with self.engine.begin() as c:
                q = insert(materials).returning(materials.c.id, sort_by_parameter_order=True)
                ids = c.execute(q, rows).scalars().all()
                layers, elements = [], []
                for mid, body in zip(ids, bodies, strict=True):
                    symbols: set[str] = set()
                    for layer in body["layers"]:
                        cols = self._layer(layer)
                        layers.append({**cols, "target_material_id": mid})
                        symbols.update(cols.get("element_dict") or {})
                    elements += [
                        {"target_material_id": mid, "element": e, "organization_id": self.org_id}
                        for e in sorted(symbols)
                    ]
                c.execute(insert(t["layers"]), layers)
                c.execute(insert(t["material_elements"]), elements)
            self.loaded += n
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            sqlite = self.engine.dialect.name == "sqlite"
            c.exec_driver_sql("ANALYZE" if sqlite else "VACUUM ANALYZE")
        return time.perf_counter() - t0

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends connected to this database, except the loader's own."""
        if self.engine.dialect.name != "postgresql":
            return []
        from sqlalchemy import text

        q = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        with self.engine.connect() as c:
            return list(c.execute(text(q + "AND pid <> pg_backend_pid()")).scalars())

    def ids(self) -> list[int]:
        from sqlalchemy import select

        m = self.meta.tables["target_materials"]
        with self.engine.connect() as c:
            return list(c.execute(select(m.c.id).order_by(m.c.id)).scalars())


def operations(ids: list[int], key: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, wrk arguments) for every measured operation at the current size."""
    rng = random.Random(7)
    some = [f"/target-materials/{i}" for i in rng.sample(ids, min(200, len(ids)))]
    deep = cursor_after(ids[-101])
    q = urllib.parse.quote
    creates = [json.dumps(material_body(10_000_000 + i)) for i in range(50)]
    return [
        ("healthz", {"paths": ["/healthz"]}),
        ("auth trivial GET", {"paths": ["/physical_samples/"]}),
        ("get one", {"paths": some}),
        ("page 1 (100)", {"paths": ["/target-materials/?limit=100"]}),
        ("deep page (100)", {"paths": [f"/target-materials/?limit=100&cursor={deep}"]}),
        ("element=Ti (100)", {"paths": ["/target-materials/?element=Ti&limit=100"]}),
        ("name common (100)", {"paths": [f"/target-materials/?name={q('BaTiO3')}&limit=100"]}),
        ("name rare (100)", {"paths": [f"/target-materials/?name={q('run 4242')}&limit=100"]}),
        (
            "name rare, same answer (100)",
            {"paths": [f"/target-materials/?name={q('rare batch')}&limit=100"]},
        ),
        (
            "name unique (100)",
            {"paths": [f"/target-materials/?name={q('unique marker')}&limit=100"]},
        ),
        ("create 3 layers", {"paths": ["/target-materials/"], "method": "POST", "bodies": creates}),
    ]


def measure(
    server: Process,
    key: str,
    loader: Loader,
    args: argparse.Namespace,
    tag: str,
    only: set[str] | None = None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = loader.ids()
    for name, kw in operations(ids, key):
        if only is not None and name not in only:
            continue
        if args.ops and not any(o in name for o in args.ops.split(",")):
            continue
        ratios: list[float] = []
        if args.interleave:
            run, ratios = interleaved(
                functools.partial(drive, server, key, loader, args, name, kw, seconds=1),
                args,
                name,
            )
            adjacent: float | None = run.cpu_ms / statistics.median(ratios)
        else:
            adjacent = args.floor_now() if args.floor_now else None
            run = drive(server, key, loader, args, name, kw, seconds=args.seconds)
        item = {"tag": tag, "load": load(), **run.as_dict()}
        if adjacent is not None:  # the floor measured next to this operation
            item["floor_cpu_ms"] = adjacent
        if ratios:
            item["floor_ratios"] = ratios
        out.append(item)
        show(tag, run, adjacent)
    if (only is None or "stream" in only) and (not args.ops or "stream" in args.ops):
        pids = tree_pids(server.pid)
        for pid in pids:
            reset_peak(pid)
        before = max(rss_kib(p) for p in pids)
        secs, size = stream(server.base, "/target-materials/", key)
        peak = max(rss_kib(p, "VmHWM") for p in pids)
        rows = loader.loaded * 3
        item = {
            "tag": tag,
            "name": "full list stream",
            "seconds": secs,
            "bytes": size,
            "rows": rows,
            "rows_per_s": rows / secs,
            "rss_before_mib": before / 1024,
            "rss_peak_mib": peak / 1024,
            "load": load(),
        }
        out.append(item)
        print(
            f"  {tag:28} full list: {rows} rows in {secs:.2f} s = {rows / secs:,.0f} rows/s, "
            f"RSS {before / 1024:.0f} -> {peak / 1024:.0f} MiB",
            flush=True,
        )
    return out


def drive(
    server: Process,
    key: str,
    loader: Loader,
    args: argparse.Namespace,
    name: str,
    kw: dict[str, Any],
    *,
    seconds: float,
    warmup: float = 1.0,
) -> Run:
    """One wrk run of an operation against the server."""
    return wrk(
        name,
        server.base,
        server.pid,
        key=key,
        connections=args.connections,
        seconds=seconds,
        warmup=warmup,
        db_pids=loader.backend_pids,
        **kw,
    )


def interleaved(
    slice_of: Callable[..., Run], args: argparse.Namespace, name: str
) -> tuple[Run, list[float]]:
    """--interleave K: K one-second slices of the floor and of the operation, in turn, and the
    ratio of each slice to the floor slice just before it. A machine whose speed drifts within
    minutes moves both halves of a pair alike; the median of the K ratios is the figure."""
    runs: list[Run] = []
    ratios: list[float] = []
    for i in range(args.interleave):
        floor_ms = args.floor_slice()
        run = slice_of(warmup=1.0 if i == 0 else 0)  # a warm-up before the first slice
        runs.append(run)
        ratios.append(run.cpu_ms / floor_ms)
    total = Run(
        name=name,
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        cpu_s=sum(r.cpu_s for r in runs),
        errors=sum(r.errors for r in runs),
        connections=args.connections,
        db_cpu_s=sum(r.db_cpu_s for r in runs),
    )
    return total, ratios


def show(tag: str, run: Run, floor_ms: float | None = None) -> None:
    floor = f"  floor {floor_ms:.3f} ({run.cpu_ms / floor_ms:.1f} x)" if floor_ms else ""
    print(
        f"  {tag:28} {run.name:20} {run.rate:8.1f} req/s  p50 {run.p50_ms:7.2f}  p99 "
        f"{run.p99_ms:7.2f} ms  CPU {run.cpu_ms:6.3f} ms/req  PG {run.db_cpu_ms:6.3f}  "
        f"errors {run.errors}{floor}",
        flush=True,
    )


def one_backend(
    backend: str, workers: int, args: argparse.Namespace, tmp: Path, floor: dict[str, float]
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    tag = f"{backend} w{workers}"

    def body(url: str) -> None:
        env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
        server, key = filmstack_server(env, tmp / f"{backend}-{workers}.log", workers)
        try:
            loader = Loader(url)
            loader.load_to(args.n)
            h1 = wrk(
                "healthz, 1 connection",
                server.base,
                server.pid,
                paths=["/healthz"],
                connections=1,
                seconds=args.seconds,
            )
            show(tag, h1)
            results.append({"tag": tag, "load": load(), **h1.as_dict()})
            only = (
                None
                if workers == 1
                else {"healthz", "auth trivial GET", "get one", "create 3 layers"}
            )
            results.extend(measure(server, key, loader, args, f"{tag} {args.n}", only))
            if args.scale and workers == 1:
                secs = loader.load_to(SCALE_MATERIALS)
                print(f"  {tag}: loaded to {SCALE_MATERIALS} materials in {secs:.0f} s", flush=True)
                results.extend(measure(server, key, loader, args, f"{tag} {SCALE_MATERIALS}"))
        finally:
            server.stop()
        for r in results:
            r.setdefault("floor_cpu_ms", floor["cpu_ms"])

    if backend == "sqlite":
        body(f"sqlite:///{tmp / (tag.replace(' ', '_') + '.db')}")
    else:
        with postgres_database(args.pg) as url:
            body(url)
    return results


def two_servers(args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    """One vs two `filmstack serve` (one worker each) on one PostgreSQL database: get one and
    create through A alone, then through A and B at once (two wrk runs side by side)."""
    import threading

    out: list[dict[str, Any]] = []
    with postgres_database(args.pg) as url:
        env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
        a, key = filmstack_server(env, tmp / "a.log")
        b, _ = filmstack_server(env, tmp / "b.log")
        try:
            loader = Loader(url)
            loader.load_to(args.n)
            ops = dict(operations(loader.ids(), key))
            for name in ("get one", "create 3 layers"):
                kw = ops[name]
                one = wrk(name, a.base, a.pid, key=key, seconds=args.seconds, **kw)
                show("one server", one)
                runs: dict[str, Run] = {}

                def drive(
                    server: Process,
                    tag: str,
                    kw: dict[str, Any] = kw,
                    name: str = name,
                    runs: dict[str, Run] = runs,
                ) -> None:
                    runs[tag] = wrk(
                        name, server.base, server.pid, key=key, seconds=args.seconds, **kw
                    )

                threads = [
                    threading.Thread(target=drive, args=(srv, t)) for srv, t in ((a, "a"), (b, "b"))
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                both = runs["a"].rate + runs["b"].rate
                cpu = (
                    (runs["a"].cpu_s + runs["b"].cpu_s)
                    * 1000
                    / (runs["a"].requests + runs["b"].requests)
                )
                print(
                    f"  two servers {name:20} {both:8.1f} req/s (A {runs['a'].rate:.0f} + B "
                    f"{runs['b'].rate:.0f})  CPU {cpu:.3f} ms/req  = {both / one.rate:.2f} x one",
                    flush=True,
                )
                out.append(
                    {
                        "tag": "servers",
                        "name": name,
                        "one_rate": one.rate,
                        "two_rate": both,
                        "one_cpu_ms": one.cpu_ms,
                        "two_cpu_ms": cpu,
                        "load": load(),
                    }
                )
        finally:
            a.stop()
            b.stop()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--workers", default="1,2")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--n", type=int, default=1000, help="materials before the scale step")
    p.add_argument("--scale", action="store_true", help="also measure at 1,000,002 layers")
    p.add_argument("--pg", default=PG_ADMIN, help="admin URL of the PostgreSQL server")
    p.add_argument("--two-servers", action="store_true", help="one vs two servers on one PG")
    p.add_argument("--ops", help="only operations whose names contain one of these (a,b,...)")
    p.add_argument("--out", type=Path, help="write every figure as JSON here")
    p.add_argument(
        "--floor-each",
        action="store_true",
        help="measure the floor again just before each operation, and divide by that one",
    )
    p.add_argument(
        "--interleave",
        type=int,
        default=0,
        metavar="K",
        help="K one-second slices of the floor and each operation in turn; the median ratio",
    )
    args = p.parse_args()
    args.floor_now = None
    print(banner(), flush=True)
    results: list[dict[str, Any]] = []
    with scratch_dir() as tmp:
        fl = floor_server(tmp / "floor.log")

        def floor_run(seconds: float, warmup: float = 1.0) -> Run:
            return wrk(
                "floor (bare Starlette)",
                fl.base,
                fl.pid,
                paths=["/healthz"],
                connections=args.connections,
                seconds=seconds,
                warmup=warmup,
            )

        keep_floor = args.floor_each or args.interleave
        try:
            run = floor_run(args.seconds)
        finally:
            if not keep_floor:
                fl.stop()
        if args.floor_each:  # a machine whose speed drifts: the floor next to each figure
            args.floor_now = lambda: floor_run(max(2.0, args.seconds / 2)).cpu_ms
        args.floor_slice = lambda: floor_run(1, warmup=0).cpu_ms
        show("floor", run)
        floor = run.as_dict()
        results.append({"tag": "floor", "load": load(), **floor})
        if args.two_servers:
            results.extend(two_servers(args, tmp))
        for backend in (b for b in args.backends.split(",") if b):
            for workers in (int(w) for w in args.workers.split(",")):
                results.extend(one_backend(backend, workers, args, tmp, floor))  # type: ignore[arg-type]
        if keep_floor:
            fl.stop()
    report(results, float(floor["cpu_ms"]))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


def report(results: list[dict[str, Any]], floor_ms: float) -> None:
    print(f"\nfloor: bare Starlette {floor_ms:.3f} ms CPU/req\n")
    print(
        "| run | operation | req/s | p50 ms | p99 ms | CPU ms/req | × floor | × healthz "
        "| PG CPU ms/req |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    health: dict[str, float] = {}
    for r in results:
        if r.get("name") == "healthz":
            health[r["tag"]] = r["cpu_ms"]
    for r in results:
        if "cpu_ms" not in r or r["tag"] == "floor":
            continue
        h = health.get(r["tag"])
        hx = f"{r['cpu_ms'] / h:.2f}" if h else ""
        print(
            f"| {r['tag']} | {r['name']} | {r['rate']:.0f} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {r['cpu_ms']:.3f} | "
            f"{r['cpu_ms'] / r.get('floor_cpu_ms', floor_ms):.1f} | {hx} | "
            f"{r.get('db_cpu_ms', 0):.3f} |"
        )
    for r in results:
        if r.get("name") == "full list stream":
            print(
                f"| {r['tag']} | full list | {r['rows_per_s']:,.0f} rows/s | | | | | "
                f"RSS {r['rss_before_mib']:.0f}→{r['rss_peak_mib']:.0f} MiB |"
            )


if __name__ == "__main__":
    sys.exit(main())
