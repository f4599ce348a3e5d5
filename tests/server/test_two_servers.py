"""Two `filmstack serve` processes on one database: concurrent writes through both keep every
guarantee a single server gives: unique positions, If-Match (one winner per revision, 412 with
the current ETag), Idempotency-Key (one create, replays, 409 while running), one history entry
per change with consecutive revisions, and the trash (no half state, ids never reused); no 5xx."""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
import pytest
from httpx import Client

from tests.conftest import Backend, Keys, ServeProcess


@pytest.fixture(scope="module")
def two_servers(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServeProcess]]:
    """Started once per database for the module: each test's `keys` empties the database
    first, and no server caches a key, a material or a revision, so tests stay apart."""
    tmp = tmp_path_factory.mktemp(f"two-servers-{backend.name}")
    env = {**os.environ, "FILMSTACK_DATABASE_URL": backend.url, "FILMSTACK_DATA_DIR": str(tmp)}
    servers: list[ServeProcess] = []
    try:
        for name in ("a", "b"):
            servers.append(ServeProcess(env, tmp / f"{name}.log", "--workers", "2"))
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


# ------------------------------------------------------------------------------ helpers


@pytest.fixture
def clients(two_servers: list[ServeProcess], keys: Keys) -> Iterator[list[httpx.Client]]:
    """One writing client (read, write and delete scopes) per server: a, then b."""
    opened = [
        httpx.Client(base_url=s.url, headers={"X-API-KEY": keys.writer}, timeout=60)
        for s in two_servers
    ]
    try:
        yield opened
    finally:
        for client in opened:
            client.close()


def _body(name: str, positions: int = 1) -> dict[str, Any]:
    return {
        "sample": {"sample_name": name, "substrate": "SrTiO3", "sample_metadata": {"run": name}},
        "layers": [
            {"layer_id": p, "composition_string": "SrRuO3", "orientation": "001"}
            for p in range(1, positions + 1)
        ],
    }


def _create(client: httpx.Client, name: str, positions: int = 1) -> int:
    response = client.post("/target-materials/", json=_body(name, positions))
    assert response.status_code == 200, response.text
    return int(response.json()["sample_id"])


def _together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run every call at once, each in a thread of its own released by one barrier."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _history(client: httpx.Client, mid: int) -> list[dict[str, Any]]:
    response = client.get(f"/target-materials/{mid}/history")
    assert response.status_code == 200, response.text
    return list(response.json())


def _at(snapshot: dict[str, Any], field: str) -> Any:
    """The value a history change names (`sample_name`, `layers[2]`, `layers[2].mp_id`)."""
    if not field.startswith("layers["):
        return snapshot[field]
    position, _, rest = field.removeprefix("layers[").partition("]")
    layer = next((la for la in snapshot["layers"] if la["layer_id"] == int(position)), None)
    return layer if not rest else (layer or {}).get(rest.removeprefix("."))


def _no_server_error(responses: list[httpx.Response]) -> None:
    errors = [(r.request.method, r.request.url.path, r.status_code, r.text) for r in responses]
    assert all(r.status_code < 500 for r in responses), errors


# ------------------------------------------------------------------------- ETag, If-Match


