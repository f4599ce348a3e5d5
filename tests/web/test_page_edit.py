"""Editing on the page: name, substrate, note, and the stack (change, add, remove, reorder)."""

from typing import Any

import pytest

from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser

STACK = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "space_group": "Pbnm", "thickness_nm": 5},
]


@pytest.fixture
def material(served: Served, tag: str) -> int:
    return served.create(f"{tag} BTO/SRO", "SrTiO3", STACK)


def open_editor(page: Any, served: Served, sample_id: int) -> None:
    sign_in(page, served.key, f"#/materials/{sample_id}/edit")
    page.locator("li.layer-row").first.wait_for()


def row(page: Any, position: int) -> Any:
    return page.locator(f"li.layer-row[data-position='{position}']")


def save(page: Any) -> None:
    page.get_by_role("button", name="Save changes").click()


def stored_layers(served: Served, sample_id: int) -> list[tuple[Any, ...]]:
    layers = served.material(sample_id).json()["layers"]
    return [
        (
            layer["layer_id"],
            layer["composition_string"],
            layer["orientation"],
            layer["thickness_nm"],
        )
        for layer in layers
    ]


def test_edit_a_layer(page: Any, served: Served, material: int, tag: str) -> None:
    open_editor(page, served, material)
    bottom = row(page, 1)
    assert bottom.get_by_label("Formula").input_value() == "SrRuO3"
    bottom.get_by_label("Orientation").fill("(111)")
    bottom.get_by_label("Thickness (nm)").fill("12.5")
    preview = page.locator("figure.preview svg g > text:last-child").all_text_contents()
    assert preview[1] == "SrRuO3 (111) · 12.5 nm"
    save(page)
    page.get_by_role("heading", name=f"{tag} BTO/SRO", exact=True).wait_for()
    assert "Changes saved" in page.locator(".flash").inner_text()
    assert stored_layers(served, material)[0] == (1, "SrRuO3", "(111)", 12.5)
    # The other layer kept the space group as it was typed, non-standard setting and all.
    layer = served.material(material).json()["layers"][1]
    assert layer["space_group_input"] == "Pbnm"


def test_the_apis_validation_messages_are_shown_at_the_field(
    page: Any, served: Served, material: int
) -> None:
    open_editor(page, served, material)
    top = row(page, 2)
    top.get_by_label("Thickness (nm)").fill("-3")
    save(page)
    thickness_error = top.locator(".f-thickness_nm .field-error")
    thickness_error.wait_for()
    assert "greater than 0" in thickness_error.inner_text()
    assert "The stack was not saved" in page.locator(".alert").inner_text()
    top.get_by_label("Thickness (nm)").fill("3")
    top.get_by_label("Orientation").fill("(0012)")
    save(page)
    error = top.locator(".f-orientation .field-error")
    error.wait_for()
    assert "(0012)" in error.inner_text() and "(0 0 12)" in error.inner_text()
    assert top.get_by_label("Orientation").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "orientation"
    assert stored_layers(served, material)[1] == (2, "BaTiO3", None, 5)
    top.get_by_label("Orientation").fill("(0 0 12)")
    assert top.get_by_label("Orientation").get_attribute("aria-invalid") is None
    save(page)
    page.locator(".flash").filter(has_text="Changes saved").wait_for()
    assert stored_layers(served, material)[1] == (2, "BaTiO3", "(0 0 12)", 3)


def test_edit_name_substrate_and_note(page: Any, served: Served, material: int, tag: str) -> None:
    open_editor(page, served, material)
    page.get_by_label("Name", exact=True).fill(f"{tag} renamed")
    page.get_by_label("Substrate", exact=True).fill("DyScO3")
    page.get_by_label("Note", exact=True).fill("Grown twice.")
    save(page)
    page.get_by_role("heading", name=f"{tag} renamed", exact=True).wait_for()
    stored = served.material(material).json()
    assert (stored["substrate"], stored["detail_note_content"]) == ("DyScO3", "Grown twice.")
    page.get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name=f"Edit {tag} renamed").wait_for()
    page.get_by_label("Note", exact=True).fill("")
    page.get_by_label("Name", exact=True).fill("   ")
    save(page)
    name_error = page.locator(".sample-fields .field-error:visible")
    name_error.wait_for()
    assert "Nothing was saved" in page.locator(".alert").inner_text()
    page.get_by_label("Name", exact=True).fill(f"{tag} renamed again")
    save(page)
    page.get_by_role("heading", name=f"{tag} renamed again", exact=True).wait_for()
    assert served.material(material).json()["detail_note_content"] is None


def test_add_remove_and_reorder_layers(page: Any, served: Served, material: int) -> None:
    open_editor(page, served, material)
    page.get_by_role("button", name="Add a layer on top").click()
    new = row(page, 3)
    assert page.evaluate("document.activeElement.name") == "composition_string"
    new.get_by_label("Formula").fill("Pt")
    new.get_by_label("Thickness (nm)").fill("2")
    # Move the Pt down under BaTiO3, then remove SrRuO3 (now at the bottom).
    page.get_by_role("button", name="Move layer 3 (Pt) down").click()
    assert row(page, 2).get_by_label("Formula").input_value() == "Pt"
    assert page.evaluate("document.activeElement.textContent") == "Move down"
    page.get_by_role("button", name="Remove layer 1 (SrRuO3)").click()
    labels = page.locator("figure.preview svg g > text:last-child").all_text_contents()
    assert labels == ["BaTiO3 · 5 nm", "Pt · 2 nm", "SrTiO3 · substrate"]
    save(page)
    page.locator(".flash").filter(has_text="Changes saved").wait_for()
    assert stored_layers(served, material) == [(1, "Pt", None, 2), (2, "BaTiO3", None, 5)]


def test_nothing_changed_sends_nothing(page: Any, served: Served, material: int) -> None:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.method != "GET" else None)
    open_editor(page, served, material)
    save(page)
    assert "Nothing has changed" in page.locator(".alert").inner_text()
    assert sent == []
