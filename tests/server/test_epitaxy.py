"""Epitaxy over HTTP: stored and unsaved stacks, unit cells, the structured substrate, lattices."""

import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from filmstack.server.migrations import alembic_config
from tests.conftest import Keys, ServerThread


def _create(api: httpx.Client, sample: dict[str, Any], layers: list[dict[str, Any]]) -> int:
    response = api.post("/target-materials/", json={"sample": sample, "layers": layers})
    assert response.status_code == 200, response.text
    return int(response.json()["sample_id"])


BTO_ON_STO = (
    {"sample_name": "BTO/STO", "substrate": "SrTiO3", "substrate_orientation": "(001)"},
    [{"layer_id": 1, "composition_string": "BaTiO3", "orientation": "(001)", "thickness_nm": 50}],
)


def test_a_stored_stack_reports_every_interface(api: httpx.Client) -> None:
    sample_id = _create(api, *BTO_ON_STO)
    response = api.get(f"/target-materials/{sample_id}/epitaxy")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sample_id"] == sample_id
    (entry,) = body["interfaces"]
    assert entry["layer_id"] == 1 and entry["below"] == "substrate"
    assert (entry["film"], entry["below_formula"], entry["below_orientation"]) == (
        "BaTiO3",
        "SrTiO3",
        "(001)",
    )
    assert entry["mismatch_percent"] == pytest.approx(-2.23, abs=0.01)
    assert entry["strain"] == "compressive" and entry["rotation_deg"] == 0
    assert 0 < entry["critical_thickness_nm"] < 50 and entry["coherent_expected"] is False
    assert "estimate" in entry["critical_thickness_basis"]
    assert len(entry["lattice_sources"]) == 2


def test_the_substrate_is_structured_and_legacy_metadata_moves_into_it(api: httpx.Client) -> None:
    legacy = _create(
        api,
        {
            "sample_name": "legacy",
            "substrate": "SrTiO3",
            "sample_metadata": {"substrate_orientation": "(001)", "run": 7},
        },
        BTO_ON_STO[1],
    )
    material = api.get(f"/target-materials/{legacy}").json()
    assert material["substrate_orientation"] == "(001)"
    assert material["sample_metadata"] == {"run": 7}
    assert api.get(f"/target-materials/{legacy}/epitaxy").json()["interfaces"][0]["status"] == "ok"
    changed = api.patch(
        f"/target-materials/{legacy}",
        json={"substrate_miscut_deg": 0.1, "substrate_miscut_toward": "[100]"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["substrate_miscut_deg"], changed.json()["substrate_miscut_toward"]) == (
        0.1,
        "[100]",
    )


def test_without_the_substrate_orientation_the_report_asks_for_it(api: httpx.Client) -> None:
    sample_id = _create(api, {"sample_name": "x", "substrate": "SrTiO3"}, BTO_ON_STO[1])
    (entry,) = api.get(f"/target-materials/{sample_id}/epitaxy").json()["interfaces"]
    assert entry["status"] == "unknown" and "substrate_orientation" in entry["reason"]


def test_another_organization_sees_no_report(api: httpx.Client, rival: httpx.Client) -> None:
    sample_id = _create(api, *BTO_ON_STO)
    assert rival.get(f"/target-materials/{sample_id}/epitaxy").status_code == 404
    assert api.get("/target-materials/999999/epitaxy").status_code == 404
    anonymous = httpx.get(f"{str(api.base_url).rstrip('/')}/target-materials/{sample_id}/epitaxy")
    assert anonymous.status_code == 401


def test_an_unsaved_stack_is_judged_and_stored_nowhere(api: httpx.Client) -> None:
    before = len(api.get("/target-materials/").json())
    by_text = api.post("/epitaxy", json={"prompt": "BaTiO3 (001) 50 nm / SrTiO3 (001)"})
    assert by_text.status_code == 200, by_text.text
    assert by_text.json()["sample_id"] is None
    assert by_text.json()["interfaces"][0]["mismatch_percent"] == pytest.approx(-2.23, abs=0.01)
    sample, layers = BTO_ON_STO
    by_body = api.post("/epitaxy", json={"sample": sample, "layers": layers})
    assert by_body.status_code == 200, by_body.text
    assert by_body.json()["interfaces"] == by_text.json()["interfaces"]
    assert len(api.get("/target-materials/").json()) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"prompt": "BaTiO3 / Xx2"}, ["body", "prompt"]),
        ({"sample": {"substrate": "Si"}, "layers": []}, ["body", "sample", "sample_name"]),
        (
            {
                "sample": {"sample_name": "s", "substrate": "Si"},
                "layers": [{"layer_id": 1, "composition_string": "Si", "lattice": {"a": -1}}],
            },
            ["body", "layers", 0, "lattice", "a"],
        ),
    ],
)
def test_a_bad_unsaved_stack_is_a_422_naming_the_field(
    api: httpx.Client, body: dict[str, Any], loc: list[str | int]
) -> None:
    response = api.post("/epitaxy", json=body)
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]]


