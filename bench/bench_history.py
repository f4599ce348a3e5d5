"""What history costs: server CPU per create and PATCH with and without it, bytes per entry,
and GET .../history at 10,000 revisions of one material. A benchmark, not a test.

    .venv/bin/python bench/bench_history.py [--n 400] [--revisions 10000]
        [--backends sqlite,postgresql]

For each backend and each mode it starts a real server process on a fresh database (a SQLite
file, or a PostgreSQL schema when FILMSTACK_TEST_DATABASE_URL names a server) and sends, from
one client, --n creates (3 layers each) and --n PATCHes of sample_metadata; it reads the server
process's CPU time (utime + stime from /proc) before and after each batch. "without history"
is the same server with the history writes switched off inside the benchmark's own process
(no snapshot, no diff, no entry): the cost the feature adds, measured, not estimated.

Then, on the "with" server: the stored size of one entry (changes + snapshot JSON, from the
database) for a 3-layer and a 500-layer material, and one material brought to --revisions
revisions (--real of them by PATCH over HTTP, the rest copies of the last real entry inserted
in the database), followed by paged reads of its history (first page, last page, walking every
page, the whole array unpaged) and GET history/{revision} for the first and last revision.

Everything stays on the loopback interface and is cleaned up (server stopped, schema dropped,
temporary directory removed), also on errors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

LAYERS = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "001", "space_group": "P4mm"},
    {"layer_id": 3, "composition_string": "Pt", "orientation": "(111)", "thickness_nm": 5},
]


# --------------------------------------------------------------------- the server process


def serve(port: int, without_history: bool) -> None:
    """Run in the child: the real app; with --without-history its history writes are off."""
    import uvicorn

    from filmstack.server.app import create_app
    from filmstack.server.config import Settings

    if without_history:
        from filmstack.server.materials import history, service

        def changed(session: Any, principal: Any, material: Any, *args: Any, **kw: Any) -> bool:
            from filmstack.server.db import utcnow

            session.flush()
            material.revision += 1
            material.last_updated = utcnow()
            session.flush()
            return True

        history.record = lambda *a, **k: None  # type: ignore[assignment,return-value]
        service._changed = changed  # type: ignore[assignment]
        service.load_detail = lambda *a, **k: {}  # type: ignore[assignment]
        service.detail_out = lambda *a, **k: {}  # type: ignore[assignment]
        service.load_layers = lambda *a, **k: []  # type: ignore[assignment]
    uvicorn.run(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy import text

    from filmstack.server.config import normalize_database_url
    from filmstack.server.db import Database

    base = normalize_database_url(os.environ["FILMSTACK_TEST_DATABASE_URL"])
    schema = f"fs_bench_{uuid.uuid4().hex[:10]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextlib.contextmanager
def server(url: str, tmp: Path, without_history: bool) -> Iterator[tuple[str, int, str]]:
    from filmstack.server.accounts.service import create_key
    from filmstack.server.db import Database
    from filmstack.server.migrations import upgrade

    upgrade(url)
    db = Database(url)
    with db.session(write=True) as session:
        key, _ = create_key(session, "bench", "bench", ["read", "write", "delete"])
    db.dispose()
    port = free_port()
    env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
    args = [sys.executable, __file__, "--serve", str(port)]
    if without_history:
        args.append("--without-history")
    proc = subprocess.Popen(args, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield base, proc.pid, key
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


# ---------------------------------------------------------------------------- measuring


def cpu_per_request(client: httpx.Client, pid: int, n: int) -> dict[str, float]:
    """Server CPU ms per create and per PATCH, over n of each."""
    start = cpu_seconds(pid)
    ids = []
    for i in range(n):
        r = client.post(
            "/target-materials/",
            json={"sample": {"sample_name": f"m{i}", "substrate": "SrTiO3"}, "layers": LAYERS},
        )
        r.raise_for_status()
        ids.append(r.json()["sample_id"])
    created = cpu_seconds(pid)
    for i, mid in enumerate(ids):
        client.patch(
            f"/target-materials/{mid}", json={"sample_metadata": {"i": i}}
        ).raise_for_status()
    patched = cpu_seconds(pid)
    return {"create": (created - start) * 1000 / n, "patch": (patched - created) * 1000 / n}


def entry_bytes(url: str, material_id: int) -> int:
    """Stored JSON of the newest entry of a material (changes + snapshot)."""
    from sqlalchemy import text

    from filmstack.server.db import Database

    db = Database(url)
    try:
        with db.engine.connect() as conn:
            size = "octet_length" if conn.dialect.name == "postgresql" else "length"
            value = conn.execute(
                text(
                    f"SELECT {size}(CAST(changes AS TEXT)) + {size}(CAST(snapshot AS TEXT)) "
                    "FROM material_history WHERE target_material_id = :m ORDER BY id DESC LIMIT 1"
                ),
                {"m": material_id},
            ).scalar()
    finally:
        db.dispose()
    return int(value or 0)


def timed(call: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = call()
    return (time.perf_counter() - t0) * 1000, result


def history_paging(client: httpx.Client, revisions: int) -> dict[str, Any]:
    mid = client.post(
        "/target-materials/",
        json={"sample": {"sample_name": "busy", "substrate": "Si"}, "layers": LAYERS},
    ).json()["sample_id"]
    t0 = time.perf_counter()
    for i in range(revisions - 1):
        client.patch(
            f"/target-materials/{mid}", json={"sample_metadata": {"i": i}}
        ).raise_for_status()
    fill_s = time.perf_counter() - t0
    path = f"/target-materials/{mid}/history"
    first_ms, first = timed(lambda: client.get(path, params={"limit": 100}))
    page_ms: list[float] = []
    cursor = None
    seen = 0
    walk0 = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        ms, page = timed(lambda p=params: client.get(path, params=p))
        page_ms.append(ms)
        seen += len(page.json())
        cursor = page.headers.get("X-Next-Cursor")
        if not cursor:
            break
    walk_s = time.perf_counter() - walk0
    whole_ms, whole = timed(lambda: client.get(path))
    rev1_ms, _ = timed(lambda: client.get(f"{path}/1"))
    last_ms, _ = timed(lambda: client.get(f"{path}/{revisions}"))
    assert seen == revisions == len(whole.json()), (seen, revisions)
    assert first.json()[0]["revision"] == revisions
    return {
        "fill_s": fill_s,
        "first_page_ms": first_ms,
        "page_p50_ms": statistics.median(page_ms),
        "last_page_ms": page_ms[-1],
        "pages": len(page_ms),
        "walk_s": walk_s,
        "unpaged_ms": whole_ms,
        "unpaged_bytes": len(whole.content),
        "rev1_ms": rev1_ms,
        "rev_last_ms": last_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--revisions", type=int, default=10_000)
    parser.add_argument("--real", type=int, default=200, help="revisions made by real PATCHes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--without-history", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.without_history)
        return
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not os.environ.get("FILMSTACK_TEST_DATABASE_URL"):
        print("postgresql skipped: FILMSTACK_TEST_DATABASE_URL is not set")
        backends.remove("postgresql")
    tmp = Path(tempfile.mkdtemp(prefix="fs-bench-history-"))
    try:
        for backend in backends:
            print(f"\n== {backend}: server CPU per request, {args.n} of each, one client")
            cpu: dict[str, dict[str, float]] = {}
            for mode in ("without history", "with history"):
                with (
                    database(backend, tmp) as url,
                    server(url, tmp, mode == "without history") as (base, pid, key),
                    httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=60) as c,
                ):
                    cpu_per_request(c, pid, min(50, args.n))  # warm up
                    cpu[mode] = cpu_per_request(c, pid, args.n)
            for op in ("create", "patch"):
                off, on = cpu["without history"][op], cpu["with history"][op]
                print(f"  {op:6}  without {off:6.2f} ms  with {on:6.2f} ms  (+{on - off:.2f} ms)")
            with (
                database(backend, tmp) as url,
                server(url, tmp, False) as (base, _pid, key),
                httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=120) as c,
            ):
                small = c.post(
                    "/target-materials/",
                    json={"sample": {"sample_name": "s", "substrate": "Si"}, "layers": LAYERS},
                ).json()["sample_id"]
                c.patch(f"/target-materials/{small}", json={"sample_metadata": {"a": 1}})
                big_layers = [
                    {"layer_id": i, "composition_string": "SrTiO3", "orientation": "001"}
                    for i in range(1, 501)
                ]
                big = c.post(
                    "/target-materials/",
                    json={"sample": {"sample_name": "b", "substrate": "Si"}, "layers": big_layers},
                ).json()["sample_id"]
                c.patch(f"/target-materials/{big}", json={"sample_metadata": {"a": 1}})
                print(
                    f"  bytes per PATCH entry (changes + snapshot JSON): 3 layers "
                    f"{entry_bytes(url, small)} B, 500 layers {entry_bytes(url, big)} B"
                )
                print(
                    f"\n== {backend}: GET history of one material with {args.revisions} revisions"
                )
                p = history_paging(c, args.revisions)
                print(f"  filling: {args.revisions - 1} PATCHes in {p['fill_s']:.1f} s")
                print(
                    f"  limit=100: first page {p['first_page_ms']:.1f} ms, p50 "
                    f"{p['page_p50_ms']:.1f} ms, last (page {p['pages']}) "
                    f"{p['last_page_ms']:.1f} ms; all pages in {p['walk_s']:.2f} s"
                )
                print(
                    f"  unpaged: {p['unpaged_ms']:.0f} ms, {p['unpaged_bytes'] / 1e6:.2f} MB; "
                    f"history/1 {p['rev1_ms']:.1f} ms, history/{args.revisions} "
                    f"{p['rev_last_ms']:.1f} ms"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
