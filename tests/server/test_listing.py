"""Filters and keyset paging of GET /target-materials/."""

import httpx
import orjson
import pytest
from sqlalchemy import text

from filmstack.server.db import Database
from filmstack.server.materials.listing import Filters, stream_all

STACKS = [
    ("BTO film", "SrTiO3", ["BaTiO3", "SrRuO3"]),
    ("GaN on sapphire", "Al2O3", ["GaN"]),
    ("LAO/STO 100%", "SrTiO3", ["LaAlO3"]),
    ("bare", "Si", []),
    ("AlGaN HEMT", "SiC", ["Al0.3Ga0.7N", "GaN"]),
]


@pytest.fixture
def seeded(api: httpx.Client) -> dict[str, int]:
    ids = {}
    for name, substrate, formulas in STACKS:
        body = {
            "sample": {"sample_name": name, "substrate": substrate},
            "layers": [
                {"layer_id": i + 1, "composition_string": f} for i, f in enumerate(formulas)
            ],
        }
        ids[name] = api.post("/target-materials/", json=body).json()["sample_id"]
    return ids


def names(rows: list[dict]) -> list[str]:  # type: ignore[type-arg]
    out: list[str] = []
    for row in rows:
        if not out or out[-1] != row["sample_name"]:
            out.append(row["sample_name"])
    return out


def test_filter_by_substrate_and_name(api: httpx.Client, seeded: dict[str, int]) -> None:
    assert names(api.get("/target-materials/", params={"substrate": "SrTiO3"}).json()) == [
        "BTO film",
        "LAO/STO 100%",
    ]
    assert names(api.get("/target-materials/", params={"name": "gan"}).json()) == [
        "GaN on sapphire",
        "AlGaN HEMT",
    ]
    # LIKE wildcards in the search text are literal.
    assert names(api.get("/target-materials/", params={"name": "100%"}).json()) == ["LAO/STO 100%"]
    assert api.get("/target-materials/", params={"name": "_"}).json() == []


def test_element_search_needs_every_element(api: httpx.Client, seeded: dict[str, int]) -> None:
    assert names(api.get("/target-materials/", params={"element": "Ga"}).json()) == [
        "GaN on sapphire",
        "AlGaN HEMT",
    ]
    assert names(
        api.get("/target-materials/", params=[("element", "Ga"), ("element", "Al")]).json()
    ) == ["AlGaN HEMT"]
    assert names(api.get("/target-materials/", params={"element": "ru"}).json()) == ["BTO film"]
    both = api.get("/target-materials/", params=[("element", "Ga"), ("element", "Ba")]).json()
    assert both == []
    rows = api.get("/target-materials/", params={"element": "Sr"}).json()
    # every layer of a matching material comes back, not only the matching layer
    assert [(r["sample_name"], r["layer_id"]) for r in rows] == [("BTO film", 1), ("BTO film", 2)]


def test_element_search_follows_stack_changes(api: httpx.Client, seeded: dict[str, int]) -> None:
    mid = seeded["bare"]
    assert (
        api.post(
            "/target-materials/layers/",
            json={"sample_id": mid, "layer_id": 1, "composition_string": "MoS2"},
        ).status_code
        == 200
    )
    assert names(api.get("/target-materials/", params={"element": "Mo"}).json()) == ["bare"]
    api.patch(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 1, "composition_string": "WSe2"},
    )
    assert api.get("/target-materials/", params={"element": "Mo"}).json() == []
    assert names(api.get("/target-materials/", params={"element": "W"}).json()) == ["bare"]
    api.delete(f"/target-materials/{mid}/layers/1")
    assert api.get("/target-materials/", params={"element": "W"}).json() == []


