"""Fuzz a live `filmstack serve` with schemathesis, on SQLite and (when configured) PostgreSQL.

Run by .ci/run, not by pytest. For each database: a fresh `filmstack serve` on an empty database
prints its admin key, schemathesis runs every check over the served OpenAPI document with that
key (a bounded number of examples per operation, a fixed seed), and any 5xx or any response
that does not match the document fails the run.

    python tests/fuzz/run_schemathesis.py [--examples N] [--seed S] [--databases sqlite,postgresql]

PostgreSQL is fuzzed when FILMSTACK_TEST_DATABASE_URL is set, in a schema of its own.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CONFIG = HERE / "schemathesis.toml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def database_env(kind: str, tmp: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
    env["FILMSTACK_DATA_DIR"] = str(tmp)
    # The ignored_auth check sends bad keys on purpose: the throttle must not lock the fuzzer out.
    env["FILMSTACK_AUTH_FAILURE_LIMIT"] = "1000000"
    if kind == "sqlite":
        yield env
        return
    base = os.environ["FILMSTACK_TEST_DATABASE_URL"]
    schema = f"fs_fuzz_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in base else "?"
        env["FILMSTACK_DATABASE_URL"] = f"{base}{sep}options=-csearch_path%3D{schema}"
        yield env
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [str(BIN / "filmstack"), "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    try:
        assert proc.stdout is not None
        key = proc.stdout.readline().strip()
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"filmstack serve did not start:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url, key
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def fuzz(kind: str, examples: int, seed: int, workdir: Path) -> dict[str, object]:
    with database_env(kind, workdir) as env, serve(env, workdir / "serve.log") as (url, key):
        report = workdir / "report.ndjson"
        command = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            # See schemathesis.toml: this check's one finding is a false positive.
            "--exclude-checks",
            "ensure_resource_availability",
            "--header",
            f"X-API-KEY: {key}",
            "--max-examples",
            str(examples),
            "--seed",
            str(seed),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
            "--no-color",
        ]
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.monotonic() - started
        summary = summarize(report)
        keep = os.environ.get("FUZZ_KEEP_DIR")
        if keep:
            for name in ("report.ndjson", "serve.log"):
                (Path(keep) / f"{kind}-{name}").write_bytes((workdir / name).read_bytes())
    generated = re.search(r"(\d+) generated", result.stdout)
    summary.update(
        database=kind,
        cases=int(generated.group(1)) if generated else None,
        seconds=round(seconds, 1),
        exit=result.returncode,
    )
    if result.returncode != 0:
        print(result.stdout[-20000:])
        print(result.stderr[-5000:], file=sys.stderr)
    return summary


def summarize(report: Path) -> dict[str, object]:
    """Operations, cases, 5xx responses and failed checks, read from the ndjson report."""
    operations: set[str] = set()
    requests = server_errors = 0
    failures: dict[str, int] = {}
    if not report.exists():
        return {"operations": 0, "requests": 0, "server_errors": 0, "failures": {}}
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder", {})
        operations.add(recorder.get("label", ""))
        for interaction in (recorder.get("interactions") or {}).values():
            requests += 1
            status = ((interaction.get("response") or {}).get("status_code")) or 0
            server_errors += status >= 500
        for checks in (recorder.get("checks") or {}).values():
            for check in checks:
                if str(check.get("status")).lower() == "failure":
                    failures[check["name"]] = failures.get(check["name"], 0) + 1
    operations.discard("")
    return {
        "operations": len(operations),
        "requests": requests,
        "server_errors": server_errors,
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30, help="examples per operation")
    parser.add_argument("--seed", type=int, default=20261201)
    default_dbs = "sqlite,postgresql" if os.environ.get("FILMSTACK_TEST_DATABASE_URL") else "sqlite"
    parser.add_argument("--databases", default=default_dbs)
    args = parser.parse_args()
    failed = False
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{kind}-") as tmp:
            summary = fuzz(kind, args.examples, args.seed, Path(tmp))
        print("schemathesis:", json.dumps(summary), flush=True)
        failed = failed or summary["exit"] != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
