"""Epitaxy on the page: the mismatch beside each layer and in the drawing, critical-thickness
warnings, "unknown" with what to add, the live fit while typing, and superlattices drawn ×N.

Expected values: BaTiO3 (001) on SrTiO3 (001), cube on cube, 100 × (3.905 − 3.994) / 3.994 =
−2.2 % (ICDD cards 00-005-0626 and 00-035-0734, as in the lattice table); SrTiO3 (001) on Si
(001) grows 45° rotated, [100] SrTiO3 ∥ [110] Si (McKee, Walker & Chisholm, Phys. Rev. Lett.
81, 3014 (1998)).
"""

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from filmstack.server.web.svg import render_stack
from tests.web.conftest import PHONE, Served, screenshot, sign_in
from tests.web.test_page_create import PROMPT_LABEL, type_stack

pytestmark = pytest.mark.browser

BAD_WORDS = re.compile(r"\b(null|undefined|NaN)\b|\[object Object\]")
SVG = "http://www.w3.org/2000/svg"
SUPERLATTICE = "[LaAlO3 (5 u.c.) / SrTiO3 (5 u.c.)] x10 on SrTiO3 (001)"


def create(
    served: Served,
    name: str,
    substrate: str,
    orientation: str | None,
    layers: list,
    **extra: Any,
) -> int:
    sample: dict[str, Any] = {"sample_name": name, "substrate": substrate, **extra}
    if orientation:
        sample["substrate_orientation"] = orientation
    with served.client() as api:
        response = api.post("/target-materials/", json={"sample": sample, "layers": layers})
    assert response.status_code == 200, response.text
    sample_id: int = response.json()["sample_id"]
    return sample_id


def bto(thickness_nm: float) -> dict[str, Any]:
    return {
        "layer_id": 1,
        "composition_string": "BaTiO3",
        "orientation": "(001)",
        "thickness_nm": thickness_nm,
    }


def open_material(page: Any, served: Served, sample_id: int, signed_in: bool = False) -> None:
    if signed_in:
        page.goto(f"/#/materials/{sample_id}")
    else:
        sign_in(page, served.key, f"#/materials/{sample_id}")
    page.locator(f'a[href="#/materials/{sample_id}/edit"]').wait_for()
    page.locator("section.stack-view + section.epitaxy-report").wait_for()


def fit_cell(page: Any, position: int) -> Any:
    row = page.locator("table.layers tbody tr").filter(
        has=page.locator(f'td[data-label="Position"]:text-is("{position}")')
    )
    return row.locator("td.epitaxy-cell")


def marks(page: Any, figure: str = "section.stack-view figure.drawing") -> list[str]:
    texts: list[str] = page.locator(f"{figure} svg text.interface-mark").all_text_contents()
    return texts


def assert_no_placeholder_words(page: Any) -> None:
    """No view may show null, undefined, NaN or [object Object], in text, tooltips or drawing."""
    shown = page.locator("main").inner_text()
    assert not BAD_WORDS.search(shown), shown
    hidden = page.evaluate(
        """() => [...document.querySelectorAll('main *')].flatMap((el) => [
             ...(el.namespaceURI.endsWith('svg') ? [el.textContent] : []),
             ...[...el.attributes].map((a) => a.value)])"""
    )
    assert [t for t in hidden if BAD_WORDS.search(t)] == []