def test_unit_cells_become_nanometres_at_parse_and_create(api: httpx.Client) -> None:
    parsed = api.post("/target-materials/parse", json={"prompt": "5 u.c. LaAlO3 / SrTiO3 (001)"})
    assert parsed.status_code == 200, parsed.text
    (layer,) = parsed.json()["layers"]
    assert layer["thickness_unit_cells"] == 5 and layer["thickness_nm"] == pytest.approx(1.895)
    sample_id = _create(
        api,
        {"sample_name": "LAO/STO", "substrate": "SrTiO3", "substrate_orientation": "(001)"},
        [{"layer_id": 1, "composition_string": "LaAlO3", "thickness_unit_cells": 5}],
    )
    (stored,) = api.get(f"/target-materials/{sample_id}").json()["layers"]
    assert stored["thickness_unit_cells"] == 5 and stored["thickness_nm"] == pytest.approx(1.895)
    patched = api.patch(
        "/target-materials/layers/",
        json={"sample_id": sample_id, "layer_id": 1, "thickness_unit_cells": 10},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["thickness_nm"] == pytest.approx(3.79)


def test_a_superlattice_keeps_its_repeat_through_parse_and_create(api: httpx.Client) -> None:
    text = "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)"
    parsed = api.post("/target-materials/parse", json={"prompt": text}).json()
    assert len(parsed["layers"]) == 20
    assert parsed["layers"][0]["repeat"] == {
        "group": 1,
        "count": 10,
        "period": 2,
        "index": 0,
        "cycle": 0,
    }
    layers = [
        {"layer_id": position, "composition_string": layer["formula"], "repeat": layer["repeat"]}
        for position, layer in enumerate(reversed(parsed["layers"]), start=1)
    ]
    sample_id = _create(api, {"sample_name": "SL", "substrate": "SrTiO3"}, layers)
    stored = api.get(f"/target-materials/{sample_id}").json()["layers"]
    assert stored[-1]["repeat"]["count"] == 10


@pytest.mark.parametrize(
    ("layer", "loc"),
    [
        ({"lattice": {"a": 1e9}}, ["body", "layers", 0, "lattice", "a"]),
        ({"lattice": {"a": 3.9, "d": 1}}, ["body", "layers", 0, "lattice", "d"]),
        ({"lattice": {"a": "3.9"}}, ["body", "layers", 0, "lattice", "a"]),
        ({"lattice": {"a": 3.9}, "space_group": "P4mm"}, ["body", "layers", 0, "lattice"]),
        ({"thickness_unit_cells": -5}, ["body", "layers", 0, "thickness_unit_cells"]),
        ({"in_plane_relationship": "sideways"}, ["body", "layers", 0, "in_plane_relationship"]),
        ({"repeat": {"group": 1}}, ["body", "layers", 0, "repeat", "count"]),
    ],
)
def test_bad_epitaxy_fields_are_a_422_naming_the_field(
    api: httpx.Client, layer: dict[str, Any], loc: list[str | int]
) -> None:
    body = {
        "sample": {"sample_name": "bad", "substrate": "Si"},
        "layers": [{"layer_id": 1, "composition_string": "Si", **layer}],
    }
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]]
    assert api.get("/target-materials/").json() == []  # nothing half-written


