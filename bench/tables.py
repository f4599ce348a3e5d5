"""Markdown tables from bench_wrk.py --out files: before/after, 1 k vs 1 M, one vs two workers.

.venv/bin/python bench/tables.py before.json after.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPS = [
    "healthz",
    "auth trivial GET",
    "get one",
    "create 3 layers",
    "page 1 (100)",
    "deep page (100)",
    "element=Ti (100)",
    "name common (100)",
    "name rare (100)",
    "name rare, same answer (100)",
    "name unique (100)",
]


def index(rows: list[dict[str, Any]]) -> tuple[dict[tuple[str, str], dict[str, Any]], float]:
    floor = next(r["cpu_ms"] for r in rows if r["tag"] == "floor")
    return {(r["tag"], r["name"]): r for r in rows if "name" in r}, floor


def cell(r: dict[str, Any] | None, floor: float) -> str:
    if r is None:
        return "—"
    # The floor measured next to this figure (--floor-each), else the run's one floor.
    return f"{r['cpu_ms']:.2f} ms ({r['cpu_ms'] / r.get('floor_cpu_ms', floor):.1f} ×)"


def main() -> None:
    runs = [index(json.loads(Path(p).read_text())) for p in sys.argv[1:]]
    labels = ["before", "after"][: len(runs)]
    print("### Server CPU per request at 1,000 materials, one worker (× the same run's floor)\n")
    floors = " / ".join(f"{lab} {f:.3f} ms" for lab, (_, f) in zip(labels, runs, strict=True))
    print(f"Floor (bare Starlette): {floors}.\n")
    head = " | ".join(f"{e} {lab}" for e in ("SQLite", "PostgreSQL") for lab in labels)
    print(f"| operation | {head} |")
    print("|---|" + "---:|" * (2 * len(runs)))
    for op in OPS:
        cells = [
            cell(rows.get((f"{engine} w1 1000", op)), floor)
            for engine in ("sqlite", "postgresql")
            for rows, floor in runs
        ]
        print(f"| {op} | " + " | ".join(cells) + " |")

    print("\n### 1,000 vs 333,334 materials (1,000,002 layers), one worker\n")
    print("CPU ms/request of the server (+ PostgreSQL backends), p50 ms at 4 connections.\n")
    for lab, (rows, _floor) in zip(labels, runs, strict=True):
        print(f"**{lab}**\n")
        print("| operation | SQLite 1k | SQLite 1M | × | PostgreSQL 1k | PostgreSQL 1M | × |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for op in OPS[1:]:
            out = []
            for engine in ("sqlite", "postgresql"):
                small = rows.get((f"{engine} w1 1000", op))
                big = rows.get((f"{engine} w1 333334", op))
                if small is None or big is None:
                    out += ["—", "—", ""]
                    continue

                def total(r: dict[str, Any]) -> float:
                    return float(r["cpu_ms"] + r.get("db_cpu_ms", 0.0))

                out += [
                    f"{total(small):.2f} / {small['p50_ms']:.1f}",
                    f"{total(big):.2f} / {big['p50_ms']:.1f}",
                    f"{total(big) / total(small):.2f}",
                ]
            print(f"| {op} | " + " | ".join(out) + " |")
        for engine in ("sqlite", "postgresql"):
            for size in ("1000", "333334"):
                r = rows.get((f"{engine} w1 {size}", "full list stream"))
                if r:
                    print(
                        f"\n{engine} full list at {size} materials: {r['rows']:,} rows, "
                        f"{r['rows_per_s']:,.0f} rows/s, server RSS "
                        f"{r['rss_before_mib']:.0f} → peak {r['rss_peak_mib']:.0f} MiB",
                        end="",
                    )
        print("\n")

    print("### One vs two workers, 1,000 materials\n")
    print("| run | operation | w1 req/s | w2 req/s | w2 / w1 | w1 p50 | w2 p50 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for lab, (rows, _floor) in zip(labels, runs, strict=True):
        for engine in ("sqlite", "postgresql"):
            for op, tag in [
                ("healthz, 1 connection", ""),
                ("healthz", " 1000"),
                ("get one", " 1000"),
                ("create 3 layers", " 1000"),
            ]:
                one = rows.get((f"{engine} w1{tag}", op))
                two = rows.get((f"{engine} w2{tag}", op))
                if one and two:
                    print(
                        f"| {lab} {engine} | {op} | {one['rate']:.0f} | {two['rate']:.0f} | "
                        f"{two['rate'] / one['rate']:.2f} | {one['p50_ms']:.1f} | "
                        f"{two['p50_ms']:.1f} |"
                    )
    for _lab, (rows, _floor) in zip(labels, runs, strict=True):
        for (tag, op), r in rows.items():
            if tag == "servers":
                print(
                    f"\nTwo servers on one PostgreSQL, {op}: one {r['one_rate']:.0f} req/s, "
                    f"two {r['two_rate']:.0f} req/s ({r['two_rate'] / r['one_rate']:.2f} ×)",
                    end="",
                )
    print()


if __name__ == "__main__":
    main()