def test_if_match_through_two_servers_lets_exactly_one_writer_win(
    clients: list[httpx.Client],
) -> None:
    mid = _create(clients[0], "contested")
    start = f'"{mid}-1"'

    def patch(i: int) -> Callable[[], httpx.Response]:
        return lambda: clients[i % 2].patch(
            f"/target-materials/{mid}", json={"sample_name": f"by {i}"}, headers={"If-Match": start}
        )

    responses = _together([patch(i) for i in range(12)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * 11, [(r.status_code, r.text) for r in responses]
    [winner] = [r for r in responses if r.status_code == 200]
    assert winner.json()["revision"] == 2 and winner.headers["ETag"] == f'"{mid}-2"'
    for lost in (r for r in responses if r.status_code == 412):
        assert lost.headers["ETag"] == f'"{mid}-2"', lost.headers
        assert "revision 2" in lost.json()["detail"]
    for client in clients:
        one = client.get(f"/target-materials/{mid}")
        assert one.headers["ETag"] == f'"{mid}-2"'
        assert one.json()["sample_name"] == winner.json()["sample_name"]
        assert [e["revision"] for e in _history(client, mid)] == [2, 1]


def test_read_modify_write_with_retry_through_two_servers_loses_no_edit(
    clients: list[httpx.Client],
) -> None:
    mid = _create(clients[0], "tagged")
    edits = 16

    def edit(i: int) -> Callable[[], httpx.Response]:
        def run() -> httpx.Response:
            for attempt in range(200):
                client = clients[(i + attempt) % 2]  # each retry through the other server
                one = client.get(f"/target-materials/{mid}")
                assert one.status_code == 200, one.text
                metadata = one.json()["sample_metadata"]
                metadata["tags"] = [*metadata.get("tags", []), f"t{i}"]
                response = client.patch(
                    f"/target-materials/{mid}",
                    json={"sample_metadata": metadata},
                    headers={"If-Match": one.headers["ETag"]},
                )
                if response.status_code != 412:
                    return response
                # The 412 names where the material is now: past the revision this edit read.
                moved = int(response.headers["ETag"].strip('"').rpartition("-")[2])
                assert moved > one.json()["revision"], response.headers
            raise AssertionError(f"edit {i} never got through")

        return run

    responses = _together([edit(i) for i in range(edits)])
    assert [r.status_code for r in responses] == [200] * edits, [r.text for r in responses]
    # Each write was made on the revision before it: one write per revision, none skipped.
    assert sorted(r.json()["revision"] for r in responses) == list(range(2, 2 + edits))
    for client in clients:
        final = client.get(f"/target-materials/{mid}")
        assert final.json()["revision"] == 1 + edits
        assert final.headers["ETag"] == f'"{mid}-{1 + edits}"'
        tags = final.json()["sample_metadata"]["tags"]
        assert sorted(tags) == sorted(f"t{i}" for i in range(edits)), tags
        assert final.json()["sample_metadata"]["run"] == "tagged"
        history = _history(client, mid)
        assert [e["revision"] for e in history] == list(range(1 + edits, 0, -1))
        # Each entry adds exactly one tag to what the one before it held.
        for entry in history[:-1]:
            [change] = entry["changes"]
            assert change["field"] == "sample_metadata"
            assert change["after"]["tags"][:-1] == change["before"].get("tags", [])


# ----------------------------------------------------------------------------- idempotency


def _material_ids(client: httpx.Client, name: str) -> list[int]:
    rows = client.get("/target-materials/", params={"name": name}).json()
    return sorted({r["sample_id"] for r in rows if r["sample_name"] == name})


def test_one_idempotency_key_through_two_servers_at_once_creates_once(
    clients: list[httpx.Client],
) -> None:
    for round_ in range(4):
        name = f"keyed round {round_}"
        body = _body(name, positions=3)
        headers = {"Idempotency-Key": f"two-servers-{round_}-{uuid.uuid4()}"}

        responses = _together(
            [
                partial(clients[i % 2].post, "/target-materials/", json=body, headers=headers)
                for i in range(8)
            ]
        )
        assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
        answered = [r for r in responses if r.status_code == 200]
        assert answered, [r.text for r in responses]
        assert len({r.content for r in answered}) == 1  # the same answer, byte for byte
        mid = answered[0].json()["sample_id"]
        assert {r.headers["ETag"] for r in answered} == {f'"{mid}-1"'}
        for busy in (r for r in responses if r.status_code == 409):
            assert "still running" in busy.json()["detail"]
        # Later, through either server: the first answer again, and still one material.
        for client in clients:
            again = client.post("/target-materials/", json=body, headers=headers)
            assert again.status_code == 200, again.text
            assert again.headers["Idempotent-Replayed"] == "true"
            assert again.content == answered[0].content
            assert _material_ids(client, name) == [mid]
            assert len(_history(client, mid)) == 1
        # The same key with another body is 422, on both servers, and creates nothing.
        other = _body(f"{name} changed")
        for client in clients:
            changed = client.post("/target-materials/", json=other, headers=headers)
            assert changed.status_code == 422, changed.text
            assert changed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
            assert _material_ids(client, f"{name} changed") == []


def test_one_key_with_two_bodies_through_two_servers_creates_one_of_them(
    clients: list[httpx.Client],
) -> None:
    headers = {"Idempotency-Key": f"two-bodies-{uuid.uuid4()}"}
    bodies = [_body("first body"), _body("second body")]

    def post(i: int) -> Callable[[], httpx.Response]:
        return lambda: clients[i % 2].post(
            "/target-materials/", json=bodies[(i // 2) % 2], headers=headers
        )

    responses = _together([post(i) for i in range(8)])
    assert {r.status_code for r in responses} <= {200, 409, 422}, [r.text for r in responses]
    answered = [r for r in responses if r.status_code == 200]
    assert len({r.content for r in answered}) <= 1
    for refused in (r for r in responses if r.status_code == 422):
        assert refused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    created = _material_ids(clients[0], "first body") + _material_ids(clients[0], "second body")
    assert len(created) == 1, created
    # Whichever body got the key keeps it: it replays, the other is refused.
    winner = 0 if _material_ids(clients[1], "first body") else 1
    replay = clients[1].post("/target-materials/", json=bodies[winner], headers=headers)
    assert replay.status_code == 200 and replay.json()["sample_id"] == created[0]
    assert replay.headers["Idempotent-Replayed"] == "true"
    loser = clients[0].post("/target-materials/", json=bodies[1 - winner], headers=headers)
    assert loser.status_code == 422


# --------------------------------------------------------------------------------- history


def test_concurrent_edits_through_two_servers_leave_one_history_entry_each(
    clients: list[httpx.Client],
) -> None:
    mid = _create(clients[0], "busy", positions=5)
    path = f"/target-materials/{mid}"
    calls: list[tuple[str | None, Callable[[httpx.Client], httpx.Response]]] = []
    for i in range(10):
        calls.append(
            ("update", partial(Client.patch, url=path, json={"sample_metadata": {"i": i}}))
        )
    for p in range(10, 16):
        layer = {"sample_id": mid, "layer_id": p, "composition_string": "BaTiO3"}
        calls.append(
            ("add_layer", partial(Client.post, url="/target-materials/layers/", json=layer))
        )
    for p in range(1, 5):
        change = {"sample_id": mid, "layer_id": p, "orientation": "111"}
        calls.append(
            ("update_layer", partial(Client.patch, url="/target-materials/layers/", json=change))
        )
    calls.append(("delete_layer", partial(Client.delete, url=f"{path}/layers/5")))
    # The substrate it already has: a write that changes nothing takes no revision.
    for _ in range(4):
        calls.append((None, partial(Client.patch, url=path, json={"substrate": "SrTiO3"})))

    def through(i: int) -> Callable[[], httpx.Response]:
        return lambda: calls[i][1](clients[i % 2])

    responses = _together([through(i) for i in range(len(calls))])
    _no_server_error(responses)
    assert [r.status_code for r in responses] == [
        204 if action == "delete_layer" else 200 for action, _ in calls
    ], [r.text for r in responses]
    changing = [action for action, _ in calls if action is not None]
    final_revision = 1 + len(changing)

    for client in clients:
        history = _history(client, mid)
        # Newest first, one entry per changing write, revisions consecutive from 1.
        assert [e["revision"] for e in history] == list(range(final_revision, 0, -1))
        assert sorted(e["action"] for e in history) == sorted(["create", *changing])
        one = client.get(path)
        assert one.json()["revision"] == final_revision
        # Paged through both servers in turn: the same entries, none twice, none missing.
        paged: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 4}
        turn = 0
        while True:
            page = clients[turn % 2].get(f"{path}/history", params=params)
            assert page.status_code == 200, page.text
            paged += page.json()
            turn += 1
            if "X-Next-Cursor" not in page.headers:
                break
            params = {"limit": 4, "cursor": page.headers["X-Next-Cursor"]}
        assert paged == history

    # Every revision reads back; consecutive snapshots differ by exactly the entry's changes.
    snapshots: dict[int, dict[str, Any]] = {}
    for revision in range(1, final_revision + 1):
        response = clients[revision % 2].get(f"{path}/history/{revision}")
        assert response.status_code == 200, response.text
        snapshots[revision] = response.json()
        assert snapshots[revision]["revision"] == revision
    assert snapshots[final_revision] == clients[0].get(path).json()
    for entry in _history(clients[1], mid)[:-1]:
        before, after = snapshots[entry["revision"] - 1], snapshots[entry["revision"]]
        assert entry["changes"], entry
        for change in entry["changes"]:
            assert _at(before, change["field"]) == change["before"], (entry, before)
            assert _at(after, change["field"]) == change["after"], (entry, after)
    assert clients[1].get(f"{path}/history/{final_revision + 1}").status_code == 404
    final = snapshots[final_revision]
    assert [la["layer_id"] for la in final["layers"]] == [1, 2, 3, 4, *range(10, 16)]
    assert all(la["orientation"] == "111" for la in final["layers"][:4])


# ----------------------------------------------------------------------------------- trash


def test_delete_through_one_server_while_the_other_writes_leaves_no_half_state(
    clients: list[httpx.Client],
) -> None:
    a, b = clients
    materials = [_create(a, f"raced {i}", positions=1) for i in range(6)]
    calls: list[Callable[[], httpx.Response]] = []
    for mid in materials:
        calls += [
            partial(a.delete, f"/target-materials/{mid}"),
            partial(
                b.patch,
                f"/target-materials/{mid}",
                json={"sample_name": f"renamed {mid}"},
                headers={"If-Match": f'"{mid}-1"'},
            ),
            partial(
                b.post,
                "/target-materials/layers/",
                json={"sample_id": mid, "layer_id": 2, "composition_string": "BaTiO3"},
            ),
            partial(b.get, f"/target-materials/{mid}"),
        ]
    responses = _together(calls)
    _no_server_error(responses)

    for n, mid in enumerate(materials):
        deleted, patched, added, read = responses[4 * n : 4 * n + 4]
        assert deleted.status_code == 204, deleted.text
        # B's writes went in before the delete, or found it gone; never half of either.
        assert patched.status_code in (200, 404, 412), patched.text
        assert added.status_code in (200, 404), added.text
        assert read.status_code in (200, 404), read.text
        if patched.status_code == 412:  # only the layer add can have moved it on
            assert added.status_code == 200 and patched.headers["ETag"] == f'"{mid}-2"'
        writes = [r for r in (patched, added) if r.status_code == 200]

        for client in clients:
            assert client.get(f"/target-materials/{mid}").status_code == 404
            assert client.get(f"/target-materials/{mid}/history").status_code == 404
            assert mid not in _material_ids(client, f"raced {n}")
        trashed = {t["sample_id"]: t for t in a.get("/trash/").json()}
        assert trashed == {t["sample_id"]: t for t in b.get("/trash/").json()}
        row = trashed[mid]
        assert row["revision"] == 1 + len(writes)
        assert row["deleted_by_name"] == "alice"
        assert (row["sample_name"] == f"renamed {mid}") == (patched.status_code == 200)
        expected_layers = [1, 2] if added.status_code == 200 else [1]
        assert [la["layer_id"] for la in row["layers"]] == expected_layers

        restored = b.post(f"/trash/{mid}/restore")
        assert restored.status_code == 200, restored.text
        assert restored.headers["ETag"] == f'"{mid}-{1 + len(writes)}"'
        one = a.get(f"/target-materials/{mid}")
        assert one.status_code == 200
        # Live on A as it went into the trash: same fields, same stack (layer row ids too).
        live = {k: v for k, v in row.items() if not k.startswith("deleted_")}
        assert one.json() == live
        snapshot = b.get(f"/target-materials/{mid}/history/{row['revision']}")
        assert snapshot.json() == one.json()
        actions = [e["action"] for e in _history(a, mid)]
        assert actions[:2] == ["restore", "delete"] and actions[-1] == "create"
        assert len(actions) == 3 + len(writes)
        assert mid not in {t["sample_id"] for t in b.get("/trash/").json()}


def test_restore_and_purge_racing_through_two_servers_and_ids_are_never_reused(
    clients: list[httpx.Client],
) -> None:
    a, b = clients
    materials = [_create(clients[i % 2], f"binned {i}", positions=2) for i in range(8)]
    # The same material deleted through both servers at once: one moves it, the other finds none.
    deletes = _together(
        [partial(c.delete, f"/target-materials/{mid}") for mid in materials for c in clients]
    )
    for pair in zip(deletes[::2], deletes[1::2], strict=True):
        assert sorted(r.status_code for r in pair) == [204, 404], [r.text for r in pair]
    for client in clients:
        assert sorted(t["sample_id"] for t in client.get("/trash/").json()) == sorted(materials)

    # Restore through B while A purges: one of the two happens, whole.
    races = _together(
        [
            call
            for mid in materials
            for call in (
                partial(b.post, f"/trash/{mid}/restore"),
                partial(a.delete, f"/trash/{mid}"),
            )
        ]
    )
    _no_server_error(races)
    purged: list[int] = []
    for mid, restore, purge in zip(materials, races[::2], races[1::2], strict=True):
        codes = (restore.status_code, purge.status_code)
        # Purge only reaches a material in the trash: after a restore it finds none.
        assert codes in ((200, 404), (404, 204)), (mid, restore.text, purge.text)
        for client in clients:
            one = client.get(f"/target-materials/{mid}")
            if codes == (200, 404):
                assert one.status_code == 200
                assert [la["layer_id"] for la in one.json()["layers"]] == [1, 2]
                actions = [e["action"] for e in _history(client, mid)]
                assert actions == ["restore", "delete", "create"]
            else:
                assert one.status_code == 404
                assert client.post(f"/trash/{mid}/restore").status_code == 404
                assert client.delete(f"/trash/{mid}").status_code == 404
        if codes == (404, 204):
            purged.append(mid)
    for client in clients:
        assert client.get("/trash/").json() == []

    # Purge what is left through B; the ids stay spent.
    for mid in materials:
        if mid not in purged:
            assert b.delete(f"/target-materials/{mid}").status_code == 204
    trashed = [mid for mid in materials if mid not in purged][:2]
    for mid in [m for m in materials if m not in purged and m not in trashed]:
        assert a.delete(f"/trash/{mid}").status_code == 204

    # One material restored through both servers at once: back once, with one restore entry.
    twice = _create(a, "restored twice", positions=2)
    materials.append(twice)
    assert b.delete(f"/target-materials/{twice}").status_code == 204
    restores = _together([partial(c.post, f"/trash/{twice}/restore") for c in clients])
    assert sorted(r.status_code for r in restores) == [200, 404], [r.text for r in restores]
    for client in clients:
        one = client.get(f"/target-materials/{twice}")
        assert one.status_code == 200 and one.headers["ETag"] == f'"{twice}-1"'
        assert [la["layer_id"] for la in one.json()["layers"]] == [1, 2]
        assert [e["action"] for e in _history(client, twice)] == ["restore", "delete", "create"]
    assert a.delete(f"/target-materials/{twice}").status_code == 204
    trashed.append(twice)

    new = _together(
        [
            partial(clients[i % 2].post, "/target-materials/", json=_body(f"new {i}"))
            for i in range(12)
        ]
    )
    assert [r.status_code for r in new] == [200] * 12
    new_ids = [r.json()["sample_id"] for r in new]
    assert len(set(new_ids)) == 12
    assert not set(new_ids) & set(materials), (new_ids, materials)
    assert min(new_ids) > max(materials)
    for client in clients:
        assert sorted(t["sample_id"] for t in client.get("/trash/").json()) == sorted(trashed)


def test_a_key_revoked_through_one_server_fails_at_once_in_every_worker_of_both(
    two_servers: list[ServeProcess], keys: Keys
) -> None:
    """No process caches a key: the next request through any worker of either server is 401."""
    admin = Client(base_url=two_servers[0].url, headers={"X-API-KEY": keys.admin}, timeout=30)
    readers = [
        Client(base_url=s.url, headers={"X-API-KEY": keys.reader}, timeout=30)
        for s in two_servers
        for _ in range(4)  # several connections, so that both workers of a server serve some
    ]
    try:
        assert {c.get("/physical_samples/").status_code for c in readers} == {200}
        bob = next(k for k in admin.get("/api-keys/").json() if k["user"] == "bob")
        assert admin.delete(f"/api-keys/{bob['id']}").status_code == 204
        assert [c.get("/physical_samples/").status_code for c in readers] == [401] * 8
        assert [c.get("/target-materials/1").status_code for c in readers] == [401] * 8
    finally:
        admin.close()
        for c in readers:
            c.close()
