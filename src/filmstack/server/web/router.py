"""The browser UI: one page at /, its static assets, and the stack drawing as an SVG image."""

from functools import cache
from importlib import resources
from typing import Any

from fastapi import Response
from fastapi.responses import HTMLResponse

from filmstack.server.deps import ReadKey, SessionDep
from filmstack.server.epitaxy import service as epitaxy
from filmstack.server.errors import NotFound
from filmstack.server.materials import service
from filmstack.server.materials.serialize import read_layers
from filmstack.server.routing import PrefixRouter
from filmstack.server.validation import MaterialPathId
from filmstack.server.web.svg import render_stack

router = PrefixRouter()

# Every asset is named here: nothing outside this list is ever read from the package.
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "dom.js": "text/javascript; charset=utf-8",
    "draw.js": "text/javascript; charset=utf-8",
    "editor.js": "text/javascript; charset=utf-8",
    "views.js": "text/javascript; charset=utf-8",
    "signin.js": "text/javascript; charset=utf-8",
    "list.js": "text/javascript; charset=utf-8",
    "material.js": "text/javascript; charset=utf-8",
    "create.js": "text/javascript; charset=utf-8",
    "edit.js": "text/javascript; charset=utf-8",
    "exchange.js": "text/javascript; charset=utf-8",
    "metadata.js": "text/javascript; charset=utf-8",
    "samples.js": "text/javascript; charset=utf-8",
    "history.js": "text/javascript; charset=utf-8",
    "trash.js": "text/javascript; charset=utf-8",
    "conflict.js": "text/javascript; charset=utf-8",
    "epitaxy.js": "text/javascript; charset=utf-8",
    "marks.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

# The page loads nothing from elsewhere (labs are often offline) and runs no inline script.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

# An SVG opened on its own is a document: it must not run script or load anything.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _asset(name: str) -> bytes:
    return resources.files("filmstack.server.web").joinpath("static", name).read_bytes()


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def index() -> HTMLResponse:
    """The single page; client-side routes live in the hash (#/materials/12)."""
    return HTMLResponse(_asset("index.html"), headers=PAGE_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"No static file {name!r}")
    return Response(_asset(name), media_type=media_type, headers=PAGE_HEADERS)


@router.get(
    "/target-materials/{target_material_id}/stack.svg",
    tags=["target materials"],
    response_class=Response,
    responses={
        200: {
            "content": {"image/svg+xml": {"example": '<svg xmlns="http://www.w3.org/2000/svg" …>'}},
            "description": "The drawing: substrate at the bottom, layers above in order.",
        },
        404: {"description": "No such target material in your organization."},
    },
)
def stack_svg(
    target_material_id: MaterialPathId, principal: ReadKey, session: SessionDep
) -> Response:
    """Extension: the stack drawn as SVG, for notebooks and reports to embed."""
    material = service.get_material(session, principal, target_material_id)
    layers: list[dict[str, Any]] = read_layers(session, material.id)
    index = epitaxy.organization_index(session, principal.organization_id)
    svg = render_stack(
        layers,
        material.substrate,
        title=material.sample_name,
        substrate_orientation=material.substrate_orientation,
        interfaces=epitaxy.stored_interfaces(
            material.substrate, material.substrate_orientation, layers, index
        ),
    )
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)
