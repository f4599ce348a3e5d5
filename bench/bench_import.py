"""Time `filmstack materials import` of 10,000 materials (3 layers each). A benchmark, not a test.

    .venv/bin/python bench/bench_import.py [--n 10000] [--workers 8] [--format csv|jsonl]
        [--backends sqlite,postgresql] [--pg postgresql://postgres@127.0.0.1:5432/test]

For each backend it starts a real server (`filmstack serve` on a free loopback port) on a fresh
SQLite file or a fresh PostgreSQL database created for the run, reads the admin key serve prints,
writes an import file of --n materials with three layers each (stack notation in CSV, or create
bodies in JSONL), then runs the CLI exactly as a user would:

1. `filmstack materials import FILE` into the empty server (the number that matters);
2. the same command again, where every row is already there and is skipped;
3. `filmstack materials export` of everything, as a check that all --n arrived.

It prints one Markdown table row per backend. The server is stopped, the PostgreSQL database
dropped and the temporary directory removed on success, error and Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

FILMSTACK = Path(sys.executable).with_name("filmstack")

SUBSTRATES = ["SrTiO3", "Si", "Al2O3 (0001)", "MgO", "LaAlO3", "DyScO3 (110)", "GaAs"]
BUFFERS = ["SrRuO3 (001)", "LaNiO3", "TiN (111)", "Pt (111)", "La2/3Sr1/3MnO3 (001)"]
FILMS = ["BaTiO3 (001)", "PbZr0.2Ti0.8O3", "BiFeO3 (001)", "Ba0.5Sr0.5TiO3", "SrTiO3"]
CAPS = ["Au", "Pt", "SrRuO3", "LaAlO3", "Al2O3"]


@dataclass
class Result:
    backend: str
    seconds: float
    rerun_seconds: float
    exported: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_file(path: Path, n: int, fmt: str, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            fh.write("sample_name,substrate,stack,metadata\n")
        for i in range(n):
            film, buffer, cap = rng.choice(FILMS), rng.choice(BUFFERS), rng.choice(CAPS)
            thickness = rng.choice([2, 5, 10, 20, 50])
            stack = f"{cap} (2 nm) / {thickness} nm {film} / {buffer}"
            substrate = rng.choice(SUBSTRATES)
            metadata = {"run": i, "operator": rng.choice(["ana", "ben", "chen"])}
            if fmt == "csv":
                cell = json.dumps(metadata).replace('"', '""')
                fh.write(f'sample {i:05d},{substrate},"{stack}","{cell}"\n')
            else:
                layers = [
                    {"layer_id": 1, "composition_string": buffer.split(" ")[0]},
                    {
                        "layer_id": 2,
                        "composition_string": film.split(" ")[0],
                        "thickness_nm": float(thickness),
                    },
                    {"layer_id": 3, "composition_string": cap, "thickness_nm": 2.0},
                ]
                body = {
                    "sample": {
                        "sample_name": f"sample {i:05d}",
                        "substrate": substrate,
                        "sample_metadata": metadata,
                    },
                    "layers": layers,
                }
                fh.write(json.dumps(body) + "\n")


@contextlib.contextmanager
def database(backend: str, tmp: Path, pg_url: str) -> Iterator[dict[str, str]]:
    """Environment for `filmstack serve` on a fresh database of the backend's kind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FILMSTACK_", "AS_API"))}
    env["FILMSTACK_DATA_DIR"] = str(tmp / backend)
    if backend == "sqlite":
        yield env
        return
    import psycopg

    name = f"fs_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        base = pg_url.rsplit("/", 1)[0]
        env["FILMSTACK_DATABASE_URL"] = f"{base}/{name}"
        yield env
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def serve(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A `filmstack serve` subprocess; yields its URL and the admin key it printed."""
    port = free_port()
    proc = subprocess.Popen(
        [str(FILMSTACK), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        key = proc.stdout.readline().strip()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("filmstack serve did not start") from None
                time.sleep(0.1)
        yield url, key
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def cli(env: dict[str, str], url: str, key: str, *args: str) -> tuple[float, str]:
    """Run `filmstack ...` as a user would; return the wall time and stderr."""
    run_env = {**env, "FILMSTACK_ENDPOINT": url, "FILMSTACK_API_KEY": key}
    run_env["FILMSTACK_CONFIG"] = str(Path(env["FILMSTACK_DATA_DIR"]) / "no-login.toml")
    started = time.perf_counter()
    done = subprocess.run(
        [str(FILMSTACK), *args], env=run_env, capture_output=True, text=True, timeout=3600
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"filmstack {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stderr


def run(backend: str, data: Path, fmt: str, workers: int, tmp: Path, pg_url: str) -> Result:
    with database(backend, tmp, pg_url) as env, serve(env) as (url, key):
        seconds, report = cli(
            env, url, key, "materials", "import", str(data), "--workers", str(workers)
        )
        print(f"  {backend}: {report.strip().splitlines()[-1]}", file=sys.stderr)
        rerun, report = cli(
            env, url, key, "materials", "import", str(data), "--workers", str(workers)
        )
        print(f"  {backend} re-run: {report.strip().splitlines()[-1]}", file=sys.stderr)
        exported = tmp / f"export-{backend}.jsonl"
        cli(env, url, key, "materials", "export", str(exported))
        count = sum(1 for _ in exported.open(encoding="utf-8"))
    return Result(backend, seconds, rerun, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="materials to import")
    parser.add_argument("--workers", type=int, default=8, help="concurrent requests")
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing PostgreSQL database to create the bench database from",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="filmstack-bench-import-"))
    try:
        data = tmp / f"materials.{args.format}"
        write_file(data, args.n, args.format)
        results = [
            run(b.strip(), data, args.format, args.workers, tmp, args.pg)
            for b in args.backends.split(",")
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{args.n:,} materials × 3 layers, {args.format.upper()}, --workers {args.workers}\n")
    print("| backend | import | materials/s | layers/s | re-run (all skipped) | exported |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.backend} | {r.seconds:.1f} s | {args.n / r.seconds:,.0f} | "
            f"{3 * args.n / r.seconds:,.0f} | {r.rerun_seconds:.1f} s | {r.exported:,} |"
        )


if __name__ == "__main__":
    main()
