"""1,000 and 333,334 materials side by side: the cost of each operation at 1 M over its cost at 1 k.

    .venv/bin/python bench/bench_scale.py [--backends sqlite,postgresql] [--rounds 10]
        [--ops a,b] [--out scale.json]

bench_wrk.py --scale measures the 1 k figures, loads to 1 M, then measures again: minutes apart,
on a machine whose speed drifts by a quarter from one minute to the next, and the first operation
after the load on cold caches. Here two databases are loaded first, one to 1,000 materials and
one, as bench_wrk.py's grows, to 1,000 with a few seconds of creates and then to 333,334
(1,000,002 layers); a `filmstack serve` runs on each, and every operation runs in rounds of two
one-second slices, 1 k then 1 M, then 1 M then 1 k (ABBA). Each round's ratio is its 1 M slice's
server CPU per request (plus the PostgreSQL backends') over its 1 k slice's, a second apart; the
figure is the median of the rounds' ratios, with its quartiles. Creates run last, on both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_server import material_body
from bench_wrk import PG_ADMIN, SCALE_MATERIALS, Loader, operations
from wrktools import Process, banner, filmstack_server, load, postgres_database, scratch_dir, wrk


def loaded(url: str, tmp: Path, tag: str, size: int, args: argparse.Namespace) -> str:
    """Load `url` to `size` materials through a server of its own (which migrates it and makes
    the key), as bench_wrk.py grows its database; returns the key."""
    env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
    server, key = filmstack_server(env, tmp / f"load-{tag}.log")
    try:
        loader = Loader(url)
        loader.load_to(args.n)
        if size > args.n:
            bodies = [json.dumps(material_body(20_000_000 + i)) for i in range(50)]
            wrk("creates", server.base, server.pid, ["/target-materials/"], key=key,
                method="POST", bodies=bodies, seconds=args.creates, warmup=0)  # fmt: skip
            started = time.perf_counter()
            loader.load_to(size)
            print(f"  {tag}: loaded to {size} in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        server.stop()
    return key


def slice_cpu(server: Process, key: str, loader: Loader, kw: dict[str, Any]) -> float:
    run = wrk("slice", server.base, server.pid, key=key, seconds=1, warmup=0,
              db_pids=loader.backend_pids, **kw)  # fmt: skip
    if run.errors:
        raise RuntimeError(f"{run.errors} errors in a slice of {kw['paths'][0]}")
    return run.cpu_ms + (run.db_cpu_ms if run.db_cpu_s else 0.0)


def side_by_side(
    backend: str, urls: tuple[str, str], tmp: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    keys = (
        loaded(urls[0], tmp, f"{backend} 1k", args.n, args),
        loaded(urls[1], tmp, f"{backend} 1M", SCALE_MATERIALS, args),
    )
    servers: list[tuple[Process, str, Loader]] = []
    out: list[dict[str, Any]] = []
    try:
        for url, key, tag in zip(urls, keys, ("1k", "1M"), strict=True):
            env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
            server, _ = filmstack_server(env, tmp / f"{backend}-{tag}.log")
            servers.append((server, key, Loader(url)))
        small, large = servers
        ops = dict(operations(small[2].ids(), small[1]))
        ops_large = dict(operations(large[2].ids(), large[1]))
        names = [n for n in ops if not args.ops or any(o in n for o in args.ops.split(","))]
        names.sort(key=lambda n: n.startswith("create"))  # creates change the databases: last
        for name in names:
            pair = ((small, ops[name]), (large, ops_large[name]))
            for (server, key, loader), kw in pair:  # warm-up
                slice_cpu(server, key, loader, kw)
            costs: tuple[list[float], list[float]] = ([], [])
            for r in range(args.rounds):
                order = (0, 1) if r % 2 == 0 else (1, 0)
                for side in order:
                    (server, key, loader), kw = pair[side]
                    costs[side].append(slice_cpu(server, key, loader, kw))
            ratios = [b / a for a, b in zip(*costs, strict=True)]
            q1, _, q3 = statistics.quantiles(ratios, n=4)
            item = {
                "backend": backend,
                "name": name,
                "cpu_ms_1k": statistics.median(costs[0]),
                "cpu_ms_1m": statistics.median(costs[1]),
                "ratio": statistics.median(ratios),
                "ratio_q1": q1,
                "ratio_q3": q3,
                "ratios": ratios,
                "load": load(),
            }
            out.append(item)
            print(
                f"  {backend:10} {name:30} 1 k {item['cpu_ms_1k']:7.3f}  1 M "
                f"{item['cpu_ms_1m']:7.3f} ms  1 M / 1 k {item['ratio']:.2f} "
                f"(quartiles {q1:.2f}-{q3:.2f})",
                flush=True,
            )
    finally:
        for server, _, loader in servers:
            server.stop()
            loader.engine.dispose()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--rounds", type=int, default=10, help="ABBA rounds of one-second slices")
    p.add_argument("--n", type=int, default=1000, help="materials of the small database")
    p.add_argument("--creates", type=float, default=8.0, help="seconds of creates at --n")
    p.add_argument("--ops", help="only operations whose names contain one of these (a,b,...)")
    p.add_argument("--pg", default=PG_ADMIN, help="admin URL of the PostgreSQL server")
    p.add_argument("--out", type=Path, help="write every figure as JSON here")
    args = p.parse_args()
    print(banner(), flush=True)
    results: list[dict[str, Any]] = []
    with scratch_dir() as tmp:
        for backend in (b for b in args.backends.split(",") if b):
            if backend == "sqlite":
                urls = (f"sqlite:///{tmp / 'small.db'}", f"sqlite:///{tmp / 'large.db'}")
                results += side_by_side(backend, urls, tmp, args)
                continue
            with postgres_database(args.pg) as small, postgres_database(args.pg) as large:
                results += side_by_side(backend, (small, large), tmp, args)
    print("\n| operation | engine | 1 k, ms | 1 M, ms | 1 M / 1 k (quartiles) |")
    print("|---|---|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['name']} | {r['backend']} | {r['cpu_ms_1k']:.3f} | {r['cpu_ms_1m']:.3f} | "
            f"{r['ratio']:.2f} ({r['ratio_q1']:.2f}–{r['ratio_q3']:.2f}) |"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
