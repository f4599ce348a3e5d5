"""Valid-key latency while another address floods the server with bad keys.

    .venv/bin/python bench/bench_bad_keys.py [--bad 2000] [--threads 8] [--database-url URL]

Starts `filmstack serve` on a fresh SQLite file (or the given database), then measures the median
latency of `GET /target-materials/?limit=1` with a valid key from 127.0.0.2: alone, and while
threads on 127.0.0.1 send `--bad` requests with a wrong key. Prints both medians, and how the bad
requests were answered (401 until the address is throttled, 429 after).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def median_ms(client: httpx.Client, stop: threading.Event | None, count: int) -> float:
    times = []
    while len(times) < count or (stop is not None and not stop.is_set()):
        started = time.perf_counter()
        assert client.get("/target-materials/", params={"limit": 1}).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
        if stop is None and len(times) >= count:
            break
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bad", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FILMSTACK_")}
        env["FILMSTACK_DATA_DIR"] = tmp
        if args.database_url:
            env["FILMSTACK_DATABASE_URL"] = args.database_url
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [str(BIN / "filmstack"), "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            assert proc.stdout is not None
            key = proc.stdout.readline().strip()
            for _ in range(100):
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            good = httpx.Client(
                base_url=url,
                headers={"X-API-KEY": key},
                transport=httpx.HTTPTransport(local_address="127.0.0.2"),
            )
            good.post(
                "/target-materials/", json={"sample": {"sample_name": "b", "substrate": "Si"}}
            )
            quiet = median_ms(good, None, 200)
            answers: Counter[int] = Counter()
            remaining = [args.bad]
            lock = threading.Lock()

            def attack() -> None:
                with httpx.Client(base_url=url, headers={"X-API-KEY": "fs_wrong"}) as bad:
                    while True:
                        with lock:
                            if remaining[0] <= 0:
                                return
                            remaining[0] -= 1
                        status = bad.get("/target-materials/").status_code
                        with lock:
                            answers[status] += 1

            stop = threading.Event()
            attackers = [threading.Thread(target=attack) for _ in range(args.threads)]
            started = time.perf_counter()
            for thread in attackers:
                thread.start()
            watcher = threading.Thread(target=lambda: [t.join() for t in attackers] and None)
            watcher.start()
            threading.Thread(target=lambda: (watcher.join(), stop.set())).start()
            loaded = median_ms(good, stop, 50)
            seconds = time.perf_counter() - started
            good.close()
        finally:
            proc.terminate()
            proc.wait(20)
    print(f"valid-key median alone: {quiet:.1f} ms")
    print(f"valid-key median during {args.bad} bad-key requests: {loaded:.1f} ms ({seconds:.1f} s)")
    print(f"bad-key answers: {dict(sorted(answers.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
