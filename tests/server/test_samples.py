"""Physical samples and their link to target materials."""

import uuid
from typing import Any

import httpx


def test_physical_sample_lifecycle_and_public_list_shape(api: httpx.Client) -> None:
    mid = api.post(
        "/target-materials/", json={"sample": {"sample_name": "BTO", "substrate": "STO"}}
    ).json()["sample_id"]
    created = api.post(
        "/physical_samples/", json={"name": "run 7", "physical_sample_metadata": {"T": 650}}
    )
    assert created.status_code == 200, created.text
    sample = created.json()
    uuid.UUID(sample["id"])
    assert sample["sample_id"] is None and sample["growth_instrument_id"] is None
    assert sample["physical_sample_metadata"] == {"T": 650}

    linked = api.patch(
        f"/physical_samples/{sample['id']}/target_material", json={"target_material_id": mid}
    )
    assert linked.status_code == 200 and linked.json()["sample_id"] == mid
    noted = api.patch(f"/physical_samples/{sample['id']}", json={"detail_note_content": "cracked"})
    assert noted.json()["detail_notes_id"]

    rows = api.get("/physical_samples/").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["owner_name"] == "alice" and row["owner_id"] == sample["user_id"]
    assert row["num_data_items"] == 0 and row["projects"] == [] and row["growth_instrument"] is None
    assert row["detail_notes"]["content"] == "cracked"
    assert row["target_material"]["sample_id"] == mid
    assert row["target_material"]["sample_name"] == "BTO"


def test_link_key_is_required_and_null_unlinks(api: httpx.Client) -> None:
    mid = api.post(
        "/target-materials/", json={"sample": {"sample_name": "x", "substrate": "Si"}}
    ).json()["sample_id"]
    sid = api.post("/physical_samples", json={"name": "s", "sample_id": mid}).json()["id"]
    missing = api.patch(f"/physical_samples/{sid}/target_material", json={})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "target_material_id"]
    unlinked = api.patch(
        f"/physical_samples/{sid}/target_material", json={"target_material_id": None}
    )
    assert unlinked.json()["sample_id"] is None


def test_deleting_a_material_unlinks_its_physical_samples(api: httpx.Client) -> None:
    mid = api.post(
        "/target-materials/", json={"sample": {"sample_name": "x", "substrate": "Si"}}
    ).json()["sample_id"]
    sid = api.post("/physical_samples/", json={"name": "s", "sample_id": mid}).json()["id"]
    assert api.delete(f"/target-materials/{mid}").status_code == 204
    assert api.get(f"/physical_samples/{sid}").json()["sample_id"] is None


def test_list_filters_by_target_material(api: httpx.Client, rival: httpx.Client) -> None:
    def material(name: str) -> int:
        body = {"sample": {"sample_name": name, "substrate": "Si"}}
        sample_id: int = api.post("/target-materials/", json=body).json()["sample_id"]
        return sample_id

    first, second = material("a"), material("b")
    api.post("/physical_samples/", json={"name": "on a", "sample_id": first})
    api.post("/physical_samples/", json={"name": "on b", "sample_id": second})
    api.post("/physical_samples/", json={"name": "loose"})
    rows = api.get("/physical_samples/", params={"sample_id": first}).json()
    assert [r["name"] for r in rows] == ["on a"]
    assert len(api.get("/physical_samples/").json()) == 3
    assert rival.get("/physical_samples/", params={"sample_id": first}).json() == []
    bad = api.get("/physical_samples/", params={"sample_id": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "sample_id"]


def test_reads_answer_what_the_writes_answered(api: httpx.Client) -> None:
    def material(name: str) -> dict[str, Any]:
        body = {
            "sample": {"sample_name": name, "substrate": "Si", "sample_metadata": {"T": [1, 2.5]}},
            "layers": [{"layer_id": 1, "composition_string": "SrTiO3", "thickness_nm": 4}],
        }
        created: dict[str, Any] = api.post("/target-materials/", json=body).json()
        return created

    kept, trashed = material("kept ü"), material("trashed")
    written = {}
    for name, linked in (("linked", kept), ("loose", None), ("on trashed", trashed)):
        body: dict[str, Any] = {"name": name, "physical_sample_metadata": {"é": 1.5}}
        if linked is not None:
            body["sample_id"] = linked["sample_id"]
        sample = api.post("/physical_samples/", json=body).json()
        written[sample["id"]] = sample
    loose = next(s for s in written.values() if s["name"] == "loose")
    noted = api.patch(f"/physical_samples/{loose['id']}", json={"detail_note_content": "cracked"})
    written[loose["id"]] = noted.json()
    assert api.delete(f"/target-materials/{trashed['sample_id']}").status_code == 204

    rows = {r["id"]: r for r in api.get("/physical_samples/").json()}
    assert rows.keys() == written.keys()
    for sid, answer in written.items():
        one = api.get(f"/physical_samples/{sid}").json()
        row = rows[sid]
        if answer["name"] == "on trashed":  # the link is hidden while the material is trashed
            assert answer["sample_id"] == trashed["sample_id"]
            answer = {**answer, "sample_id": None}
        assert one == answer
        assert {k: row[k] for k in one} == one
        assert row["owner_id"] == one["user_id"] and row["owner_name"] == "alice"
    by_name = {r["name"]: r for r in rows.values()}
    assert by_name["linked"]["target_material"] == kept
    assert by_name["on trashed"]["target_material"] is None
    assert by_name["loose"]["target_material"] is None
    assert by_name["loose"]["detail_notes"]["content"] == "cracked"
    assert by_name["loose"]["detail_notes_id"] == noted.json()["detail_notes_id"]
    assert by_name["linked"]["detail_notes"] is None
