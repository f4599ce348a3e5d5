"""The web router: the page at /, its assets, and GET /target-materials/{id}/stack.svg."""

import inspect
import re
import xml.etree.ElementTree as ET
from importlib import resources

import httpx
from starlette.routing import Match

from filmstack.server.app import create_app
from filmstack.server.web.router import ASSETS, stack_svg
from filmstack.server.web.router import router as web_router
from tests.conftest import Keys, ServerThread

NS = {"svg": "http://www.w3.org/2000/svg"}
STACK = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "thickness_nm": 5},
]


def _create(api: httpx.Client, name: str = "BaTiO3/SrRuO3 on SrTiO3") -> int:
    body = {"sample": {"sample_name": name, "substrate": "SrTiO3"}, "layers": STACK}
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    sample_id: int = response.json()["sample_id"]
    return sample_id


def test_the_page_is_served_at_the_root_without_a_key(server: ServerThread) -> None:
    response = httpx.get(f"{server.url}/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in response.text
    assert httpx.head(f"{server.url}/").status_code == 200


def test_the_page_loads_nothing_from_elsewhere(server: ServerThread) -> None:
    response = httpx.get(f"{server.url}/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    for name in ASSETS:
        text = httpx.get(f"{server.url}/static/{name}").text
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), name


def test_every_asset_is_served_with_its_type(server: ServerThread) -> None:
    for name, media_type in ASSETS.items():
        response = httpx.get(f"{server.url}/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == media_type
        assert response.headers["x-content-type-options"] == "nosniff"


def test_only_listed_assets_are_served(server: ServerThread) -> None:
    for name in ("router.py", "..%2Frouter.py", "index.html.bak", "%2e%2e%2fsvg.py"):
        response = httpx.get(f"{server.url}/static/{name}")
        assert response.status_code == 404, name
        assert "detail" in response.json()


def test_the_assets_the_page_refers_to_all_ship_in_the_package() -> None:
    static = resources.files("filmstack.server.web").joinpath("static")
    shipped = {entry.name for entry in static.iterdir()}
    assert shipped == set(ASSETS) | {"index.html"}
    referred = set()
    for name in shipped:
        text = static.joinpath(name).read_text(encoding="utf-8")
        referred |= set(re.findall(r"/static/([\w.-]+)", text))
        referred |= set(re.findall(r"""from "\./([\w.-]+)\"""", text))
    assert referred <= set(ASSETS)


def test_stack_svg_needs_a_valid_key(server: ServerThread, api: httpx.Client) -> None:
    sample_id = _create(api)
    url = f"{server.url}/target-materials/{sample_id}/stack.svg"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"X-API-KEY": "fs_nope"}).status_code == 401


def test_stack_svg_works_with_a_read_only_key(
    server: ServerThread, api: httpx.Client, keys: Keys
) -> None:
    sample_id = _create(api)
    response = httpx.get(
        f"{server.url}/target-materials/{sample_id}/stack.svg", headers={"X-API-KEY": keys.reader}
    )
    assert response.status_code == 200


def test_stack_svg_draws_the_stack(api: httpx.Client) -> None:
    sample_id = _create(api, name="BTO <on> SRO & STO")
    response = api.get(f"/target-materials/{sample_id}/stack.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    root = ET.fromstring(response.text)
    assert root.findtext("svg:title", namespaces=NS) == "BTO <on> SRO & STO"
    labels = [g.findall("svg:text", NS)[-1].text for g in root.iterfind("svg:g", NS)]
    assert labels == ["BaTiO3 · 5 nm", "SrRuO3 (001) · 20 nm", "SrTiO3 · substrate"]


def test_stack_svg_follows_changes_to_the_stack(api: httpx.Client) -> None:
    sample_id = _create(api)
    api.post(f"/target-materials/{sample_id}/layers", json=[]).raise_for_status()
    root = ET.fromstring(api.get(f"/target-materials/{sample_id}/stack.svg").text)
    assert len(root.findall("svg:g", NS)) == 1


def test_stack_svg_of_a_missing_or_foreign_material_is_404(
    api: httpx.Client, rival: httpx.Client
) -> None:
    sample_id = _create(api)
    assert rival.get(f"/target-materials/{sample_id}/stack.svg").status_code == 404
    assert api.get("/target-materials/999999999/stack.svg").status_code == 404
    assert api.get("/target-materials/0/stack.svg").status_code == 404
    assert api.get("/target-materials/abc/stack.svg").status_code == 422


def test_stack_svg_is_documented_and_routed_before_the_materials_routes() -> None:
    app = create_app()
    scope = {"type": "http", "method": "GET", "path": "/target-materials/5/stack.svg"}
    scope |= {"root_path": "", "headers": [], "query_string": b""}
    # The route index, tried first, must pick the drawing: not a materials route.
    match, child = app.router.routes[0].matches(scope)
    assert match == Match.FULL
    assert inspect.unwrap(child["filmstack.route"].endpoint) is stack_svg
    # And so does FastAPI's own routing behind it. It wraps an included router (newer
    # versions) or copies its routes (older ones).
    behind = app.router.routes[1:]
    first = next(route for route in behind if route.matches(scope)[0] != Match.NONE)
    assert getattr(first, "original_router", None) is web_router or (
        getattr(first, "endpoint", None) is stack_svg
    )
    spec = app.openapi()
    operation = spec["paths"]["/target-materials/{target_material_id}/stack.svg"]["get"]
    assert "image/svg+xml" in operation["responses"]["200"]["content"]
