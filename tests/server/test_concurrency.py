"""Concurrent writers to one material never leave duplicate positions."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import Keys, ServerThread


def test_racing_adds_to_one_position_yield_one_success_and_409s(
    server: ServerThread, keys: Keys, api: httpx.Client
) -> None:
    mid = api.post(
        "/target-materials/", json={"sample": {"sample_name": "race", "substrate": "Si"}}
    ).json()["sample_id"]

    def add(position: int) -> int:
        with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.writer}, timeout=60) as c:
            return c.post(
                "/target-materials/layers/",
                json={"sample_id": mid, "layer_id": position, "composition_string": "SrTiO3"},
            ).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(add, [1] * 12 + [2] * 12))
    assert sorted(codes) == [200, 200] + [409] * 22
    positions = [la["layer_id"] for la in api.get(f"/target-materials/{mid}/layers").json()]
    assert positions == [1, 2]


def test_racing_stack_replacements_leave_one_whole_stack(
    server: ServerThread, keys: Keys, api: httpx.Client
) -> None:
    mid = api.post(
        "/target-materials/", json={"sample": {"sample_name": "race", "substrate": "Si"}}
    ).json()["sample_id"]

    def replace(n: int) -> int:
        layers = [
            {"layer_id": i, "composition_string": "GaN" if n % 2 else "AlN"} for i in range(1, 6)
        ]
        with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.writer}, timeout=60) as c:
            return c.post(f"/target-materials/{mid}/layers", json=layers).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(replace, range(12)))
    assert set(codes) <= {200, 409}
    assert 200 in codes
    layers = api.get(f"/target-materials/{mid}/layers").json()
    assert [la["layer_id"] for la in layers] == [1, 2, 3, 4, 5]
    assert len({la["composition_string"] for la in layers}) == 1


def test_more_concurrent_writers_than_server_threads_all_succeed(
    server: ServerThread, keys: Keys, api: httpx.Client
) -> None:
    # The server runs sync endpoints on 40 threads; 60 writers at once must neither starve
    # the one holding SQLite's write lock nor time out waiting for it.
    def create(i: int) -> int:
        with httpx.Client(
            base_url=server.url, headers={"X-API-KEY": keys.writer}, timeout=120
        ) as c:
            body = {
                "sample": {"sample_name": f"crowd {i}", "substrate": "Si"},
                "layers": [{"layer_id": 1, "composition_string": "SrTiO3"}],
            }
            return c.post("/target-materials/", json=body).status_code

    with ThreadPoolExecutor(60) as pool:
        codes = list(pool.map(create, range(60)))
    assert codes == [200] * 60
    rows = api.get("/target-materials/").json()
    assert sorted(r["sample_name"] for r in rows) == sorted(f"crowd {i}" for i in range(60))
