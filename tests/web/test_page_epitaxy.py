"""Epitaxy in the page: mismatch beside each layer and in the drawing, warnings, ×N, preview."""

from typing import Any

import pytest

from tests.web.conftest import Served, sign_in
from tests.web.test_page_create import type_stack

pytestmark = pytest.mark.browser


def _material(served: Served, name: str, substrate: str, orientation: str, layers: list) -> int:  # type: ignore[type-arg]
    with served.client() as api:
        response = api.post(
            "/target-materials/",
            json={
                "sample": {
                    "sample_name": name,
                    "substrate": substrate,
                    "substrate_orientation": orientation,
                },
                "layers": layers,
            },
        )
    response.raise_for_status()
    sample_id: int = response.json()["sample_id"]
    return sample_id


def test_mismatch_shows_beside_each_layer_and_in_the_drawing(
    page: Any, served: Served, tag: str
) -> None:
    sample_id = _material(
        served,
        f"{tag} BTO on STO",
        "SrTiO3",
        "(001)",
        [
            {"layer_id": 1, "composition_string": "BaTiO3", "orientation": "(001)",
             "thickness_nm": 50},
            {"layer_id": 2, "composition_string": "SiO2", "thickness_nm": 5},
        ],
    )  # fmt: skip
    sign_in(page, served.key, f"#/materials/{sample_id}")
    page.locator("figure.drawing svg").wait_for()
    assert "On SrTiO3 (001)" in page.locator("p.subtitle").inner_text()
    rows = page.locator("table.layers tbody tr")
    bto = rows.nth(1).locator("td[data-label=Mismatch]")
    assert bto.inner_text().startswith("⚠ −2.23 % compressive")
    assert "thicker than its critical thickness" in bto.inner_text()
    # SiO2 has no lattice: said so, with the reason in the tooltip.
    sio2 = rows.nth(0).locator("td[data-label=Mismatch]")
    assert sio2.inner_text() == "not known"
    assert "lattice" in (sio2.get_attribute("title") or "")
    marks = page.locator("figure.drawing svg text.mismatch").all_text_contents()
    assert marks == ["⚠ −2.23 %"]
    assert page.locator("figure.drawing svg text.past-critical").count() == 1
    labels = page.locator("figure.drawing svg g > text:last-child").all_text_contents()
    assert labels == ["SiO2 · 5 nm", "BaTiO3 (001) · 50 nm", "SrTiO3 (001) · substrate"]


def test_a_superlattice_shows_its_repeat_count(page: Any, served: Served, tag: str) -> None:
    with served.client() as api:
        parsed = api.post(
            "/target-materials/parse",
            json={"prompt": "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 / SrTiO3 (001)"},
        ).json()
    layers = [
        {
            "layer_id": position,
            "composition_string": layer["formula"],
            "thickness_unit_cells": layer["thickness_unit_cells"],
            "repeat": layer["repeat"],
        }
        for position, layer in enumerate(reversed(parsed["layers"]), start=1)
    ]
    sample_id = _material(served, f"{tag} LAO/STO x10", "SrTiO3", "(001)", layers)
    sign_in(page, served.key, f"#/materials/{sample_id}")
    page.locator("figure.drawing svg").wait_for()
    assert page.locator("figure.drawing svg text.repeat").all_text_contents() == ["×10"]
    assert "1.895 nm" in page.locator("table.layers tbody tr").first.inner_text()


def test_the_live_preview_shows_the_mismatch_while_typing(page: Any, served: Served) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, "BaTiO3 (001) 50 nm / SrTiO3 (001)")
    line = page.locator(".epitaxy-preview li")
    line.first.wait_for()
    assert line.all_text_contents() == [
        "BaTiO3 on SrTiO3: ⚠ −2.23 % compressive — thicker than its critical thickness "
        "(an estimate)"
    ]
    assert page.locator("figure.preview svg text.mismatch").all_text_contents() == ["⚠ −2.23 %"]
    type_stack(page, "BaTiO3 (001) 2 nm / SrTiO3 (001)")
    page.locator(".epitaxy-preview li:not(.past-critical)").wait_for()
    assert line.all_text_contents() == ["BaTiO3 on SrTiO3: −2.23 % compressive"]
