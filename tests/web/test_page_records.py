"""The page's records views: a material's history, the trash with Restore, and the editor
saying plainly when someone else saved first (two browser contexts on one material)."""

from typing import Any

import pytest

from tests.web.conftest import DESKTOP, Served, sign_in

pytestmark = pytest.mark.browser

STACK = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "thickness_nm": 5},
]


@pytest.fixture
def material(served: Served, tag: str) -> int:
    return served.create(f"{tag} BTO/SRO", "SrTiO3", STACK)


def test_history_shows_who_when_and_what_changed(
    page: Any, served: Served, material: int, tag: str
) -> None:
    with served.client() as api:
        api.patch(
            f"/target-materials/{material}", json={"sample_name": f"{tag} renamed"}
        ).raise_for_status()
        api.patch(
            "/target-materials/layers/",
            json={"sample_id": material, "layer_id": 2, "orientation": "(111)"},
        ).raise_for_status()
        who = api.get(f"/target-materials/{material}/history").json()[0]["user_name"]
    sign_in(page, served.key, f"#/materials/{material}")
    page.get_by_role("link", name="History").click()
    page.get_by_role("heading", name=f"History of {tag} renamed").wait_for()
    rows = page.locator("table.history tbody tr")
    assert rows.count() == 3
    newest, renamed, created = (rows.nth(i).inner_text() for i in range(3))
    assert "Changed a layer" in newest and "layer 2 orientation: — → (111)" in newest
    assert f"name: {tag} BTO/SRO → {tag} renamed" in renamed
    assert "Created" in created
    assert all(who in text for text in (newest, renamed, created))
    assert page.locator("table.history tbody tr time").count() == 3  # when, as <time>
    assert "3 changes shown, newest first" in page.locator(".subtitle").inner_text()
    assert page.get_by_role("button", name="Show older changes").is_hidden()


def test_a_deleted_material_is_in_the_trash_and_restore_brings_it_back(
    page: Any, served: Served, material: int, tag: str
) -> None:
    with served.client() as api:
        api.delete(f"/target-materials/{material}").raise_for_status()
    sign_in(page, served.key, "#/materials")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trash").click()
    page.get_by_role("heading", name="Trash").wait_for()
    row = page.locator(f"table.trash tr[data-id='{material}']")
    assert f"{tag} BTO/SRO" in row.inner_text() and "SrTiO3" in row.inner_text()
    assert row.locator("time").count() == 1
    row.get_by_role("button", name=f"Restore {tag} BTO/SRO").click()
    page.get_by_role("heading", name=f"{tag} BTO/SRO", exact=True).wait_for()
    assert f"Restored “{tag} BTO/SRO”" in page.locator(".flash").inner_text()
    restored = served.material(material)
    assert restored.status_code == 200 and len(restored.json()["layers"]) == 2


def test_delete_on_the_page_goes_to_the_trash(
    page: Any, served: Served, material: int, tag: str
) -> None:
    sign_in(page, served.key, f"#/materials/{material}")
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("heading", name="Target materials").wait_for()
    page.goto("/#/trash")
    page.locator(f"table.trash tr[data-id='{material}']").wait_for()


def test_when_someone_else_saved_first_the_editor_says_so_and_offers_to_reload(
    browser: Any, served: Served, material: int, tag: str
) -> None:
    tabs, errors = [], []
    contexts = [browser.new_context(viewport=DESKTOP, base_url=served.url) for _ in range(2)]
    try:
        for context in contexts:
            context.set_default_timeout(10_000)
            tab = context.new_page()
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(tab, served.key, f"#/materials/{material}/edit")
            tab.locator("li.layer-row").first.wait_for()
            tabs.append(tab)
        first, second = tabs
        first.get_by_label("Name").fill(f"{tag} first")
        first.get_by_role("button", name="Save changes").click()
        first.get_by_role("heading", name=f"{tag} first", exact=True).wait_for()

        second.get_by_label("Name").fill(f"{tag} second")
        second.get_by_label("Note").fill("second's note")
        second.get_by_role("button", name="Save changes").click()
        alert = second.locator(".alert p.conflict")
        alert.wait_for()
        text = second.locator(".alert").inner_text()
        assert "Someone else saved this material while you were editing it" in text
        assert "Your changes were not saved, so theirs are not overwritten" in text
        assert "revision 2" in text
        stored = served.material(material).json()
        assert stored["sample_name"] == f"{tag} first" and stored["detail_note_content"] is None
        assert second.get_by_label("Name").input_value() == f"{tag} second"  # edits kept

        second.get_by_role("button", name="Reload the latest version").click()
        second.get_by_role("heading", name=f"Edit {tag} first").wait_for()
        assert second.get_by_label("Name").input_value() == f"{tag} first"
        second.get_by_label("Note").fill("second's note, on top of theirs")
        second.get_by_role("button", name="Save changes").click()
        second.get_by_role("heading", name=f"{tag} first", exact=True).wait_for()
        stored = served.material(material).json()
        assert stored["detail_note_content"] == "second's note, on top of theirs"
        assert stored["revision"] == 3
    finally:
        for context in contexts:
            context.close()
    assert not errors, errors