def test_the_mismatch_is_shown_beside_the_layer_and_at_its_interface(
    page: Any, served: Served, tag: str
) -> None:
    miscut = {"substrate_miscut_deg": 0.1, "substrate_miscut_toward": "[100]"}
    sample_id = create(served, f"{tag} thin BTO", "SrTiO3", "(001)", [bto(2)], **miscut)
    open_material(page, served, sample_id)
    subtitle = page.locator(".subtitle").inner_text()
    assert subtitle.startswith("On SrTiO3 (001), miscut 0.1° toward [100] · updated")
    labels = page.locator("figure.drawing svg g > text:last-child").all_text_contents()
    assert labels == ["BaTiO3 (001) · 2 nm", "SrTiO3 (001) · substrate"]
    cell = fit_cell(page, 1)
    assert cell.locator(".epitaxy-mismatch").inner_text() == "−2.2 % compressive, cube-on-cube"
    assert cell.locator(".epitaxy-warning").count() == 0  # 2 nm is below h_c ≈ 3.1 nm
    assert float(cell.locator("[data-mismatch]").get_attribute("data-mismatch")) == pytest.approx(
        -2.2, abs=0.3
    )
    assert marks(page) == ["−2.2 %"]
    # The mark sits on the interface: the bottom edge of layer 1, the top of the substrate.
    mark_y = page.locator("text.interface-mark").get_attribute("y")
    substrate_y = page.locator("svg g.substrate > rect").first.get_attribute("y")
    assert float(mark_y) == float(substrate_y)
    report = page.locator("table.epitaxy tbody tr")
    assert report.count() == 1
    assert "SrTiO3 (001) (substrate)" in report.inner_text()
    assert "[100] ∥ [100] · 3.994 Å on 3.905 Å" in report.inner_text()
    assert "2 nm planned: expected to stay strained" in report.inner_text()
    assert "negative, the film is compressed" in page.locator("section.epitaxy-report").inner_text()
    assert_no_placeholder_words(page)


def test_a_layer_past_its_critical_thickness_is_warned_with_the_assumptions(
    page: Any, served: Served, tag: str
) -> None:
    sample_id = create(served, f"{tag} thick BTO", "SrTiO3", "(001)", [bto(100)])
    open_material(page, served, sample_id)
    warning = fit_cell(page, 1).locator(".epitaxy-warning")
    assert warning.is_visible()
    assert warning.inner_text() == "⚠ Thicker than its critical thickness (≈ 3.1 nm)"
    basis = warning.get_attribute("title")
    assert "Matthews–Blakeslee" in basis and "Poisson ratio 0.3" in basis and "estimate" in basis
    assert marks(page) == ["⚠ −2.2 %"]
    assert "past-critical" in page.locator("text.interface-mark").get_attribute("class")
    row = page.locator("table.epitaxy tbody tr")
    assert "past-critical" in row.get_attribute("class")
    assert "100 nm planned: expected to relax" in row.inner_text()
    page.get_by_text("Assumptions, notes and lattice sources").click()
    notes = page.locator(".epitaxy-notes").inner_text()
    assert "Poisson ratio 0.3" in notes and "ICDD" in notes
    assert_no_placeholder_words(page)
    screenshot(page, "epitaxy-material.png")


def test_an_interface_that_cannot_be_judged_says_what_to_add(
    page: Any, served: Served, tag: str
) -> None:
    layers = [
        bto(20),
        {"layer_id": 2, "composition_string": "TiO2", "thickness_nm": 5},
    ]
    sample_id = create(served, f"{tag} TiO2 on BTO", "SrTiO3", "(001)", layers)
    open_material(page, served, sample_id)
    unknown = fit_cell(page, 2).inner_text()
    assert unknown.startswith("Unknown:") and "space group" in unknown
    assert "rutile" in unknown and "anatase" in unknown
    assert marks(page) == ["?", "⚠ −2.2 %"]
    assert_no_placeholder_words(page)

    no_orientation = create(served, f"{tag} no orientation", "SrTiO3", None, [bto(20)])
    open_material(page, served, no_orientation, signed_in=True)
    assert "substrate_orientation" in fit_cell(page, 1).inner_text()
    assert_no_placeholder_words(page)


def test_a_rotated_interface_names_its_rotation(page: Any, served: Served, tag: str) -> None:
    layer = {"layer_id": 1, "composition_string": "SrTiO3", "orientation": "(001)"}
    sample_id = create(served, f"{tag} STO on Si", "Si", "(001)", [layer])
    open_material(page, served, sample_id)
    assert fit_cell(page, 1).inner_text() == "−1.7 % compressive, 45° rotated"
    report = page.locator("table.epitaxy tbody tr").inner_text()
    assert "[100] ∥ [110]" in report and "No thickness given to compare" in report
    assert_no_placeholder_words(page)


