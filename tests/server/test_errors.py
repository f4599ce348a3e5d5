"""Status codes of docs/api.md and hostile bodies: always 4xx, never a half-written record."""

import json

import httpx
import pytest

from tests.conftest import Keys, ServerThread

GOOD = {"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": [{"layer_id": 1}]}


def count_rows(api: httpx.Client) -> int:
    return len(api.get("/target-materials/").json())


def test_missing_unknown_and_revoked_keys_are_401(server: ServerThread, keys: Keys) -> None:
    assert httpx.get(f"{server.url}/target-materials/").status_code == 401
    response = httpx.get(f"{server.url}/target-materials/", headers={"X-API-KEY": "fs_nope"})
    assert response.status_code == 401
    assert "detail" in response.json()
    admin = {"X-API-KEY": keys.admin}
    key_id = next(
        k["id"]
        for k in httpx.get(f"{server.url}/api-keys/", headers=admin).json()
        if k["user"] == "bob"
    )
    assert (
        httpx.get(f"{server.url}/target-materials/", headers={"X-API-KEY": keys.reader}).status_code
        == 200
    )
    assert httpx.delete(f"{server.url}/api-keys/{key_id}", headers=admin).status_code == 204
    assert (
        httpx.get(f"{server.url}/target-materials/", headers={"X-API-KEY": keys.reader}).status_code
        == 401
    )


def test_scopes_gate_verbs(server: ServerThread, keys: Keys, api: httpx.Client) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.reader}) as reader:
        check_reader(reader, mid)
    assert api.get("/api-keys/").status_code == 403
    assert count_rows(api) == 1


def check_reader(reader: httpx.Client, mid: int) -> None:
    assert reader.get("/target-materials/").status_code == 200
    assert (
        reader.post("/target-materials/parse", json={"prompt": "BaTiO3 on Si"}).status_code == 200
    )
    assert reader.post("/target-materials/", json=GOOD).status_code == 403
    assert reader.patch(f"/target-materials/{mid}", json={"sample_name": "z"}).status_code == 403
    assert reader.delete(f"/target-materials/{mid}").status_code == 403
    assert "'delete' scope" in reader.delete(f"/target-materials/{mid}").json()["detail"]


def test_unknown_ids_are_404_not_422(api: httpx.Client) -> None:
    assert api.get("/target-materials/999999").status_code == 404
    assert api.get("/target-materials/0").status_code == 404
    assert api.get(f"/target-materials/{2**70}").status_code == 404
    assert api.patch("/target-materials/424242", json={"sample_name": "x"}).status_code == 404
    assert api.post("/target-materials/424242/layers", json=[]).status_code == 404
    assert (
        api.post("/target-materials/layers/", json={"sample_id": 424242, "layer_id": 1}).status_code
        == 404
    )
    assert api.get("/physical_samples/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sample": {"sample_name": "", "substrate": "Si"}}, ["body", "sample", "sample_name"]),
        ({"sample": {"sample_name": "   ", "substrate": "Si"}}, ["body", "sample", "sample_name"]),
        (
            {"sample": {"sample_name": "x" * 256, "substrate": "Si"}},
            ["body", "sample", "sample_name"],
        ),
        ({"sample": {"sample_name": 5, "substrate": "Si"}}, ["body", "sample", "sample_name"]),
        (
            {"sample": {"sample_name": "a\x00b", "substrate": "Si"}},
            ["body", "sample", "sample_name"],
        ),
        ({"sample": {"substrate": "Si"}}, ["body", "sample", "sample_name"]),
        (
            {"sample": {"sample_name": "x", "substrate": "Si", "sample_metadata": []}},
            ["body", "sample", "sample_metadata"],
        ),
        ({**GOOD, "layers": [{"layer_id": 0}]}, ["body", "layers", 0, "layer_id"]),
        ({**GOOD, "layers": [{"layer_id": "1"}]}, ["body", "layers", 0, "layer_id"]),
        ({**GOOD, "layers": [{"layer_id": 2**40}]}, ["body", "layers", 0, "layer_id"]),
        (
            {**GOOD, "layers": [{"layer_id": 1, "composition_string": "Xx2"}]},
            ["body", "layers", 0, "composition_string"],
        ),
        (
            {**GOOD, "layers": [{"layer_id": 1, "composition_string": "C" * 201}]},
            ["body", "layers", 0, "composition_string"],
        ),
        (
            {**GOOD, "layers": [{"layer_id": 1, "thickness_nm": -1}]},
            ["body", "layers", 0, "thickness_nm"],
        ),
        (
            {**GOOD, "layers": [{"layer_id": 1, "element_dict": {"Xx": 1}}]},
            ["body", "layers", 0, "element_dict"],
        ),
        (
            {**GOOD, "layers": [{"layer_id": 1, "element_dict": {"Ba": "1"}}]},
            ["body", "layers", 0, "element_dict", "Ba", "int"],
        ),
        ({**GOOD, "layers": [{"layer_id": 1}, {"layer_id": 1}]}, ["body", "layers", 1, "layer_id"]),
        ({**GOOD, "layers": {"layer_id": 1}}, ["body", "layers"]),
    ],
)
def test_bad_create_bodies_are_422_naming_the_field_and_write_nothing(
    api: httpx.Client,
    body: dict,
    field: list,  # type: ignore[type-arg]
) -> None:
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 422, response.text
    locs = [problem["loc"] for problem in response.json()["detail"]]
    assert field in locs, locs
    assert count_rows(api) == 0


