"""Profile a running `filmstack serve` under wrk load with py-spy. A benchmark helper, not a test.

    .venv/bin/pip install py-spy
    .venv/bin/python bench/profile_server.py [--backend sqlite|postgresql] [--seconds 10]

For an authenticated trivial GET (/physical_samples/) and a three-layer create, it samples the
server process while wrk drives it (py-spy --gil: only the thread holding the GIL, i.e. Python
doing work), then prints the share of samples in which each of the top functions is on the stack
(inclusive), and the share of samples touching each library.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import threading
from pathlib import Path

from bench_server import material_body
from bench_wrk import PG_ADMIN, Loader
from wrktools import BIN, filmstack_server, postgres_database, scratch_dir, wrk

BOILERPLATE = re.compile(
    r"threading\.py|asyncio/|typer/|queue\.py|selectors\.py|concurrent/|<module>|\(filmstack\)|"
    r"filmstack/cli/|filmstack/server/serve\.py|uvicorn/(main|server|_compat)\.py|WorkerThread"
)


def area(frame: str) -> str:
    for name in ("filmstack", "sqlalchemy", "fastapi", "starlette", "uvicorn", "h11", "anyio"):
        if f"({name}/" in frame or f"/{name}/" in frame:
            return name
    if "psycopg" in frame:
        return "psycopg"
    if "sqlite3" in frame:
        return "sqlite3"
    return "other"


def summarize(raw: Path, top: int) -> dict[str, object]:
    """Collapsed stacks -> inclusive share per function and per area."""
    funcs: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        # py-spy leaves idle threads out; one entry per function, whatever the line.
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += n
        for f in set(frames):
            funcs[f] += n
        for a in {area(f) for f in frames}:
            areas[a] += n
    return {
        "samples": total,
        "areas": {a: round(100 * c / total, 1) for a, c in areas.most_common()},
        "top": [
            (round(100 * c / total, 1), f)
            for f, c in funcs.most_common()
            if not BOILERPLATE.search(f)
        ][:top],
    }


def profile(server_pid: int, base: str, key: str, out: Path, seconds: int, **kw: object) -> None:
    def load() -> None:
        wrk("profile", base, server_pid, key=key, seconds=seconds + 2, warmup=0, **kw)  # type: ignore[arg-type]

    t = threading.Thread(target=load)
    t.start()
    subprocess.run(
        [str(BIN / "py-spy"), "record", "--pid", str(server_pid), "--duration", str(seconds)]
        + ["--rate", "250", "--format", "raw", "--output", str(out), "--gil"],
        check=True,
        capture_output=True,
    )
    t.join()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="sqlite")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    results = {}
    with scratch_dir() as tmp:

        def run(url: str) -> None:
            env = {**os.environ, "FILMSTACK_DATABASE_URL": url, "FILMSTACK_DATA_DIR": str(tmp)}
            server, key = filmstack_server(env, tmp / "serve.log")
            try:
                Loader(url).load_to(1000)
                creates = [json.dumps(material_body(5_000_000 + i)) for i in range(50)]
                ops = {
                    "auth trivial GET": {"paths": ["/physical_samples/"]},
                    "create 3 layers": {
                        "paths": ["/target-materials/"],
                        "method": "POST",
                        "bodies": creates,
                    },
                }
                for name, kw in ops.items():
                    raw = tmp / f"{name}.txt"
                    profile(server.pid, server.base, key, raw, args.seconds, **kw)
                    results[name] = summarize(raw, args.top)
            finally:
                server.stop()

        if args.backend == "sqlite":
            run(f"sqlite:///{tmp / 'p.db'}")
        else:
            with postgres_database(PG_ADMIN) as url:
                run(url)
    for name, r in results.items():
        print(f"\n## {name}: {r['samples']} samples; share by area: {r['areas']}")
        for share, frame in r["top"]:  # type: ignore[attr-defined]
            print(f"{share:5.1f} %  {frame}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