def test_the_fit_reads_on_a_phone(browser: Any, served: Served, tag: str) -> None:
    sample_id = create(served, f"{tag} phone", "SrTiO3", "(001)", [bto(100)])
    context = browser.new_context(viewport=PHONE, base_url=served.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        open_material(page, served, sample_id)
        cell = fit_cell(page, 1)
        assert cell.is_visible() and "−2.2 % compressive" in cell.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    finally:
        context.close()


def test_the_create_preview_shows_the_fit_while_typing(page: Any, served: Served) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/epitaxy") else None)
    sign_in(page, served.key, "#/new")
    text = "BaTiO3 (001) 50 nm / SrTiO3 (001)"
    type_stack(page, text, delay=40)
    fit = page.locator(f'.epitaxy-preview[data-state=ok][data-text="{text}"]')
    fit.wait_for()
    assert "−2.2 % compressive, cube-on-cube" in fit.inner_text()
    assert "50 nm planned: expected to relax" in fit.inner_text()
    assert marks(page, ".text-pane figure.preview") == ["⚠ −2.2 %"]
    assert 1 <= len(asked) <= 3  # debounced, not one request per key
    assert_no_placeholder_words(page)

    text = "SrTiO3 (001) / Si (001)"
    type_stack(page, text)
    fit = page.locator(f'.epitaxy-preview[data-state=ok][data-text="{text}"]')
    fit.wait_for()
    assert "45° rotated" in fit.inner_text() and "−2.2" not in fit.inner_text()
    assert marks(page, ".text-pane figure.preview") == ["−1.7 %"]

    type_stack(page, "BaTiO3 / Xx2 on Si")  # unreadable: the message is at the text box
    page.locator(".epitaxy-preview[data-state=error]").wait_for(state="attached")
    assert page.locator(".epitaxy-preview").is_hidden()
    page.get_by_label(PROMPT_LABEL).fill("")
    page.locator(".epitaxy-preview[data-state=empty]").wait_for(state="attached")
    assert_no_placeholder_words(page)


def test_a_superlattice_is_drawn_with_its_repeat_count(page: Any, served: Served, tag: str) -> None:
    sign_in(page, served.key, "#/new")
    type_stack(page, SUPERLATTICE)
    preview = page.locator(".text-pane figure.preview svg")
    assert preview.locator("text.repeat-mark").all_text_contents() == ["×10"]
    assert preview.locator("g.layer").count() == 2  # one period, not twenty bands
    labels = preview.locator("g > text:last-child").all_text_contents()
    assert labels[0].startswith("LaAlO3 · 5 u.c.") and labels[1].startswith("SrTiO3 · 5 u.c.")
    page.locator(f'.epitaxy-preview[data-state=ok][data-text="{SUPERLATTICE}"]').wait_for()
    assert "(10 layers)" in page.locator(".epitaxy-preview").inner_text()
    assert_no_placeholder_words(page)

    page.get_by_label("Name", exact=True).fill(f"{tag} LAO/STO x10")
    page.get_by_role("button", name="Create material").click()
    page.get_by_role("heading", name=f"{tag} LAO/STO x10").wait_for()
    page.locator("section.stack-view + section.epitaxy-report").wait_for()
    drawing = page.locator("section.stack-view figure.drawing svg")
    assert drawing.locator("text.repeat-mark").all_text_contents() == ["×10"]
    assert "Layers 1–20" in drawing.locator(".repeat-bracket title").text_content()
    rows = page.locator("table.layers tbody tr")
    assert rows.count() == 20
    assert "5 u.c. (1.895 nm)" in rows.first.inner_text()  # 5 × a_pc of LaAlO3
    assert (
        "[LaAlO3 / SrTiO3] ×10 on SrTiO3" in page.locator("figure.drawing figcaption").inner_text()
    )
    assert_no_placeholder_words(page)
    sample_id = int(page.url.rsplit("/", 1)[-1])
    with served.client() as api:
        image = api.get(f"/target-materials/{sample_id}/stack.svg").text
    assert ">×10</text>" in image and "SrTiO3 (001) · substrate" in image
    for view, ready in (
        ("#/materials", "table.materials"),
        (f"#/materials/{sample_id}/edit", "li.layer-row"),
    ):
        page.goto(f"/{view}")
        page.locator(ready).first.wait_for()
        assert_no_placeholder_words(page)


def test_the_page_collapses_superlattices_as_the_svg_image_does(page: Any, served: Served) -> None:
    layers = []
    for cycle in range(4):
        for index, formula in enumerate(("SrTiO3", "LaAlO3", "BaTiO3")):
            repeat = {"group": 1, "count": 4, "period": 3, "index": index, "cycle": cycle}
            layers.append(
                {
                    "layer_id": cycle * 3 + index + 1,
                    "composition_string": formula,
                    "thickness_nm": 1.5 + index,
                    "repeat": repeat,
                }
            )
    layers.append({"layer_id": 13, "composition_string": "Pt", "thickness_nm": 30})
    sign_in(page, served.key)
    in_page = page.evaluate(
        """async (layers) => {
             const m = await import('/static/draw.js');
             const svg = m.drawStack(layers, 'SrTiO3', {});
             const q = (sel) => [...svg.querySelectorAll(sel)];
             return {
               bands: q('g').map((g) => [g.querySelector('rect').getAttribute('y'),
                                         g.querySelector('rect').getAttribute('height'),
                                         g.lastChild.textContent]),
               marks: q('path.repeat-bracket').map((p) => [p.getAttribute('d'),
                                                         p.nextElementSibling.textContent,
                                                         p.querySelector('title').textContent]),
             };
           }""",
        layers,
    )
    image = render_stack(layers, "SrTiO3")
    bands = re.findall(
        r'<g class="[^"]+"><rect x="\d+" y="([\d.]+)" width="\d+" height="([\d.]+)".*?'
        r'paint-order="stroke"[^>]*>([^<]*)</text></g>',
        image,
    )
    assert [t for _, _, t in bands] == [t for _, _, t in in_page["bands"]]
    assert [(float(y), float(h)) for y, h, _ in bands] == [
        (pytest.approx(float(y)), pytest.approx(float(h))) for y, h, _ in in_page["bands"]
    ]
    assert len(bands) == 3 + 1 + 1  # Pt, one period of three, the substrate
    mark = re.findall(
        r'<path class="repeat-bracket" d="([^"]*)"[^>]*><title>([^<]*)</title></path>'
        r'<text class="repeat-mark"[^>]*>(×\d+)</text>',
        image,
    )
    numbers = re.compile(r"[\d.]+")
    assert [(title, text) for _, title, text in mark] == [(t, x) for _, x, t in in_page["marks"]]
    assert [[float(n) for n in numbers.findall(d)] for d, _, _ in mark] == [
        [pytest.approx(float(n)) for n in numbers.findall(d)] for d, _, _ in in_page["marks"]
    ]
    assert in_page["marks"][0][1] == "×4"
    assert in_page["marks"][0][2] == "Layers 1–12: these 3 layers repeated 4 times (12 layers)"


def test_editing_a_stack_keeps_the_epitaxy_fields_the_editor_has_no_box_for(
    page: Any, served: Served, tag: str
) -> None:
    repeat = {"group": 1, "count": 2, "period": 1, "index": 0}
    layers = [
        {
            "layer_id": position,
            "composition_string": "LaAlO3",
            "thickness_unit_cells": 5,
            "repeat": {**repeat, "cycle": position - 1},
        }
        for position in (1, 2)
    ]
    layers.append(
        {
            "layer_id": 3,
            "composition_string": "SrTiO3",
            "orientation": "(001)",
            "thickness_nm": 10,
            "lattice": {"a": 3.9},
            "in_plane_relationship": "[100] || [100]",
        }
    )
    sample_id = create(served, f"{tag} kept", "SrTiO3", "(001)", layers)
    sign_in(page, served.key, f"#/materials/{sample_id}/edit")
    top = page.locator("li.layer-row[data-position='3']")
    top.get_by_label("Orientation").fill("(100)")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("heading", name=f"{tag} kept", exact=True).wait_for()
    stored = served.material(sample_id).json()["layers"]
    assert stored[2]["orientation"] == "(100)"
    assert stored[2]["lattice"]["a"] == 3.9
    assert stored[2]["in_plane_relationship"] == "[100] || [100]"
    assert [layer["thickness_unit_cells"] for layer in stored[:2]] == [5, 5]
    assert [layer["repeat"]["cycle"] for layer in stored[:2]] == [0, 1]
    page.locator("section.stack-view + section.epitaxy-report").wait_for()
    drawing = page.locator("section.stack-view figure.drawing svg")
    assert drawing.locator("text.repeat-mark").all_text_contents() == ["×2"]


PARITY_STACKS = [
    "Pt (111) 50 nm / TiO2 10 nm / SrTiO3 (001) 500 nm / Si (001)",
    "ZnO (0001) / GaN (0001) 2000 nm / Al2O3 (0001)",
    SUPERLATTICE,
    "Fe (001) 0.4 nm / MgO (001)",
]


def wire_layers(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """The parse answer's layers (top first) as stored layers, positions from the substrate."""
    return [
        {
            "layer_id": position,
            "composition_string": layer["formula"],
            **{key: layer[key] for key in ("orientation", "thickness_nm") if layer.get(key)},
            **{k: layer[k] for k in ("thickness_unit_cells", "repeat") if layer.get(k)},
        }
        for position, layer in enumerate(reversed(parsed["layers"]), start=1)
    ]


def test_the_svg_image_marks_interfaces_as_the_page_does(page: Any, served: Served) -> None:
    sign_in(page, served.key)
    seen: set[str] = set()
    for text in PARITY_STACKS:
        with served.client() as api:
            parsed = api.post("/target-materials/parse", json={"prompt": text}).json()
            interfaces = api.post("/epitaxy", json={"prompt": text}).json()["interfaces"]
        layers = wire_layers(parsed)
        in_page = page.evaluate(
            """async ([layers, substrate, interfaces]) => {
                 const draw = await import('/static/draw.js');
                 const ep = await import('/static/epitaxy.js');
                 const svg = draw.drawStack(layers, substrate, {});
                 ep.markDrawing(svg, interfaces);
                 return [...svg.querySelectorAll('text.interface-mark')].map((t) => {
                   const box = t.previousElementSibling;
                   return [t.textContent, t.getAttribute('class'), t.getAttribute('x'),
                           t.getAttribute('y'), box.getAttribute('x'), box.getAttribute('width'),
                           box.querySelector('title').textContent];
                 });
               }""",
            [layers, parsed["substrate"], interfaces],
        )
        image = ET.fromstring(render_stack(layers, parsed["substrate"], interfaces=interfaces))
        children = list(image)
        in_image = []
        for i, child in enumerate(children):
            if child.get("class", "").startswith("interface-mark"):
                box = children[i - 1]
                in_image.append(
                    [
                        child.text,
                        child.get("class"),
                        child.get("x"),
                        child.get("y"),
                        box.get("x"),
                        box.get("width"),
                        box.findtext(f"{{{SVG}}}title"),
                    ]
                )
        assert len(in_image) == len(in_page) >= 1, text
        for mine, theirs in zip(in_image, in_page, strict=True):
            assert mine[:2] == theirs[:2] and mine[6] == theirs[6], text
            assert [float(v) for v in mine[2:6]] == [pytest.approx(float(v)) for v in theirs[2:6]]
        seen.update(row[0] for row in in_page)
    # Between them the stacks drew a plain, a warned and an unknown mark.
    assert {"?", "⚠ −1.7 %", "0 %"} <= seen
