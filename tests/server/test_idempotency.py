"""Idempotency-Key on the creating POSTs: a retry answers the first answer and writes nothing."""

import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from filmstack.server.db import Database, utcnow
from filmstack.server.idempotency import SQLITE_RUNNING_GRACE
from tests.conftest import PG_ENV, PG_SKIP, Backend, Keys, ServeProcess, ServerThread

MATERIAL = {
    "sample": {"sample_name": "retry me", "substrate": "Si", "detail_note_content": "note"},
    "layers": [{"layer_id": 1, "composition_string": "GaN"}],
}


def material_count(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM target_materials")).scalar() or 0)


def key() -> str:
    return f"import-{uuid.uuid4()}"


def test_the_same_key_and_body_answer_the_first_answer_and_write_nothing(
    api: httpx.Client, database: Database
) -> None:
    headers = {"Idempotency-Key": key()}
    first = api.post("/target-materials/", json=MATERIAL, headers=headers)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    again = api.post("/target-materials/", json=MATERIAL, headers=headers)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    # The same JSON, spaced and ordered differently, is the same body.
    reordered = (
        '{"layers": [{"composition_string": "GaN", "layer_id": 1}], "sample": '
        '{"substrate": "Si", "detail_note_content": "note", "sample_name": "retry me"}}'
    )
    third = api.post(
        "/target-materials/",
        content=reordered,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert third.status_code == 200 and third.content == first.content
    assert material_count(database) == 1
    mid = first.json()["sample_id"]
    assert len(api.get(f"/target-materials/{mid}/history").json()) == 1


def test_the_same_key_with_another_body_or_endpoint_is_422(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": key()}
    assert api.post("/target-materials/", json=MATERIAL, headers=headers).status_code == 200
    other = {**MATERIAL, "sample": {**MATERIAL["sample"], "sample_name": "another"}}
    changed = api.post("/target-materials/", json=other, headers=headers)
    assert changed.status_code == 422
    assert changed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    elsewhere = api.post("/physical_samples/", json={"name": "x"}, headers=headers)
    assert elsewhere.status_code == 422


@pytest.mark.parametrize("bad", [b"", b"x" * 256, "caf\xe9".encode("latin-1"), b"tab\there"])
def test_keys_are_1_to_255_printable_ascii_characters(api: httpx.Client, bad: bytes) -> None:
    response = api.post("/target-materials/", json=MATERIAL, headers={"Idempotency-Key": bad})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_a_failed_request_does_not_use_its_key_up(api: httpx.Client, database: Database) -> None:
    headers = {"Idempotency-Key": key()}
    bad = {**MATERIAL, "layers": [{"layer_id": 1, "composition_string": "Qq7"}]}
    assert api.post("/target-materials/", json=bad, headers=headers).status_code == 422
    assert api.post("/target-materials/", json={"sample": 1}, headers=headers).status_code == 422
    assert api.post("/target-materials/", json=MATERIAL, headers=headers).status_code == 200
    with database.engine.connect() as conn:
        states = conn.execute(text("SELECT state FROM idempotency_keys")).scalars().all()
    assert states == ["done"]


def test_keys_belong_to_one_organization(
    api: httpx.Client, rival: httpx.Client, database: Database
) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    mine = api.post("/target-materials/", json=MATERIAL, headers=headers)
    theirs = rival.post("/target-materials/", json=MATERIAL, headers=headers)
    assert mine.status_code == theirs.status_code == 200
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["sample_id"] != theirs.json()["sample_id"]
    assert material_count(database) == 2


CREATES: dict[str, Callable[[httpx.Client, int], httpx.Response]] = {
    "layers/": lambda c, m: c.post(
        "/target-materials/layers/",
        json={"sample_id": m, "layer_id": 2, "composition_string": "AlN"},
        headers={"Idempotency-Key": f"add-{m}"},
    ),
    "{id}/layers": lambda c, m: c.post(
        f"/target-materials/{m}/layers",
        json=[{"layer_id": 1, "composition_string": "InN"}],
        headers={"Idempotency-Key": f"stack-{m}"},
    ),
    "physical_samples": lambda c, m: c.post(
        "/physical_samples/",
        json={"name": "run", "sample_id": m},
        headers={"Idempotency-Key": f"sample-{m}"},
    ),
}


@pytest.mark.parametrize("endpoint", list(CREATES))
def test_every_creating_post_replays(api: httpx.Client, endpoint: str) -> None:
    mid = api.post("/target-materials/", json=MATERIAL).json()["sample_id"]
    first = CREATES[endpoint](api, mid)
    assert first.status_code == 200, first.text
    history = api.get(f"/target-materials/{mid}/history").json()
    again = CREATES[endpoint](api, mid)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert api.get(f"/target-materials/{mid}/history").json() == history
    if endpoint == "physical_samples":
        assert len(api.get("/physical_samples/").json()) == 1


def _running_row(database: Database, organization: str, idem: str, *, age: timedelta) -> None:
    """What a request that claimed `idem` and is still working has committed."""
    with database.engine.begin() as conn:
        org = conn.execute(
            text("SELECT id FROM organizations WHERE name = :n"), {"n": organization}
        ).scalar()
        conn.execute(
            text(
                "INSERT INTO idempotency_keys (organization_id, key, request, body_hash, state, "
                "created_at) VALUES (:o, :k, 'POST /target-materials', :h, 'running', :t)"
            ),
            {"o": org, "k": idem, "h": _hash(MATERIAL), "t": utcnow() - age},
        )


def _hash(body: Any) -> str:
    import json

    from filmstack.server.idempotency import body_hash

    return body_hash(json.dumps(body).encode())


def test_a_duplicate_while_the_first_still_runs_is_409(
    backend: Backend, api: httpx.Client, database: Database
) -> None:
    idem = key()
    _running_row(database, "lab", idem, age=timedelta(0))
    if backend.name == "postgresql":
        # The first request's transaction holds its row until it commits.
        with database.engine.connect() as conn, conn.begin():
            conn.execute(
                text("SELECT id FROM idempotency_keys WHERE key = :k FOR UPDATE"), {"k": idem}
            )
            busy = api.post("/target-materials/", json=MATERIAL, headers={"Idempotency-Key": idem})
    else:
        busy = api.post("/target-materials/", json=MATERIAL, headers={"Idempotency-Key": idem})
    assert busy.status_code == 409, busy.text
    assert "still running" in busy.json()["detail"]
    assert material_count(database) == 0


def test_a_key_left_running_by_a_dead_request_is_taken_over(
    backend: Backend, api: httpx.Client, database: Database
) -> None:
    idem = key()
    # PostgreSQL: nobody holds the row, so its request died. SQLite: it is past the grace.
    age = timedelta(0) if backend.name == "postgresql" else SQLITE_RUNNING_GRACE * 2
    _running_row(database, "lab", idem, age=age)
    taken = api.post("/target-materials/", json=MATERIAL, headers={"Idempotency-Key": idem})
    assert taken.status_code == 200, taken.text
    again = api.post("/target-materials/", json=MATERIAL, headers={"Idempotency-Key": idem})
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == taken.content
    assert material_count(database) == 1


def test_a_sqlite_server_start_releases_keys_of_dead_processes(
    backend: Backend, server: ServerThread, keys: Keys, database: Database, tmp_path: Path
) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's row locks tell a dead request by themselves")
    from tests.conftest import make_settings

    idem = key()
    _running_row(database, "lab", idem, age=timedelta(0))
    with ServerThread(make_settings(backend, tmp_path), database) as fresh:
        response = httpx.post(
            f"{fresh.url}/target-materials/",
            json=MATERIAL,
            headers={"X-API-KEY": keys.writer, "Idempotency-Key": idem},
        )
    assert response.status_code == 200, response.text
    assert material_count(database) == 1


def test_keys_are_kept_24_hours(api: httpx.Client, database: Database) -> None:
    headers = {"Idempotency-Key": key()}
    first = api.post("/target-materials/", json=MATERIAL, headers=headers)
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE idempotency_keys SET created_at = :t"),
            {"t": utcnow() - timedelta(hours=25)},
        )
    later = api.post("/target-materials/", json=MATERIAL, headers=headers)
    assert later.status_code == 200 and "Idempotent-Replayed" not in later.headers
    assert later.json()["sample_id"] != first.json()["sample_id"]


def test_concurrent_identical_creates_make_one_material(
    server: ServerThread, keys: Keys, database: Database
) -> None:
    idem = key()
    big = {
        **MATERIAL,
        "layers": [{"layer_id": i, "composition_string": "SrTiO3"} for i in range(1, 400)],
    }

    def post(_: int) -> httpx.Response:
        return httpx.post(
            f"{server.url}/target-materials/",
            json=big,
            headers={"X-API-KEY": keys.writer, "Idempotency-Key": idem},
            timeout=60,
        )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 409} and 200 in codes, codes
    bodies = {r.content for r in responses if r.status_code == 200}
    assert len(bodies) == 1
    assert material_count(database) == 1


def test_keys_hold_across_two_serve_processes(
    backend: Backend, keys: Keys, database: Database, tmp_path: Path
) -> None:
    if backend.name == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    env = {**os.environ, "FILMSTACK_DATABASE_URL": backend.url, "FILMSTACK_DATA_DIR": str(tmp_path)}
    one = ServeProcess(env, tmp_path / "one.log")
    two = ServeProcess(env, tmp_path / "two.log")
    try:
        headers = {"X-API-KEY": keys.writer, "Idempotency-Key": key()}
        first = httpx.post(f"{one.url}/target-materials/", json=MATERIAL, headers=headers)
        second = httpx.post(f"{two.url}/target-materials/", json=MATERIAL, headers=headers)
        assert first.status_code == second.status_code == 200
        assert second.headers["Idempotent-Replayed"] == "true"
        assert second.content == first.content
        other = {**MATERIAL, "sample": {**MATERIAL["sample"], "sample_name": "changed"}}
        assert (
            httpx.post(f"{two.url}/target-materials/", json=other, headers=headers).status_code
            == 422
        )
    finally:
        one.stop()
        two.stop()
    assert material_count(database) == 1