@pytest.mark.parametrize(
    ("sample", "loc"),
    [
        ({"substrate_orientation": "(000)"}, ["body", "sample", "substrate_orientation"]),
        ({"substrate_miscut_deg": 90}, ["body", "sample", "substrate_miscut_deg"]),
        ({"substrate_miscut_toward": "[1 2"}, ["body", "sample", "substrate_miscut_toward"]),
    ],
)
def test_bad_substrate_fields_are_a_422_naming_the_field(
    api: httpx.Client, sample: dict[str, Any], loc: list[str | int]
) -> None:
    body = {"sample": {"sample_name": "bad", "substrate": "Si", **sample}, "layers": []}
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]]


# --- /lattices/ ----------------------------------------------------------------------------

OWN_STO = {
    "formula": "SrTiO3",
    "phase": "cubic perovskite (our crystals)",
    "space_group": "Pm-3m",
    "a": 3.95,
    "pseudocubic_a": 3.95,
    "source": "our XRD, 2026-11-02",
}


def test_the_table_lists_built_in_rows_with_sources(api: httpx.Client) -> None:
    rows = api.get("/lattices/").json()
    assert len(rows) >= 60
    assert all(row["source"] and row["origin"] == "built-in" for row in rows)
    sto = api.get("/lattices/STO").json()
    assert [row["formula"] for row in sto] == ["SrTiO3"]
    assert api.get("/lattices/SiO2").status_code == 404
    assert api.get("/lattices/Xx2").status_code == 422


def test_an_organization_row_overrides_the_built_in_one(
    api: httpx.Client, rival: httpx.Client
) -> None:
    sample_id = _create(api, *BTO_ON_STO)
    created = api.post("/lattices/", json=OWN_STO)
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["origin"] == "organization" and row["b"] == 3.95 and row["gamma"] == 90
    (entry,) = api.get(f"/target-materials/{sample_id}/epitaxy").json()["interfaces"]
    assert entry["mismatch_percent"] == pytest.approx(100 * (3.95 - 3.994) / 3.994, abs=1e-3)
    assert "organization row" in entry["lattice_sources"][1]
    assert api.get("/lattices/SrTiO3").json()[0]["origin"] == "organization"
    assert all(r["origin"] == "built-in" for r in rival.get("/lattices/SrTiO3").json())
    assert rival.delete(f"/lattices/{row['id']}").status_code == 404

    patched = api.patch(f"/lattices/{row['id']}", json={"a": 3.91, "pseudocubic_a": 3.91})
    assert patched.status_code == 200, patched.text and patched.json()["a"] == 3.91
    assert api.delete(f"/lattices/{row['id']}").status_code == 204
    (again,) = api.get(f"/target-materials/{sample_id}/epitaxy").json()["interfaces"]
    assert again["mismatch_percent"] == pytest.approx(-2.23, abs=0.01)


def test_a_built_in_row_cannot_be_changed(api: httpx.Client) -> None:
    builtin = api.get("/lattices/SrTiO3").json()[0]["id"]
    assert api.patch(f"/lattices/{builtin}", json={"a": 3.0}).status_code == 409
    assert api.delete(f"/lattices/{builtin}").status_code == 409


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"a": -1}, ["body", "a"]),
        ({"formula": "Xx2"}, ["body", "formula"]),
        ({"space_group": "Q99"}, ["body", "space_group"]),
        ({"source": ""}, ["body", "source"]),
        ({"space_group": "P4mm"}, ["body"]),  # tetragonal needs c
    ],
)
def test_a_bad_lattice_row_is_a_422_naming_the_field(
    api: httpx.Client, change: dict[str, Any], loc: list[str | int]
) -> None:
    response = api.post("/lattices/", json={**OWN_STO, **change})
    assert response.status_code == 422, response.text
    assert loc in [error["loc"] for error in response.json()["detail"]]
    assert all(row["origin"] == "built-in" for row in api.get("/lattices/").json())


def test_lattice_rows_need_the_write_and_delete_scopes(server: ServerThread, keys: Keys) -> None:
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.reader}) as reader:
        assert reader.get("/lattices/").status_code == 200
        assert reader.post("/lattices/", json=OWN_STO).status_code == 403
        assert reader.delete("/lattices/1").status_code == 403


# --- migration -------------------------------------------------------------------------------


