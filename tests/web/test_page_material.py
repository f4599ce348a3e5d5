"""The material page: the drawing, the layer table beside it, note and metadata, delete."""

from pathlib import Path
from typing import Any

import pytest

from filmstack.server.web.svg import colour_for
from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser

STACK = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "thickness_nm": 5, "space_group": "P4mm"},
    {"layer_id": 3, "composition_string": "Pt", "mp_id": "mp-126"},
]


@pytest.fixture
def material(served: Served, tag: str) -> int:
    sample_id = served.create(f"{tag} BTO/SRO on STO", "SrTiO3", STACK)
    with served.client() as api:
        api.patch(
            f"/target-materials/{sample_id}",
            json={
                "detail_note_content": "Anneal at 700 C in O2.\nSecond line.",
                "sample_metadata": {"grower": "Ada", "run": 12},
            },
        ).raise_for_status()
    return sample_id


def open_material(page: Any, served: Served, sample_id: int) -> None:
    sign_in(page, served.key, f"#/materials/{sample_id}")
    page.locator("figure.drawing svg").wait_for()


def test_the_page_draws_the_stack_with_the_layer_table_beside_it(
    page: Any, served: Served, material: int, tag: str
) -> None:
    open_material(page, served, material)
    assert page.get_by_role("heading", level=1).inner_text() == f"{tag} BTO/SRO on STO"
    labels = page.locator("figure.drawing svg g > text:last-child").all_text_contents()
    assert labels == ["Pt", "BaTiO3 · 5 nm", "SrRuO3 (001) · 20 nm", "SrTiO3 · substrate"]
    heights = [
        float(h)
        for h in page.locator("figure.drawing svg g > rect:first-child").evaluate_all(
            "rects => rects.map(r => r.getAttribute('height'))"
        )
    ]
    assert heights[1] * 4 == heights[2]  # 5 nm against 20 nm
    table = page.locator("table.layers tbody tr")
    assert table.count() == 3
    assert table.nth(0).inner_text().split("\t")[:2] == ["3", "Pt"]
    assert "P4mm" in table.nth(1).inner_text()
    assert "mp-126" in table.nth(0).inner_text()
    drawing = page.locator("figure.drawing").bounding_box()
    beside = page.locator("table.layers").bounding_box()
    assert beside["x"] > drawing["x"] + drawing["width"] - 1  # beside it, at desktop width


def test_the_page_shows_the_note_and_metadata(page: Any, served: Served, material: int) -> None:
    open_material(page, served, material)
    assert page.locator(".note-text").inner_text() == "Anneal at 700 C in O2.\nSecond line."
    meta = page.locator("dl.meta").inner_text()
    assert str(material) in meta and "admin" in meta
    grower = page.get_by_role("region", name="Metadata").get_by_role("group", name="Field grower")
    assert grower.get_by_label("Value").input_value() == "Ada"


def test_colours_on_the_page_match_the_stack_svg_image(
    page: Any, served: Served, material: int
) -> None:
    open_material(page, served, material)
    fills = page.locator("figure.drawing svg g > rect:first-child").evaluate_all(
        "rects => rects.map(r => r.getAttribute('fill'))"
    )
    assert fills == [colour_for(f) for f in ("Pt", "BaTiO3", "SrRuO3", "SrTiO3")]
    formulas = [
        "SrTiO3",
        "Si",
        "BaTiO₃",
        "La2/3Sr1/3MnO3",
        "(LaAlO3)0.3(Sr2TaAlO6)0.7",
        "Ünïcode",
        "",
    ]
    in_page = page.evaluate(
        "async (fs) => { const m = await import('/static/draw.js'); return fs.map(m.colourFor); }",
        formulas,
    )
    assert in_page == [colour_for(f) for f in formulas]


def test_the_drawing_downloads_as_svg(page: Any, served: Served, material: int, tag: str) -> None:
    open_material(page, served, material)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download drawing (SVG)").click()
    download = info.value
    assert download.suggested_filename == f"{tag}_BTO_SRO_on_STO.svg"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("<svg") and "SrRuO3 (001) · 20 nm" in text


def test_delete_asks_first_and_cancel_keeps_the_material(
    page: Any, served: Served, material: int
) -> None:
    open_material(page, served, material)
    page.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog")
    assert "go to the trash" in dialog.inner_text() and "3 layers" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.is_hidden()
    assert served.material(material).status_code == 200


def test_delete_after_confirming_removes_it(
    page: Any, served: Served, material: int, tag: str
) -> None:
    open_material(page, served, material)
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("heading", name="Target materials").wait_for()
    assert f"Moved “{tag} BTO/SRO on STO” to the trash" in page.locator(".flash").inner_text()
    assert served.material(material).status_code == 404


def test_a_missing_material_says_so(page: Any, served: Served) -> None:
    sign_in(page, served.key, "#/materials/987654321")
    page.get_by_role("heading", name="Not found").wait_for()
