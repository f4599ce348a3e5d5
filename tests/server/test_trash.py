"""DELETE moves a material to the trash; restore brings back exactly what was; purge is final."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from filmstack.server.db import Database, utcnow
from filmstack.server.maintenance import housekeeping
from tests.conftest import Backend, Keys, ServerThread, make_settings

BODY = {
    "sample": {
        "sample_name": "BTO on SRO",
        "substrate": "SrTiO3",
        "sample_metadata": {"T_C": 700},
        "detail_note_content": "Anneal 1 h at 500 C.",
    },
    "layers": [
        {"layer_id": 1, "composition_string": "SrRuO3", "thickness_nm": 20},
        {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)"},
    ],
}


def create(api: httpx.Client, name: str = "BTO on SRO") -> int:
    body = {**BODY, "sample": {**BODY["sample"], "sample_name": name}}
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["sample_id"])


def everything(api: httpx.Client, mid: int, sample: str) -> dict[str, Any]:
    """Every view of a material a user has."""
    rows = [r for r in api.get("/target-materials/").json() if r["sample_id"] == mid]
    return {
        "one": api.get(f"/target-materials/{mid}").json(),
        "rows": rows,
        "paged": api.get("/target-materials/", params={"limit": 1000}).json(),
        "search": api.get("/target-materials/", params={"element": ["Ba", "Ru"]}).json(),
        "layers": api.get(f"/target-materials/{mid}/layers").json(),
        "history": api.get(f"/target-materials/{mid}/history").json(),
        "sample": api.get(f"/physical_samples/{sample}").json(),
        "samples": api.get("/physical_samples/").json(),
    }


def test_delete_then_restore_gives_back_exactly_what_was(api: httpx.Client) -> None:
    mid = create(api)
    sample = api.post("/physical_samples/", json={"name": "run 7", "sample_id": mid}).json()["id"]
    api.patch(
        "/target-materials/layers/", json={"sample_id": mid, "layer_id": 2, "mp_id": "mp-5986"}
    )
    before = everything(api, mid, sample)
    assert before["one"]["detail_note_content"] == "Anneal 1 h at 500 C."
    assert before["sample"]["sample_id"] == mid and before["search"]

    assert api.delete(f"/target-materials/{mid}").status_code == 204
    assert api.get(f"/target-materials/{mid}").status_code == 404
    assert api.get(f"/target-materials/{mid}/layers").status_code == 404
    assert [r for r in api.get("/target-materials/").json() if r["sample_id"] == mid] == []
    assert api.get("/target-materials/", params={"element": ["Ba", "Ru"]}).json() == []
    assert api.get("/target-materials/", params={"substrate": "SrTiO3", "limit": 5}).json() == []
    assert api.get(f"/physical_samples/{sample}").json()["sample_id"] is None
    [listed] = api.get("/physical_samples/").json()
    assert listed["sample_id"] is None and listed["target_material"] is None
    # Nothing can be written to a trashed material, nor linked to it.
    assert api.patch(f"/target-materials/{mid}", json={"sample_name": "x"}).status_code == 404
    assert (
        api.patch(
            f"/physical_samples/{sample}/target_material", json={"target_material_id": mid}
        ).status_code
        == 404
    )

    restored = api.post(f"/trash/{mid}/restore")
    assert restored.status_code == 200
    assert restored.json()["sample_id"] == mid
    assert restored.headers["ETag"] == f'"{mid}-{before["one"]["revision"]}"'
    after = everything(api, mid, sample)
    actions = [e["action"] for e in after["history"]]
    assert actions[:2] == ["restore", "delete"]
    assert after.pop("history")[2:] == before.pop("history")
    assert after == before
    assert api.get("/trash/").json() == []


def test_the_trash_lists_newest_deletion_first_in_the_nested_shape(api: httpx.Client) -> None:
    ids = [create(api, f"m{i}") for i in range(3)]
    shown = {mid: api.get(f"/target-materials/{mid}").json() for mid in ids}
    for mid in ids:
        assert api.delete(f"/target-materials/{mid}").status_code == 204
    rows = api.get("/trash/").json()
    assert [r["sample_id"] for r in rows] == ids[::-1]
    for row in rows:
        deleted = {k: row.pop(k) for k in ("deleted_at", "deleted_by", "deleted_by_name")}
        assert row == shown[row["sample_id"]]
        assert deleted["deleted_at"].endswith("Z") and deleted["deleted_by_name"] == "alice"
    first = api.get("/trash/", params={"limit": 2})
    assert [r["sample_id"] for r in first.json()] == ids[:0:-1]
    second = api.get("/trash/", params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]})
    assert [r["sample_id"] for r in second.json()] == ids[:1]
    assert "X-Next-Cursor" not in second.headers


def test_purge_removes_everything_and_the_id_is_never_reused(
    api: httpx.Client, backend: Backend, database: Database
) -> None:
    mid = create(api)
    sample = api.post("/physical_samples/", json={"name": "run", "sample_id": mid}).json()["id"]
    assert api.delete(f"/trash/{mid}").status_code == 404  # only what is in the trash
    assert api.delete(f"/target-materials/{mid}").status_code == 204
    assert api.delete(f"/trash/{mid}").status_code == 204
    assert api.post(f"/trash/{mid}/restore").status_code == 404
    assert api.get("/trash/").json() == []
    with database.engine.connect() as conn:
        for table, column in (
            ("target_materials", "id"),
            ("layers", "target_material_id"),
            ("material_elements", "target_material_id"),
            ("material_history", "target_material_id"),
        ):
            count = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = {mid}"))
            assert count.scalar() == 0, table
        assert conn.execute(text("SELECT count(*) FROM detail_notes")).scalar() == 0
    assert api.get(f"/physical_samples/{sample}").json()["sample_id"] is None
    # The highest id was purged: a new material still gets a new one.
    assert create(api) == mid + 1


def test_trash_needs_the_right_scopes_and_stays_in_its_organization(
    server: ServerThread, keys: Keys, api: httpx.Client, rival: httpx.Client
) -> None:
    mid = create(api)
    api.delete(f"/target-materials/{mid}")
    assert rival.get("/trash/").json() == []
    assert rival.post(f"/trash/{mid}/restore").status_code == 404
    assert rival.delete(f"/trash/{mid}").status_code == 404
    reader = {"X-API-KEY": keys.reader}
    assert httpx.get(f"{server.url}/trash/", headers=reader).status_code == 200
    assert httpx.post(f"{server.url}/trash/{mid}/restore", headers=reader).status_code == 403
    assert httpx.delete(f"{server.url}/trash/{mid}", headers=reader).status_code == 403


def test_materials_older_than_trash_days_are_purged(
    api: httpx.Client, backend: Backend, database: Database, tmp_path: Path
) -> None:
    old, recent = create(api, "old"), create(api, "recent")
    api.delete(f"/target-materials/{old}")
    api.delete(f"/target-materials/{recent}")
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE target_materials SET deleted_at = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(days=31), "id": old},
        )
    # Past its time, it is no longer listed, purged or not yet.
    assert [r["sample_id"] for r in api.get("/trash/").json()] == [recent]
    housekeeping(database, make_settings(backend, tmp_path))
    with database.engine.connect() as conn:
        gone = conn.execute(text("SELECT count(*) FROM target_materials WHERE id = :i"), {"i": old})
        assert gone.scalar() == 0
    assert [r["sample_id"] for r in api.get("/trash/").json()] == [recent]
    housekeeping(database, make_settings(backend, tmp_path, trash_days=0))
    assert api.get("/trash/").json() == []


@pytest.mark.parametrize("days", ["-1", "x"])
def test_trash_days_must_be_a_whole_number_of_days(
    days: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import ValidationError

    from filmstack.server.config import Settings

    monkeypatch.setenv("FILMSTACK_TRASH_DAYS", days)
    with pytest.raises(ValidationError, match="trash_days"):
        Settings()


def test_a_server_start_purges_expired_trash(
    api: httpx.Client, backend: Backend, database: Database, tmp_path: Path
) -> None:
    mid = create(api)
    api.delete(f"/target-materials/{mid}")
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE target_materials SET deleted_at = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(days=3), "id": mid},
        )
    settings = make_settings(backend, tmp_path, trash_days=2)
    with ServerThread(settings, database):
        pass
    assert api.get("/trash/").json() == []