def test_the_migration_moves_the_substrate_orientation_and_back(sqlite_copy: str) -> None:
    engine = sa.create_engine(sqlite_copy)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organizations (id, name, created_at) VALUES (1, 'lab', '2026-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO users (id, organization_id, name, created_at) "
            "VALUES ('u', 1, 'alice', '2026-01-01')"
        )
        for material_id, metadata, orientation in (
            (1, '{"run": 1}', "(001)"),
            (2, '{"substrate_orientation": 7}', None),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO target_materials (id, organization_id, user_id, sample_name, "
                    "substrate, sample_metadata, version, created_at, last_updated, revision, "
                    "substrate_orientation) VALUES (:id, 1, 'u', 'm', 'SrTiO3', :meta, '0', "
                    "'2026-01-01', '2026-01-01', 1, :orientation)"
                ),
                {"id": material_id, "meta": metadata, "orientation": orientation},
            )
    config = alembic_config(sqlite_copy)
    command.downgrade(config, "0002")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, sample_metadata FROM target_materials").fetchall()
    assert {id_: json.loads(meta) for id_, meta in rows} == {
        1: {"run": 1, "substrate_orientation": "(001)"},
        2: {"substrate_orientation": 7},
    }
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, sample_metadata, substrate_orientation FROM target_materials"
        ).fetchall()
    engine.dispose()
    assert [(id_, json.loads(meta), column) for id_, meta, column in rows] == [
        (1, {"run": 1}, "(001)"),
        (2, {"substrate_orientation": 7}, None),  # not an orientation: left alone
    ]


def test_patching_one_cell_value_keeps_the_rest(api: httpx.Client) -> None:
    row = {**OWN_STO, "formula": "BaTiO3", "space_group": "P4mm", "a": 3.99, "c": 4.03}
    created = api.post("/lattices/", json=row)
    assert created.status_code == 201, created.text
    row_id = created.json()["id"]
    patched = api.patch(f"/lattices/{row_id}", json={"a": 3.98})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["a"], patched.json()["b"], patched.json()["c"]) == (3.98, 3.98, 4.03)
    nulled = api.patch(f"/lattices/{row_id}", json={"source": None})
    assert nulled.status_code == 422 and nulled.json()["detail"][0]["loc"] == ["body", "source"]


def test_one_lattice_resource_answers_options_with_all_its_methods(api: httpx.Client) -> None:
    """GET by formula and PATCH/DELETE by id share one path, as the OpenAPI document says."""
    paths = api.get("/openapi.json").json()["paths"]
    lattice_paths = [p for p in paths if p.startswith("/lattices/{")]
    assert lattice_paths == ["/lattices/{lattice}"]
    assert set(paths["/lattices/{lattice}"]) >= {"get", "patch", "delete"}
    allowed = api.options("/lattices/1").headers["Allow"]
    assert {m.strip() for m in allowed.split(",")} == {"DELETE", "GET", "PATCH"}


def _marks(svg: str) -> list[str]:
    from xml.etree import ElementTree

    image = ElementTree.fromstring(svg)
    return [el.text or "" for el in image if el.get("class", "").startswith("interface-mark")]


def test_stack_svg_and_the_eln_drawing_mark_each_interface_as_the_page_does(
    api: httpx.Client,
) -> None:
    """BaTiO3 50 nm on SrTiO3 (001): −2.2 %, past its critical thickness, so warned."""
    sample_id = _create(api, *BTO_ON_STO)
    response = api.get(f"/target-materials/{sample_id}/stack.svg")
    assert response.status_code == 200, response.text
    assert _marks(response.text) == ["⚠ −2.2 %"]
    bare = _create(api, {"sample_name": "bare", "substrate": "Si"}, [])
    assert _marks(api.get(f"/target-materials/{bare}/stack.svg").text) == []

    import io
    import zipfile

    exported = api.get(f"/target-materials/{sample_id}/export")
    assert exported.status_code == 200, exported.text
    with zipfile.ZipFile(io.BytesIO(exported.content)) as crate:
        drawings = [name for name in crate.namelist() if name.endswith("stack.svg")]
        assert len(drawings) == 1, crate.namelist()
        assert _marks(crate.read(drawings[0]).decode()) == ["⚠ −2.2 %"]
