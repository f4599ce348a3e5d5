"""/docs (Swagger UI) and /redoc, served from assets in the package: they work offline.

FastAPI's own pages load Swagger UI, ReDoc and fonts from public CDNs, which leaves a white page
on a lab network without internet access. These pages load only files shipped in
filmstack/server/web (vendor/README.md names the versions and licences), and their
Content-Security-Policy lets the browser fetch nothing from anywhere else.
"""

import hashlib
from functools import cache
from html import escape
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from filmstack.server.errors import NotFound

ASSETS_PATH = "/docs/assets"

# name in the URL -> (file under filmstack/server/web, media type); nothing else is ever read.
DOCS_ASSETS: dict[str, tuple[str, str]] = {
    "swagger-ui-bundle.js": ("vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("vendor/swagger-ui/swagger-ui.css", "text/css"),
    "swagger-init.js": ("docs/swagger-init.js", "text/javascript"),
    "redoc.standalone.js": ("vendor/redoc/redoc.standalone.js", "text/javascript"),
    "favicon.svg": ("static/favicon.svg", "image/svg+xml"),
}

# Swagger UI and ReDoc set inline styles, and ReDoc runs its search in a worker made from a blob;
# scripts, requests, images and fonts may only come from this server.
DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    """The file's bytes and a strong ETag; read once per process."""
    path, _ = DOCS_ASSETS[name]
    data = resources.files("filmstack.server.web").joinpath(*path.split("/")).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _page(title: str, root: str, head: str, body: str) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="{root}{ASSETS_PATH}/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
<noscript>These API docs need JavaScript; the same contract is at
<a href="{root}/openapi.json">/openapi.json</a>.</noscript>
{body}
</body>
</html>
"""
    return HTMLResponse(html, headers=DOCS_HEADERS)


def install_docs(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets; create the app with docs_url=None, redoc_url=None."""
    openapi_url = app.openapi_url or "/openapi.json"

    def root_of(request: Request) -> str:
        return escape(str(request.scope.get("root_path", "")).rstrip("/"), quote=True)

    # With and without the trailing slash, like every other path, and without a redirect.
    @app.get("/docs", include_in_schema=False)
    @app.get("/docs/", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = root_of(request)
        assets = root + ASSETS_PATH
        return _page(
            f"{app.title} · API docs",
            root,
            f'<link rel="stylesheet" href="{assets}/swagger-ui.css">',
            f'<div id="swagger-ui" data-openapi-url="{root}{escape(openapi_url)}"></div>\n'
            f'<script src="{assets}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{assets}/swagger-init.js"></script>',
        )

    @app.get("/redoc", include_in_schema=False)
    @app.get("/redoc/", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = root_of(request)
        return _page(
            f"{app.title} · API reference",
            root,
            "",
            f'<redoc spec-url="{root}{escape(openapi_url)}"></redoc>\n'
            f'<script src="{root}{ASSETS_PATH}/redoc.standalone.js"></script>',
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    def docs_asset(name: str, request: Request) -> Response:
        if name not in DOCS_ASSETS:
            raise NotFound(f"No documentation asset {name!r}")
        data, etag = _asset(name)
        headers = {**DOCS_HEADERS, "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        media_type = DOCS_ASSETS[name][1]
        if not media_type.startswith("image/"):
            media_type += "; charset=utf-8"
        return Response(data, media_type=media_type, headers=headers)
