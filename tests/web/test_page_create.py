"""Creating a material on the page: from free text with a live preview, or layer by layer."""

from typing import Any

import pytest

from tests.web.conftest import Served, screenshot, sign_in

pytestmark = pytest.mark.browser

PROMPT_LABEL = "Stack, film first and substrate last"


def preview_labels(page: Any) -> list[str]:
    labels: list[str] = page.locator(
        ".text-pane figure.preview svg g > text:last-child"
    ).all_text_contents()
    return labels


def type_stack(page: Any, text: str, delay: float = 5) -> None:
    """Type like a person (key by key), and wait until the page has read what was typed."""
    box = page.get_by_label(PROMPT_LABEL)
    box.fill("")
    box.press_sequentially(text, delay=delay)
    page.locator(f'.text-pane[data-parsed="{text.strip()}"]:not([data-parse=reading])').wait_for(
        state="attached"
    )


def test_the_preview_follows_the_text_as_it_is_typed(page: Any, served: Served) -> None:
    parses: list[str] = []
    page.on("request", lambda r: parses.append(r.url) if r.url.endswith("/parse") else None)
    sign_in(page, served.key, "#/new")
    type_stack(page, "10 nm BaTiO3 (001) / SrTiO3 on Si", delay=40)
    assert preview_labels(page) == ["BaTiO3 (001) · 10 nm", "SrTiO3", "Si · substrate"]
    assert page.get_by_label("Name", exact=True).input_value() == "BaTiO3/SrTiO3 on Si"
    assert page.get_by_label("Substrate", exact=True).input_value() == "Si"
    # Debounced: far fewer calls than the 33 keys typed.
    assert 1 <= len(parses) <= 3
    type_stack(page, "LAO/STO(001)")
    assert preview_labels(page) == ["LaAlO3", "SrTiO3 (001) · substrate"]


def test_an_error_is_shown_at_the_part_that_is_wrong(page: Any, served: Served) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, "BaTiO3 / Xx2 on Si")
    mark = page.locator(".parse-echo mark")
    mark.wait_for()
    assert mark.inner_text() == "Xx"
    assert page.locator(".parse-echo").inner_text() == "BaTiO3 / Xx2 on Si"
    assert "not an element symbol" in page.locator(".field-error:visible").inner_text()
    assert page.get_by_label(PROMPT_LABEL).get_attribute("aria-invalid") == "true"
    type_stack(page, "BaTiO3 (0012) on STO")
    assert page.locator(".parse-echo mark").inner_text() == "(0012)"
    type_stack(page, "BaTiO3 (001) on STO")
    page.locator(".parse-echo").wait_for(state="hidden")
    assert page.get_by_label(PROMPT_LABEL).get_attribute("aria-invalid") is None


def test_create_from_text_and_see_the_drawing(page: Any, served: Served, tag: str) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, "5 nm SrRuO3 / 20 nm BaTiO3 (001) / SrTiO3 (001)")
    page.get_by_label("Name", exact=True).fill(f"{tag} SRO/BTO on STO")
    page.get_by_label("Note", exact=True).fill("PLD, 650 C, 0.1 mbar O2")
    page.get_by_role("button", name="Create material").click()
    page.get_by_role("heading", name=f"{tag} SRO/BTO on STO").wait_for()
    assert "Created" in page.locator(".flash").inner_text()
    labels = page.locator("figure.drawing svg g > text:last-child").all_text_contents()
    assert labels == ["SrRuO3 · 5 nm", "BaTiO3 (001) · 20 nm", "SrTiO3 (001) · substrate"]
    assert page.locator(".note-text").inner_text() == "PLD, 650 C, 0.1 mbar O2"
    sample_id = int(page.url.rsplit("/", 1)[1])
    stored = served.material(sample_id).json()
    assert [(layer["layer_id"], layer["composition_string"]) for layer in stored["layers"]] == [
        (1, "BaTiO3"),
        (2, "SrRuO3"),
    ]
    assert stored["substrate_orientation"] == "(001)"  # the field, not the metadata
    assert stored["sample_metadata"] == {}
    page.wait_for_timeout(300)  # the live-region message, then a still picture
    screenshot(page, "material-created.png")


def test_a_text_without_substrate_is_refused_at_the_substrate_field(
    page: Any, served: Served
) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, "BaTiO3")
    page.get_by_role("button", name="Create material").click()
    substrate = page.get_by_label("Substrate", exact=True)
    page.locator("#" + substrate.get_attribute("id") + "-error").wait_for()
    assert substrate.get_attribute("aria-invalid") == "true"


def test_create_layer_by_layer_with_the_apis_messages(page: Any, served: Served, tag: str) -> None:
    sign_in(page, served.key, "#/new")
    page.get_by_label("Layer by layer").check()
    page.get_by_label("Name", exact=True).fill(f"{tag} by hand")
    page.get_by_label("Substrate", exact=True).fill("MgO")
    page.get_by_role("button", name="Add a layer on top").click()
    page.get_by_label("Formula").fill("TiN")
    page.get_by_label("Thickness (nm)").fill("50")
    page.get_by_role("button", name="Add a layer on top").click()
    row = page.locator("li.layer-row[data-position='2']")
    row.get_by_label("Formula").fill("Xx2")
    row.get_by_label("Orientation").fill("(000)")
    labels = page.locator(".layer-pane figure.preview svg g > text:last-child")
    assert labels.all_text_contents() == ["Xx2 (000)", "TiN · 50 nm", "MgO · substrate"]
    page.get_by_role("button", name="Create material").click()
    formula_error = row.locator(".f-composition_string .field-error")
    formula_error.wait_for()
    assert "Xx" in formula_error.inner_text()
    assert row.locator(".f-orientation .field-error").is_visible()
    assert page.evaluate("document.activeElement.name") == "composition_string"
    row.get_by_label("Formula").fill("Au")
    row.get_by_label("Orientation").fill("(111)")
    page.get_by_role("button", name="Create material").click()
    page.get_by_role("heading", name=f"{tag} by hand").wait_for()
    rows = page.locator("table.layers tbody tr")
    assert rows.nth(0).inner_text().split("\t")[:3] == ["2", "Au", "(111)"]


def test_parsed_text_can_be_edited_layer_by_layer(page: Any, served: Served) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, "[LaAlO3/SrTiO3]x2 on SrTiO3")
    page.get_by_role("button", name="Edit these layers one by one").click()
    assert page.get_by_label("Layer by layer").is_checked()
    formulas = page.locator(".layer-pane input[name=composition_string]")
    values = [formulas.nth(i).input_value() for i in range(formulas.count())]
    # Listed top first, as written: the superlattice's LaAlO3 is on top.
    assert values == ["LaAlO3", "SrTiO3", "LaAlO3", "SrTiO3"]
    positions = page.locator(".layer-pane li.layer-row legend").all_inner_texts()
    assert positions == ["Layer 4", "Layer 3", "Layer 2", "Layer 1"]