def test_unknown_element_is_422_naming_the_parameter(api: httpx.Client) -> None:
    response = api.get("/target-materials/", params={"element": "Xy"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "element"]


def test_keyset_pages_cover_everything_once_and_never_split_a_material(
    api: httpx.Client, seeded: dict[str, int]
) -> None:
    everything = api.get("/target-materials/").json()
    seen: list[dict] = []  # type: ignore[type-arg]
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = api.get("/target-materials/", params=params)
        assert response.status_code == 200
        rows = response.json()
        assert len({r["sample_id"] for r in rows}) <= 2
        seen.extend(rows)
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert pages == 3
    assert seen == everything


def test_paging_combines_with_filters(api: httpx.Client, seeded: dict[str, int]) -> None:
    first = api.get("/target-materials/", params={"element": "Ga", "limit": 1})
    assert names(first.json()) == ["GaN on sapphire"]
    second = api.get(
        "/target-materials/",
        params={"element": "Ga", "limit": 1, "cursor": first.headers["X-Next-Cursor"]},
    )
    assert names(second.json()) == ["AlGaN HEMT"]
    assert "X-Next-Cursor" not in second.headers


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"limit": 5, "cursor": "garbage!"}]
)
def test_bad_paging_parameters_are_422(api: httpx.Client, params: dict) -> None:  # type: ignore[type-arg]
    response = api.get("/target-materials/", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_element_search_combines_with_substrate_and_name(
    api: httpx.Client, seeded: dict[str, int]
) -> None:
    params = [("element", "Ga"), ("substrate", "SiC")]
    assert names(api.get("/target-materials/", params=params).json()) == ["AlGaN HEMT"]
    params = [("element", "Ti"), ("name", "lao"), ("limit", "5")]
    assert names(api.get("/target-materials/", params=params).json()) == []
    params = [("element", "O"), ("name", "film"), ("limit", "5")]
    assert names(api.get("/target-materials/", params=params).json()) == ["BTO film"]


def test_listed_json_fields_come_back_exactly_as_stored(api: httpx.Client) -> None:
    metadata = {"grower": "Zoë", "run": [1, 2.5, None, True], "nested": {"T/°C": 650, "e": 1e-9}}
    body = {
        "sample": {"sample_name": "json", "substrate": "Si", "sample_metadata": metadata},
        "layers": [
            {"layer_id": 1, "composition_string": "Ba0.5Sr0.5TiO3", "orientation": "[1 1 0]"}
        ],
    }
    mid = api.post("/target-materials/", json=body).json()["sample_id"]
    detail = api.get(f"/target-materials/{mid}").json()
    for rows in (
        api.get("/target-materials/").json(),
        api.get("/target-materials/", params={"limit": 10}).json(),
    ):
        (row,) = rows
        assert row["sample_metadata"] == metadata
        assert row["element_dict"] == {"Ba": 0.5, "Sr": 0.5, "Ti": 1, "O": 3}
        assert row["orientation_indices"] == detail["layers"][0]["orientation_indices"]
        assert row["orientation_indices"] == {"kind": "direction", "indices": [1, 1, 0]}


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_the_stream_writes_materials_whole_across_its_batches(
    api: httpx.Client, seeded: dict[str, int], database: Database, batch: int
) -> None:
    """The stream reads a batch of rows at a time; a material whose layers straddle two
    batches is written once, whole, as the pages write it."""
    with database.engine.connect() as conn:
        organization = conn.execute(
            text("SELECT organization_id FROM target_materials LIMIT 1")
        ).scalar_one()
    streamed = orjson.loads(b"".join(stream_all(database, Filters(organization), batch=batch)))
    paged = api.get("/target-materials/", params={"limit": 1000}).json()
    assert streamed == paged == api.get("/target-materials/").json()
    assert [r["sample_name"] for r in streamed].count("AlGaN HEMT") == 2


def test_layers_alike_but_for_one_field_are_each_listed_as_stored(api: httpx.Client) -> None:
    """Rows write a layer's content once per distinct content: each row still carries its own
    ids, and a layer differing from another in one field only shows its own value."""
    base = {"composition_string": "SrTiO3", "orientation": "(001)", "thickness_nm": 10}
    stacks = [
        [base, {**base, "composition_string": "BaTiO3"}],
        [base, {**base, "composition_string": "BaTiO3"}],
        [{**base, "thickness_nm": 20}],
        [{**base, "orientation": "(110)"}],
        [{**base, "thickness_unit_cells": 5, "thickness_nm": None}],
        [{**base, "repeat": {"group": 1, "count": 3, "period": 1, "index": 0, "cycle": 0}}],
        [],
    ]
    ids = []
    for n, stack in enumerate(stacks):
        layers = [{"layer_id": i + 1, **layer} for i, layer in enumerate(stack)]
        body = {"sample": {"sample_name": f"alike {n}", "substrate": "Si"}, "layers": layers}
        response = api.post("/target-materials/", json=body)
        assert response.status_code == 200, response.text
        ids.append(response.json()["sample_id"])
    rows = api.get("/target-materials/", params={"limit": 100}).json()
    assert rows == api.get("/target-materials/").json()
    for material_id in ids:
        detail = api.get(f"/target-materials/{material_id}").json()
        listed = [r for r in rows if r["sample_id"] == material_id]
        assert all(r["id"] == material_id for r in listed)
        if not detail["layers"]:
            assert [r["layer_row_id"] for r in listed] == [None]
            continue
        assert len(listed) == len(detail["layers"])
        for row, layer in zip(listed, detail["layers"], strict=True):
            assert row["layer_row_id"] == layer["id"]
            for key, value in layer.items():
                if key != "id":
                    assert row[key] == value, (key, row[key], value)
