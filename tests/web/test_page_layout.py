"""Usable by keyboard, a label on every control, readable at phone width; the screenshots."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import (
    PHONE,
    Served,
    assert_no_stray_text,
    new_context,
    screenshot,
    serve,
    sign_in,
)

pytestmark = pytest.mark.browser

# A small lab's worth of stacks, for screenshots that look like real use.
LAB = [
    ("BaTiO3 (001) on SrTiO3", "SrTiO3", [("SrRuO3", "(001)", 20), ("BaTiO3", "(001)", 50)]),
    (
        "LSMO/STO superlattice",
        "NdGaO3",
        [("La0.7Sr0.3MnO3", "(001)", 4), ("SrTiO3", None, 2)] * 3,
    ),
    ("GaN template", "Al2O3", [("AlN", "(0001)", 25), ("GaN", "(0001)", 2000)]),
    ("Pt/Ti bottom electrode", "Si", [("SiO2", None, 300), ("Ti", None, 5), ("Pt", "(111)", 100)]),
    ("LaAlO3/SrTiO3 interface", "SrTiO3", [("LaAlO3", "(001)", None)]),
    (
        "PZT capacitor",
        "SrTiO3",
        [("SrRuO3", "(001)", 30), ("PbZr0.2Ti0.8O3", "(001)", 100), ("SrRuO3", None, 30)],
    ),
    ("BiFeO3 on DyScO3", "DyScO3", [("BiFeO3", "(001)", 100)]),
    ("YBCO film", "MgO", [("YBa2Cu3O6.9", "(001)", 200)]),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[str, int]]]:
    """A server of its own holding only LAB, so that the screenshots show nothing else."""
    with serve(tmp_path_factory.mktemp("lab-data")) as running:
        ids = {}
        for name, substrate, layers in LAB:
            ids[name] = running.create(
                name,
                substrate,
                [
                    {"layer_id": i, "composition_string": f, "orientation": o, "thickness_nm": t}
                    for i, (f, o, t) in enumerate(layers, start=1)
                ],
            )
        with running.client() as api:
            api.patch(
                f"/target-materials/{ids['PZT capacitor']}",
                json={
                    "detail_note_content": "PLD at 650 °C, 0.1 mbar O2, 2 Hz. "
                    "Anneal 1 h at 500 °C in 1 bar O2 before the top electrode.",
                    "sample_metadata": {"grower": "A. Lovelace", "chamber": "PLD-2"},
                },
            ).raise_for_status()
        yield running, ids


def fits(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]


def unlabelled(page: Any) -> list[str]:
    """Visible controls without an accessible name (label, aria-label or text)."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select, button, a[href]')]
            .filter((el) => el.offsetParent !== null || el.closest('dialog[open]'))
            .filter((el) => {
              if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) {
                return el.labels.length === 0 && !el.getAttribute('aria-label');
              }
              return !(el.getAttribute('aria-label') || el.textContent.trim() ||
                       el.querySelector('img[alt]:not([alt=""])'));
            })
            .map((el) => el.outerHTML.slice(0, 120))"""
    )
    return found


def test_screenshots_of_the_list_and_a_material(
    browser: Any, lab: tuple[Served, dict[str, int]]
) -> None:
    served, ids = lab
    context = new_context(browser, served)
    page = context.new_page()
    sign_in(page, served.key)
    page.locator("table.materials tbody tr").nth(len(LAB) - 1).wait_for()
    page.reload()  # without the "Signed in." note
    page.locator("table.materials tbody tr").nth(len(LAB) - 1).wait_for()
    screenshot(page, "list.png")
    page.goto(f"{served.url}/#/materials/{ids['PZT capacitor']}")
    page.get_by_role("heading", name="PZT capacitor").wait_for()
    screenshot(page, "material.png")
    assert_no_stray_text(page)
    context.close()


@pytest.mark.parametrize("view", ["list", "material", "new", "edit"])
def test_readable_at_phone_width(
    browser: Any, lab: tuple[Served, dict[str, int]], view: str
) -> None:
    served, ids = lab
    context = new_context(browser, served, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, served.key)
    sample_id = ids["Pt/Ti bottom electrode"]
    route = {
        "list": "#/materials",
        "material": f"#/materials/{sample_id}",
        "new": "#/new",
        "edit": f"#/materials/{sample_id}/edit",
    }[view]
    page.goto(f"{served.url}/{route}")
    page.locator("main h1").wait_for()
    if view == "new":
        page.get_by_label("Stack, film first and substrate last").fill(
            "5 nm Pt (111) / 20 nm La0.7Sr0.3MnO3 / SrTiO3 (001)"
        )
        page.locator("figure.preview svg").wait_for()
    page.locator("main svg").first.wait_for()
    assert fits(page), f"the {view} view scrolls sideways at {PHONE['width']} px"
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
              'main p, main td, main th, main label, main input, main button, main a')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""
    )
    assert smallest >= 13
    screenshot(page, f"{view}-phone.png")
    assert_no_stray_text(page)
    context.close()


def test_every_control_has_a_label(page: Any, served: Served, tag: str) -> None:
    page.goto("/")
    page.get_by_label("API key").wait_for()
    assert unlabelled(page) == []
    sample_id = served.create(f"{tag} labels", "Si", [{"layer_id": 1, "composition_string": "Pt"}])
    sign_in(page, served.key)
    page.locator("section.results[aria-busy=false]").wait_for(state="attached")
    assert unlabelled(page) == []
    page.goto(f"/#/materials/{sample_id}")
    page.locator("figure.drawing svg").wait_for()
    assert unlabelled(page) == []
    page.get_by_role("button", name="Delete…").click()
    assert unlabelled(page) == []
    page.keyboard.press("Escape")
    page.goto("/#/new")
    page.get_by_label("Layer by layer").check()
    page.get_by_role("button", name="Add a layer on top").click()
    assert unlabelled(page) == []
    page.goto(f"/#/materials/{sample_id}/edit")
    page.locator("li.layer-row").wait_for()
    assert unlabelled(page) == []


def tab_to(page: Any, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text or label is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const el = document.activeElement;"
            " return (el.getAttribute('aria-label') || el.textContent || '').trim(); }"
        )
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def focused_tag(page: Any) -> str:
    tag_name: str = page.evaluate("document.activeElement.tagName")
    return tag_name


def test_usable_with_the_keyboard_alone(page: Any, served: Served, tag: str) -> None:
    served.create(f"{tag} keyboard", "Si", [{"layer_id": 1, "composition_string": "Pt"}])
    page.goto(f"/#/materials?name={tag}")
    page.get_by_label("API key").wait_for()
    assert focused_tag(page) == "INPUT"  # the key field has the focus from the start
    page.keyboard.type(served.key)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Target materials").wait_for()
    page.locator("main h1:focus").wait_for()  # the view moves the focus to its heading
    tab_to(page, f"{tag} keyboard")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"{tag} keyboard").wait_for()
    page.locator("main h1:focus").wait_for()  # the view moves the focus to its heading
    tab_to(page, "Delete…")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "Delete…"
    tab_to(page, "Edit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Edit {tag} keyboard").wait_for()
    tab_to(page, "Add a layer on top")
    page.keyboard.press("Enter")
    page.keyboard.type("Ti")
    tab_to(page, "Move layer 2 (Ti) down")
    page.keyboard.press("Enter")
    tab_to(page, "Save changes")
    page.keyboard.press("Enter")
    page.locator(".flash").filter(has_text="Changes saved").wait_for()
    layers = served.material(int(page.url.rsplit("/", 1)[1])).json()["layers"]
    assert [layer["composition_string"] for layer in layers] == ["Ti", "Pt"]


def test_the_skip_link_leads_to_the_content(page: Any, served: Served) -> None:
    sign_in(page, served.key)
    page.reload()
    page.get_by_role("heading", name="Target materials").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#/materials")
