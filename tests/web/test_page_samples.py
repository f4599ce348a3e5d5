"""The material page lists its physical samples; a sample can be linked or unlinked there."""

from typing import Any

import pytest

from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser


def _sample(served: Served, name: str, target: int | None = None) -> str:
    body: dict[str, Any] = {"name": name, "physical_sample_metadata": {"T_C": 700}}
    if target is not None:
        body["sample_id"] = target
    with served.client() as api:
        response = api.post("/physical_samples/", json=body)
    response.raise_for_status()
    sample_id: str = response.json()["id"]
    return sample_id


def _target(served: Served, sample_id: str) -> int | None:
    with served.client() as api:
        target: int | None = api.get(f"/physical_samples/{sample_id}").json()["sample_id"]
    return target


def test_the_page_lists_linked_samples_and_links_and_unlinks(
    page: Any, served: Served, tag: str
) -> None:
    here = served.create(f"{tag} here", "SrTiO3", [{"layer_id": 1, "composition_string": "BTO"}])
    elsewhere = served.create(f"{tag} elsewhere", "Si", [])
    grown = _sample(served, f"{tag} run 1", here)
    _sample(served, f"{tag} run on the other", elsewhere)
    loose = _sample(served, f"{tag} loose run")

    sign_in(page, served.key, f"#/materials/{here}")
    section = page.get_by_role("region", name="Physical samples")
    rows = section.locator("table.samples-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text() == f"{tag} run 1"
    assert '{"T_C":700}' in rows.first.inner_text()

    select = section.get_by_label("Link a physical sample")
    labels = select.locator("option").all_inner_texts()
    assert f"{tag} loose run (not linked)" in labels
    assert f"{tag} run on the other (now on “{tag} elsewhere”)" in labels
    assert f"{tag} run 1 (not linked)" not in labels  # already here

    select.select_option(label=f"{tag} loose run (not linked)")
    section.get_by_role("button", name="Link", exact=True).click()
    section.locator("tbody tr", has_text=f"{tag} loose run").wait_for()
    assert rows.count() == 2
    assert _target(served, loose) == here

    section.get_by_role("button", name=f"Unlink {tag} run 1").click()
    section.locator("tbody tr", has_text=f"{tag} run 1").wait_for(state="detached")
    assert rows.count() == 1
    assert _target(served, grown) is None
    labels = section.get_by_label("Link a physical sample").locator("option").all_inner_texts()
    assert f"{tag} run 1 (not linked)" in labels


def test_a_material_without_samples_says_so(page: Any, served: Served, tag: str) -> None:
    lonely = served.create(f"{tag} lonely", "Si", [])
    sign_in(page, served.key, f"#/materials/{lonely}")
    section = page.get_by_role("region", name="Physical samples")
    section.get_by_text("No physical sample points at this material yet.").wait_for()
    section.get_by_role("button", name="Link", exact=True).click()  # nothing chosen
    assert "Choose the physical sample" in section.get_by_role("alert").inner_text()
