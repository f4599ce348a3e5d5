"""The Atomscale-compatible target-materials endpoints, field for field."""

import re

import httpx

from filmstack import __version__

EXAMPLE = {
    "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
    "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}],
}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def create(api: httpx.Client, body: dict = EXAMPLE) -> dict:  # type: ignore[type-arg]
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_answers_the_documented_material_object(api: httpx.Client) -> None:
    body = create(api)
    assert set(body) == {
        "sample_id",
        "sample_name",
        "substrate",
        "sample_metadata",
        "detail_notes_id",
        "user_id",
        "version",
        "last_updated",
        "revision",  # extension: public clients ignore keys they do not know
        "substrate_orientation",  # extensions: the structured substrate
        "substrate_miscut_deg",
        "substrate_miscut_toward",
    }
    assert body["revision"] == 1
    assert isinstance(body["sample_id"], int)
    assert body["sample_name"] == "BaTiO3 on Si"
    assert body["substrate"] == "Si"
    assert body["sample_metadata"] == {}
    assert body["detail_notes_id"] is None
    assert isinstance(body["user_id"], str) and body["user_id"]
    assert body["version"] == __version__
    assert ISO_Z.match(body["last_updated"])


def test_list_shows_the_layer_with_its_element_dict(api: httpx.Client) -> None:
    material = create(api)
    rows = api.get("/target-materials/").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["element_dict"] == {"Ba": 1, "Ti": 1, "O": 3}
    assert list(row["element_dict"]) == ["Ba", "Ti", "O"]
    assert row["id"] == row["sample_id"] == material["sample_id"]
    assert row["layer_id"] == 1
    assert row["composition_string"] == "BaTiO3"
    assert row["orientation"] == "001"
    assert row["space_group"] is None and row["mp_id"] is None
    for field in (
        "sample_name",
        "substrate",
        "sample_metadata",
        "detail_notes_id",
        "user_id",
        "version",
        "last_updated",
    ):
        assert row[field] == material[field]
    assert row["user_name"] == "alice"
    assert row["detail_note_content"] is None
    assert isinstance(row["layer_row_id"], int)


def test_list_orders_by_material_then_position_and_shows_empty_stacks(api: httpx.Client) -> None:
    first = create(
        api,
        {
            "sample": {"sample_name": "A", "substrate": "Si"},
            "layers": [
                {"layer_id": 2, "composition_string": "BaTiO3"},
                {"layer_id": 1, "composition_string": "SrTiO3"},
            ],
        },
    )
    empty = create(api, {"sample": {"sample_name": "B", "substrate": "MgO"}})
    rows = api.get("/target-materials").json()
    assert [(r["sample_id"], r["layer_id"]) for r in rows] == [
        (first["sample_id"], 1),
        (first["sample_id"], 2),
        (empty["sample_id"], None),
    ]
    assert rows[2]["composition_string"] is None and rows[2]["element_dict"] is None


