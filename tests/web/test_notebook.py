"""Materials in Jupyter: _repr_html_ shown in a real browser, escaped, with no script."""

from collections.abc import Iterator
from typing import Any

import pytest

from filmstack import Client
from filmstack.notebook import MaterialList, MaterialView
from tests.web.conftest import Served

pytestmark = pytest.mark.browser

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture
def fs(served: Served) -> Iterator[Client]:
    with Client(served.key, served.url) as client:
        yield client


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=True)
    tab = context.new_page()
    # Nothing may be fetched: the HTML must stand on its own, as in a notebook saved offline.
    tab.route("**/*", lambda route: route.abort())
    yield tab
    context.close()


def _materials(client: Client, tag: str) -> list[int]:
    first = client.create_target_material(
        tag + HOSTILE,
        "SrTiO3 <b>bold</b>",
        [
            {"layer_id": 1, "composition_string": "SrRuO3", "thickness_nm": 20},
            {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)"},
        ],
    ).sample_id
    client.set_detail_note(first, "<i>note</i>")
    second = client.create_target_material(f"{tag} bare Si", "Si").sample_id
    return [first, second]


def test_a_material_shows_its_drawing_beside_its_layer_table(
    fs: Client, page: Any, tag: str
) -> None:
    first, _ = _materials(fs, tag)
    material = fs.get_target_material(first)
    assert isinstance(material, MaterialView)
    html = material._repr_html_()
    assert "<script" not in html.replace("&lt;script", "")
    page.set_content(f"<!doctype html><body>{html}</body>")
    drawing = page.locator("figure svg")
    table = page.locator("table.filmstack-layers")
    assert drawing.is_visible() and table.is_visible()
    box_svg, box_table = drawing.bounding_box(), table.bounding_box()
    assert box_svg["x"] + box_svg["width"] <= box_table["x"]  # beside, not above
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(1).inner_text() == "BaTiO3"  # top layer first
    assert rows.nth(1).locator("td").nth(4).inner_text() == "20 nm"
    assert page.locator("h4").inner_text().startswith(tag + HOSTILE)  # shown as text
    assert page.get_by_text("<i>note</i>").is_visible()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("body script, body img, body b, body i").count() == 0


def test_a_list_of_materials_is_a_table_with_thumbnails(fs: Client, page: Any, tag: str) -> None:
    ids = _materials(fs, tag)
    materials = fs.get_target_materials(ids)
    assert isinstance(materials, MaterialList) and [m.sample_id for m in materials] == ids
    page.set_content(f"<!doctype html><body>{materials._repr_html_()}</body>")
    rows = page.locator("table.filmstack-materials tbody tr")
    assert rows.count() == 2
    thumb = rows.nth(0).locator("svg")
    assert thumb.is_visible() and thumb.bounding_box()["width"] <= 121
    assert rows.nth(0).locator("td").nth(5).inner_text() == "BaTiO3 / SrRuO3 / SrTiO3 <b>bold</b>"
    assert rows.nth(1).locator("td").nth(2).inner_text() == f"{tag} bare Si"
    patterns = page.locator("pattern").evaluate_all("els => els.map(e => e.id)")
    assert len(set(patterns)) == len(patterns) == 2  # each drawing fills with its own hatch
    assert page.evaluate("window.__pwned") is None
    assert MaterialList()._repr_html_().count("No target materials.") == 1
