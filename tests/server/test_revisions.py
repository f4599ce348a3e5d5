"""Revisions and ETags: every write on a material honours If-Match, so no update is lost."""

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PG_ENV, PG_SKIP, Backend, Keys, ServeProcess, ServerThread


def create(api: httpx.Client) -> httpx.Response:
    response = api.post(
        "/target-materials/",
        json={
            "sample": {"sample_name": "m", "substrate": "Si"},
            "layers": [{"layer_id": 1, "composition_string": "GaN"}],
        },
    )
    assert response.status_code == 200, response.text
    return response


def test_get_one_and_writes_carry_revision_and_etag(api: httpx.Client) -> None:
    created = create(api)
    mid = created.json()["sample_id"]
    assert created.json()["revision"] == 1
    assert created.headers["ETag"] == f'"{mid}-1"'
    one = api.get(f"/target-materials/{mid}")
    assert one.headers["ETag"] == f'"{mid}-1"' and one.json()["revision"] == 1
    patched = api.patch(f"/target-materials/{mid}", json={"sample_name": "n"})
    assert patched.json()["revision"] == 2 and patched.headers["ETag"] == f'"{mid}-2"'
    replaced = api.post(f"/target-materials/{mid}/layers", json=[])
    assert replaced.json() == {} and replaced.headers["ETag"] == f'"{mid}-3"'
    rows = api.get("/target-materials/").json()
    assert [r["revision"] for r in rows if r["sample_id"] == mid] == [3]


WRITES: dict[str, Callable[[httpx.Client, int, dict[str, str]], httpx.Response]] = {
    "PATCH": lambda c, m, h: c.patch(
        f"/target-materials/{m}", json={"sample_name": "x"}, headers=h
    ),
    "stack replace": lambda c, m, h: c.post(f"/target-materials/{m}/layers", json=[], headers=h),
    "layer add": lambda c, m, h: c.post(
        "/target-materials/layers/", json={"sample_id": m, "layer_id": 2}, headers=h
    ),
    "layer update": lambda c, m, h: c.patch(
        "/target-materials/layers/",
        json={"sample_id": m, "layer_id": 1, "mp_id": "mp-1"},
        headers=h,
    ),
    "layer delete": lambda c, m, h: c.delete(f"/target-materials/{m}/layers/1", headers=h),
    "revert": lambda c, m, h: c.post(
        f"/target-materials/{m}/revert", json={"revision": 1}, headers=h
    ),
    "DELETE": lambda c, m, h: c.delete(f"/target-materials/{m}", headers=h),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_answers_412_with_the_current_etag_when_if_match_is_stale(
    api: httpx.Client, write: str
) -> None:
    mid = create(api).json()["sample_id"]
    stale = {"If-Match": f'"{mid}-1"'}
    api.patch(f"/target-materials/{mid}", json={"sample_metadata": {"moved": True}})
    before = api.get(f"/target-materials/{mid}").json()
    response = WRITES[write](api, mid, stale)
    assert response.status_code == 412, response.text
    assert response.headers["ETag"] == f'"{mid}-2"'
    assert "revision 2" in response.json()["detail"]
    assert api.get(f"/target-materials/{mid}").json() == before
    assert len(api.get(f"/target-materials/{mid}/history").json()) == 2
    # With the current ETag (or `*`) the same write goes through.
    current = {"If-Match": f'"{mid}-2"'} if write != "revert" else {"If-Match": "*"}
    assert WRITES[write](api, mid, current).status_code in (200, 204)


def test_restore_honours_if_match_too(api: httpx.Client) -> None:
    mid = create(api).json()["sample_id"]
    api.delete(f"/target-materials/{mid}")
    assert api.post(f"/trash/{mid}/restore", headers={"If-Match": f'"{mid}-7"'}).status_code == 412
    assert api.post(f"/trash/{mid}/restore", headers={"If-Match": f'"{mid}-1"'}).status_code == 200


def test_an_etag_of_another_material_does_not_match(api: httpx.Client) -> None:
    a, b = create(api).json()["sample_id"], create(api).json()["sample_id"]
    response = api.patch(
        f"/target-materials/{b}", json={"sample_name": "y"}, headers={"If-Match": f'"{a}-1"'}
    )
    assert response.status_code == 412
    weak = api.patch(
        f"/target-materials/{b}", json={"sample_name": "y"}, headers={"If-Match": f'W/"{b}-1"'}
    )
    assert weak.status_code == 200


def _read_modify_write(base_url: str, key: str, mid: int, tag: str) -> tuple[int, int | None]:
    """One client's cycle: read the material, add its tag to the metadata, write with If-Match."""
    with httpx.Client(base_url=base_url, headers={"X-API-KEY": key}, timeout=60) as client:
        one = client.get(f"/target-materials/{mid}")
        tags = [*one.json()["sample_metadata"].get("tags", []), tag]
        response = client.patch(
            f"/target-materials/{mid}",
            json={"sample_metadata": {"tags": tags}},
            headers={"If-Match": one.headers["ETag"]},
        )
        revision = response.json()["revision"] if response.status_code == 200 else None
        return response.status_code, revision


def _race(urls: list[str], key: str, api: httpx.Client, n: int) -> None:
    mid = create(api).json()["sample_id"]
    start = threading.Barrier(n)

    def client(i: int) -> tuple[int, int | None]:
        start.wait()
        return _read_modify_write(urls[i % len(urls)], key, mid, f"t{i}")

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(client, range(n)))
    codes = [code for code, _ in results]
    assert set(codes) <= {200, 412}, codes
    won = [rev for code, rev in results if code == 200]
    winners = sorted(rev for rev in won if rev is not None)
    assert len(winners) == len(won), won  # every success names its revision
    # One winner per revision: no two writes were made on the same revision.
    assert winners == list(range(2, 2 + len(winners)))
    final = api.get(f"/target-materials/{mid}").json()
    assert final["revision"] == 1 + len(winners)
    # Every winner's edit survived: each one read the one before it.
    assert len(final["sample_metadata"]["tags"]) == len(winners)
    history = api.get(f"/target-materials/{mid}/history").json()
    assert [e["revision"] for e in history] == list(range(1 + len(winners), 0, -1))


def test_concurrent_read_modify_write_clients_lose_no_update(
    server: ServerThread, keys: Keys, api: httpx.Client
) -> None:
    _race([server.url], keys.writer, api, 20)


def test_no_update_is_lost_across_two_serve_processes_on_postgresql(
    backend: Backend, keys: Keys, api: httpx.Client, tmp_path: Path
) -> None:
    if backend.name != "postgresql" or not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP if backend.name == "postgresql" else "PostgreSQL only")
    env: dict[str, Any] = {
        **os.environ,
        "FILMSTACK_DATABASE_URL": backend.url,
        "FILMSTACK_DATA_DIR": str(tmp_path),
    }
    one = ServeProcess(env, tmp_path / "one.log")
    two = ServeProcess(env, tmp_path / "two.log")
    try:
        _race([one.url, two.url], keys.writer, api, 20)
    finally:
        one.stop()
        two.stop()