def test_paths_work_with_and_without_trailing_slash_without_redirect(api: httpx.Client) -> None:
    material = create(api)
    mid = material["sample_id"]
    for path in (
        "/target-materials",
        "/target-materials/",
        f"/target-materials/{mid}",
        f"/target-materials/{mid}/",
        f"/target-materials/{mid}/layers",
        f"/target-materials/{mid}/layers/",
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert not response.history
    response = api.post("/target-materials", json=EXAMPLE)
    assert response.status_code == 200


def test_get_one_nests_layers_in_position_order(api: httpx.Client) -> None:
    material = create(
        api,
        {
            "sample": {
                "sample_name": "SRO/STO",
                "substrate": "SrTiO3",
                "sample_metadata": {"pld": 1},
            },
            "layers": [
                {"layer_id": 2, "composition_string": "SrRuO3", "thickness_nm": 20},
                {"layer_id": 1, "composition_string": "BaTiO3", "space_group": "P4mm"},
            ],
        },
    )
    body = api.get(f"/target-materials/{material['sample_id']}").json()
    assert [layer["layer_id"] for layer in body["layers"]] == [1, 2]
    assert body["layers"][1]["thickness_nm"] == 20
    assert body["layers"][0]["space_group"] == "P4mm"
    assert body["layers"][0]["space_group_number"] == 99
    assert body["sample_metadata"] == {"pld": 1}
    assert body["user_name"] == "alice"
    assert ISO_Z.match(body["created_at"])


def test_patch_changes_fields_and_replaces_metadata_whole(api: httpx.Client) -> None:
    material = create(
        api,
        {
            "sample": {"sample_name": "x", "substrate": "Si", "sample_metadata": {"a": 1, "b": 2}},
            "layers": EXAMPLE["layers"],
        },
    )
    mid = material["sample_id"]
    response = api.patch(
        f"/target-materials/{mid}",
        json={
            "sample_name": "  renamed  ",
            "sample_metadata": {"c": 3},
            "sample_id": mid,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sample_name"] == "renamed"
    assert body["sample_metadata"] == {"c": 3}
    assert body["substrate"] == "Si"
    assert len(api.get(f"/target-materials/{mid}/layers").json()) == 1


def test_patch_rejects_a_different_sample_id(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    response = api.patch(
        f"/target-materials/{mid}", json={"sample_id": mid + 1, "sample_name": "y"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sample_id"]
    assert api.get(f"/target-materials/{mid}").json()["sample_name"] == "BaTiO3 on Si"


def test_detail_note_is_created_changed_and_removed(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    body = api.patch(
        f"/target-materials/{mid}", json={"detail_note_content": "anneal 700 C"}
    ).json()
    note_id = body["detail_notes_id"]
    assert note_id
    row = api.get("/target-materials/").json()[0]
    assert row["detail_note_content"] == "anneal 700 C" and row["detail_notes_id"] == note_id
    body = api.patch(f"/target-materials/{mid}", json={"detail_note_content": "650 C"}).json()
    assert body["detail_notes_id"] == note_id
    assert api.get(f"/target-materials/{mid}").json()["detail_note_content"] == "650 C"
    body = api.patch(f"/target-materials/{mid}", json={"detail_note_content": None}).json()
    assert body["detail_notes_id"] is None
    assert api.get(f"/target-materials/{mid}").json()["detail_note_content"] is None


def test_replace_stack_is_the_whole_stack(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    response = api.post(
        f"/target-materials/{mid}/layers",
        json=[
            {"layer_id": 1, "composition_string": "SrTiO3", "sample_id": 999, "id": 5},
            {"layer_id": 2, "composition_string": "LaAlO3", "unknown": "ignored"},
        ],
    )
    assert response.status_code == 200 and response.json() == {}
    layers = api.get(f"/target-materials/{mid}/layers").json()
    assert [(la["layer_id"], la["composition_string"]) for la in layers] == [
        (1, "SrTiO3"),
        (2, "LaAlO3"),
    ]
    assert all(la["sample_id"] == mid for la in layers)
    assert api.post(f"/target-materials/{mid}/layers/", json=[]).status_code == 200
    assert api.get(f"/target-materials/{mid}/layers").json() == []


def test_add_layer_then_conflict_on_taken_position(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    response = api.post(
        "/target-materials/layers/",
        json={
            "sample_id": mid,
            "layer_id": 2,
            "composition_string": "SrRuO3",
            "orientation": "(001)",
        },
    )
    assert response.status_code == 200, response.text
    layer = response.json()
    assert layer["layer_id"] == 2 and layer["sample_id"] == mid
    assert layer["element_dict"] == {"Sr": 1, "Ru": 1, "O": 3}
    assert layer["orientation_indices"] == {"kind": "plane", "indices": [0, 0, 1]}
    again = api.post("/target-materials/layers", json={"sample_id": mid, "layer_id": 2})
    assert again.status_code == 409
    assert "already taken" in again.json()["detail"]


def test_patch_layer_changes_only_what_was_sent(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    response = api.patch(
        "/target-materials/layers/",
        json={
            "sample_id": mid,
            "layer_id": 1,
            "composition_string": "SrTiO3",
            "thickness_nm": 12.5,
        },
    )
    assert response.status_code == 200, response.text
    layer = response.json()
    assert layer["composition_string"] == "SrTiO3"
    assert layer["element_dict"] == {"Sr": 1, "Ti": 1, "O": 3}
    assert layer["orientation"] == "001"
    assert layer["thickness_nm"] == 12.5
    missing = api.patch("/target-materials/layers", json={"sample_id": mid, "layer_id": 7})
    assert missing.status_code == 404


def test_delete_layer_and_material(api: httpx.Client) -> None:
    mid = create(api)["sample_id"]
    assert api.delete(f"/target-materials/{mid}/layers/1").status_code == 204
    assert api.delete(f"/target-materials/{mid}/layers/1").status_code == 404
    assert api.get(f"/target-materials/{mid}/layers").json() == []
    assert api.delete(f"/target-materials/{mid}").status_code == 204
    assert api.get(f"/target-materials/{mid}").status_code == 404
    assert api.get("/target-materials/").json() == []


def test_element_dict_sent_alone_is_stored_as_sent(api: httpx.Client) -> None:
    mid = create(
        api,
        {
            "sample": {"sample_name": "x", "substrate": "Si"},
            "layers": [{"layer_id": 1, "element_dict": {"Ga": 1.0, "N": 1}}],
        },
    )["sample_id"]
    layer = api.get(f"/target-materials/{mid}/layers").json()[0]
    assert layer["element_dict"] == {"Ga": 1, "N": 1}
    assert layer["composition_string"] is None


def test_healthz_needs_no_key(server) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{server.url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