def test_a_stack_saved_by_someone_else_is_not_overwritten_either(
    browser: Any, served: Served, material: int, tag: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, base_url=served.url)
    try:
        context.set_default_timeout(10_000)
        tab = context.new_page()
        sign_in(tab, served.key, f"#/materials/{material}/edit")
        tab.locator("li.layer-row").first.wait_for()
        with served.client() as api:  # another user's script changes the stack meanwhile
            api.post(
                f"/target-materials/{material}/layers",
                json=[{"layer_id": 1, "composition_string": "Pt"}],
            ).raise_for_status()
        row = tab.locator("li.layer-row[data-position='2']")
        row.get_by_label("Thickness (nm)").fill("7")
        tab.get_by_role("button", name="Save changes").click()
        tab.locator(".alert p.conflict").wait_for()
        layers = served.material(material).json()["layers"]
        assert [la["composition_string"] for la in layers] == ["Pt"]
    finally:
        context.close()


def test_a_material_created_on_the_page_comes_with_its_note_in_one_keyed_request(
    page: Any, served: Served, tag: str
) -> None:
    posts: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: posts.append(r.headers) if r.method == "POST" and "parse" not in r.url else None,
    )
    sign_in(page, served.key, "#/new")
    page.get_by_label("Layer by layer").check()
    page.get_by_label("Name", exact=True).fill(f"{tag} noted")
    page.get_by_label("Substrate", exact=True).fill("MgO")
    page.get_by_role("button", name="Add a layer on top").click()
    page.get_by_label("Formula").fill("TiN")
    page.get_by_label("Note", exact=True).fill("PLD, 650 C")
    page.get_by_role("button", name="Create material").click()
    page.get_by_role("heading", name=f"{tag} noted").wait_for()
    sample_id = int(page.url.rsplit("/", 1)[1])
    stored = served.material(sample_id).json()
    assert stored["detail_note_content"] == "PLD, 650 C" and stored["revision"] == 1
    assert len(posts) == 1 and len(posts[0].get("idempotency-key", "")) == 36


def test_revert_from_the_history_and_not_over_a_newer_change(
    page: Any, served: Served, material: int, tag: str
) -> None:
    with served.client() as api:
        api.patch(f"/target-materials/{material}", json={"sample_name": f"{tag} b"})
        api.patch(f"/target-materials/{material}", json={"sample_name": f"{tag} c"})
    sign_in(page, served.key, f"#/materials/{material}/history")
    page.get_by_role("heading", name=f"History of {tag} c").wait_for()
    assert page.get_by_role("button", name="Revert to revision 3").count() == 0  # current
    with served.client() as api:  # someone else saves while the history is open
        api.patch(f"/target-materials/{material}", json={"sample_name": f"{tag} d"})
    page.get_by_role("button", name="Revert to revision 1").click()
    alert = page.get_by_role("alert").filter(has_text="Someone else changed this material")
    alert.wait_for()
    assert served.material(material).json()["sample_name"] == f"{tag} d"

    page.reload()
    page.get_by_role("heading", name=f"History of {tag} d").wait_for()
    page.get_by_role("button", name="Revert to revision 1").click()
    page.get_by_role("heading", name=f"{tag} BTO/SRO", exact=True).wait_for()
    assert "Reverted to revision 1" in page.locator(".flash").inner_text()
    stored = served.material(material).json()
    assert stored["sample_name"] == f"{tag} BTO/SRO" and stored["revision"] == 5