def test_a_bad_layer_anywhere_in_a_stack_writes_nothing(api: httpx.Client) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    layers = [{"layer_id": i, "composition_string": "SrTiO3"} for i in range(1, 50)]
    layers[37]["composition_string"] = "Ba(Ti"
    response = api.post(f"/target-materials/{mid}/layers", json=layers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", 37, "composition_string"]
    assert [la["layer_id"] for la in api.get(f"/target-materials/{mid}/layers").json()] == [1]
    create = api.post("/target-materials/", json={**GOOD, "layers": layers})
    assert create.status_code == 422
    assert count_rows(api) == 1


def test_malformed_json_is_422(api: httpx.Client) -> None:
    response = api.post(
        "/target-materials/", content=b'{"sample": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    nan = api.post(
        "/target-materials/",
        content=b'{"sample": {"sample_name": "x", "substrate": "Si", '
        b'"sample_metadata": {"v": NaN}}}',
        headers={"Content-Type": "application/json"},
    )
    assert nan.status_code == 422
    assert count_rows(api) == 0


def test_deep_nesting_is_4xx(api: httpx.Client) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post(
        "/target-materials/", content=deep.encode(), headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    meta: dict = {}  # type: ignore[type-arg]
    node = meta
    for _ in range(40):
        node["n"] = {}
        node = node["n"]
    response = api.post(
        "/target-materials/",
        json={"sample": {"sample_name": "x", "substrate": "Si", "sample_metadata": meta}},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sample", "sample_metadata"]
    assert "nesting" in response.json()["detail"][0]["msg"]
    assert count_rows(api) == 0


def test_huge_bodies_are_413_and_large_stacks_422(api: httpx.Client) -> None:
    big = {
        "sample": {
            "sample_name": "x",
            "substrate": "Si",
            "sample_metadata": {"blob": "x" * 3_000_000},
        }
    }
    response = api.post("/target-materials/", json=big)
    assert response.status_code == 413
    assert "detail" in response.json()
    meta = {"blob": "x" * 70_000}
    response = api.post(
        "/target-materials/",
        json={"sample": {"sample_name": "x", "substrate": "Si", "sample_metadata": meta}},
    )
    assert response.status_code == 422
    assert len(response.text) < 2_000
    layers = [{"layer_id": i} for i in range(1, 5001)]
    response = api.post("/target-materials/", json={**GOOD, "layers": layers})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "layers"]
    assert count_rows(api) == 0


def test_huge_strings_are_rejected(api: httpx.Client) -> None:
    response = api.post(
        "/target-materials/", json={"sample": {"sample_name": "x" * 500_000, "substrate": "Si"}}
    )
    assert response.status_code == 422
    assert len(response.text) < 2_000
    parse = api.post("/target-materials/parse", json={"prompt": "BaTiO3/" * 500})
    assert parse.status_code == 422
    assert count_rows(api) == 0


def test_errors_are_json_with_detail(api: httpx.Client) -> None:
    for response in (
        api.get("/target-materials/12345"),
        api.post(
            "/target-materials/", content=b"nope", headers={"Content-Type": "application/json"}
        ),
    ):
        assert response.headers["content-type"].startswith("application/json")
        assert "detail" in json.loads(response.text)
