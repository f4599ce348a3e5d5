"""The chemistry rules at every place the API takes formulas, space groups, orientations, MP ids."""

import httpx
import pytest


def new_material(api: httpx.Client, layers: list[dict]) -> httpx.Response:  # type: ignore[type-arg]
    return api.post(
        "/target-materials/",
        json={"sample": {"sample_name": "m", "substrate": "SrTiO3"}, "layers": layers},
    )


def test_canonical_forms_are_stored_beside_what_was_typed(api: httpx.Client) -> None:
    response = new_material(
        api,
        [
            {
                "layer_id": 1,
                "composition_string": " STO ",
                "space_group": "Pm3m",
                "orientation": "(0 0 1)",
                "mp_id": "mp-lxf",
            },
            {
                "layer_id": 2,
                "composition_string": "GaN",
                "space_group": "P63mc",
                "orientation": "(11-20)",
            },
            {"layer_id": 3, "composition_string": "La2/3Sr1/3MnO3", "space_group": 221},
        ],
    )
    assert response.status_code == 200, response.text
    layers = api.get(f"/target-materials/{response.json()['sample_id']}/layers").json()
    sto, gan, lsmo = layers
    assert sto["composition_string"] == "STO"
    assert sto["element_dict"] == {"Sr": 1, "Ti": 1, "O": 3}
    assert (sto["space_group"], sto["space_group_number"], sto["space_group_input"]) == (
        "Pm-3m",
        221,
        "Pm3m",
    )
    assert sto["orientation"] == "(0 0 1)"
    assert sto["orientation_indices"] == {"kind": "plane", "indices": [0, 0, 1]}
    assert sto["mp_id"] == "mp-8039"
    assert gan["space_group"] == "P6_3mc"
    assert gan["orientation_indices"]["indices"] == [1, 1, -2, 0]
    assert lsmo["element_dict"] == {"La": 0.666667, "Sr": 0.333333, "Mn": 1, "O": 3}
    assert lsmo["space_group"] == "Pm-3m"


@pytest.mark.parametrize(
    ("layer", "field", "words"),
    [
        ({"composition_string": "CuSO4.5H2O"}, "composition_string", "CuSO4·5H2O"),
        ({"composition_string": "YBa2Cu3O7-x"}, "composition_string", "variable"),
        ({"composition_string": "Ba1e999"}, "composition_string", "Ba1e999"),
        ({"composition_string": "LNO"}, "composition_string", "LaNiO3"),
        (
            {"composition_string": "BaTiO3", "element_dict": {"Ba": 1, "Ti": 1, "O": 2}},
            "element_dict",
            "",
        ),
        ({"element_dict": {"Ba": -1}}, "element_dict", ""),
        ({"space_group": "Q99"}, "space_group", "Q99"),
        ({"space_group": 231}, "space_group", "231"),
        ({"orientation": "(11-10)"}, "orientation", "-2"),
        ({"orientation": "(000)"}, "orientation", ""),
        ({"mp_id": "MP-149"}, "mp_id", "mp-149"),
        ({"mp_id": "149"}, "mp_id", "mp-149"),
    ],
)
def test_bad_chemistry_is_422_naming_field_text_and_fix(
    api: httpx.Client,
    layer: dict,
    field: str,
    words: str,  # type: ignore[type-arg]
) -> None:
    response = new_material(api, [{"layer_id": 1, **layer}])
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body", "layers", 0, field]
    assert words in problem["msg"]
    assert api.get("/target-materials/").json() == []


def test_add_and_patch_layer_validate_the_same_way(api: httpx.Client) -> None:
    mid = new_material(api, [{"layer_id": 1, "composition_string": "SrTiO3"}]).json()["sample_id"]
    bad_add = api.post(
        "/target-materials/layers/", json={"sample_id": mid, "layer_id": 2, "space_group": "p4mm"}
    )
    assert bad_add.status_code == 422
    assert bad_add.json()["detail"][0]["loc"] == ["body", "space_group"]
    bad_patch = api.patch(
        "/target-materials/layers/",
        json={
            "sample_id": mid,
            "layer_id": 1,
            "composition_string": "BaTiO3",
            "orientation": "abc",
        },
    )
    assert bad_patch.status_code == 422
    assert bad_patch.json()["detail"][0]["loc"] == ["body", "orientation"]
    layer = api.get(f"/target-materials/{mid}/layers").json()
    assert [(la["layer_id"], la["composition_string"]) for la in layer] == [(1, "SrTiO3")]
    # An element_dict sent alone in a PATCH must agree with the stored formula.
    disagree = api.patch(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 1, "element_dict": {"Sr": 1, "Ti": 1, "O": 2}},
    )
    assert disagree.status_code == 422
    agree = api.patch(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 1, "element_dict": {"Sr": 0.2, "Ti": 0.2, "O": 0.6}},
    )
    assert agree.status_code == 200


def test_parse_answers_the_public_shape_topmost_first(api: httpx.Client) -> None:
    response = api.post(
        "/target-materials/parse", json={"prompt": "10 nm BaTiO3 (001) / STO on Si"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["material_name"] == "BaTiO3/SrTiO3 on Si"
    assert body["substrate"] == "Si"
    assert [la["formula"] for la in body["layers"]] == ["BaTiO3", "SrTiO3"]
    assert body["layers"][0]["orientation"] == "(001)"
    assert body["layers"][0]["thickness_nm"] == 10
    assert set(body["layers"][0]) >= {"formula", "orientation", "space_group"}
    assert api.get("/target-materials/").json() == []


def test_parse_expands_superlattices_and_names_the_unreadable_part(api: httpx.Client) -> None:
    body = api.post("/target-materials/parse", json={"prompt": "[LaAlO3/SrTiO3]x10 on Si"}).json()
    assert len(body["layers"]) == 20
    bad = api.post("/target-materials/parse", json={"prompt": "BaTiO3 / Xx2 on Si"})
    assert bad.status_code == 422
    problem = bad.json()["detail"][0]
    assert problem["loc"] == ["body", "prompt"]
    assert "Xx2" in problem["msg"]
