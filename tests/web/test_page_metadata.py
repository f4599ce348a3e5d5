"""Metadata edited on the material page as key–value rows that keep their JSON types."""

from typing import Any

import pytest

from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser

METADATA = {"grower": "Ada", "run": 12, "pO2_mbar": 0.1, "annealed": True, "gone": None}


@pytest.fixture
def material(served: Served, tag: str) -> int:
    sample_id = served.create(f"{tag} with metadata", "SrTiO3", [])
    with served.client() as api:
        api.patch(
            f"/target-materials/{sample_id}",
            json={"sample_metadata": {**METADATA, "steps": [{"T": 700}, {"T": 500}]}},
        ).raise_for_status()
    return sample_id


def _stored(served: Served, sample_id: int) -> dict[str, Any]:
    metadata: dict[str, Any] = served.material(sample_id).json()["sample_metadata"]
    return metadata


def _row(section: Any, key: str) -> Any:
    return section.get_by_role("group", name=f"Field {key}")


def test_editing_keeps_json_types(page: Any, served: Served, material: int) -> None:
    sign_in(page, served.key, f"#/materials/{material}")
    section = page.get_by_role("region", name="Metadata")
    _row(section, "run").wait_for()
    assert _row(section, "run").get_by_label("Type").input_value() == "number"
    assert _row(section, "annealed").get_by_label("Type").input_value() == "boolean"
    assert _row(section, "gone").get_by_label("Type").input_value() == "null"
    assert _row(section, "steps").get_by_label("Type").input_value() == "json"

    _row(section, "run").get_by_label("Value").fill("13")
    _row(section, "annealed").get_by_label("Value").select_option("false")
    _row(section, "grower").get_by_label("Value").fill("42")  # text that looks like a number
    _row(section, "steps").get_by_label("Value").fill('[{"T": 700, "t_min": 30}]')
    _row(section, "gone").get_by_role("button", name="Remove").click()
    section.get_by_role("button", name="Add field").click()
    new = section.get_by_role("group", name="New field")
    new.get_by_label("Key").fill("substrate_lot")
    new.get_by_label("Type").select_option("number")
    new.get_by_label("Value").fill("1e3")
    section.get_by_role("button", name="Save metadata").click()
    _row(section, "substrate_lot").wait_for()

    assert _stored(served, material) == {
        "grower": "42",
        "run": 13,
        "pO2_mbar": 0.1,
        "annealed": False,
        "steps": [{"T": 700, "t_min": 30}],
        "substrate_lot": 1000,
    }
    # The editor shows what was saved, with its types.
    assert _row(section, "run").get_by_label("Value").input_value() == "13"
    assert _row(section, "substrate_lot").get_by_label("Type").input_value() == "number"


def test_bad_values_are_named_and_nothing_is_saved(
    page: Any, served: Served, material: int
) -> None:
    sign_in(page, served.key, f"#/materials/{material}")
    section = page.get_by_role("region", name="Metadata")
    _row(section, "run").get_by_label("Value").fill("twelve")
    _row(section, "steps").get_by_label("Value").fill("[1, 2")
    _row(section, "grower").get_by_label("Key").fill("pO2_mbar")
    section.get_by_role("button", name="Save metadata").click()
    assert "fix the fields" in section.get_by_role("alert").first.inner_text()
    errors = section.locator(".field-error:not([hidden])").all_inner_texts()
    assert any("“twelve” is not a number" in e for e in errors)
    assert any("steps: is not valid JSON" in e for e in errors)
    assert any("“pO2_mbar” is used twice" in e for e in errors)
    assert _stored(served, material)["run"] == 12
