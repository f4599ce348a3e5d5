"""Everything is scoped to the key's organization: other ids answer 404, lists never show them."""

import httpx


def test_another_organization_sees_nothing_and_touches_nothing(
    api: httpx.Client, rival: httpx.Client
) -> None:
    mid = api.post(
        "/target-materials/",
        json={
            "sample": {"sample_name": "secret", "substrate": "Si"},
            "layers": [{"layer_id": 1, "composition_string": "BaTiO3"}],
        },
    ).json()["sample_id"]
    ps = api.post("/physical_samples/", json={"name": "run 1", "sample_id": mid}).json()["id"]

    assert rival.get("/target-materials/").json() == []
    assert rival.get("/target-materials/", params={"element": "Ba"}).json() == []
    assert rival.get("/target-materials/", params={"limit": 10}).json() == []
    assert rival.get(f"/target-materials/{mid}").status_code == 404
    assert rival.get(f"/target-materials/{mid}/layers").status_code == 404
    assert rival.patch(f"/target-materials/{mid}", json={"sample_name": "pwned"}).status_code == 404
    assert rival.post(f"/target-materials/{mid}/layers", json=[]).status_code == 404
    assert (
        rival.post("/target-materials/layers/", json={"sample_id": mid, "layer_id": 2}).status_code
        == 404
    )
    assert (
        rival.patch(
            "/target-materials/layers/",
            json={"sample_id": mid, "layer_id": 1, "composition_string": "Si"},
        ).status_code
        == 404
    )
    assert rival.delete(f"/target-materials/{mid}/layers/1").status_code == 404
    assert rival.delete(f"/target-materials/{mid}").status_code == 404
    assert rival.get("/physical_samples/").json() == []
    assert rival.get(f"/physical_samples/{ps}").status_code == 404
    assert rival.patch(f"/physical_samples/{ps}", json={"name": "x"}).status_code == 404
    assert (
        rival.patch(
            f"/physical_samples/{ps}/target_material", json={"target_material_id": None}
        ).status_code
        == 404
    )
    assert (
        rival.post("/physical_samples/", json={"name": "mine", "sample_id": mid}).status_code == 404
    )

    # The 404 says the same for another organization's id and for one that does not exist.
    theirs = rival.get(f"/target-materials/{mid}").json()["detail"]
    nowhere = rival.get("/target-materials/987654").json()["detail"]
    assert theirs.replace(str(mid), "N") == nowhere.replace("987654", "N")

    detail = api.get(f"/target-materials/{mid}").json()
    assert detail["sample_name"] == "secret"
    assert [la["composition_string"] for la in detail["layers"]] == ["BaTiO3"]
    assert api.get(f"/physical_samples/{ps}").json()["sample_id"] == mid
