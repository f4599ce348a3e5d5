"""Two `filmstack serve` processes on one database: concurrent writes through both keep the
guarantees a single server gives (unique positions, no lost or doubled creates, no 5xx)."""

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import Backend, Keys, ServeProcess


@pytest.fixture
def two_servers(backend: Backend, keys: Keys, tmp_path: Path) -> Iterator[list[ServeProcess]]:
    env = {**os.environ, "FILMSTACK_DATABASE_URL": backend.url, "FILMSTACK_DATA_DIR": str(tmp_path)}
    servers: list[ServeProcess] = []
    try:
        for name in ("a", "b"):
            servers.append(ServeProcess(env, tmp_path / f"{name}.log", "--workers", "2"))
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_concurrent_writes_through_two_servers_keep_every_guarantee(
    two_servers: list[ServeProcess], keys: Keys
) -> None:
    clients = [
        httpx.Client(base_url=s.url, headers={"X-API-KEY": keys.writer}, timeout=60)
        for s in two_servers
    ]
    try:

        def create(i: int) -> httpx.Response:
            body = {
                "sample": {"sample_name": f"film {i}", "substrate": "SrTiO3"},
                "layers": [{"layer_id": 1, "composition_string": "SrRuO3", "orientation": "001"}],
            }
            return clients[i % 2].post("/target-materials/", json=body)

        with ThreadPoolExecutor(8) as pool:
            created = list(pool.map(create, range(40)))
        assert [r.status_code for r in created] == [200] * 40
        ids = [r.json()["sample_id"] for r in created]
        assert len(set(ids)) == 40

        # The same free position claimed through both servers at once: exactly one wins.
        def claim(args: tuple[int, int]) -> int:
            material_id, which = args
            layer = {"sample_id": material_id, "layer_id": 2, "composition_string": "BaTiO3"}
            return clients[which].post("/target-materials/layers/", json=layer).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(claim, [(m, w) for m in ids[:12] for w in (0, 1)]))
        for pair in zip(codes[::2], codes[1::2], strict=True):
            assert sorted(pair) == [200, 409], codes

        # Every create arrived once, each stack holds positions 1 and 2 once, through either.
        for client in clients:
            rows = client.get("/target-materials/").json()
            by_material: dict[int, list[int]] = {}
            for row in rows:
                by_material.setdefault(row["sample_id"], []).append(row["layer_id"])
            assert sorted(by_material) == sorted(ids)
            for material_id in ids:
                expected = [1, 2] if material_id in ids[:12] else [1]
                assert by_material[material_id] == expected
    finally:
        for client in clients:
            client.close()
