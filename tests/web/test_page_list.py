"""The list on the page: name, substrate, drawing and last update; search; cursor paging."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Served, screenshot, sign_in

pytestmark = pytest.mark.browser


def rows(page: Any) -> list[str]:
    page.locator("section.results[aria-busy=false]").wait_for(state="attached")
    names: list[str] = page.locator("table.materials tbody th a").all_inner_texts()
    return names


def search(page: Any, *, name: str = "", substrate: str = "", elements: str = "") -> list[str]:
    page.get_by_label("Name contains").fill(name)
    page.get_by_label("Substrate").fill(substrate)
    page.get_by_label("Elements").fill(elements)
    with page.expect_response(lambda r: "/target-materials/?" in r.url):
        page.get_by_role("button", name="Search").click()
    return rows(page)


@pytest.fixture
def three(served: Served, tag: str) -> dict[str, int]:
    return {
        "bto": served.create(
            f"{tag} BaTiO3 on SrTiO3",
            "SrTiO3",
            [
                {
                    "layer_id": 1,
                    "composition_string": "BaTiO3",
                    "orientation": "(001)",
                    "thickness_nm": 40,
                }
            ],
        ),
        "gan": served.create(
            f"{tag} GaN on sapphire",
            "Al2O3",
            [
                {
                    "layer_id": 1,
                    "composition_string": "GaN",
                    "orientation": "(0001)",
                    "thickness_nm": 500,
                }
            ],
        ),
        "lsmo": served.create(
            f"{tag} Pt/LSMO/STO on Si",
            "Si",
            [
                {
                    "layer_id": 1,
                    "composition_string": "SrTiO3",
                    "orientation": "(001)",
                    "thickness_nm": 20,
                },
                {"layer_id": 2, "composition_string": "La0.7Sr0.3MnO3", "thickness_nm": 8},
                {"layer_id": 3, "composition_string": "Pt", "thickness_nm": 2},
            ],
        ),
    }


def test_the_list_shows_name_substrate_drawing_and_last_update(
    page: Any, served: Served, tag: str, three: dict[str, int]
) -> None:
    sign_in(page, served.key)
    assert search(page, name=tag) == [
        f"{tag} BaTiO3 on SrTiO3",
        f"{tag} GaN on sapphire",
        f"{tag} Pt/LSMO/STO on Si",
    ]
    row = page.locator(f"tr[data-id='{three['lsmo']}']")
    assert row.locator("td[data-label=Substrate]").inner_text() == "Si"
    assert row.locator("td[data-label=Layers]").inner_text() == "Pt / La0.7Sr0.3MnO3 / SrTiO3"
    assert row.locator("time").get_attribute("datetime").endswith("Z")
    thumbnail = row.locator("svg.stack-thumbnail")
    assert thumbnail.get_attribute("aria-label") == "Stack: Pt / La0.7Sr0.3MnO3 / SrTiO3 on Si"
    assert thumbnail.locator("rect").count() == 5  # three layers, the substrate and its shade
    screenshot(page, "list-search.png")


def test_search_by_element(page: Any, served: Served, tag: str, three: dict[str, int]) -> None:
    sign_in(page, served.key)
    assert search(page, name=tag, elements="Ti") == [
        f"{tag} BaTiO3 on SrTiO3",
        f"{tag} Pt/LSMO/STO on Si",
    ]
    assert search(page, name=tag, elements="Mn, Pt") == [f"{tag} Pt/LSMO/STO on Si"]
    assert search(page, name=tag, elements="Ga N") == [f"{tag} GaN on sapphire"]
    assert "element=Ga&element=N" in page.url
    assert search(page, name=tag, elements="Ga, Ti") == []
    assert "No target materials match" in page.locator("section.results").inner_text()


def test_search_by_name_and_substrate(
    page: Any, served: Served, tag: str, three: dict[str, int]
) -> None:
    sign_in(page, served.key)
    assert search(page, name=f"{tag} gan") == [f"{tag} GaN on sapphire"]
    assert search(page, name=tag, substrate="Si") == [f"{tag} Pt/LSMO/STO on Si"]
    page.get_by_role("button", name="Clear").click()
    page.wait_for_url("**/#/materials")
    # The view redraws on hashchange, just after the URL changes: wait for it, do not race it.
    expect(page.get_by_label("Name contains")).to_have_value("")


def test_a_bad_element_is_explained_at_the_field(page: Any, served: Served) -> None:
    sign_in(page, served.key)
    search(page, elements="Qq")
    elements = page.get_by_label("Elements")
    assert elements.get_attribute("aria-invalid") == "true"
    assert "not a chemical element symbol" in page.locator(".field-error:visible").inner_text()


def test_the_list_pages_with_the_cursor(page: Any, served: Served, tag: str) -> None:
    for i in range(30):
        served.create(
            f"{tag} film {i:02d}", "SrTiO3", [{"layer_id": 1, "composition_string": "BaTiO3"}]
        )
    listed: list[str] = []
    page.on(
        "request",
        lambda r: (
            listed.append(r.url)
            if "/target-materials/?" in r.url or r.url.endswith("/target-materials/")
            else None
        ),
    )
    sign_in(page, served.key)
    first = search(page, name=tag)
    assert first == [f"{tag} film {i:02d}" for i in range(25)]
    assert page.locator(".page-number").inner_text() == "Page 1"
    with page.expect_response(lambda r: "cursor=" in r.url):
        page.get_by_role("link", name="Next page").click()
    second = rows(page)
    assert second == [f"{tag} film {i:02d}" for i in range(25, 30)]
    assert page.get_by_role("link", name="Next page").count() == 0
    assert page.locator(".page-number").inner_text() == "Page 2"
    with page.expect_response(lambda r: "/target-materials/?" in r.url):
        page.get_by_role("link", name="Previous page").click()
    assert "cursor=" not in page.url
    assert rows(page) == first
    # Every list call asked for one page (or one row, to check the key): never for everything.
    assert listed and all(re.search(r"[?&]limit=(1|25)(&|$)", url) for url in listed)
