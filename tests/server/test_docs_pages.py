"""/docs and /redoc load only what filmstack ships: no CDN, a strict policy, cacheable assets."""

import re

import httpx

from tests.conftest import ServerThread


def _urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href|data-openapi-url|spec-url)="([^"]*)"', html)


def test_docs_and_redoc_load_nothing_from_elsewhere(server: ServerThread) -> None:
    for path in ("/docs", "/redoc", "/docs/", "/redoc/"):
        page = httpx.get(f"{server.url}{path}")
        assert page.status_code == 200, path
        assert "http://" not in page.text and "https://" not in page.text, path
        urls = _urls(page.text)
        assert urls and all(url.startswith("/") for url in urls), urls
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self';" in policy
        for url in urls:
            if url.startswith("/docs/assets/"):
                asset = httpx.get(f"{server.url}{url}")
                assert asset.status_code == 200 and len(asset.content) > 100, url


def test_the_assets_are_the_vendored_bundles_and_revalidate(server: ServerThread) -> None:
    bundle = httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    again = httpx.get(
        f"{server.url}/docs/assets/swagger-ui-bundle.js",
        headers={"If-None-Match": bundle.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    redoc = httpx.get(f"{server.url}/docs/assets/redoc.standalone.js")
    assert redoc.status_code == 200 and "redoc" in redoc.text[:2000].lower()


def test_only_named_assets_are_served(server: ServerThread) -> None:
    for name in ("LICENSE", "..%2Fdocs.py", "swagger-ui-bundle.js.LICENSE.txt", "nope.js"):
        answer = httpx.get(f"{server.url}/docs/assets/{name}")
        assert answer.status_code == 404, name
        assert "detail" in answer.json()


def test_the_pages_noscript_names_the_offline_docs(server: ServerThread) -> None:
    page = httpx.get(f"{server.url}/")
    assert 'href="/docs"' in page.text and 'href="/redoc"' in page.text
